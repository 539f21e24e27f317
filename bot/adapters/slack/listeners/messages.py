"""Direct messages: `new <name>`, a pasted proposal, `help`, and answers to the waiting question.

The reply to each message is the next question itself, posted as soon as the core returns it.
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.adapters.slack import posting
from bot.adapters.slack.after_ack import later
from bot.adapters.slack.builders.help_builder import build_dm_help
from bot.adapters.slack.command_text import parse_direct_message, proposal_title
from bot.adapters.slack.errors import reports_errors
from bot.adapters.slack.services import Services
from bot.core.errors import InputError
from bot.core.store import Project

# Message subtypes that are not a person writing to us (edits, joins, bot posts...).
_PERSON_SUBTYPES = (None, "file_share")
_MENTION = re.compile(r"<@[UW][A-Z0-9]+>")


def is_direct_message_from_a_person(event: dict[str, Any]) -> bool:
    return (
        event.get("channel_type") == "im"
        and event.get("subtype") in _PERSON_SUBTYPES
        and not event.get("bot_id")
        and bool(event.get("user"))
    )


def register(app: App) -> None:
    app.event("message", matchers=[is_direct_message_from_a_person])(
        reports_errors(handle_direct_message)
    )
    # Everything else that arrives as a message event (channel chatter, edits, our own posts)
    # is acknowledged and dropped, so Bolt does not log it as unhandled.
    app.event("message")(lambda: None)


def handle_direct_message(
    event: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    team = str(body.get("team_id") or context.team_id or "")
    later(context)(_direct_message, Services.of(context), client, team, event)


def _direct_message(
    services: Services, client: WebClient, team: str, event: dict[str, Any]
) -> None:
    user = str(event["user"])
    channel = str(event["channel"])
    text = _MENTION.sub("", str(event.get("text") or "")).strip()
    waiting = posting.open_consultations_of(services, team, user)
    request = parse_direct_message(text, consulting=bool(waiting))

    if request.kind == "new":
        project = posting.open_project(services, team, user, request.argument)
        posting.post_turn(client, channel, services.consultations.start(project.id, None, user))
        return

    if request.kind == "proposal":
        if waiting:  # a proposal pasted mid-consultation: read it into that consultation
            turn = services.consultations.start(waiting[0].project_id, request.argument, user)
        else:
            project = _new_project(services, team, user, proposal_title(text))
            turn = services.consultations.start(project.id, request.argument, user)
        posting.post_turn(client, channel, turn)
        return

    if waiting:
        turn = services.consultations.answer(waiting[0].id, text, user)
        posting.post_turn(client, channel, turn)
        return

    if request.kind == "summary":
        mine = posting.projects_of(services, team, user)
        if mine:
            posting.post_messages(client, channel, [posting.summary_message(services, mine[-1])])
            return
    posting.post_messages(client, channel, [build_dm_help()])


def _new_project(services: Services, team: str, user: str, name: str) -> Project:
    """A new project owned by `user`; a taken name gets a number added."""
    attempts = 20
    for n in range(1, attempts + 1):
        candidate = name if n == 1 else f"{name} ({n})"
        try:
            project = services.store.projects.create(team, candidate, owner=user)
        except InputError:
            if n == attempts:
                raise
            continue
        services.store.events.log("project.created", who=user, team_id=team, project_id=project.id)
        return project
    raise AssertionError("unreachable")
