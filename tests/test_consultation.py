"""The consultation engine on the bundled knowledge base and a real SQLite file.

A fake analyser stands in for the proposal analysis where a test needs to decide exactly
which areas a proposal settles.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.core.consultation import Consultations, Turn
from bot.core.knowledge import AREA_IDS, AnswerOption, KnowledgeBase, Question, load_default
from bot.core.planning import ALWAYS_PROBED, MAX_QUESTIONS
from bot.core.store import LOCAL_TEAM, Store

Policy = Callable[[Question], AnswerOption]


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_default()


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store.open(tmp_path / "premortem.db")
    yield s
    s.close()


@dataclass(frozen=True)
class FakeFinding:
    area: str
    risk: str | None
    level: str
    reason: str = "stated"
    evidence: str = ""
    severity: str = "high"


@dataclass(frozen=True)
class FakeArea:
    level: str


@dataclass
class FakeAnalysis:
    areas: dict[str, FakeArea]
    findings: tuple[FakeFinding, ...] = ()


@dataclass
class FakeAnalyzer:
    levels: dict[str, str]
    findings: tuple[FakeFinding, ...] = field(default_factory=tuple)

    def analyse(self, text: str) -> FakeAnalysis:
        areas = {a: FakeArea(self.levels.get(a, "medium")) for a in AREA_IDS}
        return FakeAnalysis(areas, self.findings)


def worrying(q: Question) -> AnswerOption:
    return max(q.options, key=lambda o: max((r.severity.rank for r in o.raises), default=0))


def reassuring(q: Question) -> AnswerOption:
    return min(
        q.options,
        key=lambda o: (max((r.severity.rank for r in o.raises), default=0), -len(o.clears)),
    )


def start(
    store: Store,
    kb: KnowledgeBase,
    analyzer: FakeAnalyzer | None = None,
    proposal: str | None = None,
) -> tuple[Consultations, Turn]:
    service = Consultations(store, kb, analyzer)
    project = store.projects.create(LOCAL_TEAM, "Churn model")
    return service, service.start(project.id, proposal, "ana")


def run(
    service: Consultations, turn: Turn, kb: KnowledgeBase, policy: Policy
) -> tuple[Turn, list[str]]:
    asked: list[str] = []
    while turn.kind != "finished":
        assert turn.question is not None, turn
        asked.append(turn.question.id)
        turn = service.answer(
            turn.consultation_id, policy(kb.questions[turn.question.id]).value, "ana"
        )
    return turn, asked


def test_the_first_question_is_the_objective_and_the_archetype_comes_next(
    store: Store, kb: KnowledgeBase
) -> None:
    service, turn = start(store, kb)
    assert turn.kind == "question" and turn.question is not None
    assert turn.question.area == "objectives" and turn.question.number == 1
    assert kb.questions[turn.question.id].core
    turn = service.answer(turn.consultation_id, "1", "ana")
    assert turn.question is not None
    assert any(o.sets_archetype for o in kb.questions[turn.question.id].options)


def test_a_question_comes_with_its_why_and_its_options(store: Store, kb: KnowledgeBase) -> None:
    _, turn = start(store, kb)
    q = kb.questions[turn.question.id]
    assert turn.question.why == q.why
    assert turn.question.options == tuple((o.value, o.label) for o in q.options)
    assert 1 <= turn.question.number <= turn.question.expected_total <= MAX_QUESTIONS


def test_areas_the_proposal_settles_are_never_asked_about(store: Store, kb: KnowledgeBase) -> None:
    settled = {"value", "evaluation", "monitoring", "ethics", "data"}
    analyzer = FakeAnalyzer({a: "low" for a in settled})
    service, turn = start(store, kb, analyzer, proposal="# Churn model\nA proposal.")
    assert "settles" in turn.message
    _, asked = run(service, turn, kb, worrying)
    asked_areas = {kb.questions[q].area for q in asked if not _sets_archetype(kb.questions[q])}
    assert not asked_areas & settled
    assert {"objectives", "deployment", "stakeholders"} <= asked_areas


def test_core_areas_are_always_probed_even_when_every_answer_worries(
    store: Store, kb: KnowledgeBase
) -> None:
    service, turn = start(store, kb)
    _, asked = run(service, turn, kb, worrying)
    core_areas = {kb.questions[q].area for q in asked if kb.questions[q].core}
    assert set(ALWAYS_PROBED) <= core_areas


def test_a_worrying_answer_is_followed_up_right_away(store: Store, kb: KnowledgeBase) -> None:
    service, turn = start(store, kb)
    q = kb.questions[turn.question.id]
    option = next(o for o in q.options if o.follow_up)
    turn = service.answer(turn.consultation_id, option.value, "ana")
    if _sets_archetype(kb.questions[turn.question.id]):  # the archetype is asked second
        turn = service.answer(turn.consultation_id, "1", "ana")
    assert turn.question.id in option.follow_up
    assert turn.question.follow_up


def test_the_archetype_decides_which_archetype_questions_follow(
    store: Store, kb: KnowledgeBase
) -> None:
    service, turn = start(store, kb)
    turn = service.answer(turn.consultation_id, "1", "ana")
    setter = kb.questions[turn.question.id]
    autonomous = next(o for o in setter.options if o.sets_archetype == "autonomous")
    turn = service.answer(turn.consultation_id, autonomous.value, "ana")
    _, asked = run(service, turn, kb, reassuring)
    archetyped = [kb.questions[q] for q in asked if kb.questions[q].archetypes]
    assert archetyped, "an autonomous project gets autonomous-specific questions"
    assert all("autonomous" in q.archetypes for q in archetyped)
    assert store.projects.find(LOCAL_TEAM, "churn").archetype == "autonomous"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("nope", "none"),
        ("not really", "none"),
        ("idk", "unknown"),
        ("kinda", "vague"),
        ("yes, we do", "named"),
    ],
)
def test_free_text_answers_are_recorded_as_the_option_they_mean(
    store: Store, kb: KnowledgeBase, typed: str, expected: str
) -> None:
    service, turn = start(store, kb)
    assert turn.question.id == "objectives.decision"
    turn = service.answer(turn.consultation_id, typed, "ana")
    (answer,) = store.consultations.answers(turn.consultation_id)
    assert (answer.value, answer.raw_text, answer.via) == (expected, typed, "text")
    assert turn.recorded == dict(turn_options(kb, "objectives.decision"))[expected]


def turn_options(kb: KnowledgeBase, qid: str) -> list[tuple[str, str]]:
    return [(o.value, o.label) for o in kb.questions[qid].options]


def test_an_answer_it_cannot_read_is_asked_again_with_the_options(
    store: Store, kb: KnowledgeBase
) -> None:
    service, turn = start(store, kb)
    first = turn.question
    turn = service.answer(turn.consultation_id, "the weather is lovely today", "ana")
    assert turn.kind == "reprompt" and turn.question == first
    assert "couldn't match" in turn.message
    for _, label in first.options:
        assert label in turn.message
    assert store.consultations.answers(turn.consultation_id) == []


@pytest.mark.parametrize(
    "typed",
    ["", "   ", "x" * 20_000, "no\x00\x1b[2J\x07 way", "🦄🦄🦄", "\u202eevil"],
    ids=["empty", "blank", "20k", "control", "emoji", "bidi"],
)
def test_bad_input_gets_a_clear_reply_and_stores_nothing_unsafe(
    store: Store, kb: KnowledgeBase, typed: str
) -> None:
    service, turn = start(store, kb)
    turn = service.answer(turn.consultation_id, typed, "ana")
    assert turn.kind in ("reprompt", "question")
    assert turn.message
    logged = [v for e in store.events.recent() for v in e.detail.values() if isinstance(v, str)]
    answered = [a.raw_text for a in store.consultations.answers(turn.consultation_id)]
    assert all(len(v) <= 500 for v in logged) and all(len(v) <= 2000 for v in answered)
    for value in logged + answered:
        assert not {"\x00", "\x1b", "\x07", "\u202e"} & set(value)


def test_a_long_answer_is_refused_with_its_length(store: Store, kb: KnowledgeBase) -> None:
    service, turn = start(store, kb)
    turn = service.answer(turn.consultation_id, "no " * 7000, "ana")
    assert turn.kind == "reprompt" and "21,000 characters" in turn.message


def test_skip_moves_on_and_records_no_option(store: Store, kb: KnowledgeBase) -> None:
    service, turn = start(store, kb)
    first = turn.question.id
    turn = service.answer(turn.consultation_id, "skip", "ana")
    assert turn.question.id != first and turn.question.number == 2
    (answer,) = store.consultations.answers(turn.consultation_id)
    assert (answer.question_id, answer.value, answer.via) == (first, None, "skip")


def test_back_returns_to_the_last_question_and_removes_its_answer(
    store: Store, kb: KnowledgeBase
) -> None:
    service, turn = start(store, kb)
    first = turn.question.id
    turn = service.answer(turn.consultation_id, "nope", "ana")
    turn = service.answer(turn.consultation_id, "back", "ana")
    assert turn.question.id == first and turn.question.number == 1
    assert store.consultations.answers(turn.consultation_id) == []
    assert [f.risk for f in store.findings.for_project(turn.project_id)] == []
    turn = service.answer(turn.consultation_id, "back", "ana")
    assert turn.question.id == first and "first question" in turn.message


def test_pause_and_resume_keep_the_question(store: Store, kb: KnowledgeBase) -> None:
    service, turn = start(store, kb)
    turn = service.answer(turn.consultation_id, "nope", "ana")
    waiting = turn.question
    paused = service.answer(turn.consultation_id, "pause", "ana")
    assert paused.kind == "paused" and paused.question is None
    assert store.consultations.get(turn.consultation_id).status == "paused"
    resumed = service.answer(turn.consultation_id, "resume", "ana")
    assert resumed.kind == "question" and resumed.question == waiting


def test_an_answer_to_a_paused_consultation_resumes_it_and_counts(
    store: Store, kb: KnowledgeBase
) -> None:
    service, turn = start(store, kb)
    service.pause(turn.consultation_id, "ana")
    turn = service.answer(turn.consultation_id, "nope", "ana")
    assert store.consultations.get(turn.consultation_id).status == "active"
    assert len(store.consultations.answers(turn.consultation_id)) == 1


def test_starting_again_resumes_the_open_consultation(store: Store, kb: KnowledgeBase) -> None:
    service, turn = start(store, kb)
    turn = service.answer(turn.consultation_id, "nope", "ana")
    service.pause(turn.consultation_id, "ana")
    again = Consultations(store, kb).start(turn.project_id, None, "ana")
    assert again.consultation_id == turn.consultation_id and again.question == turn.question


def test_summary_and_help_work_at_any_question_and_keep_it_waiting(
    store: Store, kb: KnowledgeBase
) -> None:
    service, turn = start(store, kb)
    turn = service.answer(turn.consultation_id, "nope", "ana")
    waiting = turn.question
    summary = service.answer(turn.consultation_id, "summary", "ana")
    assert summary.kind == "summary" and summary.summary is not None
    assert summary.summary.level("objectives") == "high" and summary.question == waiting
    helped = service.answer(turn.consultation_id, "help", "ana")
    assert helped.kind == "help" and "skip" in helped.message and helped.question == waiting


def test_a_stale_button_click_is_not_recorded_twice(store: Store, kb: KnowledgeBase) -> None:
    service, turn = start(store, kb)
    first = turn.question.id
    turn = service.answer(turn.consultation_id, "none", "ana", question_id=first)
    again = service.answer(turn.consultation_id, "none", "ana", question_id=first)
    assert again.question == turn.question
    assert len(store.consultations.answers(turn.consultation_id)) == 1


def test_a_new_process_resumes_at_the_same_question(tmp_path: Path, kb: KnowledgeBase) -> None:
    path = tmp_path / "premortem.db"
    first = Store.open(path)
    service, turn = start(first, kb)
    for typed in ("nope", "2", "skip"):
        turn = service.answer(turn.consultation_id, typed, "ana")
    first.close()
    second = Store.open(path)
    resumed = Consultations(second, kb).current(turn.consultation_id)
    assert resumed.question == turn.question
    assert len(second.consultations.answers(turn.consultation_id)) == 3


@pytest.mark.parametrize("policy", ["worrying", "reassuring", "random"])
def test_a_consultation_without_a_proposal_asks_10_to_20_questions(
    store: Store, kb: KnowledgeBase, policy: str
) -> None:
    rng = random.Random(7)
    choose: Policy = {
        "worrying": worrying,
        "reassuring": reassuring,
        "random": lambda q: rng.choice(q.options),
    }[policy]
    service, turn = start(store, kb)
    end, asked = run(service, turn, kb, choose)
    assert 10 <= len(asked) <= MAX_QUESTIONS
    assert len(asked) == len(set(asked)), "no question is asked twice"
    assert end.kind == "finished" and end.summary is not None


def test_worrying_answers_flag_clearly_more_areas_than_reassuring_ones(
    tmp_path: Path, kb: KnowledgeBase
) -> None:
    flagged = {}
    for name, policy in (("worrying", worrying), ("reassuring", reassuring)):
        s = Store.open(tmp_path / f"{name}.db")
        service, turn = start(s, kb)
        end, _ = run(service, turn, kb, policy)
        flagged[name] = set(end.summary.flagged())
        s.close()
    assert set(ALWAYS_PROBED) <= flagged["worrying"]
    assert len(flagged["reassuring"]) <= 2 < 7 <= len(flagged["worrying"])


def test_a_finished_consultation_answers_with_its_summary(store: Store, kb: KnowledgeBase) -> None:
    service, turn = start(store, kb)
    end, _ = run(service, turn, kb, reassuring)
    again = service.answer(end.consultation_id, "yes", "ana")
    assert again.kind == "finished" and again.summary is not None
    assert store.consultations.get(end.consultation_id).status == "finished"


def _sets_archetype(q: Question) -> bool:
    return any(o.sets_archetype for o in q.options)
