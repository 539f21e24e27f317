"""Answers and findings to levels per area, and the risk summary with its Markdown rendering."""

from __future__ import annotations

import pytest

from bot.adapters.terminal.render import summary_lines, summary_markdown
from bot.core.assessment import (
    GivenAnswer,
    Observation,
    RiskSummary,
    assess,
    build_summary,
    risks_from_answers,
)
from bot.core.knowledge import AREA_IDS, KnowledgeBase, load_default

NOW = "2026-01-05T10:00:00+00:00"


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_default()


def raise_and_clear(kb: KnowledgeBase) -> tuple[str, tuple[str, str], tuple[str, str]]:
    """A risk one question's option raises and another question's option clears."""
    for q in kb.questions.values():
        for o in q.options:
            for r in o.raises:
                for other in kb.questions.values():
                    if other.id == q.id:
                        continue
                    for c in other.options:
                        if r.risk in c.clears:
                            return r.risk, (q.id, o.value), (other.id, c.value)
    raise AssertionError("the knowledge base has no risk that one answer raises and another clears")


def answers(*pairs: tuple[str, str]) -> dict[str, GivenAnswer]:
    return {qid: GivenAnswer(qid, value) for qid, value in pairs}


def test_a_clear_beats_a_raise_whatever_the_order(kb: KnowledgeBase) -> None:
    risk, raising, clearing = raise_and_clear(kb)
    assert risk in risks_from_answers(kb, dict([raising]))
    assert risk not in risks_from_answers(kb, dict([raising, clearing]))
    assert risk not in risks_from_answers(kb, dict([clearing, raising]))


def test_an_area_nobody_discussed_is_medium_and_one_answered_reassuringly_is_low(
    kb: KnowledgeBase,
) -> None:
    levels, findings, _ = assess(kb, answers(("deployment.owner", "named")))
    assert levels["deployment"] == "low"
    assert all(levels[a] == "medium" for a in AREA_IDS if a != "deployment")
    assert findings == []


def test_a_worrying_answer_sets_the_area_to_the_risk_severity(kb: KnowledgeBase) -> None:
    levels, findings, _ = assess(kb, answers(("objectives.decision", "none")))
    assert levels["objectives"] == "high"
    assert "objectives.no-decision" in {f.risk for f in findings}


def test_the_proposal_settles_an_area_and_an_answer_can_still_raise_a_risk_in_it(
    kb: KnowledgeBase,
) -> None:
    settled = {a: "low" for a in AREA_IDS}
    levels, _, discussed = assess(kb, {}, [], settled)
    assert set(levels.values()) == {"low"} and discussed == set(AREA_IDS)
    levels, _, _ = assess(kb, answers(("objectives.decision", "none")), [], settled)
    assert levels["objectives"] == "high"


def test_an_answer_clears_what_the_proposal_found(kb: KnowledgeBase) -> None:
    said = Observation(
        "deployment", "high", "Nobody has signed up to run it.", "proposal", "deployment.no-owner"
    )
    silent = Observation(
        "deployment", "medium", "", "proposal", None, "The proposal does not address it"
    )
    levels, _, _ = assess(kb, {}, [said, silent], {"deployment": "high"})
    assert levels["deployment"] == "high"
    levels, findings, _ = assess(
        kb, answers(("deployment.owner", "named")), [said, silent], {"deployment": "high"}
    )
    assert levels["deployment"] == "low" and not [f for f in findings if f.area == "deployment"]


def summary_of(
    kb: KnowledgeBase, given: dict[str, GivenAnswer], previous: dict | None = None
) -> RiskSummary:
    return build_summary(
        kb, project="Churn <model> | v2", answers=given, previous=previous, now=NOW
    )


WORRYING = (
    ("objectives.decision", "none"),
    ("data.labels-exist", "no"),
    ("deployment.owner", "nobody"),
    ("stakeholders.sponsor", "none"),
)


def test_a_summary_has_every_area_top_findings_with_mitigation_and_source(
    kb: KnowledgeBase,
) -> None:
    s = summary_of(kb, answers(*WORRYING))
    assert [a.area for a in s.areas] == list(AREA_IDS)
    assert s.overall == "high" and s.answered == len(WORRYING)
    assert {"objectives", "data", "deployment", "stakeholders"} <= set(s.flagged())
    objectives = next(a for a in s.areas if a.area == "objectives")
    top = objectives.findings[0]
    assert top.level == "high" and top.mitigation and top.source and top.evidence
    assert all(len(a.findings) <= 3 for a in s.areas)


def test_the_next_steps_are_three_and_go_to_different_areas_first(kb: KnowledgeBase) -> None:
    s = summary_of(kb, answers(*WORRYING))
    assert len(s.next_steps) == 3
    assert len({step.area for step in s.next_steps}) == 3
    assert all(step.owner and step.done_when for step in s.next_steps)


def test_what_changed_since_the_previous_summary(kb: KnowledgeBase) -> None:
    first = summary_of(kb, answers(*WORRYING))
    assert first.changes is None
    previous = {**first.snapshot(), "at": first.generated}
    better = answers(*WORRYING[:3], ("stakeholders.sponsor", "named"))
    second = summary_of(kb, better, previous)
    assert second.changes is not None and second.changes.since == NOW
    changed = {c.area: (c.before, c.after) for c in second.changes.areas}
    assert changed["stakeholders"][0] == "high" and changed["stakeholders"][1] != "high"
    assert second.changes.resolved and not second.changes.new
    same = summary_of(kb, better, {**second.snapshot(), "at": NOW})
    assert same.changes is not None and same.changes.empty


def test_the_markdown_summary_is_a_pure_function_that_keeps_user_text_inert(
    kb: KnowledgeBase,
) -> None:
    s = summary_of(kb, answers(*WORRYING))
    md = summary_markdown(s)
    assert md == summary_markdown(s)
    assert md.startswith("# Risk summary: Churn &lt;model&gt; \\| v2\n")
    assert "| Objectives | 🔴 high |" in md
    assert "## Next steps" in md and "## Findings by area" in md
    table = [line for line in md.splitlines() if line.startswith("| ") and "🟢" not in line]
    assert all(line.count(" | ") == 2 for line in table[2:])


def test_the_plain_summary_names_each_area_on_its_own_line(kb: KnowledgeBase) -> None:
    lines = summary_lines(summary_of(kb, answers(*WORRYING)))
    for area in AREA_IDS:
        assert any(line.strip().startswith(area) for line in lines)
