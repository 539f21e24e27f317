"""`premortem review`: every format, the JSON contract, and one clear line for bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.adapters.terminal.cli import main
from bot.adapters.terminal.review import MAX_BYTES, to_markdown
from bot.core.knowledge import AREA_IDS, load_default

ROOT = Path(__file__).resolve().parents[1]
DEV = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev"
OWN = ROOT / "tests" / "proposals" / "05-card-fraud-ticket.md"
PROPOSAL = DEV / "05-game-localization-qe.md" if DEV.is_dir() else OWN
PREMORTEM = [sys.executable, "-m", "bot"]


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_text_report_has_every_area_and_quotes_the_proposal(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run_cli(capsys, "review", str(PROPOSAL))
    assert code == 0
    for title in (
        "Objectives",
        "Value",
        "Data",
        "Feasibility",
        "Evaluation",
        "Deployment",
        "Monitoring",
        "Stakeholders",
        "Ethics",
    ):
        assert title in out
    assert "Findings" in out and "Do:" in out and "Source:" in out
    assert any(line.startswith('  "') for line in out.splitlines()), "no evidence quoted"


@pytest.mark.skipif(not DEV.is_dir(), reason="the shared dev set is not here")
def test_text_report_quotes_the_negated_on_call(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run_cli(capsys, "review", str(DEV / "05-game-localization-qe.md"))
    assert '"No on-call identified."' in out


def test_markdown_report_is_a_table_and_findings(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "review", str(PROPOSAL), "--format", "markdown")
    assert code == 0
    assert out.startswith("## Premortem review: ")
    assert "| Area | Level | Why |" in out
    assert out.count("\n| ") >= 1 + len(AREA_IDS)
    assert "> " in out and "**Do:**" in out


def test_json_follows_the_contract(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "review", str(PROPOSAL), "--format", "json")
    assert code == 0
    report = json.loads(out)
    assert list(report["areas"]) == list(AREA_IDS)
    for area in report["areas"].values():
        assert area["level"] in ("high", "medium", "low")
        assert isinstance(area["coverage"], list)
    assert report["findings"]
    for f in report["findings"]:
        assert f["area"] in AREA_IDS
        assert f["severity"] in ("high", "medium", "low")
        assert f["level"] in ("high", "medium", "low")
        assert isinstance(f["evidence"], str) and isinstance(f["mitigation"], str)
        assert "source" in f and "risk" in f
    assert out.startswith("{\n  ")  # indent=2


def test_markdown_keeps_proposal_text_inert(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "p.md"
    path.write_text("Nobody has signed up to run it | <script>alert(1)</script> **bold**", "utf-8")
    _, out, _ = run_cli(capsys, "review", str(path), "--format", "markdown")
    assert "<script>" not in out
    assert "\\| \\<script\\>" in out


def test_reads_standard_input_for_a_dash() -> None:
    proc = subprocess.run(
        [*PREMORTEM, "review", "-", "--format", "json"],
        input=OWN.read_bytes(),
        capture_output=True,
        cwd=ROOT,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert set(json.loads(proc.stdout)["areas"]) == set(AREA_IDS)


def _bad(tmp_path: Path, kind: str) -> str:
    path = tmp_path / f"{kind}.md"
    if kind == "missing":
        return str(path)
    if kind == "directory":
        return str(tmp_path)
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "blank":
        path.write_bytes(b"  \n\t\n")
    elif kind == "binary":
        path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    elif kind == "latin1":
        path.write_bytes("Caf\u00e9 proposal: nobody owns it.".encode("latin-1"))
    elif kind == "huge":
        with path.open("wb") as f:
            f.truncate(MAX_BYTES * 6)  # sparse: 12 MB on paper, nothing on disk
    return str(path)


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        ("missing", "no such file"),
        ("directory", "is a directory"),
        ("empty", "is empty"),
        ("blank", "is empty"),
        ("binary", "binary"),
        ("latin1", "not UTF-8"),
        ("huge", "larger than"),
    ],
)
def test_bad_input_is_one_clear_line_and_a_failure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str, words: str
) -> None:
    code, out, err = run_cli(capsys, "review", _bad(tmp_path, kind))
    assert code == 1
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("premortem: ")
    assert words in err


def test_bad_input_through_the_installed_command_has_no_traceback(tmp_path: Path) -> None:
    for kind in ("missing", "binary", "huge"):
        proc = subprocess.run(
            [*PREMORTEM, "review", _bad(tmp_path, kind)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=60,
        )
        assert proc.returncode == 1
        assert "Traceback" not in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1


def test_oversized_standard_input_is_refused() -> None:
    proc = subprocess.run(
        [*PREMORTEM, "review", "-"],
        input=b"word " * (MAX_BYTES // 5 + 10),
        capture_output=True,
        text=False,
        cwd=ROOT,
        timeout=60,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    assert proc.returncode == 1
    assert b"larger than" in proc.stderr and b"Traceback" not in proc.stderr


def test_a_finding_in_a_settled_area_reads_as_a_note() -> None:
    kb = load_default()
    finding = {
        "risk": "data.small-sample",
        "area": "data",
        "severity": "high",
        "level": "low",
        "reason": "stated",
        "evidence": "We'll test on the most recent 6 months only.",
        "title": kb.risks["data.small-sample"].title,
        "mitigation": "Plot a learning curve.",
        "source": "",
    }
    areas = {a: {"level": "medium", "coverage": []} for a in AREA_IDS}
    areas["data"] = {"level": "low", "coverage": ["Five years of claims.", "Labels from audits."]}
    md = to_markdown({"areas": areas, "findings": [finding]}, kb, "p.md")
    row = next(line for line in md.splitlines() if line.startswith("| Data "))
    assert "low" in row and "addressed (2 passages); worth a look: " in row
    assert "the area reads as covered overall" in md
