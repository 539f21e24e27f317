"""Consultations (one open per project at most) and the answers given in them.

Answers are never deleted: `back` marks the latest one retracted. Each answer carries a
sequence number unique in its consultation, so a retried write cannot store it twice.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from bot.core.errors import InputError, NotFound
from bot.core.store._rows import record
from bot.core.store.text import ANSWER_LIMIT, NAME_LIMIT, PROPOSAL_LIMIT, clean, one_line

if TYPE_CHECKING:
    from bot.core.store import Store

Status = Literal["active", "paused", "finished"]
Via = Literal["option", "text", "skip"]
_KEEP = object()


@dataclass(frozen=True)
class ConsultationRecord:
    id: int
    project_id: int
    status: Status
    current_question: str | None
    proposal: str | None
    proposal_levels: dict[str, str] | None  # area -> level the proposal analysis gave
    started_by: str
    started: str
    updated: str
    finished: str | None


@dataclass(frozen=True)
class AnswerRecord:
    id: int
    consultation_id: int
    seq: int
    question_id: str
    value: str | None  # the option value; None for a skipped question
    raw_text: str
    via: Via
    who: str
    at: str
    retracted: bool


def _consultation(row: dict) -> ConsultationRecord:
    return record(ConsultationRecord, row, proposal_levels=json.loads)


def _answer(row: dict) -> AnswerRecord:
    return record(AnswerRecord, row, retracted=bool)


class ConsultationStore:
    def __init__(self, store: Store) -> None:
        self._store = store

    def create(self, project_id: int, *, who: str) -> ConsultationRecord:
        """A new active consultation with no question waiting yet (see `update`) and no
        proposal (see `set_proposal`); InputError if the project already has an open one."""
        now = self._store.now()
        with self._store.transaction() as db:
            try:
                cid = (
                    db["consultations"]
                    .insert(
                        {
                            "project_id": project_id,
                            "status": "active",
                            "started_by": one_line(who, NAME_LIMIT),
                            "started": now,
                            "updated": now,
                        }
                    )
                    .last_pk
                )
            except sqlite3.IntegrityError:
                raise InputError("this project already has a consultation under way") from None
        return self.get(int(cid))

    def get(self, consultation_id: int) -> ConsultationRecord:
        rows = self._store.rows("SELECT * FROM consultations WHERE id = ?", (consultation_id,))
        if not rows:
            raise NotFound(f"no consultation with id {consultation_id}")
        return _consultation(rows[0])

    def open_for(self, project_id: int) -> ConsultationRecord | None:
        rows = self._store.rows(
            "SELECT * FROM consultations WHERE project_id = ? AND status != 'finished'",
            (project_id,),
        )
        return _consultation(rows[0]) if rows else None

    def for_project(self, project_id: int) -> list[ConsultationRecord]:
        """All the project's consultations, oldest first."""
        rows = self._store.rows(
            "SELECT * FROM consultations WHERE project_id = ? ORDER BY id", (project_id,)
        )
        return [_consultation(r) for r in rows]

    def latest_for(self, project_id: int) -> ConsultationRecord | None:
        rows = self._store.rows(
            "SELECT * FROM consultations WHERE project_id = ? ORDER BY id DESC LIMIT 1",
            (project_id,),
        )
        return _consultation(rows[0]) if rows else None

    def update(
        self,
        consultation_id: int,
        *,
        status: Status | None = None,
        current_question: str | object | None = _KEEP,
    ) -> ConsultationRecord:
        """Change the status and/or the question waiting for an answer (None: no question)."""
        now = self._store.now()
        changes: dict[str, object] = {"updated": now}
        if status is not None:
            changes["status"] = status
            changes["finished"] = now if status == "finished" else None
        if current_question is not _KEEP:
            changes["current_question"] = current_question
        with self._store.transaction() as db:
            self.get(consultation_id)
            db["consultations"].update(consultation_id, changes)
        return self.get(consultation_id)

    def set_proposal(
        self, consultation_id: int, proposal: str, proposal_levels: dict[str, str] | None
    ) -> ConsultationRecord:
        """Attach a proposal (and the levels its analysis gave) to a consultation."""
        with self._store.transaction() as db:
            self.get(consultation_id)
            db["consultations"].update(
                consultation_id,
                {
                    "proposal": clean(proposal, PROPOSAL_LIMIT),
                    "proposal_levels": json.dumps(proposal_levels)
                    if proposal_levels is not None
                    else None,
                    "updated": self._store.now(),
                },
            )
        return self.get(consultation_id)

    def proposal_levels(self, project_id: int) -> dict[str, str] | None:
        """The area levels of the project's latest analysed proposal, if it has one."""
        rows = self._store.rows(
            "SELECT proposal_levels FROM consultations WHERE project_id = ? "
            "AND proposal_levels IS NOT NULL ORDER BY id DESC LIMIT 1",
            (project_id,),
        )
        return json.loads(rows[0]["proposal_levels"]) if rows else None

    def add_answer(
        self,
        consultation_id: int,
        question_id: str,
        value: str | None,
        *,
        raw_text: str,
        via: Via,
        who: str,
    ) -> AnswerRecord:
        with self._store.transaction() as db:
            seq = db.execute(
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM answers WHERE consultation_id = ?",
                (consultation_id,),
            ).fetchone()[0]
            aid = (
                db["answers"]
                .insert(
                    {
                        "consultation_id": consultation_id,
                        "seq": seq,
                        "question_id": question_id,
                        "value": value,
                        "raw_text": clean(raw_text, ANSWER_LIMIT),
                        "via": via,
                        "who": one_line(who, NAME_LIMIT),
                        "at": self._store.now(),
                        "retracted": 0,
                    }
                )
                .last_pk
            )
            db["consultations"].update(consultation_id, {"updated": self._store.now()})
        return _answer(self._store.rows("SELECT * FROM answers WHERE id = ?", (aid,))[0])

    def answers(
        self, consultation_id: int, *, include_retracted: bool = False
    ) -> list[AnswerRecord]:
        """The consultation's answers (skips included), oldest first."""
        sql = "SELECT * FROM answers WHERE consultation_id = ?"
        if not include_retracted:
            sql += " AND retracted = 0"
        return [_answer(r) for r in self._store.rows(sql + " ORDER BY seq", (consultation_id,))]

    def retract_last(self, consultation_id: int) -> AnswerRecord | None:
        """Mark the latest standing answer retracted (the `back` command) and return it."""
        with self._store.transaction() as db:
            rows = self._store.rows(
                "SELECT * FROM answers WHERE consultation_id = ? AND retracted = 0 "
                "ORDER BY seq DESC LIMIT 1",
                (consultation_id,),
            )
            if not rows:
                return None
            db["answers"].update(rows[0]["id"], {"retracted": 1})
            return _answer({**rows[0], "retracted": 1})

    def project_answers(self, project_id: int) -> dict[str, AnswerRecord]:
        """The latest standing answer (not a skip) to each question, over all the project's
        consultations: what the team has told us so far."""
        rows = self._store.rows(
            "SELECT a.* FROM answers a JOIN consultations c ON c.id = a.consultation_id "
            "WHERE c.project_id = ? AND a.retracted = 0 AND a.value IS NOT NULL "
            "ORDER BY a.at, a.id",
            (project_id,),
        )
        return {r["question_id"]: _answer(r) for r in rows}
