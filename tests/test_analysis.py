"""Proposal analysis: negation, hedging, adequacy, tolerance of typos, and honest evidence.

Most tests use a small knowledge base built here, so they test the mechanisms, not the
wording of the bundled signals; the last ones run the bundled knowledge base on real text.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.analysis import Analysis, Analyzer, analysis_to_dict
from bot.core.knowledge import (
    AREA_IDS,
    Area,
    Citation,
    KnowledgeBase,
    Mitigation,
    Risk,
    Signals,
    Source,
    load_default,
)

DEV = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev"


def _area(area_id: str, reveal: tuple[str, ...] = (), covered: tuple[str, ...] = ()) -> Area:
    return Area(
        id=area_id,
        title=area_id.title(),
        question=f"What about {area_id}?",
        ok_when="covered",
        risk_when="not covered",
        signals=Signals(reveal=list(reveal), covered=list(covered)),
    )


def _risk(
    risk_id: str, severity: str, reveal: tuple[str, ...] = (), covered: tuple[str, ...] = ()
) -> Risk:
    return Risk(
        id=risk_id,
        area=risk_id.split(".")[0],
        stage="deployment",
        kind="failure-mode",
        severity=severity,
        title=f"Title of {risk_id}",
        description="A description.",
        signals=Signals(reveal=list(reveal), covered=list(covered)),
        mitigations=[Mitigation(action=f"Fix {risk_id}.", owner="lead", done_when="fixed")],
        sources=[Citation(source="book", where="chapter 1")],
    )


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    areas = {a: _area(a) for a in AREA_IDS}
    areas["deployment"] = _area(
        "deployment",
        covered=(
            "on-call",
            "owns the service",
            "re:\\bfeature flags?\\b",
            "switched off",
            "owned by",
        ),
    )
    areas["monitoring"] = _area("monitoring", covered=("drift alerts", "retrain", "dashboard"))
    areas["ethics"] = _area("ethics", covered=("no decisions about people",))
    areas["feasibility"] = _area("feasibility", covered=("latency budget", "nightly batch"))
    risks = {
        r.id: r
        for r in (
            _risk("deployment.no-owner", "high", reveal=("no one has signed up",)),
            _risk("monitoring.vague", "medium", reveal=("keep an eye on",)),
            _risk(
                "data.no-outcomes",
                "high",
                reveal=("declined applicants have no outcome",),
                covered=("reject inference sample",),
            ),
        )
    }
    kb = KnowledgeBase(
        areas=areas,
        risks=risks,
        questions={},
        sources={"book": Source(id="book", title="A Book")},
    )
    return Analyzer(kb, rules_only=True)  # the mechanisms, not the fitted decision model


def level(analyzer: Analyzer, text: str, area: str) -> str:
    return analyzer.analyse(text).areas[area].level


def test_every_area_is_reported_in_order(analyzer: Analyzer) -> None:
    result = analyzer.analyse("A short note.")
    assert list(result.areas) == list(AREA_IDS)


def test_silence_is_a_medium_finding_without_evidence(analyzer: Analyzer) -> None:
    area = analyzer.analyse("We will train a model.").areas["monitoring"]
    assert area.level == "medium"
    (finding,) = area.findings
    assert (finding.reason, finding.risk, finding.evidence, finding.start) == (
        "silent",
        None,
        "",
        -1,
    )


def test_adequate_coverage_settles_the_area(analyzer: Analyzer) -> None:
    text = "The platform team owns the service, with on-call in their rotation and a feature flag."
    area = analyzer.analyse(text).areas["deployment"]
    assert area.level == "low"
    assert area.findings == ()
    assert area.coverage == (text,)


def test_negated_coverage_is_a_stated_problem(analyzer: Analyzer) -> None:
    area = analyzer.analyse("The model is ready. No on-call identified.").areas["deployment"]
    assert area.level == "high"
    assert [(f.reason, f.evidence) for f in area.findings] == [
        ("negated", "No on-call identified.")
    ]


def test_a_stated_problem_names_its_risk_and_severity(analyzer: Analyzer) -> None:
    area = analyzer.analyse("Honestly, no one has signed up to maintain this.").areas["deployment"]
    assert area.level == "high"
    (finding,) = area.findings
    assert (finding.risk, finding.severity, finding.reason) == (
        "deployment.no-owner",
        "high",
        "stated",
    )


def test_hedged_monitoring_is_not_coverage(analyzer: Analyzer) -> None:
    text = "The dashboard will probably be handled by platform; drift alerts are TBD."
    area = analyzer.analyse(text).areas["monitoring"]
    assert area.level == "medium"
    assert {f.reason for f in area.findings} == {"hedged"}


def test_monitoring_once_it_is_live_alone_is_not_adequate(analyzer: Analyzer) -> None:
    assert level(analyzer, "We'll retrain it once it's live.", "monitoring") == "medium"


def test_a_bare_mention_is_vague_not_coverage(analyzer: Analyzer) -> None:
    area = analyzer.analyse("There will be a dashboard.").areas["monitoring"]
    assert area.level == "medium"
    assert [f.reason for f in area.findings] == ["vague"]


def test_a_question_is_hedged(analyzer: Analyzer) -> None:
    text = "Could the platform team own the service, with on-call and a feature flag?"
    assert level(analyzer, text, "deployment") == "medium"


def test_typos_and_inflections_still_match(analyzer: Analyzer) -> None:
    text = "Dashbaords per region, drift alerst per feature, and the model is retrained weekly."
    assert level(analyzer, text, "monitoring") == "low"
    assert (
        level(analyzer, "The Data team owned the sevrice; oncall and feature flags.", "deployment")
        == "low"
    )


def test_a_negation_does_not_reach_past_and(analyzer: Analyzer) -> None:
    text = "Lab measurements only; no personal data and no decisions about people."
    assert level(analyzer, text, "ethics") == "low"


def test_no_and_not_read_alike(analyzer: Analyzer) -> None:
    assert level(analyzer, "It ranks products, not decisions about people.", "ethics") == "low"


def test_a_negated_problem_is_not_a_negation_of_coverage(analyzer: Analyzer) -> None:
    text = "No problem fitting the latency budget, since it runs as a nightly batch."
    assert level(analyzer, text, "feasibility") == "low"


def test_a_negated_need_relaxes_a_requirement_and_leaves_nothing_missing(
    analyzer: Analyzer,
) -> None:
    for text in (
        "We don't need a latency budget: it runs as a nightly batch.",
        "It runs as a nightly batch; no latency budget is needed.",
        "It runs as a nightly batch, with no latency budget constraint.",
        "It runs as a nightly batch; no latency budget check is needed.",
    ):
        assert level(analyzer, text, "feasibility") == "low", text
    assert level(analyzer, "There is no latency budget.", "feasibility") == "high"


def test_a_hyphenated_no_is_part_of_a_noun(analyzer: Analyzer) -> None:
    text = "The no-show forecast is owned by the revenue team, who carry it on-call."
    assert level(analyzer, text, "deployment") == "low"
    assert level(analyzer, "No-one owns the service.", "deployment") == "high"


def test_nothing_beyond_something_says_the_something_is_there(analyzer: Analyzer) -> None:
    text = "No plan beyond the drift alerts, the dashboard and a monthly retrain."
    assert level(analyzer, text, "monitoring") == "low"
    assert level(analyzer, "No drift alerts and no dashboard.", "monitoring") == "high"


def test_coverage_under_another_areas_heading_counts_half(analyzer: Analyzer) -> None:
    body = "The promo table was switched off, and the warehouse is owned by BI.\n"
    assert level(analyzer, "## Value\n" + body, "deployment") == "medium"
    assert level(analyzer, "## Running it\n" + body, "deployment") == "low"


def test_a_no_negates_its_noun_phrase_not_the_rest_of_the_clause(analyzer: Analyzer) -> None:
    text = "Approved without a reviewer within the nightly batch, inside the latency budget."
    assert level(analyzer, text, "feasibility") == "low"
    assert (
        level(analyzer, "There is no nightly batch and no latency budget.", "feasibility") == "high"
    )


def test_a_negated_verb_right_after_a_phrase_negates_it(analyzer: Analyzer) -> None:
    area = analyzer.analyse("On-call isn't arranged yet.").areas["deployment"]
    assert area.level == "high"
    assert [f.reason for f in area.findings] == ["negated"]


def test_quoted_words_are_not_cues(analyzer: Analyzer) -> None:
    text = 'Dashboards of "it was unclear" feedback, drift alerts per language, retrain monthly.'
    assert level(analyzer, text, "monitoring") == "low"


def test_a_negation_under_another_areas_heading_is_left_to_that_area(analyzer: Analyzer) -> None:
    text = "## Data\nNobody owns the service that exports it yet.\n"
    area = analyzer.analyse(text).areas["deployment"]
    assert all(f.reason != "negated" for f in area.findings)
    text = "## Running it\nNobody owns the service yet.\n"
    assert level(analyzer, text, "deployment") == "high"


def test_a_bold_label_inside_a_paragraph_is_a_heading(analyzer: Analyzer) -> None:
    text = "**Value.** It saves money. **Running it:** the old job is switched off, owned by BI.\n"
    assert level(analyzer, text, "deployment") == "low"


def test_a_section_answered_with_a_negation_or_a_hedge_is_a_finding(analyzer: Analyzer) -> None:
    result = analyzer.analyse("- Monitoring: not discussed.\n- Running it: TBD.\n")
    assert result.areas["monitoring"].level == "high"
    assert result.areas["monitoring"].findings[0].reason == "negated"
    assert result.areas["deployment"].level == "medium"
    assert result.areas["deployment"].findings[0].reason == "hedged"


def test_a_short_negative_statement_about_something_else_is_not_an_answer(
    analyzer: Analyzer,
) -> None:
    text = "**People.** No decisions about people. The bot comments on code, not people.\n"
    assert level(analyzer, text, "ethics") == "low"


def test_the_document_title_is_not_a_section(analyzer: Analyzer) -> None:
    body = "Dashboards per region, drift alerts per feature, retrain monthly.\n"
    assert (
        level(analyzer, "**Q-12: latency of the evaluation service**\n\n" + body, "monitoring")
        == "low"
    )


def test_a_problem_followed_by_its_own_mitigation_is_not_a_finding(analyzer: Analyzer) -> None:
    stated = "Declined applicants have no outcome."
    assert level(analyzer, stated, "data") == "high"
    handled = stated + " We label a reject inference sample from the bureau's data."
    assert all(f.reason != "stated" for f in analyzer.analyse(handled).areas["data"].findings)


def test_findings_are_sorted_most_serious_first(analyzer: Analyzer) -> None:
    result = analyzer.analyse("No one has signed up to run it. We'll keep an eye on it.")
    ranks = [{"high": 3, "medium": 2, "low": 1}[f.level] for f in result.findings]
    assert ranks == sorted(ranks, reverse=True)
    assert result.findings[0].risk == "deployment.no-owner"


def test_settled_is_the_set_of_low_areas(analyzer: Analyzer) -> None:
    result = analyzer.analyse("It makes no decisions about people.")
    assert result.settled() == {"ethics"}


def test_a_negation_in_a_relative_clause_stops_at_the_main_verb(analyzer: Analyzer) -> None:
    area = analyzer.analyse("Jobs that were never reviewed are owned by BI.").areas["deployment"]
    assert all(f.reason != "negated" for f in area.findings)
    assert level(analyzer, "The jobs are not owned by BI.", "deployment") == "high"


def test_an_areas_own_section_that_only_hedges_leaves_it_unsettled(analyzer: Analyzer) -> None:
    covered = "Drift alerts per model, and we retrain monthly, with a dashboard.\n"
    assert level(analyzer, covered, "monitoring") == "low"
    hedged = covered + "\n## Monitoring\nThe dashboard will probably be handled by platform.\n"
    assert level(analyzer, hedged, "monitoring") == "medium"


def test_a_problem_beside_the_headings_own_area_belongs_to_that_area(analyzer: Analyzer) -> None:
    text = "## Monitoring\nDrift alerts go to the team, but no one has signed up to answer them.\n"
    assert level(analyzer, text, "deployment") == "medium"  # not addressed, no stated problem
    assert level(analyzer, "## Running it\nNo one has signed up.\n", "deployment") == "high"


def test_todays_process_named_under_another_heading_is_not_the_plan(analyzer: Analyzer) -> None:
    text = "## Why\nToday no one has signed up for the manual checks.\n"
    assert level(analyzer, text, "deployment") == "medium"
    text = "## Why\nNo one has signed up for the checks.\n"
    assert level(analyzer, text, "deployment") == "high"


def test_this_kind_of_names_a_kind_and_hedges_nothing(analyzer: Analyzer) -> None:
    text = "This kind of model fits the latency budget as a nightly batch."
    assert level(analyzer, text, "feasibility") == "low"
    text = "It kind of fits the latency budget as a nightly batch."
    assert level(analyzer, text, "feasibility") == "medium"


# --- the bundled knowledge base on real text -------------------------------------------------


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_default()


@pytest.fixture(scope="module")
def bundled(kb: KnowledgeBase) -> Analyzer:
    return Analyzer(kb)


PROPOSAL = """\
# Invoice triage — design

**Goal.** Success: median handling time from 4.5 to under 2 minutes, with audit errors no worse.

## Running it
Honestly, no one has signed up to maintain this; it’s a notebook for now.

## Monitoring
We’ll keep an eye on it once it’s live.

## People
Business documents only; no decisions about people, and clerks confirm every field.
"""


def test_evidence_spans_point_into_the_original_text(bundled: Analyzer) -> None:
    texts = [PROPOSAL] + [p.read_text(encoding="utf-8") for p in sorted(DEV.glob("*.md"))]
    for text in texts:
        result = bundled.analyse(text)
        for f in result.findings:
            if f.reason == "silent":
                assert (f.start, f.end, f.evidence) == (-1, -1, "")
            else:
                assert text[f.start : f.end] == f.evidence
                assert f.evidence.strip() == f.evidence


def test_the_bundled_knowledge_base_reads_a_mixed_proposal(
    bundled: Analyzer,
) -> None:
    areas = bundled.analyse(PROPOSAL).areas
    assert areas["objectives"].level == "low"
    assert areas["deployment"].level == "high"
    assert areas["monitoring"].level in ("medium", "high")
    assert areas["ethics"].level == "low"
    assert areas["data"].level == "medium"  # never mentioned


@pytest.mark.skipif(not DEV.is_dir(), reason="the shared dev set is not here")
def test_negated_and_hedged_deployment_in_the_dev_set(bundled: Analyzer) -> None:
    qe = bundled.analyse((DEV / "05-game-localization-qe.md").read_text(encoding="utf-8"))
    assert qe.areas["deployment"].level == "high"
    assert any("No on-call identified." in f.evidence for f in qe.areas["deployment"].findings)
    dating = bundled.analyse((DEV / "04-dating-match-ranking.md").read_text(encoding="utf-8"))
    assert dating.areas["monitoring"].level != "low"


def test_the_json_contract(bundled: Analyzer, kb: KnowledgeBase) -> None:
    result: Analysis = bundled.analyse(PROPOSAL)
    out = analysis_to_dict(result, kb)
    assert list(out["areas"]) == list(AREA_IDS)
    assert all(v["level"] in ("high", "medium", "low") for v in out["areas"].values())
    assert out["findings"]
    for f in out["findings"]:
        assert {
            "risk",
            "area",
            "severity",
            "level",
            "reason",
            "evidence",
            "mitigation",
            "source",
        } <= set(f)
        if f["risk"]:
            assert f["mitigation"] and f["source"]


def test_one_analyzer_gives_the_same_answers_from_several_threads(
    bundled: Analyzer,
) -> None:
    import threading

    texts = [PROPOSAL, PROPOSAL.upper(), PROPOSAL.replace("no one", "the data team")]
    expected = [{a: r.level for a, r in bundled.analyse(t).areas.items()} for t in texts]
    wrong: list[int] = []

    def run() -> None:
        for i, t in enumerate(texts * 5):
            if {a: r.level for a, r in bundled.analyse(t).areas.items()} != expected[
                i % len(texts)
            ]:
                wrong.append(i)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wrong == []


# --- the bundled signals on the plain language of proposals ----------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "It makes no decision about any individual patient.",
        "Filtering only affects which ad is shown, so no decision is made about any individual.",
        "Nothing here rates or tracks individual pickers; it only orders the pick list.",
    ],
)
def test_no_decisions_about_people_is_ethics_coverage(bundled: Analyzer, text: str) -> None:
    assert level(bundled, text, "ethics") == "low"


@pytest.mark.parametrize(
    "text",
    [
        "It's pretty standard stuff; two big carriers have both written this up.",
        "Insurers have run scores like this for over a decade, and it runs in batch.",
        "This is what the commercial tools do, and it runs weekly.",
        "Route optimisation is bread-and-butter stuff, and the WMS vendors ship it.",
    ],
)
def test_stated_precedent_settles_feasibility(bundled: Analyzer, text: str) -> None:
    assert level(bundled, text, "feasibility") == "low"


def test_a_named_host_with_support_and_fallback_settles_deployment(
    bundled: Analyzer,
) -> None:
    text = (
        "Running it: AgriCo, who already run our portal, would host the model under our support"
        " contract. If the model is unavailable, growers keep their calendar as today.\n"
    )
    assert level(bundled, text, "deployment") == "low"


@pytest.mark.parametrize(
    "text",
    [
        "The category managers think this is a waste of time.",
        "The practice heads are split, and the litigation team haven't weighed in.",
        "Sales says it is unacceptable; that disagreement hasn't been resolved.",
    ],
)
def test_plain_language_opposition_is_a_stakeholder_problem(bundled: Analyzer, text: str) -> None:
    assert level(bundled, text, "stakeholders") == "high"


def test_an_unasked_host_is_a_deployment_hedge_not_a_stakeholder_problem(
    bundled: Analyzer,
) -> None:
    areas = bundled.analyse(
        "Hosting: the vendor would probably host it; we haven't asked them yet.\n"
    ).areas
    assert areas["stakeholders"].level != "high"
    assert areas["deployment"].level == "medium"


@pytest.mark.parametrize(
    "text",
    [
        "Claims that were never referred are treated as genuine.",
        "The door counters undercount on the most crowded trips.",
        "We have 2,400 labelled images, 60 of them defects.",
        "All of it comes from two districts; the rural east isn't represented.",
    ],
)
def test_biased_or_thin_labels_in_plain_words_are_a_data_problem(
    bundled: Analyzer, text: str
) -> None:
    assert level(bundled, text, "data") == "high"


def test_a_bare_no_answers_its_question_and_negates_nothing_after_it(
    bundled: Analyzer,
) -> None:
    text = "**Is it hard?** No. Arrival forecasting is well understood and runs weekly in a minute."
    assert level(bundled, text, "feasibility") == "low"
    assert level(bundled, "## Monitoring\nNo.\n", "monitoring") == "high"


def test_no_plans_for_a_thing_negates_the_thing(analyzer: Analyzer) -> None:
    assert level(analyzer, "There are no plans for a nightly batch.", "feasibility") == "high"
    text = "Approved without a reviewer within the nightly batch, inside the latency budget."
    assert level(analyzer, text, "feasibility") == "low"
