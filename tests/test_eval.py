"""Scoring against labelled proposals: the arithmetic, the command, and a quality floor."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bot.adapters.terminal.cli import main
from bot.core.decision import bundled
from bot.core.evaluation import (
    Decision,
    LabelError,
    LabelledCase,
    class_score,
    decide,
    label_of,
    parse_labels,
    score,
)
from bot.core.knowledge import AREA_IDS

ROOT = Path(__file__).resolve().parents[1]
OWN = ROOT / "tests" / "proposals"
DEV = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev"

# Floors a little under what the analysis reaches today:
# a drop below them means a change made the analysis worse.
OWN_FLOOR = 0.95
DEV_FLOOR = 0.97


def d(expected: str, got: str, area: str = "data", file: str = "p.md") -> Decision:
    return Decision(file, area, expected, got, "medium" if got == "risk" else "low", "")


def test_levels_high_and_medium_flag_the_area() -> None:
    assert [label_of(x) for x in ("high", "medium", "low")] == ["risk", "risk", "ok"]


def test_class_scores_on_a_hand_counted_set() -> None:
    # risk: tp 3, fp 1, fn 2 -> P 3/4, R 3/5; ok: tp 2, fp 2, fn 1 -> P 2/4, R 2/3.
    pairs = [("risk", "risk")] * 3 + [("ok", "risk")] + [("risk", "ok")] * 2 + [("ok", "ok")] * 2
    risk = class_score(pairs, "risk")
    assert (risk.precision, risk.recall, risk.support) == (0.75, 0.6, 5)
    assert risk.f1 == pytest.approx(2 * 0.75 * 0.6 / 1.35)
    ok = class_score(pairs, "ok")
    assert (ok.precision, ok.recall, ok.support) == (0.5, pytest.approx(2 / 3), 3)
    result = score(d(e, g) for e, g in pairs)
    assert result.macro_f1 == pytest.approx((risk.f1 + ok.f1) / 2)
    assert len(result.errors) == 3


def test_flagging_everything_scores_the_risk_f1_over_two() -> None:
    pairs = [("risk", "risk")] * 4 + [("ok", "risk")] * 6
    result = score(d(e, g) for e, g in pairs)
    assert result.ok.f1 == 0.0
    assert result.macro_f1 == pytest.approx(class_score(pairs, "risk").f1 / 2)


def test_scores_per_area_are_of_the_risk_class() -> None:
    result = score([d("risk", "risk", "data"), d("ok", "risk", "data"), d("risk", "ok", "ethics")])
    assert result.per_area["data"].precision == 0.5
    assert result.per_area["ethics"].recall == 0.0
    assert set(result.per_area) == {"data", "ethics"}


def test_decide_reads_each_labelled_area() -> None:
    case = LabelledCase("p.md", {"data": "risk", "ethics": "ok"}, {})
    got = decide(case, {"data": "low", "ethics": "low"}, {"data": "we have labels"})
    assert [(x.area, x.expected, x.got, x.evidence) for x in got] == [
        ("data", "risk", "ok", "we have labels"),
        ("ethics", "ok", "ok", ""),
    ]


def test_labels_with_a_wrong_shape_are_refused() -> None:
    with pytest.raises(LabelError, match="cases"):
        parse_labels({"items": []})
    with pytest.raises(LabelError, match="unknown area"):
        parse_labels({"cases": [{"file": "a.md", "areas": {"vibes": {"label": "ok"}}}]})
    with pytest.raises(LabelError, match="risk"):
        parse_labels({"cases": [{"file": "a.md", "areas": {"data": {"label": "maybe"}}}]})


# --- the command ----------------------------------------------------------------------------


@pytest.fixture()
def labelled_dir(tmp_path: Path) -> Path:
    (tmp_path / "a.md").write_text(
        "Nobody has signed up to run this. It's all rock samples.\n", "utf-8"
    )
    (tmp_path / "b.md").write_text(
        "The Platform team owns the service, with on-call in their PagerDuty rotation and a "
        "feature flag to switch back to the rules.\n",
        "utf-8",
    )
    (tmp_path / "labels.yaml").write_text(
        textwrap.dedent(
            """\
            cases:
              - file: a.md
                areas:
                  deployment: {label: risk, why: "Nobody runs it."}
                  monitoring: {label: risk, why: "Silent."}
              - file: b.md
                areas:
                  deployment: {label: ok, why: "Owner, on-call, rollback."}
                  monitoring: {label: ok, why: "Deliberately wrong, to show an error."}
            """
        ),
        "utf-8",
    )
    return tmp_path


def test_eval_prints_per_area_scores_and_macro_f1(
    labelled_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["eval", str(labelled_dir), "--show-errors"]) == 0
    out = capsys.readouterr().out
    assert "deployment" in out and "macro-F1" in out
    assert "b.md  monitoring: expected ok, got risk" in out


def test_eval_json_has_the_scores_and_the_errors(
    labelled_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["eval", str(labelled_dir), "--format", "json", "--show-errors"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["pairs"] == 4
    # risk: tp 2 (a/deployment, a/monitoring), fp 1 (b/monitoring) -> P 2/3, R 1
    assert out["risk"]["precision"] == pytest.approx(2 / 3, abs=1e-4)
    assert out["ok"]["recall"] == 0.5
    assert out["per_area"]["deployment"]["f1"] == 1.0
    assert [(e["file"], e["area"]) for e in out["errors"]] == [("b.md", "monitoring")]


def test_eval_can_score_a_subset(labelled_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", str(labelled_dir), "--only", "a.*", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["proposals"] == 1


def test_eval_refuses_a_directory_without_labels(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["eval", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("premortem: ") and "labels" in err and err.count("\n") == 1


# --- quality floor --------------------------------------------------------------------------


def _macro_f1(directory: Path, capsys: pytest.CaptureFixture[str]) -> float:
    assert main(["eval", str(directory), "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)["macro_f1"]


def test_own_labelled_proposals_cover_every_area_with_both_labels() -> None:
    import yaml

    cases = parse_labels(yaml.safe_load((OWN / "labels.yaml").read_text("utf-8")))
    assert len(cases) >= 24
    for case in cases:
        assert set(case.labels) == set(AREA_IDS)
        assert (OWN / case.file).is_file()
    labels = [label for c in cases for label in c.labels.values()]
    assert 0.35 < labels.count("ok") / len(labels) < 0.65


def test_quality_floor_on_our_labelled_proposals(capsys: pytest.CaptureFixture[str]) -> None:
    assert _macro_f1(OWN, capsys) >= OWN_FLOOR


@pytest.mark.skipif(not (DEV / "labels.yaml").is_file(), reason="the shared dev set is not here")
def test_quality_floor_on_the_shared_dev_set(capsys: pytest.CaptureFixture[str]) -> None:
    assert _macro_f1(DEV, capsys) >= DEV_FLOOR


BLIND = Path(__file__).resolve().parent / "blind"
BATCHES = sorted(p.name for p in BLIND.glob("batch-*"))
FITTED = {b for b in BATCHES if f"blind/{b}" in bundled().about.split(", ")}
# On the batches it is fitted on the decision model sits near the top: a floor a little
# under today's figures catches a change that breaks reading or weighing.
FITTED_FLOOR = 0.92
# The batches written after it was fitted are unseen text to it (first scores 0.897-0.954,
# tests/blind/README.md); they stay unseen until the next refit.
UNSEEN_FLOOR = 0.88
# Left out of the fitting in turn, the blind batches score 0.85-0.96 each; their mean is
# the honest figure, and must not slide back.
LEFT_OUT_FLOOR = 0.89


@pytest.mark.parametrize("batch", BATCHES)
def test_quality_floor_on_batches_written_blind(
    batch: str, capsys: pytest.CaptureFixture[str]
) -> None:
    floor = FITTED_FLOOR if batch in FITTED else UNSEEN_FLOOR
    assert _macro_f1(BLIND / batch, capsys) >= floor


def test_the_model_beats_the_rules_on_each_blind_batch_left_out_of_its_fitting() -> None:
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "fit_decisions.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=110,
        check=True,
    )
    rows = {r[0]: (float(r[2]), float(r[3])) for r in map(str.split, run.stdout.splitlines()[1:])}
    left_out = [rows[f"blind/{b}"] for b in BATCHES if b != "batch-1"]  # batch-1 was tuned on
    assert len(left_out) == len(BATCHES) - 1
    rules = sum(r for r, _ in left_out) / len(left_out)
    model = sum(m for _, m in left_out) / len(left_out)
    assert model >= LEFT_OUT_FLOOR and model > rules + 0.03
