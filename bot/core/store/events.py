"""Processed event ids (each Slack event is handled once, however often it is redelivered)
and the event log: who did what to which project, when."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.core.store._rows import record
from bot.core.store.text import EVIDENCE_LIMIT, NAME_LIMIT, clean, one_line

if TYPE_CHECKING:
    from bot.core.store import Store


@dataclass(frozen=True)
class Event:
    id: int
    at: str
    team_id: str | None
    project_id: int | None
    consultation_id: int | None
    kind: str
    who: str
    detail: dict[str, Any]


class EventStore:
    def __init__(self, store: Store) -> None:
        self._store = store

    def claim(self, event_id: str) -> bool:
        """True if `event_id` was not seen before (and is now recorded); False for a repeat."""
        with self._store.transaction() as db:
            try:
                db.execute(
                    "INSERT INTO processed_events (event_id, at) VALUES (?, ?)",
                    (one_line(event_id, 200), self._store.now()),
                )
            except sqlite3.IntegrityError:
                return False
            return True

    def forget_claims_before(self, at: str) -> int:
        """Drop claims older than `at` (ISO time); Slack stops retrying after minutes."""
        with self._store.transaction() as db:
            return db.execute("DELETE FROM processed_events WHERE at < ?", (at,)).rowcount

    def log(
        self,
        kind: str,
        *,
        who: str = "",
        team_id: str | None = None,
        project_id: int | None = None,
        consultation_id: int | None = None,
        **detail: Any,
    ) -> None:
        """Append to the event log; string details are bounded like any user text."""
        safe = {k: clean(v, EVIDENCE_LIMIT) if isinstance(v, str) else v for k, v in detail.items()}
        with self._store.transaction() as db:
            db["events"].insert(
                {
                    "at": self._store.now(),
                    "team_id": team_id,
                    "project_id": project_id,
                    "consultation_id": consultation_id,
                    "kind": kind,
                    "who": one_line(who, NAME_LIMIT),
                    "detail": json.dumps(safe, ensure_ascii=False, default=str),
                }
            )

    def recent(self, *, project_id: int | None = None, limit: int = 50) -> list[Event]:
        sql = "SELECT * FROM events"
        params: tuple[Any, ...] = ()
        if project_id is not None:
            sql += " WHERE project_id = ?"
            params = (project_id,)
        rows = self._store.rows(sql + " ORDER BY id DESC LIMIT ?", (*params, limit))
        return [record(Event, r, detail=json.loads) for r in rows]
