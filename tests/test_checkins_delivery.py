"""Delivering check-ins within Slack's rate limits: pacing, 429s, hundreds at once, two
schedulers at once. The real WebClient talks to the fake Slack Web API on 127.0.0.1."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.adapters.scheduler.delivery import Delivery
from bot.adapters.scheduler.loop import Scheduler
from bot.adapters.scheduler.pacing import MAX_RATE_LIMITED, Pacer, RateLimited
from bot.adapters.scheduler.runner import run_due
from bot.adapters.slack.app import build_client
from bot.adapters.slack.settings import SlackSettings
from bot.core.checkins import Checkins, schedule_checkin, stamp
from bot.core.consultation import Consultations
from bot.core.knowledge import KnowledgeBase, load_default
from bot.core.store import Store
from tests.fake_slack import BOT_TOKEN, FakeSlack

SET_ON = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
NINE = datetime.fromisoformat("2026-11-30T09:00:00+01:00")
MANY = 300
REFUSED = 5  # posts answered 429 (each retried after Retry-After)
FAST = {"chat.postMessage": 1e6, "conversations.open": 1e6, "chat.update": 1e6}


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def rate_limited(retry_after: str = "7") -> SlackApiError:
    response = SlackResponse(
        client=None,
        http_verb="POST",
        api_url="https://slack.com/api/chat.postMessage",
        req_args={},
        data={"ok": False, "error": "ratelimited"},
        headers={"Retry-After": retry_after},
        status_code=429,
    )
    return SlackApiError("ratelimited", response)


# --- the pacer --------------------------------------------------------------------------------


def test_a_method_may_burst_a_minutes_allowance_then_is_spaced() -> None:
    clock = FakeClock()
    pacer = Pacer({"chat.postMessage": 60}, clock=clock, sleep=clock.sleep)
    for _ in range(60):
        pacer.wait("chat.postMessage")
    assert clock.slept == []
    pacer.wait("chat.postMessage")
    pacer.wait("chat.postMessage")
    assert clock.slept == pytest.approx([1.0, 1.0])


def test_methods_are_paced_separately() -> None:
    clock = FakeClock()
    pacer = Pacer({"chat.postMessage": 1, "conversations.open": 1}, clock=clock, sleep=clock.sleep)
    pacer.wait("chat.postMessage")
    pacer.wait("conversations.open")
    assert clock.slept == []


def test_a_429_holds_the_method_back_for_retry_after_and_the_call_is_retried() -> None:
    clock = FakeClock()
    pacer = Pacer(clock=clock, sleep=clock.sleep)
    answers: list[object] = [rate_limited("7"), {"ok": True}]

    def post(**_: object) -> object:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert pacer.call("chat.postMessage", post, channel="D1") == {"ok": True}
    assert sum(clock.slept) == pytest.approx(7.0)


def test_a_call_still_rate_limited_after_many_tries_is_given_back_not_dropped() -> None:
    clock = FakeClock()
    pacer = Pacer(clock=clock, sleep=clock.sleep)

    def post(**_: object) -> object:
        raise rate_limited("1")

    with pytest.raises(RateLimited):
        pacer.call("chat.postMessage", post)
    assert len(clock.slept) >= MAX_RATE_LIMITED - 1


def test_other_slack_errors_are_not_retried_by_the_pacer() -> None:
    pacer = Pacer()
    calls = []

    def post(**_: object) -> object:
        calls.append(1)
        response = SlackResponse(
            client=None,
            http_verb="POST",
            api_url="",
            req_args={},
            data={"ok": False, "error": "channel_not_found"},
            headers={},
            status_code=200,
        )
        raise SlackApiError("channel_not_found", response)

    with pytest.raises(SlackApiError):
        pacer.call("chat.postMessage", post)
    assert calls == [1]


# --- hundreds at once -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_default()


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as running:
        yield running


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "premortem.db"
    store = Store.open(path)
    with store.transaction():
        for i in range(MANY):
            p = store.projects.create(
                "T0TEST", f"Project {i}", channel=f"C{i:04d}", owner=f"U{i:04d}"
            )
            schedule_checkin(
                store, p.id, "every monday 9:00", owner=f"U{i:04d}", tz="Europe/Paris", now=SET_ON
            )
    store.close()
    return path


def delivery_to(fake: FakeSlack, store: Store, kb: KnowledgeBase) -> Delivery:
    settings = SlackSettings(
        slack_bot_token=BOT_TOKEN,  # type: ignore[arg-type]
        slack_api_url=fake.base_url,
        _env_file=None,  # type: ignore[call-arg]
    )
    return Delivery(build_client(settings), Checkins(Consultations(store, kb)), Pacer(FAST))


def dms_per_owner(fake: FakeSlack, refused: int = 0) -> Counter[str]:
    """Check-in DMs Slack accepted, per owner; the first `refused` posts were answered 429."""
    return Counter(
        str(c.args["channel"])
        for c in fake.calls_of("chat.postMessage")[refused:]
        if str(c.args.get("channel", "")).startswith("D")
    )


def test_hundreds_due_in_the_same_minute_are_all_delivered_once_despite_429s(
    fake: FakeSlack, db: Path, kb: KnowledgeBase
) -> None:
    fake.rate_limit_next("chat.postMessage", retry_after=1, times=REFUSED)
    fake.rate_limit_next("conversations.open", retry_after=1, times=2)
    store = Store.open(db)
    try:
        report = run_due(delivery_to(fake, store, kb), NINE + timedelta(minutes=1))
        again = run_due(delivery_to(fake, store, kb), NINE + timedelta(minutes=2))
    finally:
        store.close()
    assert report.outcomes["sent"] == MANY and again.outcomes["sent"] == 0
    per_owner = dms_per_owner(fake, refused=REFUSED)
    assert len(per_owner) == MANY
    assert set(per_owner.values()) == {1}


def test_two_schedulers_running_at_once_send_each_checkin_once(
    fake: FakeSlack, db: Path, kb: KnowledgeBase
) -> None:
    reports = []

    def scheduler() -> None:
        store = Store.open(db)
        try:
            reports.append(run_due(delivery_to(fake, store, kb), NINE + timedelta(minutes=1)))
        finally:
            store.close()

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert sum(r.outcomes["sent"] for r in reports) == MANY
    per_owner = dms_per_owner(fake)
    assert len(per_owner) == MANY and set(per_owner.values()) == {1}


def test_a_check_in_slack_refuses_for_good_is_marked_failed_and_not_retried(
    fake: FakeSlack, tmp_path: Path, kb: KnowledgeBase
) -> None:
    store = Store.open(tmp_path / "one.db")
    try:
        p = store.projects.create("T0TEST", "Gone", channel="C1", owner="U0GONE")
        schedule_checkin(store, p.id, "every monday 9:00", owner="U0GONE", tz="UTC", now=SET_ON)
        fake.fail_next("conversations.open", "user_not_found")
        delivery = delivery_to(fake, store, kb)
        first = run_due(delivery, NINE + timedelta(hours=2))
        second = run_due(delivery, NINE + timedelta(hours=3))
        latest = store.checkins.latest(p.id)
    finally:
        store.close()
    assert first.outcomes["failed"] == 1 and not second.outcomes
    assert latest is not None and latest.status == "failed" and latest.error == "user_not_found"


def test_the_scheduler_thread_sends_due_checkins_and_stops_cleanly(
    fake: FakeSlack, tmp_path: Path, kb: KnowledgeBase
) -> None:
    store = Store.open(tmp_path / "one.db")
    try:
        p = store.projects.create("T0TEST", "Churn", channel="C1", owner="U0ALICE")
        schedule_checkin(store, p.id, "every monday 9:00", owner="U0ALICE", tz="UTC", now=SET_ON)
        scheduler = Scheduler(
            delivery_to(fake, store, kb), interval=0.05, clock=lambda: NINE + timedelta(hours=2)
        ).start()
        try:
            fake.wait_for("chat.postMessage", where=lambda c: c.args.get("channel") == "D0ALICE")
        finally:
            scheduler.stop(timeout=10)
        assert not scheduler.running
        assert len(fake.calls_of("chat.postMessage")) == 1  # every pass after the first: nothing
    finally:
        store.close()


def test_each_scheduler_pass_forgets_slack_event_ids_older_than_a_day(
    fake: FakeSlack, tmp_path: Path, kb: KnowledgeBase
) -> None:
    now = NINE + timedelta(days=3)
    at = [now]
    store = Store.open(tmp_path / "events.db", clock=lambda: stamp(at[0]))
    try:
        at[0] = now - timedelta(days=2)
        assert store.events.claim("EvOLD")
        at[0] = now - timedelta(hours=1)
        assert store.events.claim("EvNEW")
        Scheduler(delivery_to(fake, store, kb), clock=lambda: now).run_once()
        assert store.events.claim("EvOLD") is True  # forgotten: a fresh event to the app
        assert store.events.claim("EvNEW") is False  # still a redelivery
    finally:
        store.close()
