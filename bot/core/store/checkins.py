"""Check-in schedules (one per project) and the check-ins claimed from them.

Every time here is a UTC ISO string in the store's one format (`store.now()`), so text order
is time order and the partial index on `next_due` answers "what is due?" without a scan.
A check-in moves through `claimed -> sending -> sent -> answered | expired`, or `snoozed`
(back to `claimed` when the snooze ends), `skipped`, `failed`. Each move is one conditional
UPDATE, so of two processes or two clicks racing, exactly one wins.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from bot.core.store._rows import record
from bot.core.store.text import NAME_LIMIT, one_line

if TYPE_CHECKING:
    from bot.core.store import Store

Status = Literal[
    "claimed", "sending", "sent", "snoozed", "answered", "skipped", "expired", "failed"
]
# What the owner can still act on: the DM's buttons work while a check-in is in one of these.
WAITING = ("sent", "snoozed")
# (rule JSON, IANA zone, now) -> the next due time after now, or None to stop the schedule.
NextDue = Callable[[str, str, str], str | None]


@dataclass(frozen=True)
class CheckinSchedule:
    project_id: int
    spec: str  # what the person typed
    rule: str | None  # bot.core.schedule.Rule as JSON
    tz: str  # the owner's IANA zone
    next_due: str | None
    last_due: str | None
    who: str  # the owner the check-in goes to
    channel: str | None
    active: bool
    created: str
    updated: str


@dataclass(frozen=True)
class Checkin:
    id: int
    project_id: int
    due: str
    owner: str
    status: Status
    claimed_by: str
    claimed_at: str
    attempts: int
    snoozed_until: str | None
    questions: list[dict[str, str]]  # id, why (asked because), was (the answer before)
    answers: dict[str, str]
    baseline: dict[str, Any] | None
    dm_channel: str | None
    dm_ts: str | None
    sent_at: str | None
    reminded_at: str | None
    closed_at: str | None
    summary_ts: str | None
    error: str | None


@dataclass(frozen=True)
class Claim:
    """A check-in this process may send: what the claim returns, the rest is read at sending."""

    id: int
    project_id: int
    due: str
    owner: str
    claimed_by: str
    attempts: int


def _schedule(row: dict[str, Any]) -> CheckinSchedule:
    return record(CheckinSchedule, row, active=bool)


def _checkin(row: dict[str, Any]) -> Checkin:
    return record(Checkin, row, questions=json.loads, answers=json.loads, baseline=json.loads)


_UPSERT = """
INSERT INTO checkin_schedules
    (project_id, spec, rule, tz, next_due, who, channel, active, created, updated)
VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?)
ON CONFLICT (project_id) DO UPDATE SET spec = excluded.spec, rule = excluded.rule,
    tz = excluded.tz, next_due = excluded.next_due, who = excluded.who,
    channel = excluded.channel, active = 1, updated = excluded.updated
"""

# One statement finds the due schedules through the partial index and turns each into a
# claimed check-in; UNIQUE (project_id, due) makes a repeat claim a no-op. Only the one
# occurrence a schedule is waiting for is claimed, however many were missed while down.
_CLAIM_SCHEDULED = """
INSERT INTO checkins (project_id, due, owner, status, claimed_by, claimed_at)
SELECT project_id, next_due, who, 'claimed', :claimant, :now
FROM checkin_schedules WHERE active = 1 AND next_due <= :now
ON CONFLICT (project_id, due) DO NOTHING
RETURNING id, project_id, due, owner, claimed_by, attempts
"""
# ...and, in the same transaction, moves each schedule on to its next time after now.
_ADVANCE = """
UPDATE checkin_schedules
SET last_due = next_due, next_due = premortem_next_due(rule, tz, :now), updated = :now
WHERE active = 1 AND next_due <= :now
"""
_CLAIM_SNOOZED = """
UPDATE checkins SET status = 'claimed', claimed_by = :claimant, claimed_at = :now,
    snoozed_until = NULL
WHERE status = 'snoozed' AND snoozed_until <= :now
RETURNING id, project_id, due, owner, claimed_by, attempts
"""
# A claim whose process died before sending (its lease ran out), or one given back after a
# failed send, is taken over, not lost.
_CLAIM_ABANDONED = """
UPDATE checkins SET claimed_by = :claimant, claimed_at = :now
WHERE status = 'claimed' AND (claimed_at < :lease_cutoff OR claimed_by = '')
RETURNING id, project_id, due, owner, claimed_by, attempts
"""


class CheckinStore:
    def __init__(self, store: Store) -> None:
        self._store = store

    # --- schedules ------------------------------------------------------------------------

    def set(
        self,
        project_id: int,
        spec: str,
        next_due: str | None,
        *,
        rule: str | None = None,
        tz: str = "UTC",
        who: str = "",
        channel: str | None = None,
    ) -> CheckinSchedule:
        """Create or replace the project's schedule and switch it on."""
        now = self._store.now()
        with self._store.transaction() as db:
            db.execute(
                _UPSERT,
                (
                    project_id,
                    one_line(spec, 200),
                    rule,
                    tz,
                    next_due,
                    one_line(who, NAME_LIMIT),
                    channel,
                    now,
                    now,
                ),
            )
        got = self.get(project_id)
        assert got is not None
        return got

    def get(self, project_id: int) -> CheckinSchedule | None:
        rows = self._store.rows(
            "SELECT * FROM checkin_schedules WHERE project_id = ?", (project_id,)
        )
        return _schedule(rows[0]) if rows else None

    def stop(self, project_id: int) -> bool:
        """Switch the schedule off; False if there was none switched on."""
        with self._store.transaction() as db:
            cursor = db.execute(
                "UPDATE checkin_schedules SET active = 0, next_due = NULL, updated = ? "
                "WHERE project_id = ? AND active = 1",
                (self._store.now(), project_id),
            )
            return cursor.rowcount > 0

    # --- claiming -------------------------------------------------------------------------

    def claim_due(
        self, now: str, claimant: str, next_due: NextDue, lease_cutoff: str
    ) -> list[Claim]:
        """Claim, in one write transaction, every check-in that should be sent at `now`.

        That is: one per schedule whose time has come (the schedule moves on to its next
        time after `now`, so missed occurrences are not replayed), every snoozed check-in
        whose snooze is over, every claim older than `lease_cutoff` left unsent by a process
        that stopped, and every claim given back after a failed send. Before sending one,
        the caller takes it with `begin_sending`.
        """
        params = {"now": now, "claimant": claimant, "lease_cutoff": lease_cutoff}
        with self._store.transaction() as db:
            db.conn.create_function("premortem_next_due", 3, next_due, deterministic=True)
            claimed = db.conn.execute(_CLAIM_SCHEDULED, params).fetchall()
            db.execute(_ADVANCE, params)
            claimed += db.conn.execute(_CLAIM_SNOOZED, params).fetchall()
            claimed += db.conn.execute(_CLAIM_ABANDONED, params).fetchall()
        return [Claim(*row) for row in claimed]

    def begin_sending(self, checkin_id: int, claimant: str) -> bool:
        """Take the claim to the wire; False if another process has taken it over since."""
        return self._move(checkin_id, "sending", ("claimed",), claimed_by=claimant) is not None

    def plan(
        self, checkin_id: int, questions: list[dict[str, str]], baseline: dict[str, Any]
    ) -> None:
        """What the check-in asks and the levels it compares with; kept when it is sent again."""
        with self._store.transaction() as db:
            db.execute(
                "UPDATE checkins SET questions = ?, baseline = ? WHERE id = ? AND baseline IS NULL",
                (json.dumps(questions), json.dumps(baseline), checkin_id),
            )

    def mark_sent(self, checkin_id: int, *, dm_channel: str, dm_ts: str | None, at: str) -> None:
        with self._store.transaction() as db:
            db.execute(
                "UPDATE checkins SET status = 'sent', dm_channel = ?, dm_ts = ?, sent_at = ?, "
                "reminded_at = NULL, error = NULL WHERE id = ? AND status = 'sending'",
                (dm_channel, dm_ts, at, checkin_id),
            )

    def release(self, checkin_id: int, error: str, *, give_up: bool) -> None:
        """A send that failed: `failed` for good, or back to `claimed` with no holder, so the
        next run (of any process) tries again."""
        with self._store.transaction() as db:
            db.execute(
                "UPDATE checkins SET status = ?, claimed_by = '', attempts = attempts + 1, "
                "error = ? WHERE id = ? AND status = 'sending'",
                ("failed" if give_up else "claimed", error[:500], checkin_id),
            )

    def settle_interrupted(self, cutoff: str) -> int:
        """Check-ins left `sending` by a process that stopped mid-call count as sent: Slack may
        well have shown them, and a second copy is worse than a missing message id."""
        with self._store.transaction() as db:
            cursor = db.execute(
                "UPDATE checkins SET status = 'sent', sent_at = claimed_at "
                "WHERE status = 'sending' AND claimed_at < ?",
                (cutoff,),
            )
            return cursor.rowcount

    # --- the owner's answers --------------------------------------------------------------

    def get_checkin(self, checkin_id: int) -> Checkin | None:
        rows = self._store.rows("SELECT * FROM checkins WHERE id = ?", (checkin_id,))
        return _checkin(rows[0]) if rows else None

    def waiting_for(self, project_id: int) -> list[Checkin]:
        """The project's check-ins the owner can still answer, oldest first."""
        rows = self._store.rows(
            "SELECT * FROM checkins WHERE project_id = ? AND status IN (?, ?) ORDER BY id",
            (project_id, *WAITING),
        )
        return [_checkin(r) for r in rows]

    def latest(self, project_id: int) -> Checkin | None:
        rows = self._store.rows(
            "SELECT * FROM checkins WHERE project_id = ? ORDER BY id DESC LIMIT 1", (project_id,)
        )
        return _checkin(rows[0]) if rows else None

    def note_answer(self, checkin_id: int, question_id: str, value: str) -> Checkin | None:
        """Record which option the owner chose; None if the check-in is no longer open."""
        with self._store.transaction():
            rows = self._store.rows(
                "UPDATE checkins SET answers = json_set(answers, '$.' || json_quote(:q), :v) "
                "WHERE id = :id AND status = 'sent' RETURNING *",
                {"q": question_id, "v": value, "id": checkin_id},
            )
        return _checkin(rows[0]) if rows else None

    def snooze(self, checkin_id: int, until: str) -> Checkin | None:
        return self._move(checkin_id, "snoozed", ("sent",), {"snoozed_until": until})

    def skip(self, checkin_id: int, at: str) -> Checkin | None:
        return self._move(checkin_id, "skipped", WAITING, {"closed_at": at})

    def close(
        self, checkin_id: int, status: Literal["answered", "expired"], at: str
    ) -> Checkin | None:
        """Close an open check-in; None if it was closed already (one summary, not two)."""
        return self._move(checkin_id, status, WAITING, {"closed_at": at})

    def set_summary_ts(self, checkin_id: int, ts: str) -> None:
        with self._store.transaction() as db:
            db.execute("UPDATE checkins SET summary_ts = ? WHERE id = ?", (ts, checkin_id))

    # --- reminders and expiry -------------------------------------------------------------

    def claim_reminders(self, sent_before: str, at: str) -> list[Checkin]:
        """Sent check-ins not answered since `sent_before` and not reminded yet; each is
        marked reminded as it is returned, so a reminder goes out once."""
        with self._store.transaction():
            rows = self._store.rows(
                "UPDATE checkins SET reminded_at = :at WHERE status = 'sent' "
                "AND reminded_at IS NULL AND sent_at <= :before RETURNING *",
                {"at": at, "before": sent_before},
            )
        return [_checkin(r) for r in rows]

    def claim_expired(self, reminded_before: str, at: str) -> list[Checkin]:
        """Check-ins still unanswered after their reminder, closed as `expired` here."""
        with self._store.transaction():
            rows = self._store.rows(
                "UPDATE checkins SET status = 'expired', closed_at = :at WHERE status = 'sent' "
                "AND reminded_at <= :before RETURNING *",
                {"at": at, "before": reminded_before},
            )
        return [_checkin(r) for r in rows]

    # --- internals ------------------------------------------------------------------------

    def _move(
        self,
        checkin_id: int,
        status: Status,
        from_: tuple[str, ...],
        changes: dict[str, str] | None = None,
        claimed_by: str | None = None,
    ) -> Checkin | None:
        """Move a check-in to `status` if it is in one of `from_` (and, if given, still held
        by `claimed_by`), applying `changes` (column -> value); None if it was not."""
        changes = changes or {}
        params: dict[str, Any] = {"id": checkin_id, "status": status, "claimed_by": claimed_by}
        params.update({f"set_{k}": v for k, v in changes.items()})
        params.update({f"from_{i}": s for i, s in enumerate(from_)})
        sql = (
            "UPDATE checkins SET status = :status"
            + "".join(f", {k} = :set_{k}" for k in changes)
            + " WHERE id = :id AND status IN ("
            + ", ".join(f":from_{i}" for i in range(len(from_)))
            + ") AND (:claimed_by IS NULL OR claimed_by = :claimed_by) RETURNING *"
        )
        with self._store.transaction():
            rows = self._store.rows(sql, params)
        return _checkin(rows[0]) if rows else None
