"""Check-ins in the core and the store: claims, catch-up, questions, answers, what moved."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.checkins import (
    CLAIM_LEASE,
    CLOSE_AFTER_REMINDER,
    REMIND_AFTER,
    STALE_AFTER,
    Answered,
    Checkins,
    choose_questions,
    get_schedule,
    schedule_checkin,
    split_project_and_schedule,
    stamp,
)
from bot.core.consultation import Consultations
from bot.core.errors import InputError, NotFound
from bot.core.knowledge import AnswerOption, KnowledgeBase, load_default
from bot.core.store import Project, Store

TEAM = "T0TEST"
OWNER = "U0ALICE"
PARIS = "Europe/Paris"
SET_ON = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)  # a Monday afternoon
FIRST = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # the Monday after, 09:00 in Paris


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_default()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(tmp_path / "premortem.db")
    yield s
    s.close()


@pytest.fixture
def checkins(store: Store, kb: KnowledgeBase) -> Checkins:
    return Checkins(Consultations(store, kb))


def project(store: Store, name: str = "Churn model", owner: str = OWNER) -> Project:
    return store.projects.create(TEAM, name, channel="C0CHURN", owner=owner)


def weekly(store: Store, p: Project, text: str = "every monday 9:00") -> None:
    schedule_checkin(store, p.id, text, owner=p.owner or OWNER, tz=PARIS, now=SET_ON)


def send(checkins: Checkins, now: datetime) -> list[int]:
    """Claim and mark sent what is due, as the scheduler does, without Slack."""
    sent = []
    for c in checkins.claim(now, "test"):
        if checkins.begin(c, now) is not None:
            checkins.sent(c.id, "D0ALICE", "1.1", now)
            sent.append(c.id)
    return sent


def most_worrying(kb: KnowledgeBase, question_id: str) -> AnswerOption:
    """The option raising the most severe risk."""
    return max(
        kb.questions[question_id].options,
        key=lambda o: max((r.severity.rank for r in o.raises), default=0),
    )


# --- schedules ------------------------------------------------------------------------------


def test_a_schedule_is_kept_with_the_owner_and_zone(store: Store) -> None:
    p = project(store)
    weekly(store, p)
    schedule = get_schedule(store, p.id)
    assert schedule is not None
    assert schedule.owner == OWNER and schedule.tz == PARIS
    assert schedule.next_due == FIRST
    assert schedule.describe() == "every Monday at 09:00 (Europe/Paris)"


def test_off_stops_the_schedule(store: Store, checkins: Checkins) -> None:
    p = project(store)
    weekly(store, p)
    assert schedule_checkin(store, p.id, "off", owner=OWNER, tz=PARIS) is None
    assert get_schedule(store, p.id) is None
    assert send(checkins, FIRST + timedelta(days=30)) == []


def test_an_unknown_zone_is_refused(store: Store) -> None:
    p = project(store)
    with pytest.raises(InputError, match="time zone"):
        schedule_checkin(store, p.id, "every monday", owner=OWNER, tz="Nowhere/Atlantis")


def test_project_and_schedule_are_told_apart(store: Store) -> None:
    churn = project(store)
    project(store, "Weekly report")

    def find(name: str) -> Project:
        return store.projects.find(TEAM, name)

    assert split_project_and_schedule("Churn model every monday 9:00", find) == (
        churn,
        "every monday 9:00",
    )
    assert split_project_and_schedule("churn weekdays 10am", find)[1] == "weekdays 10am"
    assert split_project_and_schedule("Weekly report weekly", find)[1] == "weekly"
    assert split_project_and_schedule('"Churn model" 0 9 * * 1', find)[1] == "0 9 * * 1"
    assert split_project_and_schedule("Churn model off", find)[1] == "off"
    assert split_project_and_schedule("every friday", find, default=churn) == (
        churn,
        "every friday",
    )
    with pytest.raises(InputError, match="blursday"):
        split_project_and_schedule("Churn model every blursday", find)
    with pytest.raises(NotFound):
        split_project_and_schedule("Nothing like it every monday", find)


# --- claiming -------------------------------------------------------------------------------


def test_nothing_is_claimed_before_its_time(store: Store, checkins: Checkins) -> None:
    weekly(store, project(store))
    assert checkins.claim(FIRST - timedelta(seconds=1), "a") == []
    assert len(checkins.claim(FIRST, "a")) == 1


def test_a_due_checkin_is_claimed_once_however_often_claimed(
    store: Store, checkins: Checkins
) -> None:
    p = project(store)
    weekly(store, p)
    first = checkins.claim(FIRST + timedelta(minutes=1), "a")
    again = checkins.claim(FIRST + timedelta(minutes=1), "b")
    assert [c.project_id for c in first] == [p.id] and again == []
    schedule = get_schedule(store, p.id)
    assert schedule is not None and schedule.next_due == FIRST + timedelta(days=7)


def test_after_downtime_one_catch_up_checkin_not_a_burst(store: Store, checkins: Checkins) -> None:
    p = project(store)
    weekly(store, p, "daily 9:00")
    later = FIRST + timedelta(days=10, hours=3)
    claimed = checkins.claim(later, "a")
    assert len(claimed) == 1
    schedule = get_schedule(store, p.id)
    assert schedule is not None and schedule.next_due is not None
    assert later < schedule.next_due <= later + timedelta(days=1)


def test_two_processes_claiming_at_once_share_the_checkins_without_overlap(
    tmp_path: Path, kb: KnowledgeBase
) -> None:
    path = tmp_path / "premortem.db"
    setup = Store.open(path)
    for i in range(60):
        weekly(setup, project(setup, f"Project {i}", owner=f"U{i:04d}"))
    setup.close()
    claimed: list[int] = []
    lock = threading.Lock()

    def claim(name: str) -> None:
        store = Store.open(path)
        try:
            got = Checkins(Consultations(store, kb)).claim(FIRST + timedelta(minutes=1), name)
            with lock:
                claimed.extend(c.project_id for c in got)
        finally:
            store.close()

    threads = [threading.Thread(target=claim, args=(f"p{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(claimed) == list(range(1, 61))


def test_a_claim_taken_to_the_wire_cannot_be_sent_by_another(
    store: Store, checkins: Checkins
) -> None:
    weekly(store, project(store))
    (c,) = checkins.claim(FIRST, "a")
    assert checkins.begin(c, FIRST) is not None
    assert checkins.begin(c, FIRST) is None  # the same claim, a second time


def test_an_abandoned_claim_is_taken_over_after_its_lease(store: Store, checkins: Checkins) -> None:
    weekly(store, project(store))
    (c,) = checkins.claim(FIRST, "crashed")
    assert checkins.claim(FIRST + timedelta(minutes=1), "b") == []
    (taken,) = checkins.claim(FIRST + CLAIM_LEASE + timedelta(minutes=1), "b")
    assert taken.id == c.id and taken.claimed_by == "b"


def test_a_failed_send_is_retried_by_the_next_run(store: Store, checkins: Checkins) -> None:
    weekly(store, project(store))
    (c,) = checkins.claim(FIRST, "a")
    checkins.begin(c, FIRST)
    checkins.not_sent(c.id, "ratelimited", give_up=False)
    (again,) = checkins.claim(FIRST + timedelta(minutes=1), "b")
    assert again.id == c.id and again.attempts == 1


def test_a_schedule_that_cannot_be_evaluated_does_not_block_the_others(
    store: Store, checkins: Checkins
) -> None:
    good, bad = project(store), project(store, "Broken", owner="U0BOB")
    weekly(store, good)
    weekly(store, bad)
    store.db.execute(
        "UPDATE checkin_schedules SET tz = 'Gone/Zone' WHERE project_id = ?", (bad.id,)
    )
    claimed = checkins.claim(FIRST, "a")
    assert {c.project_id for c in claimed} == {good.id, bad.id}
    assert get_schedule(store, good.id).next_due is not None  # type: ignore[union-attr]
    assert get_schedule(store, bad.id).next_due is None  # type: ignore[union-attr]


# --- what a check-in asks -------------------------------------------------------------------


def test_open_risks_are_asked_first_through_the_answer_that_raised_them(kb: KnowledgeBase) -> None:
    now = FIRST
    answers = {
        "data.labels-exist": Answered("no", now - timedelta(days=3)),
        "objectives.decision": Answered(kb.questions["objectives.decision"].options[0].value, now),
    }
    picks = choose_questions(kb, answers, {"data.no-labels": "high"}, archetype=None, now=now)
    assert picks[0].question_id == "data.labels-exist"
    assert "open risk" in picks[0].why.lower()
    assert len(picks) <= 3


def test_areas_with_old_answers_are_asked_again(kb: KnowledgeBase) -> None:
    now = FIRST
    old = now - STALE_AFTER - timedelta(days=15)
    answers = {
        "data.labels-exist": Answered("yes", old),
        "objectives.decision": Answered(kb.questions["objectives.decision"].options[0].value, now),
    }
    picks = choose_questions(kb, answers, {}, archetype=None, now=now)
    assert [p.question_id for p in picks] == ["data.labels-exist"]
    assert "weeks ago" in picks[0].why


def test_a_project_without_answers_is_asked_core_questions(kb: KnowledgeBase) -> None:
    picks = choose_questions(kb, {}, {}, archetype=None, now=FIRST)
    assert len(picks) == 3
    assert all(kb.questions[p.question_id].core for p in picks)


# --- answering, snoozing, skipping ----------------------------------------------------------


def test_snooze_sends_the_same_checkin_again_a_day_later(store: Store, checkins: Checkins) -> None:
    weekly(store, project(store))
    (cid,) = send(checkins, FIRST)
    asked = checkins.view(cid).questions
    view = checkins.snooze(cid, "day", FIRST)
    assert view.status == "snoozed" and view.snoozed_until == FIRST + timedelta(days=1)
    assert send(checkins, FIRST + timedelta(hours=23)) == []
    assert send(checkins, FIRST + timedelta(days=1)) == [cid]
    assert checkins.view(cid).questions == asked


def test_skip_skips_only_this_checkin(store: Store, checkins: Checkins) -> None:
    weekly(store, project(store))
    (cid,) = send(checkins, FIRST)
    assert checkins.skip(cid, FIRST).status == "skipped"
    assert send(checkins, FIRST + timedelta(days=6)) == []
    nxt = send(checkins, FIRST + timedelta(days=7))
    assert len(nxt) == 1 and nxt != [cid]


def test_the_last_answer_closes_the_checkin_and_says_what_moved(
    store: Store, checkins: Checkins, kb: KnowledgeBase
) -> None:
    p = project(store)
    weekly(store, p)
    (cid,) = send(checkins, FIRST)
    questions = checkins.view(cid).questions
    outcomes = []
    for q in questions:
        worrying = most_worrying(kb, q.id)
        outcomes.append(checkins.answer(cid, q.id, worrying.value, OWNER, FIRST))
    assert all(o.moved is None for o in outcomes[:-1])
    moved = outcomes[-1].moved
    assert moved is not None and moved.outcome == "answered" and moved.channel == "C0CHURN"
    assert moved.new, "the worrying answers raised new risks"
    raised_areas = {q.area for q in questions}
    assert any(a.moved and a.area in raised_areas for a in moved.areas)
    assert outcomes[-1].view.status == "answered"
    # a stale click after closing changes nothing
    late = checkins.answer(cid, questions[0].id, questions[0].options[0][0], OWNER, FIRST)
    assert late.label is None and late.moved is None


def test_the_next_checkin_reasks_open_risks_and_reports_them_resolved(
    store: Store, checkins: Checkins, kb: KnowledgeBase
) -> None:
    p = project(store)
    weekly(store, p)
    (first,) = send(checkins, FIRST)
    for q in checkins.view(first).questions:
        worrying = most_worrying(kb, q.id)
        checkins.answer(first, q.id, worrying.value, OWNER, FIRST)
    (second,) = send(checkins, FIRST + timedelta(days=7))
    asked = checkins.view(second).questions
    assert {q.id for q in asked} == {q.id for q in checkins.view(first).questions}
    assert all("Open risk" in q.why and q.was for q in asked)
    result = None
    for q in asked:
        clearing = next(
            (o for o in kb.questions[q.id].options if o.clears and not o.raises),
            next(o for o in kb.questions[q.id].options if not o.raises),
        )
        result = checkins.answer(second, q.id, clearing.value, OWNER, FIRST + timedelta(days=7))
    assert result is not None and result.moved is not None
    assert result.moved.resolved
    assert not result.moved.new


def test_an_unanswered_checkin_is_reminded_once_then_closed_unanswered(
    store: Store, checkins: Checkins
) -> None:
    weekly(store, project(store))
    (cid,) = send(checkins, FIRST)
    assert checkins.remind_due(FIRST + REMIND_AFTER - timedelta(minutes=1)) == []
    reminded_at = FIRST + REMIND_AFTER
    assert [v.checkin_id for v in checkins.remind_due(reminded_at)] == [cid]
    assert checkins.remind_due(reminded_at + timedelta(hours=1)) == []
    assert checkins.expire_overdue(reminded_at + CLOSE_AFTER_REMINDER - timedelta(minutes=1)) == []
    (moved,) = checkins.expire_overdue(reminded_at + CLOSE_AFTER_REMINDER)
    assert moved.outcome == "unanswered" and moved.checkin_id == cid
    assert not moved.moved and not moved.new
    assert checkins.expire_overdue(reminded_at + CLOSE_AFTER_REMINDER * 2) == []


def test_a_new_checkin_closes_the_one_left_waiting(store: Store, checkins: Checkins) -> None:
    weekly(store, project(store), "daily 9:00")
    (first,) = send(checkins, FIRST)
    (c,) = checkins.claim(FIRST + timedelta(days=1), "a")
    (moved,) = checkins.supersede(c, FIRST + timedelta(days=1))
    assert moved.checkin_id == first and moved.outcome == "unanswered"
    assert store.checkins.get_checkin(first).status == "expired"  # type: ignore[union-attr]


def test_times_are_stored_in_one_sortable_format() -> None:
    paris = datetime.fromisoformat("2026-11-30T09:01:00+01:00")
    assert stamp(paris) == "2026-11-30T08:01:00.000000+00:00"
