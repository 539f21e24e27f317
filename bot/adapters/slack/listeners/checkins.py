"""Check-ins in Slack: `/premortem checkin <project> <when>` and the buttons of a check-in DM."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.adapters.scheduler.delivery import Delivery
from bot.adapters.slack.after_ack import Click, deferred
from bot.adapters.slack.builders.checkin_builder import build_schedule_reply
from bot.adapters.slack.errors import reports_errors
from bot.adapters.slack.ids import CheckinIds, Ids
from bot.adapters.slack.listeners.commands import (
    CommandCall,
    Subcommand,
    acked_then,
    add_subcommand,
)
from bot.adapters.slack.payloads import CheckinChoice
from bot.core.checkins import Checkins, schedule_checkin, split_project_and_schedule
from bot.core.errors import InputError, NotFound
from bot.core.schedule import zone

log = logging.getLogger(__name__)

NO_ZONE = "I couldn't read your time zone from your Slack profile, so the times are UTC."


def register(app: App) -> None:
    add_subcommand(
        Subcommand(
            "checkin",
            "checkin <project> <when>",
            "schedule check-ins, e.g. `every monday 9:00`, `weekdays 10am`, "
            "`first monday of the month`, a cron line, or `off`",
            acked_then(_schedule),
        )
    )
    app.action(Ids.pattern(CheckinIds.ANSWER))(reports_errors(handle_answer))
    app.action(Ids.pattern(CheckinIds.SNOOZE))(reports_errors(handle_snooze))
    app.action(CheckinIds.SKIP.value)(reports_errors(handle_skip))


def _schedule(call: CommandCall) -> None:
    """Set the check-ins of a project, in the zone of the person setting them."""
    store = call.services.store
    bound = store.projects.by_channel(call.team, call.channel)
    project, when = split_project_and_schedule(
        call.argument,
        lambda name: store.projects.find(call.team, name),
        default=bound[0] if len(bound) == 1 else None,
    )
    tz, note = owner_zone(call.client, call.user)
    channel = project.channel or (call.channel if call.channel.startswith(("C", "G")) else None)
    schedule = schedule_checkin(store, project.id, when, owner=call.user, tz=tz, channel=channel)
    text, blocks = build_schedule_reply(project.name, schedule, channel, note)
    call.respond(text=text, blocks=blocks, response_type="ephemeral")


def owner_zone(client: WebClient, user: str) -> tuple[str, str | None]:
    """The person's IANA zone from their Slack profile (`tz`, never `tz_offset`, which is
    wrong half the year), or UTC with a note saying so."""
    try:
        tz = (client.users_info(user=user).get("user") or {}).get("tz")
    except SlackApiError as exc:
        log.warning("users.info for %s failed: %s", user, exc.response.get("error"))
        tz = None
    if isinstance(tz, str) and tz:
        try:
            zone(tz)
            return tz, None
        except InputError:
            log.warning("Slack gave %s the unknown zone %r", user, tz)
    return "UTC", NO_ZONE


def _answer(click: Click) -> None:
    checkins, choice = _checkin_of(click)
    if choice.question is None or choice.value is None:
        raise InputError("That button has expired; the check-in is in your messages with me.")
    outcome = checkins.answer(choice.checkin, choice.question, choice.value, click.user, _now())
    delivery = Delivery(click.client, checkins)
    if outcome.moved is not None:
        delivery.post_what_moved(outcome.moved)
    else:
        delivery.refresh(choice.checkin)


def _snooze(click: Click) -> None:
    checkins, choice = _checkin_of(click)
    span = choice.value if choice.value in ("day", "week") else "day"
    checkins.snooze(choice.checkin, span, _now())  # type: ignore[arg-type]
    Delivery(click.client, checkins).refresh(choice.checkin)


def _skip(click: Click) -> None:
    checkins, choice = _checkin_of(click)
    checkins.skip(choice.checkin, _now())
    Delivery(click.client, checkins).refresh(choice.checkin)


handle_answer = deferred(_answer)
handle_snooze = deferred(_snooze)
handle_skip = deferred(_skip)


def _checkin_of(click: Click) -> tuple[Checkins, CheckinChoice]:
    """The check-in a button acts on; only its owner may act on it."""
    choice = CheckinChoice.parse(click.value)
    checkins = Checkins(click.services.consultations)
    checkin = checkins.store.checkins.get_checkin(choice.checkin)
    if checkin is None:
        raise NotFound("That check-in no longer exists.")
    if checkin.owner != click.user:
        raise InputError("This check-in is for its project's owner to answer.")
    return checkins, choice


def _now() -> datetime:
    return datetime.now(UTC)
