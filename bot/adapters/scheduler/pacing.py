"""Web API calls paced to Slack's rate limits, with a 429 holding back every call of its method.

Slack counts each method per app per workspace in one-minute windows and allows bursts, so
each method gets a token bucket holding a minute's allowance that refills at its tier's rate.
A 429 that gets past the client's own retries pauses that method for `Retry-After` and the
call is tried again: a rate-limited message is late, never lost.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)

# Calls a minute, from Slack's published tiers: chat.postMessage is about one a second per
# channel (each DM is its own channel), conversations.open and chat.update are Tier 3.
PER_MINUTE: dict[str, float] = {
    "chat.postMessage": 60,
    "chat.update": 50,
    "conversations.open": 50,
    "users.info": 100,
}
DEFAULT_PER_MINUTE = 20.0  # Tier 2, for a method not listed
MAX_RATE_LIMITED = 20  # 429s in a row before a call is given back to the queue


class RateLimited(Exception):
    """Slack kept answering 429; the work should be retried on a later run, not dropped."""


class Pacer:
    """Token buckets per Web API method, shared by every thread that sends."""

    def __init__(
        self,
        per_minute: dict[str, float] | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._rates = {**PER_MINUTE, **(per_minute or {})}
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens: dict[str, float] = {}
        self._stamp: dict[str, float] = {}
        self._paused_until: dict[str, float] = {}

    def wait(self, method: str) -> None:
        """Block until `method` may be called, and count the call."""
        while True:
            with self._lock:
                delay = self._take(method)
            if delay <= 0:
                return
            self._sleep(delay)

    def pause(self, method: str, seconds: float) -> None:
        """Hold back every call of `method` for `seconds` (Slack's Retry-After)."""
        with self._lock:
            until = self._clock() + max(seconds, 0.0)
            self._paused_until[method] = max(self._paused_until.get(method, 0.0), until)
            self._tokens[method] = 0.0

    def call(self, method: str, fn: Callable[..., Any], **kwargs: Any) -> Any:
        """`fn(**kwargs)` once `method` may be called, retried after each 429 it gets."""
        for _ in range(MAX_RATE_LIMITED):
            self.wait(method)
            try:
                return fn(**kwargs)
            except SlackApiError as exc:
                if exc.response is None or exc.response.status_code != 429:
                    raise
                retry_after = _retry_after(exc)
                log.info("%s rate limited; holding it back %.0fs", method, retry_after)
                self.pause(method, retry_after)
        raise RateLimited(f"{method} still rate limited after {MAX_RATE_LIMITED} tries")

    def _take(self, method: str) -> float:
        """Seconds to wait before `method` may go; 0 if it may go now (a token is spent)."""
        now = self._clock()
        paused = self._paused_until.get(method, 0.0) - now
        if paused > 0:
            return paused
        per_minute = self._rates.get(method, DEFAULT_PER_MINUTE)
        rate = per_minute / 60.0
        tokens = self._tokens.get(method, per_minute)
        tokens = min(per_minute, tokens + (now - self._stamp.get(method, now)) * rate)
        self._stamp[method] = now
        if tokens >= 1.0:
            self._tokens[method] = tokens - 1.0
            return 0.0
        self._tokens[method] = tokens
        return (1.0 - tokens) / rate


def _retry_after(exc: SlackApiError) -> float:
    headers = exc.response.headers or {}
    for key, value in headers.items():
        if key.lower() == "retry-after":
            raw = value[0] if isinstance(value, list) else value
            try:
                return float(raw)
            except (TypeError, ValueError):
                break
    return 1.0
