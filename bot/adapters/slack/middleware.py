"""Global middleware: the core services in every context, each Slack event handled once."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext, BoltResponse

from bot.adapters.slack.services import Services

log = logging.getLogger(__name__)


def provide_services(services: Services) -> Callable[..., Any]:
    def middleware(context: BoltContext, next: Callable[[], BoltResponse]) -> BoltResponse:
        services.put(context)
        return next()

    return middleware


def handle_each_event_once(
    body: dict[str, Any], context: BoltContext, next: Callable[[], BoltResponse]
) -> BoltResponse:
    """Slack redelivers an event it thinks failed (X-Slack-Retry-Num); the repeat is acked only.

    The claim is written before the event is handled, so an event that fails half-way is not
    redone: a duplicated question in a DM is worse than a missing one the person can ask for.
    """
    event_id = body.get("event_id") if body.get("type") == "event_callback" else None
    if event_id and not Services.of(context).store.events.claim(str(event_id)):
        log.info("event %s already handled; ignoring the redelivery", event_id)
        return BoltResponse(status=200, body="")
    return next()
