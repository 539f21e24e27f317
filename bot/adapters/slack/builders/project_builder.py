"""Projects in Slack: the list, a project's status, picking one of several, replies to `new`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.adapters.slack.builders.blocks import (
    FALLBACK_CHARS,
    MESSAGE_BLOCKS,
    Block,
    Message,
    actions,
    button,
    context,
    escape,
    fit,
    header,
    section,
    truncate,
)
from bot.adapters.slack.builders.summary_builder import LEVEL_EMOJI, area_line, level_badge
from bot.adapters.slack.ids import Ids
from bot.adapters.slack.payloads import ConsultationRef, ProjectRef

CONSULTATION_STATES = {
    "active": "consultation under way",
    "paused": "consultation paused",
    "finished": "consultation finished",
    None: "no consultation yet",
}


@dataclass(frozen=True)
class ProjectRow:
    """What the list, the status and App Home show of one project."""

    id: int
    name: str
    channel: str | None
    owner: str | None
    overall: str
    levels: dict[str, str] = field(default_factory=dict)  # area title -> level
    answered: int = 0
    consultation_id: int | None = None
    consultation_status: str | None = None  # active, paused, finished or None
    next_checkin: str | None = None  # already formatted for people

    @property
    def open_consultation(self) -> int | None:
        """The consultation a Resume button carries on: one under way or paused."""
        if self.consultation_status in ("active", "paused"):
            return self.consultation_id
        return None

    @property
    def flagged(self) -> list[str]:
        return [a for a, level in self.levels.items() if level != "low"]


def project_line(row: ProjectRow) -> str:
    where = f" in <#{row.channel}>" if row.channel and row.channel.startswith(("C", "G")) else ""
    flagged = f"; {len(row.flagged)} area(s) need attention" if row.flagged else ""
    return (
        f"{LEVEL_EMOJI.get(row.overall, '')} *{escape(row.name)}*{where}: overall {row.overall}"
        f"{flagged}; {CONSULTATION_STATES.get(row.consultation_status, '')}"
    )


def build_project_list(rows: Sequence[ProjectRow], command: str = "/premortem") -> Message:
    if not rows:
        text = f"No projects yet. Start one with `{command} new &lt;name&gt;`."
        return text, [section(text)]
    text = f"{len(rows)} project(s): " + "; ".join(
        f"{escape(r.name)} (overall {r.overall})" for r in rows
    )
    blocks: list[Block] = [header(f"Projects ({len(rows)})")]
    blocks += [section(project_line(r)) for r in rows]
    blocks.append(context(f"`{command} status &lt;project&gt;` shows one in detail."))
    return truncate(text, FALLBACK_CHARS), fit(
        blocks, MESSAGE_BLOCKS, f"`{command} status &lt;project&gt;` finds any"
    )


def build_status(row: ProjectRow) -> Message:
    state = CONSULTATION_STATES.get(row.consultation_status, "")
    answered = f"{row.answered} answer(s)" if row.answered else "no answers yet"
    checkin = f"next check-in {row.next_checkin}" if row.next_checkin else "no check-ins scheduled"
    areas = "\n".join(area_line(a, lv) for a, lv in row.levels.items())
    text = (
        f"{escape(row.name)}: overall {row.overall}; {state}, {answered}; {checkin}. "
        + "; ".join(f"{escape(a)} {lv}" for a, lv in row.levels.items())
    )
    blocks: list[Block] = [
        header(f"Status: {row.name}"),
        section(
            f"*Overall risk: {level_badge(row.overall)}*\n"
            f"{state.capitalize()}, {answered}; {checkin}."
        ),
    ]
    if areas:
        blocks.append(section(areas))
    buttons = [
        button("Show summary", Ids.SHOW_SUMMARY, ProjectRef(project=row.id, then="summary").dump())
    ]
    if row.open_consultation is not None:
        buttons.append(
            button("Resume", Ids.RESUME, ConsultationRef(consultation=row.open_consultation).dump())
        )
    blocks.append(actions(buttons, block_id="status"))
    return truncate(text, FALLBACK_CHARS), blocks


def build_pick_project(
    message: str, projects: Sequence[tuple[int, str]], then: str, channel: str | None
) -> Message:
    """Several projects match a name: one button per candidate."""
    text = f"{escape(message)}. Which one did you mean?"
    buttons = [
        button(
            name,
            f"{Ids.PICK_PROJECT.value}:{i}",
            ProjectRef(project=pid, then=then, channel=channel).dump(),
        )
        for i, (pid, name) in enumerate(projects[:25])
    ]
    blocks: list[Block] = [section(text)]
    if buttons:
        blocks.append(actions(buttons, block_id="pick"))
    return truncate(text, FALLBACK_CHARS), blocks


def build_new_project_reply(name: str, user: str, in_dm: bool) -> Message:
    if in_dm:
        text = f"Project *{escape(name)}* is open; the first question is below."
    else:
        text = (
            f"Project *{escape(name)}* is open for this channel. <@{user}> is answering the "
            f"pre-mortem questions in a direct message with me; `/premortem summary` posts the "
            f"risks here."
        )
    return text, [section(text)]


def build_usage(command: str, usage: str) -> str:
    return f"Usage: `{command} {escape(usage)}`"
