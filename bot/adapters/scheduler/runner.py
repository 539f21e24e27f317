"""One pass of the scheduler: remind, close the overdue, claim what is due, and deliver it.

The same pass runs inside `premortem serve` (every half minute) and as `premortem checkins
run-due` (once, for an external cron). Claims are made in one transaction before anything is
sent, so two passes, in one process or two, never send the same check-in; delivery is a queue
drained by a few threads, each call paced by the shared `Pacer`.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

from bot.adapters.scheduler.delivery import Delivery
from bot.core.checkins import CLAIM_LEASE, stamp

log = logging.getLogger(__name__)

SENDERS = 4  # threads draining the queue; the pacer, not this, sets the pace


def claimant_id() -> str:
    """Who holds a claim: host, process and a random part, unique per scheduler."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class RunReport:
    reminded: int = 0
    closed: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)  # sent, retry, failed, taken

    def __str__(self) -> str:
        parts = [f"{self.outcomes['sent']} check-in(s) sent"]
        for key in ("retry", "failed"):
            if self.outcomes[key]:
                parts.append(f"{self.outcomes[key]} {'to retry' if key == 'retry' else 'failed'}")
        if self.reminded:
            parts.append(f"{self.reminded} reminder(s)")
        if self.closed:
            parts.append(f"{self.closed} closed unanswered or part-answered")
        return ", ".join(parts)


def run_due(delivery: Delivery, now: datetime, claimant: str | None = None) -> RunReport:
    """Everything due at `now`, once."""
    checkins = delivery.checkins
    report = RunReport()
    checkins.store.checkins.settle_interrupted(stamp(now - CLAIM_LEASE))
    for view in checkins.remind_due(now):
        delivery.send_reminder(view)
        report.reminded += 1
    for moved in checkins.expire_overdue(now):
        delivery.post_what_moved(moved)
        report.closed += 1
    claimed = checkins.claim(now, claimant or claimant_id())
    if claimed:
        log.info("claimed %d check-in(s) due by %s", len(claimed), now.isoformat())
        with ThreadPoolExecutor(SENDERS, thread_name_prefix="premortem-checkin") as pool:
            report.outcomes.update(pool.map(lambda c: delivery.send_checkin(c, now), claimed))
    return report
