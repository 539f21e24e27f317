"""Teams (Slack workspaces, or the local terminal) and their projects, found by forgiving name."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rapidfuzz import fuzz

from bot.core.errors import Ambiguous, InputError, NotFound
from bot.core.store._rows import record
from bot.core.store.text import NAME_LIMIT, one_line

if TYPE_CHECKING:
    from bot.core.store import Store

# The team every terminal project belongs to; Slack projects use the workspace's team id.
LOCAL_TEAM = "local"

_MATCH_CUTOFF = 85  # a word of the query matches a word of a name at this rapidfuzz ratio
_FUZZY_CUTOFF = 80  # a whole query matches a whole name at this WRatio


@dataclass(frozen=True)
class Project:
    id: int
    team_id: str
    name: str
    channel: str | None
    owner: str | None
    archetype: str | None
    created: str


def name_key(name: str) -> str:
    return " ".join(name.casefold().split())


class ProjectStore:
    def __init__(self, store: Store) -> None:
        self._store = store

    def ensure_team(self, team_id: str, name: str = "") -> None:
        with self._store.transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO teams (id, name, created) VALUES (?, ?, ?)",
                (team_id, one_line(name, NAME_LIMIT), self._store.now()),
            )

    def create(
        self, team_id: str, name: str, *, channel: str | None = None, owner: str | None = None
    ) -> Project:
        """A new project; InputError if the name is empty or already taken in the team."""
        clean = one_line(name, NAME_LIMIT)
        if not clean:
            raise InputError("a project needs a name")
        with self._store.transaction() as db:
            self.ensure_team(team_id)
            try:
                pid = (
                    db["projects"]
                    .insert(
                        {
                            "team_id": team_id,
                            "name": clean,
                            "name_key": name_key(clean),
                            "channel": channel,
                            "owner": owner,
                            "archetype": None,
                            "created": self._store.now(),
                        }
                    )
                    .last_pk
                )
            except sqlite3.IntegrityError:
                raise InputError(f"there is already a project named {clean!r}") from None
        return self.get(int(pid))

    def get(self, project_id: int) -> Project:
        rows = self._store.rows("SELECT * FROM projects WHERE id = ?", (project_id,))
        if not rows:
            raise NotFound(f"no project with id {project_id}")
        return record(Project, rows[0])

    def list(self, team_id: str) -> list[Project]:
        rows = self._store.rows(
            "SELECT * FROM projects WHERE team_id = ? ORDER BY name_key", (team_id,)
        )
        return [record(Project, r) for r in rows]

    def by_channel(self, team_id: str, channel: str) -> list[Project]:
        rows = self._store.rows(
            "SELECT * FROM projects WHERE team_id = ? AND channel = ? ORDER BY id",
            (team_id, channel),
        )
        return [record(Project, r) for r in rows]

    def find(self, team_id: str, name: str) -> Project:
        """The team's project `name` names, forgivingly: case, spacing, typos, a word of it.

        "churn" finds "Churn model v2". Raises NotFound, or Ambiguous listing the candidates.
        """
        projects = self.list(team_id)
        query = name_key(one_line(name, NAME_LIMIT))
        if not query:
            raise InputError("which project? give its name")
        for p in projects:
            if name_key(p.name) == query:
                return p
        words = query.split()
        by_words = [p for p in projects if _has_every_word(name_key(p.name).split(), words)]
        candidates = by_words or [
            p for p in projects if fuzz.WRatio(query, name_key(p.name)) >= _FUZZY_CUTOFF
        ]
        if len(candidates) == 1:
            return candidates[0]
        if not candidates:
            known = ", ".join(repr(p.name) for p in projects[:10]) or "none yet"
            raise NotFound(f"no project matches {name.strip()!r} (projects: {known})")
        choices = [p.name for p in candidates]
        raise Ambiguous(f"{name.strip()!r} matches several projects: {', '.join(choices)}", choices)

    def set_archetype(self, project_id: int, archetype: str | None) -> None:
        with self._store.transaction() as db:
            db["projects"].update(project_id, {"archetype": archetype})

    def update(
        self, project_id: int, *, channel: str | None = None, owner: str | None = None
    ) -> Project:
        """Set the channel and/or owner (None leaves a field as it is)."""
        changes = {k: v for k, v in {"channel": channel, "owner": owner}.items() if v is not None}
        if changes:
            with self._store.transaction() as db:
                self.get(project_id)
                db["projects"].update(project_id, changes)
        return self.get(project_id)


def _has_every_word(name_words: list[str], query_words: list[str]) -> bool:
    return all(
        any(
            w == n or (len(w) >= 3 and n.startswith(w)) or fuzz.ratio(w, n) >= _MATCH_CUTOFF
            for n in name_words
        )
        for w in query_words
    )
