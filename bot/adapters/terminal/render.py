"""Turning consultation turns and risk summaries into terminal text and Markdown.

`summary_markdown()` is a pure function of a RiskSummary (the Slack Block Kit builder mirrors
its structure: levels table, next steps, findings by area, what changed). The plain renderers
write one fact a line, so a piped consultation reads as a transcript a script can follow:
each question ends with a line starting `  (or:`, after which the answer is read.
"""

from __future__ import annotations

from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from bot.adapters.terminal.levels import ICON, STYLE
from bot.core.assessment import AreaAssessment, RiskSummary, SummaryFinding
from bot.core.consultation import AskedQuestion, Turn

ORIGIN = {
    "answer": "from the answers",
    "proposal": "from the proposal",
    "check-in": "at a check-in",
}
COMMANDS_HINT = "(or: skip, back, pause, summary, help)"


# --- plain text --------------------------------------------------------------------------


def turn_lines(turn: Turn) -> list[str]:
    """A turn as plain lines, for piped use."""
    lines: list[str] = []
    if turn.recorded:
        lines.append(f"  Recorded: {turn.recorded}.")
    if turn.message:
        lines.append(turn.message)
    if turn.summary is not None and turn.kind in ("summary", "finished"):
        lines.extend(summary_lines(turn.summary))
    if turn.question is not None and turn.kind != "paused":
        lines.extend(question_lines(turn.question))
    return lines


def echo(line: str, limit: int = 120) -> str:
    """An answer as the transcript repeats it: one line, long ones cut with their length."""
    flat = " ".join(line.split())
    if len(flat) <= limit:
        return flat
    return f"{flat[:limit]}… ({len(line):,} characters)"


def question_lines(q: AskedQuestion) -> list[str]:
    width = max(len(v) for v, _ in q.options)
    lines = [f"[{q.number}/{q.expected_total} · {q.area}] {q.text}", f"  Why: {q.why}"]
    lines += [f"  {i}. {v.ljust(width)}  {label}" for i, (v, label) in enumerate(q.options, 1)]
    lines.append(f"  {COMMANDS_HINT}")
    return lines


def summary_lines(s: RiskSummary) -> list[str]:
    lines = [
        f"Risk summary: {s.project} (overall {s.overall}, {s.answered} answers)",
    ]
    for a in s.areas:
        top = a.findings[0].title if a.findings else _without_findings(a)
        lines.append(f"  {a.area:<13}{a.level:<7}{top}")
    if s.next_steps:
        lines.append("Next steps:")
        for i, step in enumerate(s.next_steps, 1):
            lines.append(f"  {i}. {step.action} (owner: {step.owner}; done when: {step.done_when})")
    lines.extend(_change_lines(s))
    return lines


def _without_findings(a: AreaAssessment) -> str:
    """What an area with no open finding shows instead of its top one."""
    return "addressed" if a.discussed else "not discussed yet"


def _change_lines(s: RiskSummary) -> list[str]:
    if s.changes is None:
        return []
    if s.changes.empty:
        return [f"No change since the previous summary ({_when(s.changes.since)})."]
    lines = [f"Since the previous summary ({_when(s.changes.since)}):"]
    lines += [f"  {c.area}: {c.before} -> {c.after}" for c in s.changes.areas]
    lines += [f"  new: {t}" for t in s.changes.new]
    lines += [f"  resolved: {t}" for t in s.changes.resolved]
    return lines


def _when(iso: str) -> str:
    return iso[:16].replace("T", " ") + " UTC" if iso else "earlier"


# --- Markdown ----------------------------------------------------------------------------


def summary_markdown(s: RiskSummary) -> str:
    """The risk summary as GitHub-flavoured Markdown: a pure function of the summary."""
    out = [f"# Risk summary: {_md(s.project)}", ""]
    out.append(
        f"Overall: **{s.overall}** · {s.answered} answers"
        + (" · proposal read" if s.from_proposal else "")
        + f" · {_when(s.generated)}"
    )
    out += ["", "| Area | Level | Top finding |", "|---|---|---|"]
    for a in s.areas:
        top = _md(a.findings[0].title) if a.findings else _without_findings(a)
        out.append(f"| {a.title} | {ICON[a.level]} {a.level} | {top} |")
    if s.next_steps:
        out += ["", "## Next steps", ""]
        for i, step in enumerate(s.next_steps, 1):
            owner, done = _md(step.owner), _md(step.done_when)
            out.append(f"{i}. **{_md(step.action)}** Owner: {owner}. Done when: {done}")
    flagged = [a for a in s.areas if a.findings]
    if flagged:
        out += ["", "## Findings by area"]
        for a in flagged:
            out += ["", f"### {a.title}: {a.level}", ""]
            out += [_finding_md(f) for f in a.findings]
            if a.more:
                out.append(f"- …and {a.more} more")
    if s.changes is not None:
        out += ["", f"## What changed since {_when(s.changes.since)}", ""]
        if s.changes.empty:
            out.append("Nothing.")
        out += [f"- {c.area}: {c.before} → {c.after}" for c in s.changes.areas]
        out += [f"- New: {_md(t)}" for t in s.changes.new]
        out += [f"- Resolved: {_md(t)}" for t in s.changes.resolved]
    return "\n".join(out) + "\n"


def _finding_md(f: SummaryFinding) -> str:
    parts = [f"- **{_md(f.title)}** ({f.level}, {ORIGIN[f.origin]})."]
    if f.evidence:
        parts.append(_sentence(f"Evidence: {_md(f.evidence)}"))
    if f.mitigation:
        parts.append(_sentence(f"Mitigation: {_md(f.mitigation)}"))
    if f.source:
        parts.append(f"Source: *{_md(f.source)}*.")
    return " ".join(parts)


def _sentence(text: str) -> str:
    return text if text.endswith((".", "?", "!", "”", '"')) else text + "."


def _md(text: str) -> str:
    """User and knowledge text made inert in Markdown: one line, no table or HTML breakage."""
    text = " ".join(text.split())
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


# --- rich, for a person at a terminal ----------------------------------------------------


def print_turn(console: Console, turn: Turn) -> None:
    if turn.recorded:
        console.print(Text(f"✓ {turn.recorded}", style="dim green"))
    if turn.message:
        style = "yellow" if turn.kind == "reprompt" else None
        console.print(Text(turn.message, style=style))
    if turn.summary is not None and turn.kind in ("summary", "finished"):
        print_summary(console, turn.summary)
    if turn.question is not None and turn.kind != "paused":
        q = turn.question
        body = Text()
        body.append(q.text + "\n", style="bold")
        body.append(q.why + "\n\n", style="dim")
        for i, (_, label) in enumerate(q.options, 1):
            body.append(f"  {i}  ", style="cyan")
            body.append(label + "\n")
        body.append(COMMANDS_HINT, style="dim")
        title = f"Question {q.number} of about {q.expected_total} · {q.area}"
        console.print(Panel(body, title=title, title_align="left", border_style="cyan"))


def print_summary(console: Console, s: RiskSummary) -> None:
    title = Text(f"Risk summary: {s.project}", style="bold")  # Text: a name is not markup
    table = Table(title=title, title_justify="left")
    table.add_column("Area")
    table.add_column("Level")
    table.add_column("Top findings")
    for a in s.areas:
        tops = "\n".join(f"• {f.title}" for f in a.findings) or _without_findings(a)
        table.add_row(a.title, Text(a.level, style=STYLE[a.level]), Text(tops))
    console.print(table)
    if s.next_steps:
        console.print(Text("Next steps", style="bold"))
        for i, step in enumerate(s.next_steps, 1):
            line = Text(f" {i}. ")
            line.append(step.action, style="bold")
            line.append(f"  owner: {step.owner}; done when: {step.done_when}", style="dim")
            console.print(line)
    for line in _change_lines(s):
        console.print(Text(line, style="dim"))
