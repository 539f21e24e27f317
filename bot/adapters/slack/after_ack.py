"""Work a listener hands off once it has acked: analysis, database writes, posts to Slack.

Listeners ack on the request's own thread (`process_before_response=True`), so the ack never
waits behind slow work; what follows runs on these threads. An error there goes to the one
error handler with the request it came from, like an error in the listener itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.adapters.slack.errors import handle_error
from bot.adapters.slack.payloads import user_of
from bot.adapters.slack.services import Services

log = logging.getLogger(__name__)

_KEY = "premortem_after_ack"


class AfterAck:
    """The threads that run work after acks (PREMORTEM_WORKERS of them)."""

    def __init__(self, workers: int) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="premortem-work")

    def bind(self, body: dict[str, Any], client: WebClient, respond: Respond | None) -> Later:
        return Later(self, body, client, respond)

    def submit(self, job: Callable[[], None]) -> None:
        self._pool.submit(job)

    def shutdown(self, wait: bool = True) -> None:
        """Stop taking work; with `wait`, finish what was handed off (a clean SIGTERM)."""
        self._pool.shutdown(wait=wait, cancel_futures=not wait)

    def middleware(self) -> Callable[..., Any]:
        def put_in_context(
            body: dict[str, Any],
            client: WebClient,
            respond: Respond | None,
            context: BoltContext,
            next: Callable[[], Any],
        ) -> Any:
            context[_KEY] = self.bind(body, client, respond)
            return next()

        return put_in_context


class Later:
    """`later(fn, *args)` runs `fn(*args)` after the ack, reporting its errors."""

    def __init__(
        self, runner: AfterAck, body: dict[str, Any], client: WebClient, respond: Respond | None
    ) -> None:
        self._runner = runner
        self._body = body
        self._client = client
        self._respond = respond

    def __call__(self, fn: Callable[..., None], *args: Any) -> None:
        def job() -> None:
            try:
                fn(*args)
            except Exception as error:
                handle_error(error, self._body, self._client, self._respond, None)

        self._runner.submit(job)


def later(context: BoltContext) -> Later:
    """The request's `Later`, put in its context by `AfterAck.middleware()`."""
    return context[_KEY]


@dataclass(frozen=True)
class Click:
    """A button press, as the work after its ack sees it."""

    services: Services
    body: dict[str, Any]
    action: dict[str, Any]
    client: WebClient
    respond: Respond

    @property
    def user(self) -> str:
        return user_of(self.body)

    @property
    def value(self) -> str | None:
        return self.action.get("value")

    @property
    def message(self) -> tuple[str | None, str | None]:
        """The channel and `ts` of the message the button is on."""
        container = self.body.get("container") or {}
        channel = container.get("channel_id") or (self.body.get("channel") or {}).get("id")
        ts = container.get("message_ts") or (self.body.get("message") or {}).get("ts")
        return channel, ts


def deferred(work: Callable[[Click], None]) -> Callable[..., None]:
    """A button listener that acks at once and does `work` after the ack.

    Bolt answers Slack only when the listener returns, so nothing slow may run before that.
    """

    def listener(
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        client: WebClient,
        respond: Respond,
        context: BoltContext,
    ) -> None:
        ack()
        later(context)(work, Click(Services.of(context), body, action, client, respond))

    listener.__doc__ = work.__doc__
    return listener
