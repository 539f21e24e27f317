"""The scheduler inside `premortem serve`: a daemon thread running one pass every half minute.

A pass that fails is logged and the next one runs as usual; stopping waits for the pass under
way to finish, so no claim is left half-sent by a clean shutdown.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk import WebClient

from bot.adapters.scheduler.delivery import Delivery
from bot.adapters.scheduler.pacing import Pacer
from bot.adapters.scheduler.runner import claimant_id, run_due
from bot.core.checkins import Checkins, stamp
from bot.core.consultation import Consultations
from bot.core.knowledge import KnowledgeBase
from bot.core.store import Store

log = logging.getLogger(__name__)

INTERVAL_S = 30.0
EVENT_MEMORY = timedelta(days=1)  # how long a Slack event id is remembered against redelivery


class Scheduler:
    """Runs `run_due` every `interval` seconds on its own thread until `stop()`."""

    def __init__(
        self,
        delivery: Delivery,
        *,
        interval: float = INTERVAL_S,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.delivery = delivery
        self.interval = interval
        self.clock = clock
        self.claimant = claimant_id()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="premortem-scheduler", daemon=True)

    def start(self) -> Scheduler:
        self._thread.start()
        log.info("check-in scheduler started (every %.0fs)", self.interval)
        return self

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def stop(self, timeout: float | None = 30.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def run_once(self) -> None:
        now = self.clock()
        try:
            report = run_due(self.delivery, now, self.claimant)
            # Slack redelivers an event for minutes at most: older claims only fill the file.
            self.delivery.checkins.store.events.forget_claims_before(stamp(now - EVENT_MEMORY))
        except Exception:
            log.exception("check-in pass failed; trying again in %.0fs", self.interval)
            return
        if report.outcomes or report.reminded or report.closed:
            log.info("check-ins: %s", report)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.run_once()
            self._stop.wait(self.interval)


def start_scheduler(
    app_or_client: Any,
    store: Store,
    kb: KnowledgeBase,
    *,
    interval: float = INTERVAL_S,
    pacer: Pacer | None = None,
) -> Scheduler:
    """Start check-ins in this process; `app_or_client` is the Bolt App or its WebClient.

    Call `stop()` on the result at shutdown.
    """
    client: WebClient = getattr(app_or_client, "client", app_or_client)
    checkins = Checkins(Consultations(store, kb))
    return Scheduler(Delivery(client, checkins, pacer), interval=interval).start()
