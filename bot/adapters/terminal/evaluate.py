"""`premortem eval DIR`: score the analysis against labelled proposals (DIR/labels.yaml)."""

from __future__ import annotations

import argparse
import fnmatch
import json
from pathlib import Path

import yaml
from rich.console import Console
from rich.table import Table

from bot.core.analysis import Analysis, Analyzer
from bot.core.errors import InputError
from bot.core.evaluation import LabelError, LabelledCase, Score, decide, parse_labels, score
from bot.core.knowledge import AREA_IDS, load_default


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "eval",
        help="score the analysis against labelled proposals",
        description="Read DIR/labels.yaml and the proposals it names, analyse each, and print "
        "precision, recall and F1 of the risk class per area, both class F1s and macro-F1.",
    )
    p.add_argument("dir", metavar="DIR", help="a directory with labels.yaml and the proposals")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument(
        "--show-errors", action="store_true", help="list each misclassified (file, area) pair"
    )
    p.add_argument(
        "--only",
        metavar="GLOB",
        action="append",
        help="score only the proposals whose file name matches (repeatable)",
    )
    p.add_argument(
        "--exclude", metavar="GLOB", action="append", help="leave out matching proposals"
    )
    p.add_argument(
        "--rules-only",
        action="store_true",
        help="score the signal rules' own levels, without the decision model that weighs them",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    base = Path(args.dir)
    cases = _cases(base, args.only, args.exclude)
    analyzer = Analyzer(load_default(args.knowledge), rules_only=args.rules_only)
    decisions = []
    for case in cases:
        path = base / case.file
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"{path}: cannot read it ({exc.__class__.__name__})") from exc
        analysis = analyzer.analyse(text)
        decisions += decide(
            case, {a: r.level for a, r in analysis.areas.items()}, _evidence(analysis)
        )
    result = score(decisions)
    if args.format == "json":
        print(json.dumps(_as_dict(result, len(cases), args.show_errors), indent=2))
    else:
        _print(result, len(cases), args.show_errors)
    return 0


def _cases(base: Path, only: list[str] | None, exclude: list[str] | None) -> list[LabelledCase]:
    labels = base / "labels.yaml"
    if not base.is_dir():
        raise InputError(f"{base}: not a directory")
    if not labels.is_file():
        raise InputError(f"{labels}: no labels file")
    try:
        cases = parse_labels(yaml.safe_load(labels.read_text(encoding="utf-8")))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InputError(f"{labels}: cannot be read as YAML ({exc.__class__.__name__})") from exc
    except LabelError as exc:
        raise InputError(f"{labels}: {exc}") from exc
    if only:
        cases = [c for c in cases if any(fnmatch.fnmatch(c.file, g) for g in only)]
    if exclude:
        cases = [c for c in cases if not any(fnmatch.fnmatch(c.file, g) for g in exclude)]
    if not cases:
        raise InputError(f"{labels}: no labelled proposals to score")
    return cases


def _evidence(analysis: Analysis) -> dict[str, str]:
    """Per area, the words the level rests on: the top finding, or the first coverage."""
    out = {}
    for area, result in analysis.areas.items():
        if result.findings:
            f = result.findings[0]
            out[area] = f.evidence or f"({f.reason})"
        elif result.coverage:
            out[area] = result.coverage[0]
    return out


def _as_dict(result: Score, n_cases: int, errors: bool) -> dict:
    def cls(c):  # type: ignore[no-untyped-def]
        return {
            "precision": round(c.precision, 4),
            "recall": round(c.recall, 4),
            "f1": round(c.f1, 4),
            "support": c.support,
        }

    out = {
        "proposals": n_cases,
        "pairs": len(result.decisions),
        "macro_f1": round(result.macro_f1, 4),
        "risk": cls(result.risk),
        "ok": cls(result.ok),
        "per_area": {area: cls(c) for area, c in result.per_area.items()},
    }
    if errors:
        out["errors"] = [
            {
                "file": d.file,
                "area": d.area,
                "expected": d.expected,
                "got": d.got,
                "level": d.level,
                "evidence": d.evidence,
            }
            for d in result.errors
        ]
    return out


def _print(result: Score, n_cases: int, errors: bool) -> None:
    console = Console(highlight=False)
    table = Table(title=f"Risk class per area ({n_cases} proposals)")
    for col in ("area", "precision", "recall", "F1", "risk labels"):
        table.add_column(col, justify="left" if col == "area" else "right")
    for area in AREA_IDS:
        c = result.per_area.get(area)
        if c is not None:
            table.add_row(
                area, f"{c.precision:.2f}", f"{c.recall:.2f}", f"{c.f1:.2f}", str(c.support)
            )
    console.print(table)
    for name, c in (("risk", result.risk), ("ok", result.ok)):
        console.print(f"{name} F1 {c.f1:.3f} (precision {c.precision:.3f}, recall {c.recall:.3f})")
    console.print(f"[bold]macro-F1 {result.macro_f1:.3f}[/bold] over {len(result.decisions)} pairs")
    if errors:
        wrong = result.errors
        console.print(f"\n{len(wrong)} misclassified:")
        for d in wrong:
            evidence = " ".join(d.evidence.split())
            if len(evidence) > 160:
                evidence = evidence[:157] + "..."
            console.print(
                f"  {d.file}  {d.area}: expected {d.expected}, got {d.got} ({d.level})"
                + (f"\n      {evidence}" if evidence else ""),
                markup=False,
            )
