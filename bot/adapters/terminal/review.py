"""`premortem review PATH|-`: analyse a proposal and print its risks per area.

Three formats: a terminal report (`text`), Markdown for a docs pull request (`markdown`) and
the JSON contract of eval/README.md (`json`). Input that cannot be a proposal (missing,
a directory, empty, binary, not UTF-8, too big) is refused with one line.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, BinaryIO

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from bot.adapters.terminal.levels import ICON, STYLE
from bot.core.analysis import Analyzer, analysis_to_dict
from bot.core.errors import InputError
from bot.core.knowledge import KnowledgeBase, load_default

MAX_BYTES = 2 * 1024 * 1024  # a proposal is a few pages; 2 MB is hundreds of them

_REASON = {
    "stated": "stated",
    "negated": "said not to be in place",
    "hedged": "hedged or vague",
    "vague": "mentioned, not concretely",
    "silent": "not addressed",
}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "review",
        help="analyse a proposal and print its risks per area",
        description="Read a proposal (a design doc, an e-mail, a pasted pitch) and give each of "
        "the nine risk areas a level, with the words that revealed each risk, what to do about "
        "it and where the advice comes from.",
    )
    p.add_argument("path", metavar="PATH", help="the proposal file, or - to read standard input")
    p.add_argument(
        "--format",
        choices=("text", "markdown", "json"),
        default="text",
        help="text (default) for the terminal, markdown for a docs PR, json for tools",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    text = read_proposal(args.path)
    kb = load_default(args.knowledge)
    report = analysis_to_dict(Analyzer(kb).analyse(text), kb)
    name = "standard input" if args.path == "-" else Path(args.path).name
    if args.format == "json":
        print(json.dumps(report, indent=2, ensure_ascii=False))
    elif args.format == "markdown":
        print(to_markdown(report, kb, name))
    else:
        print_text(report, kb, name)
    return 0


# --- reading --------------------------------------------------------------------------------


def read_proposal(path: str, stdin: BinaryIO | None = None) -> str:
    """The proposal's text; InputError with one line saying what is wrong otherwise."""
    if path == "-":
        stream = stdin or sys.stdin.buffer
        data = stream.read(MAX_BYTES + 1)
        where = "standard input"
    else:
        p = Path(path)
        where = path
        if not p.exists():
            raise InputError(f"{where}: no such file")
        if p.is_dir():
            raise InputError(f"{where}: is a directory, not a proposal file")
        try:
            if p.stat().st_size > MAX_BYTES:
                raise InputError(_too_big(where))
            with p.open("rb") as f:
                data = f.read(MAX_BYTES + 1)
        except PermissionError as exc:
            raise InputError(f"{where}: permission denied") from exc
        except OSError as exc:
            raise InputError(f"{where}: cannot be read ({exc.strerror or exc})") from exc
    if len(data) > MAX_BYTES:
        raise InputError(_too_big(where))
    if b"\x00" in data[:8192]:
        raise InputError(f"{where}: looks like a binary file, not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{where}: is not UTF-8 text (invalid byte at offset {exc.start}); "
            "save it as UTF-8 and try again"
        ) from exc
    if not text.strip():
        raise InputError(f"{where}: is empty; there is no proposal to review")
    return text


def _too_big(where: str) -> str:
    return (
        f"{where}: is larger than {MAX_BYTES // (1024 * 1024)} MB; "
        "a proposal that long cannot be reviewed, split it or review the relevant part"
    )


# --- rendering ------------------------------------------------------------------------------


def _area_rows(report: dict[str, Any], kb: KnowledgeBase) -> list[tuple[str, str, str]]:
    """(title, level, a short note) for every area, in order."""
    rows = []
    by_area: dict[str, list[dict[str, Any]]] = {}
    for f in report["findings"]:
        by_area.setdefault(f["area"], []).append(f)
    for area, info in report["areas"].items():
        title = kb.areas[area].title if area in kb.areas else area
        found = by_area.get(area, [])
        n = len(info["coverage"])
        addressed = f"addressed ({n} passage{'s' if n != 1 else ''})"
        if found:
            top = found[0]
            note = top["title"] if top["risk"] else _REASON[top["reason"]]
            if len(found) > 1:
                note += f" (+{len(found) - 1} more)"
            if info["level"] == "low":  # settled on the whole; what was found is a note
                note = f"{addressed}; worth a look: {note}"
        else:
            note = addressed
        rows.append((title, info["level"], note))
    return rows


def print_text(report: dict[str, Any], kb: KnowledgeBase, name: str) -> None:
    console = Console(highlight=False)
    table = Table(title=f"Premortem review of {escape(name)}", title_justify="left")
    table.add_column("area")
    table.add_column("level")
    table.add_column("why")
    for title, level, note in _area_rows(report, kb):
        table.add_row(title, f"[{STYLE[level]}]{level}[/]", escape(note))
    console.print(table)
    findings = report["findings"]
    if not findings:
        console.print("\nNo findings: every area is addressed.")
        return
    console.print(f"\n[bold]Findings[/bold] ({len(findings)}, most serious first)")
    for f in findings:
        style = STYLE[f["level"]]
        head = f"[{style}]{f['level'].upper()}[/] {escape(f['area'])}: {escape(f['title'])}"
        if f["risk"]:
            head += f" [dim]({escape(f['risk'])}, severity {f['severity']})[/dim]"
        console.print("\n" + head)
        if f["evidence"]:
            console.print(f'  [italic]"{escape(_one_line(f["evidence"]))}"[/italic]')
            console.print(f"  [dim]{_reason(f)}[/dim]")
        if f["mitigation"]:
            console.print(f"  Do: {escape(_one_line(f['mitigation']))}")
        if f["source"]:
            console.print(f"  [dim]Source: {escape(f['source'])}[/dim]")


def to_markdown(report: dict[str, Any], kb: KnowledgeBase, name: str) -> str:
    lines = [
        f"## Premortem review: {_md(name)}",
        "",
        "| Area | Level | Why |",
        "|---|---|---|",
    ]
    for title, level, note in _area_rows(report, kb):
        lines.append(f"| {_md(title)} | {ICON[level]} {level} | {_md(note)} |")
    findings = report["findings"]
    lines += ["", f"### Findings ({len(findings)}, most serious first)" if findings else ""]
    for f in findings:
        lines.append("")
        risk = f" (`{f['risk']}`, severity {f['severity']})" if f["risk"] else ""
        level = f"{ICON[f['level']]} {f['level']}"
        lines.append(f"**{level}: {_md(f['area'])}: {_md(f['title'])}**{risk}")
        lines.append("")
        if f["evidence"]:
            lines.append(f"> {_md(_one_line(f['evidence']))}")
            lines.append("")
            lines.append(f"_{_reason(f)}_")
            lines.append("")
        if f["mitigation"]:
            lines.append(f"- **Do:** {_md(_one_line(f['mitigation']))}")
        if f["source"]:
            lines.append(f"- **Source:** {_md(f['source'])}")
    return "\n".join(lines).rstrip() + "\n"


def _reason(finding: dict[str, Any]) -> str:
    why = _REASON[finding["reason"]]
    if finding["level"] == "low":
        return f"{why}; the area reads as covered overall, so this is a note"
    return why


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _md(text: str) -> str:
    """Text safe inside a Markdown table cell or paragraph."""
    out = text.replace("\\", "\\\\").replace("|", "\\|")
    for ch in "*_`[]<>#":
        out = out.replace(ch, "\\" + ch)
    return out
