"""Numbered schema migrations, recorded in `schema_version`.

To change the schema, append a function to MIGRATIONS; never edit one that has shipped.
Each runs once, in its own write transaction, on every database older than it:

    @migration(2, "check-in runs")
    def _checkin_runs(db: Database) -> None:
        db.execute("CREATE TABLE checkin_runs (...)")

A migration must not change PRAGMAs that cannot run inside a transaction (journal_mode,
foreign_keys); `Database.transform` with `foreign_keys` off is the tool for reshaping a table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlite_utils import Database

# Marks a file as ours (`PRAGMA application_id`), so a foreign SQLite file is refused, not
# migrated. The bytes spell "PMRT".
APPLICATION_ID = 0x504D5254


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    apply: Callable[[Database], None]


MIGRATIONS: list[Migration] = []


def migration(
    version: int, name: str
) -> Callable[[Callable[[Database], None]], Callable[[Database], None]]:
    """Register a migration; versions must follow each other without gaps."""

    def register(fn: Callable[[Database], None]) -> Callable[[Database], None]:
        expected = len(MIGRATIONS) + 1
        if version != expected:
            raise RuntimeError(
                f"migration {version} ({name}) registered out of order; expected {expected}"
            )
        MIGRATIONS.append(Migration(version, name, fn))
        return fn

    return register


def latest_version() -> int:
    return MIGRATIONS[-1].version if MIGRATIONS else 0


def _execute_script(db: Database, script: str) -> None:
    """Run `;`-separated statements one by one: sqlite3's executescript would commit the
    caller's transaction."""
    for statement in script.split(";\n"):
        if statement.strip():
            db.execute(statement)


@migration(1, "projects, consultations, answers, findings, check-ins, events")
def _initial(db: Database) -> None:
    _execute_script(db, _INITIAL)


_INITIAL = """
CREATE TABLE teams (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL DEFAULT '',
    created TEXT NOT NULL
);
CREATE TABLE projects (
    id INTEGER PRIMARY KEY,
    team_id TEXT NOT NULL REFERENCES teams(id),
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    channel TEXT,
    owner TEXT,
    archetype TEXT,
    created TEXT NOT NULL,
    UNIQUE (team_id, name_key)
);
CREATE INDEX projects_channel ON projects (team_id, channel);
CREATE TABLE consultations (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id),
    status TEXT NOT NULL CHECK (status IN ('active', 'paused', 'finished')),
    current_question TEXT,
    proposal TEXT,
    proposal_levels TEXT,
    started_by TEXT NOT NULL DEFAULT '',
    started TEXT NOT NULL,
    updated TEXT NOT NULL,
    finished TEXT
);
CREATE UNIQUE INDEX consultations_one_open ON consultations (project_id) WHERE status != 'finished';
CREATE TABLE answers (
    id INTEGER PRIMARY KEY,
    consultation_id INTEGER NOT NULL REFERENCES consultations(id),
    seq INTEGER NOT NULL,
    question_id TEXT NOT NULL,
    value TEXT,
    raw_text TEXT NOT NULL DEFAULT '',
    via TEXT NOT NULL CHECK (via IN ('option', 'text', 'skip')),
    who TEXT NOT NULL DEFAULT '',
    at TEXT NOT NULL,
    retracted INTEGER NOT NULL DEFAULT 0,
    UNIQUE (consultation_id, seq)
);
CREATE TABLE findings (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id),
    consultation_id INTEGER REFERENCES consultations(id),
    key TEXT NOT NULL,
    origin TEXT NOT NULL CHECK (origin IN ('proposal', 'answer', 'check-in')),
    risk TEXT,
    area TEXT NOT NULL,
    level TEXT NOT NULL CHECK (level IN ('high', 'medium', 'low')),
    evidence TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('open', 'resolved')),
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    UNIQUE (project_id, key)
);
CREATE TABLE summaries (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id),
    at TEXT NOT NULL,
    snapshot TEXT NOT NULL
);
CREATE TABLE summary_posts (
    project_id INTEGER NOT NULL REFERENCES projects(id),
    channel TEXT NOT NULL,
    ts TEXT NOT NULL,
    updated TEXT NOT NULL,
    PRIMARY KEY (project_id, channel)
);
CREATE TABLE checkin_schedules (
    project_id INTEGER PRIMARY KEY REFERENCES projects(id),
    spec TEXT NOT NULL,
    next_due TEXT,
    who TEXT NOT NULL DEFAULT '',
    channel TEXT,
    active INTEGER NOT NULL DEFAULT 1,
    created TEXT NOT NULL,
    updated TEXT NOT NULL
);
CREATE TABLE processed_events (
    event_id TEXT PRIMARY KEY,
    at TEXT NOT NULL
);
CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    team_id TEXT,
    project_id INTEGER,
    consultation_id INTEGER,
    kind TEXT NOT NULL,
    who TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX events_project ON events (project_id, id)
"""


def current_version(db: Database) -> int:
    if not db["schema_version"].exists():
        return 0
    row = db.execute("SELECT MAX(version) FROM schema_version").fetchone()
    return int(row[0] or 0)


def pending(db: Database) -> list[Migration]:
    version = current_version(db)
    return [m for m in MIGRATIONS if m.version > version]


def apply_one(db: Database, m: Migration, now: str) -> None:
    """Apply one migration; the caller holds the write transaction."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS schema_version "
        "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied TEXT NOT NULL)"
    )
    if current_version(db) >= m.version:  # another process got there first
        return
    m.apply(db)
    db["schema_version"].insert({"version": m.version, "name": m.name, "applied": now})
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")


@migration(2, "check-in rules, zones, due index and claimed check-ins")
def _checkins(db: Database) -> None:
    _execute_script(db, _CHECKINS)


# `checkins` holds one row per occurrence claimed: UNIQUE (project_id, due) is what makes a
# second process or a restart unable to claim, and so send, the same check-in twice.
_CHECKINS = """
ALTER TABLE checkin_schedules ADD COLUMN rule TEXT;
ALTER TABLE checkin_schedules ADD COLUMN tz TEXT NOT NULL DEFAULT 'UTC';
ALTER TABLE checkin_schedules ADD COLUMN last_due TEXT;
CREATE INDEX checkin_schedules_due ON checkin_schedules (next_due) WHERE active = 1;
CREATE TABLE checkins (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id),
    due TEXT NOT NULL,
    owner TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN
        ('claimed', 'sending', 'sent', 'snoozed', 'answered', 'skipped', 'expired', 'failed')),
    claimed_by TEXT NOT NULL,
    claimed_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    snoozed_until TEXT,
    questions TEXT NOT NULL DEFAULT '[]',
    answers TEXT NOT NULL DEFAULT '{}',
    baseline TEXT,
    dm_channel TEXT,
    dm_ts TEXT,
    sent_at TEXT,
    reminded_at TEXT,
    closed_at TEXT,
    summary_ts TEXT,
    error TEXT,
    UNIQUE (project_id, due)
);
CREATE INDEX checkins_waiting ON checkins (status, snoozed_until);
CREATE INDEX checkins_project ON checkins (project_id, id)
"""


@migration(3, "a note on each finding: why it is one")
def _finding_notes(db: Database) -> None:
    db.execute("ALTER TABLE findings ADD COLUMN note TEXT NOT NULL DEFAULT ''")
