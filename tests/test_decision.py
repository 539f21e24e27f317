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
from bot.core.decision import FEATURES, DecisionModel, bundled, fit
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
    return DecisionModel(bias=30.0 if flag else -30.0, area_bias={}, weights={})


def test_fitting_learns_which_numbers_mean_a_flag_and_is_repeatable() -> None:
    samples = []
    for i in range(40):
        features = zeros() | {"stated": float(i % 2), "cover": float((i + 1) % 2) * 2}
        samples.append((AREA_IDS[i % 9], features, bool(i % 2)))
    first = fit(samples)
    assert first == fit(samples)
    stated = zeros() | {"stated": 1.0}
    covered = zeros() | {"cover": 2.0}
    assert first.flags("data", stated)
    assert not first.flags("data", covered)
    assert first.weights["stated"] > 0 > first.weights["cover"]


def test_fitting_nothing_is_refused() -> None:
    with pytest.raises(ValueError, match="no labelled samples"):
        fit([])


def test_weights_naming_an_unknown_feature_are_refused() -> None:
    text = json.dumps({"bias": 0, "area_bias": {}, "weights": {"vibes": 1.0}})
    with pytest.raises(ValueError, match="vibes"):
        DecisionModel.from_json(text)


def test_the_bundled_model_weighs_every_feature_and_survives_a_round_trip() -> None:
    model = bundled()
    assert set(model.weights) == set(FEATURES)
    assert set(model.area_bias) == set(AREA_IDS)
    assert model.about  # says what it was fitted on
    assert DecisionModel.from_json(model.to_json()) == model


def test_every_area_carries_the_numbers_it_was_decided_on(kb: KnowledgeBase) -> None:
    analysis = Analyzer(kb).analyse(THIN)
    for result in analysis.areas.values():
        assert set(result.features) == set(FEATURES)
    deployment = analysis.areas["deployment"].features
    assert deployment["rule_high"] == 1.0 and deployment["stated"] >= 1


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
