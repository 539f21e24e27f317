"""Check-ins end to end: signed requests into `premortem serve`, time moved by
`premortem checkins run-due --now`, and the real WebClient talking to a fake Slack Web API
on 127.0.0.1."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.adapters.slack.ids import CheckinIds
from bot.core.knowledge import load_default
from tests.fake_slack import Call, FakeSlack, PremortemServer, SlackSender, call_problems

pytestmark = pytest.mark.slow

OWNER = "U0ALICE"
DM = "D0ALICE"
CHANNEL = "C0CHURN"
PARIS = "Europe/Paris"
RUN_TIMEOUT_S = 60


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        fake.zones[OWNER] = PARIS
        yield fake


@pytest.fixture
def server(slack: FakeSlack, tmp_path: Path) -> Iterator[PremortemServer]:
    with PremortemServer(slack, tmp_path) as running:
        yield running


@pytest.fixture
def sender(server: PremortemServer, slack: FakeSlack) -> SlackSender:
    return SlackSender(server.url, slack)


def command(sender: SlackSender, slack: FakeSlack, text: str) -> str:
    """Run `/premortem <text>` in the project's channel; the reply the person sees."""
    mark = slack.mark()
    reply = sender.command(text, user=OWNER, channel=CHANNEL)
    assert reply.status == 200, reply.body
    if reply.text().strip():
        return reply.text()
    (answer,) = slack.wait_for("response_url", after=mark)
    return answer.text()


def run_due(server: PremortemServer, now: datetime) -> str:
    """`premortem checkins run-due --now <now>` with the server's settings."""
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "checkins", "run-due", "--now", now.isoformat()],
        cwd=server.workdir,
        env=server.env(),
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def checkin_dms(slack: FakeSlack) -> list[Call]:
    return [
        c
        for c in slack.calls_of("chat.postMessage")
        if c.args.get("channel") == DM and c.text().startswith("Check-in on")
    ]


def next_local(after: datetime, weekday: int, at: time, tz: str) -> datetime:
    """The first `weekday` at `at` (wall clock in `tz`) strictly after `after`."""
    zone = ZoneInfo(tz)
    day = after.astimezone(zone).date()
    while True:
        candidate = datetime.combine(day, at, tzinfo=zone)
        if candidate.weekday() == weekday and candidate > after:
            return candidate
        day += timedelta(days=1)


def buttons(call: Call, prefix: str) -> list[dict[str, Any]]:
    return [
        e
        for b in call.blocks
        if b.get("type") == "actions"
        for e in b["elements"]
        if str(e.get("action_id", "")).startswith(prefix)
    ]


def click(sender: SlackSender, slack: FakeSlack, message: Call, element: dict[str, Any]) -> Call:
    """Click a button of a check-in DM; the edit of the DM that follows."""
    mark = slack.mark()
    reply = sender.block_action(
        element["action_id"], element["value"], user=OWNER, channel=DM, message_ts="1.000001"
    )
    assert reply.status == 200, reply.body
    return slack.wait_for("chat.update", after=mark)[0]


def start_project(sender: SlackSender, slack: FakeSlack, when: str = "every monday 9:00") -> str:
    command(sender, slack, "new Churn model")
    return command(sender, slack, f"checkin Churn model {when}")


def first_monday(now: datetime | None = None) -> datetime:
    return next_local(now or datetime.now(UTC), 0, time(9, 0), PARIS)


def first_checkin(
    server: PremortemServer, sender: SlackSender, slack: FakeSlack
) -> tuple[datetime, Call]:
    """A project checked in on every Monday at 9:00, and its first check-in DM."""
    start_project(sender, slack)
    nine = first_monday()
    run_due(server, nine + timedelta(minutes=1))
    (dm,) = checkin_dms(slack)
    return nine, dm


# --- scheduling -------------------------------------------------------------------------------


def test_a_schedule_is_read_in_the_owners_zone_and_shown_in_status_and_app_home(
    sender: SlackSender, slack: FakeSlack
) -> None:
    reply = start_project(sender, slack)
    assert "every Monday at 09:00 (Europe/Paris)" in reply
    assert slack.calls_of("users.info")[-1].args["user"] == OWNER
    # ...and shown where people look: the project's status and the App Home
    assert "every Monday at 09:00 (Europe/Paris)" in command(sender, slack, "status Churn model")
    mark = slack.mark()
    sender.app_home_opened(user=OWNER)
    (home,) = slack.wait_for("views.publish", after=mark)
    assert "every Monday at 09:00 (Europe/Paris)" in home.text()


def test_an_unreadable_schedule_gets_a_reply_listing_the_forms(
    sender: SlackSender, slack: FakeSlack
) -> None:
    command(sender, slack, "new Churn model")
    reply = command(sender, slack, "checkin Churn model every blursday")
    assert "blursday" in reply
    assert "every monday 9:00" in reply and "first monday of the month" in reply


# --- sending ----------------------------------------------------------------------------------


def test_a_due_checkin_dms_the_owner_once_even_when_run_twice(
    server: PremortemServer, sender: SlackSender, slack: FakeSlack
) -> None:
    start_project(sender, slack)
    nine = first_monday()
    run_due(server, nine - timedelta(minutes=1))
    assert checkin_dms(slack) == []
    run_due(server, nine + timedelta(minutes=1))
    run_due(server, nine + timedelta(minutes=1))
    run_due(server, nine + timedelta(minutes=2))
    (dm,) = checkin_dms(slack)
    assert any(c.args.get("users") == OWNER for c in slack.calls_of("conversations.open"))
    assert buttons(dm, CheckinIds.ANSWER) and buttons(dm, CheckinIds.SKIP)
    assert call_problems(dm) == []


def test_snooze_moves_the_checkin_a_day_later(
    server: PremortemServer, sender: SlackSender, slack: FakeSlack
) -> None:
    nine, dm = first_checkin(server, sender, slack)
    day = next(e for e in buttons(dm, CheckinIds.SNOOZE) if e["action_id"].endswith(":day"))
    edit = click(sender, slack, dm, day)
    assert "Snoozed until" in edit.text()
    run_due(server, nine + timedelta(hours=12))
    assert len(checkin_dms(slack)) == 1
    run_due(server, nine + timedelta(days=1, minutes=2))
    assert len(checkin_dms(slack)) == 2


def test_skip_skips_only_this_checkin(
    server: PremortemServer, sender: SlackSender, slack: FakeSlack
) -> None:
    nine, dm = first_checkin(server, sender, slack)
    edit = click(sender, slack, dm, buttons(dm, CheckinIds.SKIP)[0])
    assert "Skipped" in edit.text()
    run_due(server, nine + timedelta(days=1, minutes=1))
    assert len(checkin_dms(slack)) == 1
    run_due(server, nine + timedelta(days=7, minutes=1))
    assert len(checkin_dms(slack)) == 2


def test_nine_oclock_stays_nine_oclock_local_across_a_clock_change(
    server: PremortemServer, sender: SlackSender, slack: FakeSlack
) -> None:
    start_project(sender, slack)
    before = first_monday()
    after = next_local(before, 0, time(9, 0), PARIS)
    while after.utcoffset() == before.utcoffset():  # the first Monday after a clock change
        before, after = after, next_local(after, 0, time(9, 0), PARIS)
    run_due(server, before + timedelta(minutes=1))  # the week before: a catch-up check-in
    assert len(checkin_dms(slack)) == 1
    # A fixed UTC offset would fire an hour early in autumn, an hour late in spring.
    assert after.utcoffset() != before.utcoffset()
    run_due(server, after - timedelta(minutes=1))
    assert len(checkin_dms(slack)) == 1
    run_due(server, after + timedelta(minutes=1))
    assert len(checkin_dms(slack)) == 2


def test_what_moved_reflects_the_changed_answers(
    server: PremortemServer, sender: SlackSender, slack: FakeSlack
) -> None:
    kb = load_default()
    nine, dm = first_checkin(server, sender, slack)

    def answer_all(message: Call, worrying: bool) -> None:
        by_question: dict[str, list[dict[str, Any]]] = {}
        for e in buttons(message, CheckinIds.ANSWER):
            by_question.setdefault(e["action_id"].split(":")[1], []).append(e)
        for qid, options in by_question.items():
            question = kb.questions[qid]

            def severity(e: dict[str, Any], q: Any = question) -> int:
                option = next(o for o in q.options if e["action_id"].endswith(f":{o.value}"))
                worst = max((r.severity.rank for r in option.raises), default=0)
                return worst if worrying else -worst - len(option.raises) + len(option.clears)

            click(sender, slack, message, max(options, key=severity))

    mark = slack.mark()
    answer_all(dm, worrying=True)
    (first,) = slack.wait_for(
        "chat.postMessage", where=lambda c: "What moved" in c.text(), after=mark
    )
    assert first.args["channel"] == CHANNEL
    assert "→ *high*" in first.text() and "New risks" in first.text()
    assert "Risks resolved" not in first.text()
    assert call_problems(first) == []

    run_due(server, nine + timedelta(days=7, minutes=1))
    second_dm = checkin_dms(slack)[-1]
    assert "last answer:" in second_dm.text()  # the open risks, asked again
    mark = slack.mark()
    answer_all(second_dm, worrying=False)
    (second,) = slack.wait_for(
        "chat.postMessage", where=lambda c: "What moved" in c.text(), after=mark
    )
    assert "Risks resolved" in second.text()
    assert "high → " in second.text()
