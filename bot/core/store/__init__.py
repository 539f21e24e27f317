"""Per-project state in one SQLite file; the only place that writes SQL.

    store = Store.open()                    # $PREMORTEM_DB, else ./premortem.db
    with store.transaction():               # one user action, one write transaction
        project = store.projects.create(LOCAL_TEAM, "Churn model")
        store.events.log("project.created", project_id=project.id, who="ana")

The file is opened in WAL mode with a busy timeout, so several processes can share it: each
`transaction()` takes the write lock up front (BEGIN IMMEDIATE), so a read-then-write inside
one never races another writer. Transactions nest: an inner one joins the outer. One `Store`
may be shared by threads; it serialises them on its own connection.

A file that is not SQLite, is damaged, or belongs to another program is refused with an
InputError naming it, and never modified. Tables: see `migrations.py`, where a new one is a
function appended to MIGRATIONS.

The repositories, one per group of tables, each method its own transaction unless inside one:

- `store.projects` (projects.py): create, get, list, find (forgiving name, by team; NotFound
  or Ambiguous), by_channel, update (channel, owner), set_archetype, ensure_team.
- `store.consultations` (consultations.py): create, get, open_for, latest_for, for_project,
  update (status, current question), set_proposal, proposal_levels, add_answer, answers,
  retract_last, project_answers (the latest standing answer to each question).
- `store.findings` (findings.py): upsert, sync (per origin), for_project; summary
  snapshots (record_summary, last_summary); the Slack message a summary was posted as
  (set_summary_post, summary_post) so it can be edited in place.
- `store.events` (events.py): claim (a Slack event id, once),
  forget_claims_before, log, recent.
- `store.checkins` (checkins.py): schedules and claimed check-ins.

Everything handed out is a frozen dataclass; user text is bounded and cleaned on the way in
(`text.py`).
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from bot.core.errors import InputError
from bot.core.store import migrations
from bot.core.store.checkins import CheckinSchedule, CheckinStore
from bot.core.store.consultations import AnswerRecord, ConsultationRecord, ConsultationStore
from bot.core.store.events import Event, EventStore
from bot.core.store.findings import FindingRecord, FindingStore, NewFinding
from bot.core.store.projects import LOCAL_TEAM, Project, ProjectStore

__all__ = [
    "LOCAL_TEAM",
    "AnswerRecord",
    "CheckinSchedule",
    "ConsultationRecord",
    "Event",
    "FindingRecord",
    "NewFinding",
    "Project",
    "Store",
    "default_path",
]

DEFAULT_FILE = "premortem.db"
BUSY_TIMEOUT_S = 15.0
_SQLITE_HEADER = b"SQLite format 3\x00"


def default_path() -> Path:
    """$PREMORTEM_DB, or premortem.db in the working directory."""
    return Path(os.environ.get("PREMORTEM_DB") or DEFAULT_FILE).expanduser()


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


class Store:
    """An open database: repositories per table group, and the transaction that joins them."""

    def __init__(self, db: Database, path: Path, clock: Callable[[], str] = utc_now) -> None:
        self.db = db
        self.path = path
        self.now = clock
        self._lock = threading.RLock()
        self._depth = 0
        self.projects = ProjectStore(self)
        self.consultations = ConsultationStore(self)
        self.findings = FindingStore(self)
        self.events = EventStore(self)
        self.checkins = CheckinStore(self)

    @classmethod
    def open(cls, path: str | Path | None = None, *, clock: Callable[[], str] = utc_now) -> Store:
        """Open (creating if needed) and migrate the database at `path` (default_path())."""
        path = Path(path).expanduser() if path is not None else default_path()
        _refuse_non_sqlite(path)
        try:
            conn = sqlite3.connect(
                str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise InputError(f"cannot open the database {path}: {exc}") from None
        try:
            db = Database(conn, execute_plugins=False)
            _check_ours(db, path)
            conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA journal_mode = WAL")
            # An answer is acknowledged only once it is on disk.
            conn.execute("PRAGMA synchronous = FULL")
            store = cls(db, path, clock)
            store._migrate()
        except InputError:
            conn.close()
            raise
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise InputError(
                f"{path} is not a usable Premortem database ({exc}); refusing to touch it"
            ) from None
        return store

    def close(self) -> None:
        with self._lock:
            self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[Database]:
        """One write transaction; a nested call joins the outermost one."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self.db
                finally:
                    self._depth -= 1
                return
            self.db.conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield self.db
            except BaseException:
                self._depth = 0
                if self.db.conn.in_transaction:
                    self.db.conn.execute("ROLLBACK")
                raise
            self._depth = 0
            try:
                self.db.conn.execute("COMMIT")
            except BaseException:
                if self.db.conn.in_transaction:
                    self.db.conn.execute("ROLLBACK")
                raise

    def rows(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> list[dict[str, Any]]:
        """Run a read query and return every row, under the store's lock."""
        with self._lock:
            cursor = self.db.conn.execute(sql, params)
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def schema_version(self) -> int:
        with self._lock:
            return migrations.current_version(self.db)

    def _migrate(self) -> None:
        for m in migrations.pending(self.db):
            with self.transaction() as db:
                migrations.apply_one(db, m, self.now())


def _refuse_non_sqlite(path: Path) -> None:
    if path.is_dir():
        raise InputError(f"the database path {path} is a directory; set PREMORTEM_DB to a file")
    try:
        with path.open("rb") as fh:
            head = fh.read(len(_SQLITE_HEADER))
    except FileNotFoundError:
        if not path.parent.exists():
            raise InputError(
                f"cannot create the database {path}: {path.parent} does not exist"
            ) from None
        return
    except OSError as exc:
        raise InputError(f"cannot read the database {path}: {exc.strerror}") from None
    if head and head != _SQLITE_HEADER:
        raise InputError(
            f"{path} is not a Premortem database (not an SQLite file); refusing to touch it"
        )


def _check_ours(db: Database, path: Path) -> None:
    """Refuse a damaged file, another program's database, or one from a newer Premortem."""
    conn = db.conn
    # One read transaction: another process creating the schema between the two reads
    # would otherwise look like a foreign database (tables, but no application id yet).
    conn.execute("BEGIN")
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    finally:
        conn.execute("COMMIT")
    if app_id != migrations.APPLICATION_ID and (app_id != 0 or tables):
        raise InputError(
            f"{path} is another program's SQLite database, not Premortem's; refusing to touch it"
        )
    if tables:
        problems = [r[0] for r in conn.execute("PRAGMA quick_check")]
        if problems != ["ok"]:
            raise InputError(f"{path} is damaged ({problems[0]}); restore it from a backup")
        version = migrations.current_version(db)
        if version > migrations.latest_version():
            raise InputError(
                f"{path} was written by a newer Premortem (schema {version}, this one knows "
                f"{migrations.latest_version()}); upgrade premortem"
            )
