"""App Home: the person's projects with their risk levels, open consultations with a resume
button, the next check-in of each."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.adapters.slack.builders.blocks import (
    VIEW_BLOCKS,
    Block,
    actions,
    button,
    context,
    divider,
    escape,
    fit,
    header,
    section,
)
from bot.adapters.slack.builders.help_builder import SOURCES_LINE
from bot.adapters.slack.builders.project_builder import ProjectRow, project_line
from bot.adapters.slack.ids import Ids
from bot.adapters.slack.payloads import ConsultationRef, ProjectRef


def build_home(rows: Sequence[ProjectRow]) -> dict[str, Any]:
    blocks: list[Block] = [
        header("Premortem"),
        section(
            "Find the risks in an ML project before they sink it. Send me `new &lt;name&gt;` or a "
            "proposal in a direct message, or use `/premortem` in a channel."
        ),
        actions(
            [button("Review a proposal", Ids.OPEN_REVIEW, "review", style="primary")],
            block_id="home-actions",
        ),
        divider(),
    ]
    waiting = [(r, c) for r in rows if (c := r.open_consultation) is not None]
    if waiting:
        blocks.append(header("Open consultations"))
        for r, consultation in waiting:
            ref = ConsultationRef(consultation=consultation).dump()
            blocks.append(
                section(
                    f"*{escape(r.name)}*: {r.answered} answer(s) so far, {r.consultation_status}",
                    block_id=f"open:{r.id}",
                    accessory=button("Resume", Ids.RESUME, ref, style="primary"),
                )
            )
        blocks.append(divider())
    blocks.append(header("Your projects"))
    if not rows:
        blocks.append(section("No projects yet."))
    for r in rows:
        checkin = f"Next check-in: {r.next_checkin}" if r.next_checkin else "No check-ins scheduled"
        summary = ProjectRef(project=r.id, then="summary").dump()
        blocks.append(
            section(
                project_line(r),
                block_id=f"project:{r.id}",
                accessory=button("Summary", Ids.SHOW_SUMMARY, summary),
            )
        )
        blocks.append(context(checkin))
    blocks.append(context(SOURCES_LINE))
    return {
        "type": "home",
        "callback_id": Ids.HOME.value,
        "blocks": fit(blocks, VIEW_BLOCKS, "use `/premortem list` to see every project"),
    }
