"""The decision model: fitting it, loading it, and how it changes an area's level."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from bot.adapters.terminal.cli import main
from bot.core.analysis import Analyzer
from bot.core.decision import FEATURES, AreaWeights, DecisionModel, bundled, context_vector, fit
from bot.core.knowledge import AREA_IDS, KnowledgeBase, load_default

ROOT = Path(__file__).resolve().parents[1]
BLIND = ROOT / "tests" / "blind"

THIN = "Nobody owns this once it ships. Monitoring is TBD."
THOROUGH = (
    "## Deployment\n"
    "The platform team owns the service in production, runs the deploy pipeline and carries "
    "the pager on its existing on-call rota, with a documented rollback to the rules.\n"
)


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_default()


def zeros() -> dict[str, float]:
    return dict.fromkeys(FEATURES, 0.0)


def always(flag: bool) -> DecisionModel:
    bias = 30.0 if flag else -30.0
    return DecisionModel(areas={a: AreaWeights(bias=bias, weights={}) for a in AREA_IDS})


def test_fitting_learns_which_numbers_mean_a_flag_and_is_repeatable() -> None:
    samples = []
    for i in range(80):
        features = zeros() | {"stated": float(i % 2), "cover": float((i + 1) % 2) * 2}
        samples.append((AREA_IDS[i % 9], features, {"model": 2}, bool(i % 2)))
    first = fit(samples, min_df=1)
    assert first == fit(samples, min_df=1)
    stated = zeros() | {"stated": 1.0}
    covered = zeros() | {"cover": 2.0}
    assert first.flags("data", stated)
    assert not first.flags("data", covered)
    weights = first.areas["data"].weights
    assert weights["stated"] > 0 > weights["cover"]


def test_fitting_learns_the_words_reviewers_flag_on() -> None:
    # Same numbers everywhere: only the words of the sentences about the area tell.
    samples = []
    for i in range(60):
        words = {"nobody": 1, "owns": 1, "it": 1} if i % 2 else {"sre": 1, "owns": 1, "it": 1}
        samples.append(("deployment", zeros(), words, bool(i % 2)))
    model = fit(samples)
    assert model.flags("deployment", zeros(), {"nobody": 1, "owns": 1})
    assert not model.flags("deployment", zeros(), {"sre": 1, "owns": 1})
    assert model.areas["deployment"].terms["nobody"] > 0 > model.areas["deployment"].terms["sre"]
    # A word seen in fewer samples than `min_df` is not learnt at all.
    assert "nobody" not in fit(samples, min_df=31).areas["deployment"].idf


def test_fitting_nothing_is_refused() -> None:
    with pytest.raises(ValueError, match="no labelled samples"):
        fit([])


def test_fitting_without_scikit_learn_says_how_to_get_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "sklearn.linear_model", None)
    with pytest.raises(RuntimeError, match=r"pip install -e '\.\[fit\]'"):
        fit([("data", zeros(), {}, True)])


def test_the_words_vector_ignores_unknown_words_and_has_length_one() -> None:
    vector = context_vector({"owner": 3, "pager": 1, "zebra": 5}, {"owner": 1.0, "pager": 3.0})
    assert set(vector) == {"owner", "pager"}
    assert sum(v * v for v in vector.values()) == pytest.approx(1.0)
    assert vector["pager"] > vector["owner"]  # a rare word outweighs three of a common one
    assert context_vector({"zebra": 5}, {"owner": 1.0}) == {}


def test_weights_naming_an_unknown_feature_or_area_are_refused() -> None:
    part = {"bias": 0, "weights": {"vibes": 1.0}}
    with pytest.raises(ValueError, match="vibes"):
        DecisionModel.from_json(json.dumps({"areas": {"data": part}}))
    with pytest.raises(ValueError, match="astrology"):
        DecisionModel.from_json(json.dumps({"areas": {"astrology": {**part, "weights": {}}}}))


def test_the_bundled_model_weighs_every_area_and_feature_and_survives_a_round_trip() -> None:
    model = bundled()
    assert set(model.areas) == set(AREA_IDS)
    for part in model.areas.values():
        assert set(part.weights) == set(FEATURES)
        assert part.idf and set(part.terms) == set(part.idf)
    assert model.about  # says what it was fitted on
    assert DecisionModel.from_json(model.to_json()) == model


def test_every_area_carries_the_numbers_it_was_decided_on(kb: KnowledgeBase) -> None:
    analysis = Analyzer(kb).analyse(THIN)
    for result in analysis.areas.values():
        assert set(result.features) == set(FEATURES)
    deployment = analysis.areas["deployment"].features
    assert deployment["rule_high"] == 1.0 and deployment["stated"] >= 1


def test_an_area_carries_the_words_of_the_sentences_about_it(kb: KnowledgeBase) -> None:
    text = (
        "We want to cut churn.\n\n## Monitoring\nA weekly dashboard of drift, shown to Priya.\n\n"
        "Nobody owns it once it ships."
    )
    areas = Analyzer(kb).analyse(text).areas
    monitoring, deployment = areas["monitoring"].terms, areas["deployment"].terms
    assert monitoring["dashboard"] == 1 and monitoring["priya"] == 1  # under its heading
    assert deployment["nobody"] == 1  # where its signal matched
    assert "churn" not in monitoring and "dashboard" not in deployment


def test_an_area_the_model_settles_keeps_its_findings_as_notes(kb: KnowledgeBase) -> None:
    analysis = Analyzer(kb, decisions=always(False)).analyse(THIN)
    assert {r.level for r in analysis.areas.values()} == {"low"}
    deployment = analysis.areas["deployment"].findings
    assert [f.risk for f in deployment] == ["deployment.no-owner"]
    assert all(f.level == "low" for f in analysis.findings)
    assert not any(f.reason in ("silent", "vague") for f in analysis.findings)


def test_an_area_the_model_flags_against_the_rules_is_vague_and_quotes_its_coverage(
    kb: KnowledgeBase,
) -> None:
    rules = Analyzer(kb, rules_only=True).analyse(THOROUGH)
    assert rules.areas["deployment"].level == "low"
    weighed = Analyzer(kb, decisions=always(True)).analyse(THOROUGH)
    deployment = weighed.areas["deployment"]
    assert deployment.level == "medium"
    (vague,) = [f for f in deployment.findings if f.reason == "vague"]
    assert "on-call rota" in vague.evidence
    assert THOROUGH[vague.start : vague.end] == vague.evidence


def test_rules_only_keeps_the_rules_levels(kb: KnowledgeBase) -> None:
    rules = Analyzer(kb, rules_only=True)
    settle_all = Analyzer(kb, decisions=always(False))
    assert rules.analyse(THIN).areas["deployment"].level == "high"
    assert settle_all.analyse(THIN).areas["deployment"].level == "low"


def test_a_section_that_only_hedges_stays_flagged(kb: KnowledgeBase) -> None:
    text = (BLIND / "batch-4" / "08-txn-categorisation-llm.md").read_text("utf-8")
    assert "## Monitoring\nMonitoring will probably be handled" in text
    monitoring = Analyzer(kb).analyse(text).areas["monitoring"]
    assert monitoring.features["section_hedged"] == 1.0
    assert monitoring.level != "low"


def test_a_negated_need_is_no_missing_piece(kb: KnowledgeBase) -> None:
    analyzer = Analyzer(kb, rules_only=True)
    relaxed = analyzer.analyse("Scoring runs overnight; no real-time is needed.")
    assert not [f for f in relaxed.areas["feasibility"].findings if f.reason == "negated"]
    missing = analyzer.analyse("Nobody owns it in production.")
    assert missing.areas["deployment"].level == "high"


def test_eval_scores_the_rules_alone_on_request(capsys: pytest.CaptureFixture[str]) -> None:
    batch = str(BLIND / "batch-4")
    assert main(["eval", batch, "--format", "json"]) == 0
    weighed = json.loads(capsys.readouterr().out)
    assert main(["eval", batch, "--format", "json", "--rules-only"]) == 0
    rules = json.loads(capsys.readouterr().out)
    assert weighed["pairs"] == rules["pairs"] == 24 * 9
    assert weighed["macro_f1"] != rules["macro_f1"]


def test_the_fitting_script_scores_each_set_left_out(tmp_path: Path) -> None:
    sets = [str(BLIND / "batch-1"), str(BLIND / "batch-2")]
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "fit_decisions.py"), "--check", *sets],
        capture_output=True,
        text=True,
        timeout=100,
        check=True,
    )
    rows = [line.split() for line in run.stdout.splitlines()[1:]]
    assert [r[0] for r in rows] == ["blind/batch-1", "blind/batch-2"]
    for _, pairs, rules, model in rows:
        assert int(pairs) > 0 and 0 < float(rules) <= 1 and 0 < float(model) <= 1


def test_a_model_with_a_higher_threshold_flags_less() -> None:
    model = bundled()
    features = zeros() | {"rule_medium": 1.0, "hedged": 1.0}
    p = model.risk("monitoring", features)
    assert replace(model, threshold=p - 0.01).flags("monitoring", features)
    assert not replace(model, threshold=p + 0.01).flags("monitoring", features)
