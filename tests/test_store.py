"""The SQLite store: migrations, refusal of files that are not ours, idempotency, lookups."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlite_utils import Database

from bot.core.errors import Ambiguous, InputError, NotFound
from bot.core.store import LOCAL_TEAM, NewFinding, Store, default_path, migrations


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store.open(tmp_path / "premortem.db")
    yield s
    s.close()


def test_a_new_file_is_migrated_to_the_latest_schema(tmp_path: Path) -> None:
    s = Store.open(tmp_path / "new.db")
    assert s.schema_version() == migrations.latest_version()
    rows = s.rows("SELECT version FROM schema_version ORDER BY version")
    assert [r["version"] for r in rows] == [m.version for m in migrations.MIGRATIONS]


def test_reopening_does_not_run_migrations_again(tmp_path: Path) -> None:
    Store.open(tmp_path / "a.db").close()
    s = Store.open(tmp_path / "a.db")
    assert len(s.rows("SELECT * FROM schema_version")) == len(migrations.MIGRATIONS)


def test_an_appended_migration_runs_once_on_an_existing_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "a.db"
    Store.open(path).close()
    monkeypatch.setattr(migrations, "MIGRATIONS", list(migrations.MIGRATIONS))
    next_version = migrations.latest_version() + 1

    @migrations.migration(next_version, "a test table")
    def _add(db: Database) -> None:
        db.execute("CREATE TABLE extra (id INTEGER PRIMARY KEY)")

    s = Store.open(path)
    assert s.schema_version() == next_version
    assert s.db["extra"].exists()
    s.close()
    assert Store.open(path).schema_version() == next_version


def test_migrations_out_of_order_are_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(migrations, "MIGRATIONS", list(migrations.MIGRATIONS))
    with pytest.raises(RuntimeError, match="out of order"):
        migrations.migration(migrations.latest_version() + 2, "gap")(lambda db: None)


def test_wal_and_a_busy_timeout_are_on(store: Store) -> None:
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_a_file_that_is_not_sqlite_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"these are my notes, not a database\n" * 100)
    before = path.read_bytes()
    with pytest.raises(InputError, match=r"notes\.db is not a Premortem database"):
        Store.open(path)
    assert path.read_bytes() == before
    assert not (tmp_path / "notes.db-wal").exists()


def test_another_programs_sqlite_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(InputError, match="another program's SQLite database"):
        Store.open(path)
    assert path.read_bytes() == before


def test_a_damaged_database_is_refused_with_its_name(tmp_path: Path) -> None:
    path = tmp_path / "damaged.db"
    s = Store.open(path)
    s.projects.create(LOCAL_TEAM, "Churn model")
    s.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    s.close()
    data = bytearray(path.read_bytes())
    data[100:1000] = b"\xff" * 900  # the schema page, past the 100-byte file header
    path.write_bytes(bytes(data))
    with pytest.raises(InputError, match=r"damaged\.db"):
        Store.open(path)
    assert path.read_bytes() == bytes(data)


def test_a_database_from_a_newer_premortem_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    s = Store.open(path)
    s.db.execute("INSERT INTO schema_version VALUES (999, 'from the future', 'later')")
    s.close()
    with pytest.raises(InputError, match="newer Premortem"):
        Store.open(path)


def test_a_missing_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        Store.open(tmp_path / "no" / "such" / "dir.db")


def test_the_default_file_follows_premortem_db(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PREMORTEM_DB", str(tmp_path / "team.db"))
    assert default_path() == tmp_path / "team.db"
    monkeypatch.delenv("PREMORTEM_DB")
    assert default_path() == Path("premortem.db")


def test_an_event_is_claimed_only_once(store: Store) -> None:
    assert store.events.claim("Ev123") is True
    assert store.events.claim("Ev123") is False
    assert store.events.claim("Ev124") is True


def test_a_failed_action_leaves_nothing_behind(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        store.projects.create(LOCAL_TEAM, "Churn model")
        store.events.log("project.created", who="ana")
        raise RuntimeError("the process failed half-way")
    assert store.projects.list(LOCAL_TEAM) == []
    assert store.events.recent() == []


def test_project_names_are_found_forgivingly(store: Store) -> None:
    store.projects.create(LOCAL_TEAM, "Churn model v2")
    store.projects.create(LOCAL_TEAM, "Fraud scoring")
    assert store.projects.find(LOCAL_TEAM, "churn").name == "Churn model v2"
    assert store.projects.find(LOCAL_TEAM, "CHURN   MODEL v2").name == "Churn model v2"
    assert store.projects.find(LOCAL_TEAM, "frad scoring").name == "Fraud scoring"


def test_an_ambiguous_project_name_lists_the_choices(store: Store) -> None:
    store.projects.create(LOCAL_TEAM, "Churn model v1")
    store.projects.create(LOCAL_TEAM, "Churn model v2")
    with pytest.raises(Ambiguous) as info:
        store.projects.find(LOCAL_TEAM, "churn")
    assert sorted(info.value.choices) == ["Churn model v1", "Churn model v2"]
    assert store.projects.find(LOCAL_TEAM, "churn v2").name == "Churn model v2"


def test_an_unknown_project_is_not_found_and_the_known_ones_are_named(store: Store) -> None:
    store.projects.create(LOCAL_TEAM, "Churn model")
    with pytest.raises(NotFound, match="Churn model"):
        store.projects.find(LOCAL_TEAM, "payroll forecast")


def test_projects_are_scoped_by_team(store: Store) -> None:
    store.projects.create("T1", "Churn model")
    store.projects.create("T2", "Churn model")
    with pytest.raises(NotFound):
        store.projects.find(LOCAL_TEAM, "churn")
    assert store.projects.find("T1", "churn").team_id == "T1"


def test_a_project_name_is_unique_in_its_team_and_never_empty(store: Store) -> None:
    store.projects.create(LOCAL_TEAM, "Churn model")
    with pytest.raises(InputError, match="already a project"):
        store.projects.create(LOCAL_TEAM, "  churn   MODEL ")
    with pytest.raises(InputError, match="needs a name"):
        store.projects.create(LOCAL_TEAM, " \x00 ")


def test_a_project_has_one_open_consultation_at_most(store: Store) -> None:
    p = store.projects.create(LOCAL_TEAM, "Churn model")
    c = store.consultations.create(p.id, who="ana")
    with pytest.raises(InputError, match="under way"):
        store.consultations.create(p.id, who="ben")
    store.consultations.update(c.id, status="finished")
    assert store.consultations.create(p.id, who="ben").id != c.id


def test_stored_answer_text_is_bounded_and_safe(store: Store) -> None:
    p = store.projects.create(LOCAL_TEAM, "Churn model")
    c = store.consultations.create(p.id, who="ana\x1b[31m")
    text = "no \x00\x07labels\u202e yet 🙈 " + "x" * 20_000
    a = store.consultations.add_answer(
        c.id, "data.labels", "no", raw_text=text, via="text", who="ana"
    )
    assert len(a.raw_text) <= 2000
    assert a.raw_text.startswith("no labels yet 🙈")
    assert "\x00" not in a.raw_text and "\u202e" not in a.raw_text
    assert store.consultations.get(c.id).started_by == "ana[31m"


def test_answers_get_consecutive_sequence_numbers_and_back_retracts_the_last(store: Store) -> None:
    p = store.projects.create(LOCAL_TEAM, "Churn model")
    c = store.consultations.create(p.id, who="ana")
    for qid in ("a.one", "a.two"):
        store.consultations.add_answer(c.id, qid, "yes", raw_text="yes", via="text", who="ana")
    undone = store.consultations.retract_last(c.id)
    assert undone is not None and undone.question_id == "a.two"
    assert [a.seq for a in store.consultations.answers(c.id)] == [1]
    assert [a.seq for a in store.consultations.answers(c.id, include_retracted=True)] == [1, 2]


def test_syncing_findings_resolves_the_ones_no_longer_raised(store: Store) -> None:
    p = store.projects.create(LOCAL_TEAM, "Churn model")
    one = NewFinding("answer:data.no-labels", "data", "high", "no labels", "data.no-labels")
    two = NewFinding(
        "answer:deployment.no-owner", "deployment", "high", "nobody", "deployment.no-owner"
    )
    store.findings.sync(p.id, "answer", [one, two])
    store.findings.sync(p.id, "answer", [two])
    open_keys = [f.key for f in store.findings.for_project(p.id)]
    assert open_keys == ["answer:deployment.no-owner"]
    resolved = store.findings.for_project(p.id, status="resolved")
    assert [f.key for f in resolved] == ["answer:data.no-labels"]


def test_a_summary_post_is_remembered_per_channel(store: Store) -> None:
    p = store.projects.create(LOCAL_TEAM, "Churn model")
    assert store.findings.summary_post(p.id, "C1") is None
    store.findings.set_summary_post(p.id, "C1", "1700000000.000100")
    store.findings.set_summary_post(p.id, "C1", "1700000000.000200")
    assert store.findings.summary_post(p.id, "C1") == "1700000000.000200"
    assert store.findings.summary_post(p.id, "C2") is None


def test_the_event_log_keeps_bounded_details(store: Store) -> None:
    store.events.log("answer.unclear", who="ana", project_id=None, text="?" * 5000)
    (event,) = store.events.recent()
    assert event.kind == "answer.unclear" and len(event.detail["text"]) <= 500


def test_processes_opening_a_new_file_at_once_all_get_the_same_schema(tmp_path: Path) -> None:
    path = tmp_path / "fresh.db"
    code = (
        "import sys; from bot.core.store import Store, LOCAL_TEAM; "
        "s = Store.open(sys.argv[1]); s.projects.create(LOCAL_TEAM, sys.argv[2]); "
        "print(s.schema_version())"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(path), f"p{i}"], stdout=subprocess.PIPE, text=True
        )
        for i in range(4)
    ]
    versions = {p.communicate(timeout=60)[0].strip() for p in procs}
    assert all(p.returncode == 0 for p in procs)
    assert versions == {str(migrations.latest_version())}
    s = Store.open(path)
    assert len(s.projects.list(LOCAL_TEAM)) == 4
    assert len(s.rows("SELECT * FROM schema_version")) == len(migrations.MIGRATIONS)
