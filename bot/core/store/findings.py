"""Findings per project (from a proposal, an answer or a check-in), summary snapshots, and
the Slack messages a summary was posted as (so it can be edited in place).

A finding has a `key` unique in its project ("answer:data.no-labels", "proposal:3"): writing
the same key again updates it, and `sync()` resolves the keys of an origin no longer raised.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from bot.core.knowledge import Level, Origin
from bot.core.store._rows import record
from bot.core.store.text import EVIDENCE_LIMIT, clean

if TYPE_CHECKING:
    from bot.core.store import Store


@dataclass(frozen=True)
class NewFinding:
    key: str
    area: str
    level: Level
    evidence: str
    risk: str | None = None
    note: str = ""  # why it is a finding, when the risk alone does not say


@dataclass(frozen=True)
class FindingRecord:
    id: int
    project_id: int
    consultation_id: int | None
    key: str
    origin: Origin
    risk: str | None
    area: str
    level: Level
    evidence: str
    note: str
    status: Literal["open", "resolved"]
    created: str
    updated: str


_UPSERT = """
INSERT INTO findings (project_id, consultation_id, key, origin, risk, area, level, evidence,
    note, status, created, updated)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (project_id, key) DO UPDATE SET consultation_id = excluded.consultation_id,
    origin = excluded.origin, risk = excluded.risk, area = excluded.area, level = excluded.level,
    evidence = excluded.evidence, note = excluded.note, status = excluded.status,
    updated = excluded.updated
"""


class FindingStore:
    def __init__(self, store: Store) -> None:
        self._store = store

    def upsert(
        self,
        project_id: int,
        finding: NewFinding,
        *,
        origin: Origin,
        consultation_id: int | None = None,
        status: Literal["open", "resolved"] = "open",
    ) -> None:
        now = self._store.now()
        with self._store.transaction() as db:
            db.execute(
                _UPSERT,
                (
                    project_id,
                    consultation_id,
                    finding.key,
                    origin,
                    finding.risk,
                    finding.area,
                    finding.level,
                    clean(finding.evidence, EVIDENCE_LIMIT),
                    clean(finding.note, EVIDENCE_LIMIT),
                    status,
                    now,
                    now,
                ),
            )

    def sync(
        self,
        project_id: int,
        origin: Origin,
        findings: list[NewFinding],
        *,
        consultation_id: int | None = None,
    ) -> None:
        """Make `findings` the open findings of `origin`; resolve the others of that origin."""
        with self._store.transaction() as db:
            for f in findings:
                self.upsert(project_id, f, origin=origin, consultation_id=consultation_id)
            keys = [f.key for f in findings]
            marks = ",".join("?" * len(keys))
            db.execute(
                "UPDATE findings SET status = 'resolved', updated = ? WHERE project_id = ? "
                "AND origin = ? AND status = 'open'"
                + (f" AND key NOT IN ({marks})" if keys else ""),
                (self._store.now(), project_id, origin, *keys),
            )

    def for_project(
        self, project_id: int, *, status: Literal["open", "resolved"] | None = "open"
    ) -> list[FindingRecord]:
        sql = "SELECT * FROM findings WHERE project_id = ?"
        params: tuple[Any, ...] = (project_id,)
        if status:
            sql += " AND status = ?"
            params += (status,)
        return [record(FindingRecord, r) for r in self._store.rows(sql + " ORDER BY id", params)]

    # --- summaries -------------------------------------------------------------------------

    def record_summary(self, project_id: int, snapshot: dict[str, Any]) -> None:
        """Keep what a summary showed, so the next one can say what changed."""
        with self._store.transaction() as db:
            db["summaries"].insert(
                {
                    "project_id": project_id,
                    "at": self._store.now(),
                    "snapshot": json.dumps(snapshot),
                }
            )

    def last_summary(self, project_id: int) -> dict[str, Any] | None:
        rows = self._store.rows(
            "SELECT snapshot, at FROM summaries WHERE project_id = ? ORDER BY id DESC LIMIT 1",
            (project_id,),
        )
        if not rows:
            return None
        return {**json.loads(rows[0]["snapshot"]), "at": rows[0]["at"]}

    def set_summary_post(self, project_id: int, channel: str, ts: str) -> None:
        """Remember the message a summary was posted as in `channel`, to edit it later."""
        with self._store.transaction() as db:
            db["summary_posts"].upsert(
                {
                    "project_id": project_id,
                    "channel": channel,
                    "ts": ts,
                    "updated": self._store.now(),
                },
                pk=("project_id", "channel"),
            )

    def summary_post(self, project_id: int, channel: str) -> str | None:
        rows = self._store.rows(
            "SELECT ts FROM summary_posts WHERE project_id = ? AND channel = ?",
            (project_id, channel),
        )
        return rows[0]["ts"] if rows else None
