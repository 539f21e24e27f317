"""Check-ins over the Slack Web API: the owner's DM, its reminder, edits, and "what moved".

Every call goes through the app's one WebClient (which retries a 429 after Retry-After) and a
`Pacer` (which spaces calls per method and holds a method back after a 429 that got through).
The core decides what to send; this module only renders it with the check-in builder.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.adapters.scheduler.pacing import Pacer, RateLimited
from bot.adapters.slack.builders.checkin_builder import (
    build_checkin,
    build_reminder,
    build_what_moved,
)
from bot.core.checkins import Checkins, CheckinView, WhatMoved
from bot.core.store.checkins import Claim

log = logging.getLogger(__name__)

# Errors that will not go away by trying again: the check-in is marked failed.
PERMANENT = {
    "user_not_found",
    "user_disabled",
    "account_inactive",
    "cannot_dm_bot",
    "not_authed",
    "invalid_auth",
    "token_revoked",
    "missing_scope",
    "channel_not_found",
    "is_archived",
    "restricted_action",
}
MAX_ATTEMPTS = 5


class Delivery:
    """Sends what the check-in service decides, through one client and one pacer."""

    def __init__(self, client: WebClient, checkins: Checkins, pacer: Pacer | None = None) -> None:
        self.client = client
        self.checkins = checkins
        self.pacer = pacer or Pacer()
        self._dms: dict[str, str] = {}
        self._lock = threading.Lock()

    def send_checkin(self, checkin: Claim, now: datetime) -> str:
        """DM one claimed check-in to its owner: "sent", "retry", "failed" or "taken"."""
        try:
            view = self.checkins.begin(checkin, now)
            if view is None:
                return "taken"
            for moved in self.checkins.supersede(checkin, now):
                self.post_what_moved(moved)
            dm = self.open_dm(checkin.owner)
            text, blocks = build_checkin(view)
            posted = self.pacer.call(
                "chat.postMessage",
                self.client.chat_postMessage,
                channel=dm,
                text=text,
                blocks=blocks,
            )
        except Exception as exc:
            code = _code(exc)
            give_up = code in PERMANENT or checkin.attempts + 1 >= MAX_ATTEMPTS
            if isinstance(exc, (RateLimited, SlackApiError, OSError)):
                log.warning("check-in %d to %s not sent (%s)", checkin.id, checkin.owner, code)
            else:
                log.exception("check-in %d to %s not sent", checkin.id, checkin.owner)
            self.checkins.not_sent(checkin.id, code, give_up=give_up)
            return "failed" if give_up else "retry"
        self.checkins.sent(checkin.id, dm, str(posted.get("ts") or ""), now)
        return "sent"

    def send_reminder(self, view: CheckinView) -> None:
        checkin = self.checkins.store.checkins.get_checkin(view.checkin_id)
        if checkin is None or not checkin.dm_channel:
            return
        text, blocks = build_reminder(view)
        self._quietly(
            "chat.postMessage",
            self.client.chat_postMessage,
            channel=checkin.dm_channel,
            text=text,
            blocks=blocks,
        )

    def refresh(self, checkin_id: int, channel: str | None = None) -> None:
        """Edit the check-in DM to show its current state (answers, snoozed, closed)."""
        checkin = self.checkins.store.checkins.get_checkin(checkin_id)
        if checkin is None or not (checkin.dm_channel and checkin.dm_ts):
            return
        view = self.checkins.view(checkin_id)
        text, blocks = build_checkin(view, channel or self._project_channel(checkin.project_id))
        self._quietly(
            "chat.update",
            self.client.chat_update,
            channel=checkin.dm_channel,
            ts=checkin.dm_ts,
            text=text,
            blocks=blocks,
        )

    def post_what_moved(self, moved: WhatMoved) -> None:
        """Post the closed check-in's summary in the project's channel, and show it closed."""
        self.refresh(moved.checkin_id, moved.channel)
        if not moved.channel:
            log.info(
                "check-in %d closed; project %d has no channel", moved.checkin_id, moved.project_id
            )
            return
        text, blocks = build_what_moved(moved)
        posted = self._quietly(
            "chat.postMessage",
            self.client.chat_postMessage,
            channel=moved.channel,
            text=text,
            blocks=blocks,
        )
        if posted is not None:
            self.checkins.store.checkins.set_summary_ts(
                moved.checkin_id, str(posted.get("ts") or "")
            )

    def open_dm(self, user: str) -> str:
        """The bot's DM channel with `user` (conversations.open), asked once per person."""
        with self._lock:
            known = self._dms.get(user)
        if known:
            return known
        opened = self.pacer.call("conversations.open", self.client.conversations_open, users=user)
        channel = str(opened["channel"]["id"])
        with self._lock:
            self._dms[user] = channel
        return channel

    def _project_channel(self, project_id: int) -> str | None:
        return self.checkins.store.projects.get(project_id).channel

    def _quietly(self, method: str, fn: object, **kwargs: object) -> dict | None:
        """A call whose failure is logged, not raised: the check-in's state is already kept."""
        try:
            return self.pacer.call(method, fn, **kwargs)  # type: ignore[arg-type]
        except (RateLimited, SlackApiError, OSError) as exc:
            log.warning("%s failed (%s)", method, _code(exc))
            return None


def _code(exc: Exception) -> str:
    if isinstance(exc, SlackApiError) and exc.response is not None:
        return str(exc.response.get("error") or f"http_{exc.response.status_code}")
    if isinstance(exc, RateLimited):
        return "ratelimited"
    return type(exc).__name__
