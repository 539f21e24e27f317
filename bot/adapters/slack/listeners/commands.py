"""`/premortem <subcommand>`: each subcommand a plain function of a `CommandCall`.

Replies that need no I/O (help, usage) are the ack body itself. Everything else acks first,
then works on the listener thread and answers through `respond` (the response_url) or posts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.adapters.slack import posting
from bot.adapters.slack.after_ack import Later, later
from bot.adapters.slack.builders.blocks import escape
from bot.adapters.slack.builders.help_builder import build_command_help
from bot.adapters.slack.builders.project_builder import (
    build_new_project_reply,
    build_pick_project,
    build_project_list,
    build_status,
    build_usage,
)
from bot.adapters.slack.builders.review_builder import build_review_modal
from bot.adapters.slack.command_text import parse_command
from bot.adapters.slack.errors import reports_errors
from bot.adapters.slack.payloads import ReviewContext
from bot.adapters.slack.services import Services
from bot.core.errors import Ambiguous

log = logging.getLogger(__name__)

COMMAND = "/premortem"


@dataclass
class CommandCall:
    """One `/premortem` invocation, as the subcommands see it."""

    ack: Ack
    respond: Respond
    client: WebClient
    services: Services
    team: str
    user: str
    channel: str
    argument: str
    trigger_id: str
    later: Later
    command: str = COMMAND


@dataclass(frozen=True)
class Subcommand:
    name: str
    usage: str  # after the command: "new <name>"
    summary: str  # what it does, one line
    run: Callable[[CommandCall], None]


SUBCOMMANDS: dict[str, Subcommand] = {}


def add_subcommand(sub: Subcommand) -> None:
    """Add or replace a subcommand (another feature's listeners may add theirs)."""
    SUBCOMMANDS[sub.name] = sub


def help_lines() -> list[tuple[str, str]]:
    return [(s.usage, s.summary) for s in SUBCOMMANDS.values()]


def acked_then(work: Callable[[CommandCall], None]) -> Callable[[CommandCall], None]:
    """A subcommand that acks at once and does `work` after the ack (`deferred`, for commands)."""

    def run(call: CommandCall) -> None:
        call.ack()
        call.later(work, call)

    return run


def register(app: App) -> None:
    app.command(COMMAND)(reports_errors(handle_premortem))


def handle_premortem(
    ack: Ack,
    command: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
) -> None:
    parsed = parse_command(command.get("text"), tuple(SUBCOMMANDS))
    call = CommandCall(
        ack=ack,
        respond=respond,
        client=client,
        services=Services.of(context),
        team=str(command.get("team_id") or context.team_id or ""),
        user=str(command.get("user_id") or ""),
        channel=str(command.get("channel_id") or ""),
        argument=parsed.argument,
        trigger_id=str(command.get("trigger_id") or ""),
        later=later(context),
        command=str(command.get("command") or COMMAND),
    )
    sub = SUBCOMMANDS.get(parsed.name)
    if sub is None:
        text, blocks = build_command_help(help_lines(), call.command, unknown=parsed.typed)
        ack(text=text, blocks=blocks)
        return
    sub.run(call)


# --- the subcommands ----------------------------------------------------------------------


def run_help(call: CommandCall) -> None:
    text, blocks = build_command_help(help_lines(), call.command)
    call.ack(text=text, blocks=blocks)


def run_new(call: CommandCall) -> None:
    if not call.argument:
        call.ack(text=build_usage(call.command, SUBCOMMANDS["new"].usage))
        return
    call.ack()
    call.later(_new, call)


def _new(call: CommandCall) -> None:
    services = call.services
    project = posting.open_project(services, call.team, call.user, call.argument, call.channel)
    dm = posting.open_dm(call.client, call.user)
    turn = services.consultations.start(project.id, None, call.user)
    posting.post_turn(call.client, dm, turn)
    text, blocks = build_new_project_reply(project.name, call.user, in_dm=call.channel == dm)
    call.respond(text=text, blocks=blocks, response_type="in_channel")


def _summary(call: CommandCall) -> None:
    project = _project_or_pick(call, "summary")
    if project is None:
        return
    try:
        edited = posting.post_summary(call.client, call.services, project, call.channel)
    except SlackApiError as exc:
        if exc.response.get("error") not in ("not_in_channel", "channel_not_found"):
            raise
        # The response_url still reaches a channel the bot is not in: post there, once.
        text, blocks = posting.summary_message(call.services, project)
        call.respond(text=text, blocks=blocks, response_type="in_channel")
        call.respond(
            text="I'm not a member of this channel, so this summary can't be updated in place. "
            "Invite me with `/invite @Premortem` to fix that.",
            response_type="ephemeral",
            replace_original=False,
        )
        return
    if edited:
        call.respond(
            text=f"Updated the summary of *{escape(project.name)}* I posted earlier in this "
            "channel.",
            response_type="ephemeral",
        )


def _list(call: CommandCall) -> None:
    rows = posting.project_rows(call.services, call.team)
    text, blocks = build_project_list(rows, call.command)
    call.respond(text=text, blocks=blocks, response_type="ephemeral")


def _status(call: CommandCall) -> None:
    project = _project_or_pick(call, "status")
    if project is None:
        return
    text, blocks = build_status(posting.project_row(call.services, project))
    call.respond(text=text, blocks=blocks, response_type="ephemeral")


def run_review(call: CommandCall) -> None:
    # The trigger_id lasts 3 seconds: open the modal now, not behind queued work.
    metadata = ReviewContext(channel=call.channel, user=call.user)
    call.client.views_open(trigger_id=call.trigger_id, view=build_review_modal(metadata))
    call.ack()


def run_checkin(call: CommandCall) -> None:
    call.ack(text="Check-ins are not available in this installation.")


def _project_or_pick(call: CommandCall, then: str) -> Any:
    """The project the call names (or the channel's); None after asking which one it meant."""
    try:
        return posting.resolve_project(call.services, call.team, call.channel, call.argument)
    except Ambiguous as exc:
        projects = posting.projects_named(call.services, call.team, exc.choices)
        text, blocks = build_pick_project(str(exc), projects, then, call.channel)
        call.respond(text=text, blocks=blocks, response_type="ephemeral")
        return None


for _sub in (
    Subcommand("new", "new <name>", "open a project bound to this channel and start its "
               "pre-mortem (I ask the questions in a direct message)", run_new),
    Subcommand("summary", "summary [project]", "post the project's risk summary in this "
               "channel (edits the earlier one)", acked_then(_summary)),
    Subcommand("list", "list", "list this workspace's projects with their risk levels",
               acked_then(_list)),
    Subcommand("status", "status [project]", "where a project stands: consultation, risk "
               "levels, next check-in", acked_then(_status)),
    Subcommand("review", "review", "paste a proposal in a form and get its findings", run_review),
    Subcommand("checkin", "checkin <project> <when>", "schedule check-ins, e.g. "
               "`every monday 9:00`", run_checkin),
    Subcommand("help", "help", "show this help", run_help),
):  # fmt: skip
    add_subcommand(_sub)
