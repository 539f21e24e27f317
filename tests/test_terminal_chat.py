"""`premortem chat` end to end: real processes, piped stdin, a real SQLite file.

A driver reads the plain transcript a piped `chat` writes, and answers each question when its
block ends (the `  (or: ...` line), choosing the option a policy picks: the most worrying one,
or the most reassuring one. The process is killed with SIGKILL mid-consultation, and two
processes answer on the same file at once.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from bot.core.knowledge import KnowledgeBase, Question, load_default
from tests.test_consultation import Policy, reassuring, worrying

pytestmark = pytest.mark.slow

HEADER = re.compile(r"^\[(\d+)/(\d+) · (\w+)\] (.*)$")
OPTION = re.compile(r"^  \d+\. (\S+)\s")
WATCHDOG_S = 60


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_default()


def premortem(*args: str, db: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args, "--db", str(db)],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env=_env(),
    )


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PREMORTEM_DB", "PREMORTEM_KNOWLEDGE")}
    return {**env, "PYTHONIOENCODING": "utf-8"}


class Chat:
    """A `premortem chat` process driven through its pipes."""

    def __init__(self, db: Path, project: str, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.by_text = {q.text: q for q in kb.questions.values()}
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bot",
                "chat",
                "--project",
                project,
                "--db",
                str(db),
                "--who",
                project,
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            bufsize=1,
            env=_env(),
        )
        self.transcript: list[str] = []
        # A test that goes wrong must fail, not hang the suite waiting on a pipe.
        self._watchdog = threading.Timer(WATCHDOG_S, self.proc.kill)
        self._watchdog.daemon = True
        self._watchdog.start()

    def next_question(self) -> tuple[int, Question] | None:
        """Read up to the end of the next question block; None when the process ends."""
        number, question = 0, None
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            line = line.rstrip("\n")
            self.transcript.append(line)
            if m := HEADER.match(line):
                number, question = int(m.group(1)), self.by_text[m.group(4)]
            elif line.startswith("  (or:") and question is not None:
                return number, question
        return None

    def answer(self, text: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()

    def run(self, policy: Policy, start: threading.Barrier | None = None) -> int:
        """Answer every question until the consultation ends; the number answered.

        With `start`, the first answer waits until every process there shows its question.
        """
        answered = 0
        while (asked := self.next_question()) is not None:
            if start is not None and answered == 0:
                start.wait(timeout=WATCHDOG_S)
            self.answer(policy(asked[1]).value)
            answered += 1
        self.close()
        return answered

    def kill(self) -> None:
        self._watchdog.cancel()
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def close(self) -> int:
        if self.proc.stdin and not self.proc.stdin.closed:
            self.proc.stdin.close()
        rest = self.proc.stdout.read() if self.proc.stdout else ""
        self.transcript += rest.splitlines()
        code = self.proc.wait(timeout=30)
        self._watchdog.cancel()
        return code

    @property
    def recorded(self) -> int:
        return sum(1 for line in self.transcript if line.startswith("  Recorded: "))


def flagged(db: Path, project: str) -> set[str]:
    out = premortem("summary", project, "--format", "json", db=db)
    assert out.returncode == 0, out.stderr
    return {a for a, v in json.loads(out.stdout)["areas"].items() if v["level"] != "low"}


def answers_in(db: Path, project: str) -> list[tuple[int, str]]:
    """(seq, question) of the project's standing answers, read with plain sqlite3: a check
    independent of the store's own code."""
    conn = sqlite3.connect(db)
    try:
        return conn.execute(
            "SELECT a.seq, a.question_id FROM answers a "
            "JOIN consultations c ON c.id = a.consultation_id "
            "JOIN projects p ON p.id = c.project_id "
            "WHERE p.name = ? AND a.retracted = 0 ORDER BY a.seq",
            (project,),
        ).fetchall()
    finally:
        conn.close()


def test_a_scripted_consultation_flags_far_more_with_worrying_answers(
    tmp_path: Path, kb: KnowledgeBase
) -> None:
    db = tmp_path / "premortem.db"
    worried = Chat(db, "Churn model", kb)
    n_worried = worried.run(worrying)
    solid = Chat(db, "Fraud scoring", kb)
    n_solid = solid.run(reassuring)
    assert worried.proc.returncode == 0 and solid.proc.returncode == 0
    assert 10 <= n_solid <= n_worried <= 20
    assert any(line.startswith("Risk summary: Churn model") for line in worried.transcript)

    bad, good = flagged(db, "churn"), flagged(db, "fraud")
    assert {"objectives", "data", "deployment", "stakeholders"} <= bad
    assert len(good) <= 2 and len(bad) >= len(good) + 5

    listing = premortem("projects", db=db)
    assert "Churn model\tfinished" in listing.stdout and "Fraud scoring\tfinished" in listing.stdout
    markdown = premortem("summary", "churn", "--format", "markdown", db=db)
    assert markdown.stdout.startswith("# Risk summary: Churn model")
    exported = json.loads(premortem("export", "Churn model", db=db).stdout)
    assert len(exported["consultations"][0]["answers"]) == n_worried
    assert exported["summary"]["areas"]["objectives"]["level"] == "high"
    unknown = premortem("summary", "payroll", db=db)
    assert unknown.returncode == 1
    assert unknown.stderr.startswith("premortem: no project matches 'payroll'")


def test_end_of_input_pauses_and_the_next_chat_resumes_at_the_same_question(tmp_path: Path) -> None:
    db = tmp_path / "premortem.db"
    first = premortem("chat", "--project", "Churn model", db=db, stdin="nope\nidk\n")
    assert first.returncode == 0, first.stderr
    assert "Paused Churn model after 2 answers" in first.stdout
    waiting = [line for line in first.stdout.splitlines() if HEADER.match(line)][-1]
    second = premortem("chat", "--project", "churn", db=db, stdin="")
    assert "Picking up where you left off" in second.stdout
    assert next(line for line in second.stdout.splitlines() if HEADER.match(line)) == waiting


def test_bad_input_in_a_piped_chat_gets_a_clear_reply(tmp_path: Path) -> None:
    db = tmp_path / "premortem.db"
    lines = ["", "x" * 20_000, "\x1b[2J\x00", "🦄", "nope"]
    out = premortem("chat", "--project", "Churn model", db=db, stdin="\n".join(lines) + "\n")
    assert out.returncode == 0, out.stderr
    assert "I didn't get an answer" in out.stdout
    assert "20,000 characters" in out.stdout
    assert "Recorded: No decision identified." in out.stdout
    assert max(len(line) for line in out.stdout.splitlines()) < 1000
    assert answers_in(db, "Churn model") == [(1, "objectives.decision")]


def test_sigkill_mid_consultation_resumes_at_the_same_question_with_every_answer(
    tmp_path: Path, kb: KnowledgeBase
) -> None:
    db = tmp_path / "premortem.db"
    chat = Chat(db, "Churn model", kb)
    for _ in range(5):
        _, q = chat.next_question()
        chat.answer(worrying(q).value)
    number, waiting = chat.next_question()  # shown only once the 5th answer is committed
    chat.kill()
    assert number == 6 and [seq for seq, _ in answers_in(db, "Churn model")] == [1, 2, 3, 4, 5]

    again = Chat(db, "Churn model", kb)
    assert again.next_question() == (6, waiting)
    again.answer(worrying(waiting).value)
    again.kill()  # perhaps before, perhaps after the answer is written: never half of it

    third = Chat(db, "Churn model", kb)
    asked = third.next_question()
    assert asked is not None, third.close() or third.proc.stderr.read()
    number, q = asked
    stored = answers_in(db, "Churn model")
    assert [seq for seq, _ in stored] == list(range(1, len(stored) + 1))
    assert len(stored) in (5, 6) and number == len(stored) + 1
    assert len({qid for _, qid in stored}) == len(stored)
    third.answer(worrying(q).value)
    third.run(worrying)
    assert third.proc.returncode == 0


def test_two_processes_answering_on_one_file_lose_and_duplicate_nothing(
    tmp_path: Path, kb: KnowledgeBase
) -> None:
    db = tmp_path / "premortem.db"
    premortem("chat", "--project", "Shared", db=db, stdin="")  # create the file and project
    chats = [Chat(db, name, kb) for name in ("Churn model", "Fraud scoring", "Shared", "shared")]
    counts: dict[int, int] = {}
    together = threading.Barrier(len(chats))

    def drive(i: int, chat: Chat) -> None:
        counts[i] = chat.run(worrying if i % 2 else reassuring, together)

    threads = [threading.Thread(target=drive, args=(i, c)) for i, c in enumerate(chats)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert all(c.proc.returncode == 0 for c in chats), [c.proc.stderr.read() for c in chats]

    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    for i, name in enumerate(("Churn model", "Fraud scoring")):
        stored = answers_in(db, name)
        assert len(stored) == counts[i] == chats[i].recorded
        assert [seq for seq, _ in stored] == list(range(1, len(stored) + 1))
    shared = answers_in(db, "Shared")
    # Both processes answered the one consultation: every answer they saw recorded is stored
    # once, and no question has two standing answers.
    assert len(shared) == chats[2].recorded + chats[3].recorded
    assert len({qid for _, qid in shared}) == len(shared)
    assert [seq for seq, _ in shared] == list(range(1, len(shared) + 1))


def test_a_foreign_database_file_is_refused_in_one_line_and_left_alone(tmp_path: Path) -> None:
    db = tmp_path / "premortem.db"
    db.write_text("not a database at all\n")
    out = premortem("chat", "--project", "Churn model", db=db, stdin="nope\n")
    assert out.returncode == 1
    assert out.stderr.count("\n") == 1 and "not a Premortem database" in out.stderr
    assert db.read_text() == "not a database at all\n"


PROPOSAL = """\
# Churn model: proposal

## Goal
Retention calls go to the 500 accounts most likely to cancel next month; the retention lead
decides who is called. Success: churn among called accounts down 2 points by Q3, agreed with
the sales director and the retention lead.

## Data
Two years of labelled cancellations from the billing warehouse, which we can query today;
labels come from the billing system, and we split by time to avoid leakage.
"""


def test_a_proposal_given_up_front_skips_what_it_settles(tmp_path: Path, kb: KnowledgeBase) -> None:
    db = tmp_path / "premortem.db"
    proposal = tmp_path / "proposal.md"
    proposal.write_text(PROPOSAL, encoding="utf-8")
    from bot.core.analysis import Analyzer

    settled = Analyzer(kb).analyse(PROPOSAL).settled()
    out = premortem("chat", "--project", "Churn model", "--proposal", str(proposal), db=db)
    assert out.returncode == 0, out.stderr
    asked = [HEADER.match(line) for line in out.stdout.splitlines()]
    areas = {m.group(3) for m in asked if m}
    assert settled and not (areas - {"feasibility"}) & settled
    assert "The proposal settles" in out.stdout


def test_an_unreadable_proposal_is_one_clear_line(tmp_path: Path) -> None:
    bad = tmp_path / "proposal.md"
    bad.write_bytes(b"\xff\xfe\x00binary")
    out = premortem(
        "chat", "--project", "Churn model", "--proposal", str(bad), db=tmp_path / "p.db"
    )
    assert out.returncode == 1 and out.stderr.strip().endswith("not text")
    missing = premortem(
        "chat", "-p", "Churn", "--proposal", str(tmp_path / "none.md"), db=tmp_path / "p.db"
    )
    assert missing.returncode == 1 and missing.stderr.strip().endswith("none.md: no such file")


def test_ctrl_c_pauses_the_consultation(tmp_path: Path, kb: KnowledgeBase) -> None:
    db = tmp_path / "premortem.db"
    chat = Chat(db, "Churn model", kb)
    _, q = chat.next_question()
    chat.answer(worrying(q).value)
    chat.next_question()
    chat.proc.send_signal(signal.SIGINT)
    # wait for the exit before closing stdin, or end of input could pause it first
    assert chat.proc.wait(timeout=30) == 130
    assert chat.close() == 130
    assert any(line.startswith("Paused Churn model after 1 answer") for line in chat.transcript)
    again = Chat(db, "Churn model", kb)
    number, _ = again.next_question()
    again.kill()
    assert number == 2
