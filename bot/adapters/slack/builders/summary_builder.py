"""A RiskSummary as a Slack message: header, each area with its level, top findings quoting
the evidence with their mitigation, next steps, sources in a context line.

Levels are written as words (`high`, `medium`, `low`) beside their colour, one area or finding
per line, so screen readers and search read them. A summary with more findings than fit is cut
with a button to see them all (`build_findings_pages`, sent as several messages).
"""

from __future__ import annotations

from bot.adapters.slack.builders.blocks import (
    FALLBACK_CHARS,
    MESSAGE_BLOCKS,
    Block,
    Message,
    actions,
    button,
    context,
    divider,
    escape,
    fit,
    header,
    quote,
    section,
    sections,
    truncate,
)
from bot.adapters.slack.ids import Ids
from bot.adapters.slack.payloads import ProjectRef
from bot.core.assessment import RiskSummary, SummaryFinding

LEVEL_EMOJI = {
    "high": ":red_circle:",
    "medium": ":large_orange_circle:",
    "low": ":large_green_circle:",
}
TOP_FINDINGS = 6
EVIDENCE_CHARS = 300


def level_badge(level: str) -> str:
    """The colour and the word: `:red_circle: high`."""
    return f"{LEVEL_EMOJI.get(level, ':white_circle:')} {level}"


def area_line(title: str, level: str) -> str:
    """One area and its level, the word beside the colour: `:red_circle: *Data*: high`."""
    return f"{LEVEL_EMOJI.get(level, '')} *{escape(title)}*: {level}"


def build_summary_message(
    summary: RiskSummary, project_id: int | None = None, title: str | None = None
) -> Message:
    """(fallback text, blocks) of a project's risk summary; at most 50 blocks."""
    name = escape(summary.project)
    heading = title or f"Pre-mortem: {summary.project}"
    flagged = summary.flagged()
    text = f"Risk summary of {name}: overall {summary.overall}; " + "; ".join(
        f"{a.title} {a.level}" for a in summary.areas
    )
    basis = []
    if summary.answered:
        basis.append(f"{summary.answered} answer(s)")
    if summary.from_proposal:
        basis.append("the proposal")
    blocks: list[Block] = [
        header(heading),
        section(
            f"*Overall risk: {level_badge(summary.overall)}*"
            + (f"  ·  from {' and '.join(basis)}" if basis else "")
            + (f"\n{len(flagged)} of {len(summary.areas)} areas need attention." if flagged else "")
        ),
        section("*Areas*\n" + "\n".join(area_line(a.title, a.level) for a in summary.areas)),
    ]
    if summary.changes is not None and not summary.changes.empty:
        blocks.append(section(_changes(summary)))
    raised = [f for f in summary.findings if f.level != "low"]
    top = raised[:TOP_FINDINGS]
    if top:
        blocks += [divider(), section("*Top findings*")]
        blocks += [section(finding_text(f, summary)) for f in top]
    if summary.next_steps:
        steps = "\n".join(
            f"{i}. {escape(s.action)} _(owner: {escape(s.owner)}; done when "
            f"{escape(_lower_first(s.done_when))})_"
            for i, s in enumerate(summary.next_steps, 1)
        )
        blocks += [divider(), *sections(f"*Next steps*\n{steps}")]
    hidden = len(raised) - len(top)
    if hidden > 0 and project_id is not None:
        more = ProjectRef(project=project_id, then="findings").dump()
        blocks += [
            context(f"{hidden} more finding(s) are not shown here."),
            actions([button("Show all findings", Ids.SHOW_SUMMARY, more)]),
        ]
    sources = _sources(summary)
    if sources:
        blocks.append(context(truncate("Sources: " + " · ".join(sources), 2900)))
    return truncate(text, FALLBACK_CHARS), fit(
        blocks, MESSAGE_BLOCKS, "use `/premortem status` to see the rest"
    )


def finding_text(f: SummaryFinding, summary: RiskSummary | None = None) -> str:
    """One finding: level and title, the evidence quoted, the mitigation."""
    area = _area_title(summary, f.area) if summary else f.area
    lines = [f"{level_badge(f.level)}  *{escape(f.title)}* ({escape(area)}: {f.level})"]
    if f.evidence:
        lines.append(quote(f.evidence, EVIDENCE_CHARS))
    if f.mitigation:
        lines.append(f"*Mitigation:* {escape(f.mitigation)}")
    return truncate("\n".join(lines), 2900)


def build_findings_pages(summary: RiskSummary) -> list[Message]:
    """Every open finding, as as many messages as it takes (each within 50 blocks)."""
    findings = list(summary.findings)
    if not findings:
        return [(f"{summary.project}: no open findings.", [section("No open findings.")])]
    per_page = MESSAGE_BLOCKS - 2
    pages = []
    chunks = [findings[i : i + per_page] for i in range(0, len(findings), per_page)]
    for n, chunk in enumerate(chunks, 1):
        title = f"All findings: {summary.project}"
        if len(chunks) > 1:
            title += f" ({n}/{len(chunks)})"
        blocks = [header(title), *(section(finding_text(f, summary)) for f in chunk)]
        if n == len(chunks):
            blocks.append(context(f"{len(findings)} finding(s) in all."))
        pages.append((truncate(f"{title}: {len(chunk)} finding(s)", FALLBACK_CHARS), blocks))
    return pages


def _changes(summary: RiskSummary) -> str:
    changes = summary.changes
    assert changes is not None
    lines = ["*Since the last summary*"]
    for c in changes.areas:
        lines.append(f"{escape(_area_title(summary, c.area))}: {c.before} → {c.after}")
    for t in changes.new[:5]:
        lines.append(f"New: {escape(t)}")
    for t in changes.resolved[:5]:
        lines.append(f"Resolved: {escape(t)}")
    return "\n".join(lines)


def _sources(summary: RiskSummary) -> list[str]:
    seen: list[str] = []
    for f in summary.findings:
        if f.source:
            title = escape(f.source.split(", ")[0])
            if title not in seen:
                seen.append(title)
    return seen[:8]


def _area_title(summary: RiskSummary | None, area: str) -> str:
    if summary is None:
        return area
    return next((a.title for a in summary.areas if a.area == area), area)


def _lower_first(text: str) -> str:
    return text if len(text) > 1 and text[1].isupper() else text[:1].lower() + text[1:]
