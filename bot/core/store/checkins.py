"""Check-in schedules: one per project, with when it is next due.

`spec` is whatever the scheduler understands ("weekly", a cron line); the store only keeps it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.core.store._rows import record
from bot.core.store.text import NAME_LIMIT, one_line

if TYPE_CHECKING:
    from bot.core.store import Store


@dataclass(frozen=True)
class CheckinSchedule:
    project_id: int
    spec: str
    next_due: str | None
    who: str
    channel: str | None
    active: bool
    created: str
    updated: str


_UPSERT = """
INSERT INTO checkin_schedules (project_id, spec, next_due, who, channel, active, created, updated)
VALUES (?, ?, ?, ?, ?, 1, ?, ?)
ON CONFLICT (project_id) DO UPDATE SET spec = excluded.spec, next_due = excluded.next_due,
    who = excluded.who, channel = excluded.channel, active = 1, updated = excluded.updated
"""


class CheckinStore:
    def __init__(self, store: Store) -> None:
        self._store = store

    def set(
        self,
        project_id: int,
        spec: str,
        next_due: str | None,
        *,
        who: str = "",
        channel: str | None = None,
    ) -> CheckinSchedule:
        now = self._store.now()
        with self._store.transaction() as db:
            db.execute(
                _UPSERT,
                (
                    project_id,
                    one_line(spec, 200),
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
        return record(CheckinSchedule, rows[0], active=bool) if rows else None

    def due(self, now: str) -> list[CheckinSchedule]:
        """Active schedules due at or before `now` (ISO time), soonest first."""
        rows = self._store.rows(
            "SELECT * FROM checkin_schedules WHERE active = 1 AND next_due IS NOT NULL "
            "AND next_due <= ? ORDER BY next_due",
            (now,),
        )
        return [record(CheckinSchedule, r, active=bool) for r in rows]

    def advance(self, project_id: int, next_due: str | None) -> None:
        with self._store.transaction() as db:
            db.execute(
                "UPDATE checkin_schedules SET next_due = ?, updated = ? WHERE project_id = ?",
                (next_due, self._store.now(), project_id),
            )

    def stop(self, project_id: int) -> None:
        with self._store.transaction() as db:
            db.execute(
                "UPDATE checkin_schedules SET active = 0, updated = ? WHERE project_id = ?",
                (self._store.now(), project_id),
            )
