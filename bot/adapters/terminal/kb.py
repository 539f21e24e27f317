"""`premortem kb validate` and `premortem kb stats`: check and summarise the knowledge base."""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bot.core.knowledge import AREA_IDS, KnowledgeError, Stage, knowledge_dirs, load


def register(sub: argparse._SubParsersAction) -> None:
    kb = sub.add_parser("kb", help="check or summarise the knowledge base")
    kb_sub = kb.add_subparsers(dest="kb_command", metavar="SUBCOMMAND", required=True)
    v = kb_sub.add_parser(
        "validate", help="load every YAML file strictly; exit 1 listing every problem"
    )
    v.add_argument(
        "dir",
        nargs="?",
        help="a directory to validate on its own merits together with the bundled base "
        "(default: the bundled base plus --knowledge)",
    )
    v.set_defaults(run=_validate)
    s = kb_sub.add_parser("stats", help="count risks and questions per area and lifecycle stage")
    s.set_defaults(run=_stats)


def _dirs(args: argparse.Namespace) -> list[Path]:
    # `kb validate DIR` checks DIR in place of --knowledge, still on top of the bundled base.
    return knowledge_dirs(getattr(args, "dir", None) or args.knowledge)


def _validate(args: argparse.Namespace) -> int:
    dirs = _dirs(args)
    try:
        kb = load(*dirs)
    except KnowledgeError as exc:
        print(f"{len(exc.problems)} problem(s) in {', '.join(map(str, dirs))}:")
        for problem in exc.problems:
            print(f"  {problem}")
        return 1
    print(
        f"ok: {len(kb.risks)} risks, {len(kb.questions)} questions, "
        f"{len(kb.rule_tests)} rule tests, {len(kb.sources)} sources in {', '.join(map(str, dirs))}"
    )
    return 0


def _stats(args: argparse.Namespace) -> int:
    kb = load(*_dirs(args))
    console = Console()
    by_area = Table(title="Per area")
    for col in ("area", "risks", "questions", "core questions", "high-severity risks"):
        by_area.add_column(col, justify="left" if col == "area" else "right")
    for area in AREA_IDS:
        risks = kb.risks_in(area)
        questions = kb.questions_in(area)
        by_area.add_row(
            area,
            str(len(risks)),
            str(len(questions)),
            str(sum(q.core for q in questions)),
            str(sum(r.severity == "high" for r in risks)),
        )
    by_area.add_row("total", str(len(kb.risks)), str(len(kb.questions)), "", "", style="bold")
    console.print(by_area)

    risk_stages = Counter(r.stage for r in kb.risks.values())
    question_stages = Counter(q.stage for q in kb.questions.values())
    by_stage = Table(title="Per lifecycle stage")
    for col in ("stage", "risks", "questions"):
        by_stage.add_column(col, justify="left" if col == "stage" else "right")
    for stage in Stage:
        by_stage.add_row(stage.value, str(risk_stages[stage]), str(question_stages[stage]))
    console.print(by_stage)

    archetypes = Counter(a.value for q in kb.questions.values() for a in q.archetypes)
    console.print(
        "Archetype-specific questions: "
        + ", ".join(f"{k} {v}" for k, v in sorted(archetypes.items()))
        + f"; rule tests: {len(kb.rule_tests)}; sources: {len(kb.sources)}"
    )
    return 0
