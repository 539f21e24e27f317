"""The check-in messages as Block Kit JSON, built from plain data without Slack."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.adapters.slack.builders.checkin_builder import (
    build_checkin,
    build_reminder,
    build_schedule_reply,
    build_what_moved,
)
from bot.adapters.slack.ids import CheckinIds
from bot.adapters.slack.payloads import CheckinChoice
from bot.core.checkins import AreaMove, CheckinQuestion, CheckinView, Schedule, WhatMoved
from bot.core.schedule import parse_schedule
from tests.fake_slack import block_kit_problems

DUE = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
LABELS = (("yes", "Yes, we have labels"), ("no", "No labels yet"), ("unknown", "Not sure"))


def question(qid: str, answer: str | None = None) -> CheckinQuestion:
    return CheckinQuestion(
        id=qid,
        area="data",
        text="Do you already have labelled examples?",
        why="Open risk (high): No labels",
        options=LABELS,
        was="No labels yet",
        answer=answer,
    )


def view(status: str = "sent", **changes: object) -> CheckinView:
    base = {
        "checkin_id": 7,
        "project_id": 1,
        "project": "Churn <!channel> model",
        "status": status,
        "owner": "U0ALICE",
        "tz": "Europe/Paris",
        "due": DUE,
        "questions": (question("data.labels-exist"), question("data.label-source", "Not sure")),
        "next_due": DUE + timedelta(days=7),
    }
    base.update(changes)
    return CheckinView(**base)  # type: ignore[arg-type]


def elements(blocks: list[dict], prefix: str) -> list[dict]:
    return [
        e
        for b in blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"].startswith(prefix)
    ]


def test_an_open_checkin_has_a_button_per_option_of_each_unanswered_question() -> None:
    text, blocks = build_checkin(view())
    answers = elements(blocks, CheckinIds.ANSWER)
    assert [e["text"]["text"] for e in answers] == [label for _, label in LABELS]
    choices = [CheckinChoice.parse(e["value"]) for e in answers]
    assert {(c.checkin, c.question) for c in choices} == {(7, "data.labels-exist")}
    assert len({e["action_id"] for e in answers}) == len(answers)
    assert {e["action_id"].split(":")[-1] for e in elements(blocks, CheckinIds.SNOOZE)} == {
        "day",
        "week",
    }
    assert elements(blocks, CheckinIds.SKIP)
    assert block_kit_problems(blocks) == []
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text


def test_the_questions_say_why_they_are_asked_and_the_answer_before() -> None:
    _, blocks = build_checkin(view())
    shown = str(blocks)
    assert "Open risk (high): No labels" in shown and "last answer: No labels yet" in shown
    assert "Due Mon 30 Nov at 09:00 · 1 of 2 answered" in shown


def test_a_closed_checkin_has_no_buttons_and_says_how_it_closed() -> None:
    for status, words in (
        ("answered", "posted in <#C0CHURN>"),
        ("skipped", "Skipped this one. Next check-in: Mon 7 Dec at 09:00"),
        ("expired", "closed before all its answers came in"),
    ):
        _, blocks = build_checkin(view(status), channel="C0CHURN")
        assert not elements(blocks, "premortem.checkin"), status
        assert words in str(blocks), status
    _, blocks = build_checkin(view("snoozed", snoozed_until=DUE + timedelta(days=1)))
    assert "Snoozed until Tue 1 Dec at 09:00" in str(blocks)


def test_the_reminder_offers_snooze_and_skip() -> None:
    text, blocks = build_reminder(view())
    assert "1 answer" in text
    assert elements(blocks, CheckinIds.SNOOZE) and elements(blocks, CheckinIds.SKIP)


def moved(outcome: str, **changes: object) -> WhatMoved:
    base = {
        "checkin_id": 7,
        "project_id": 1,
        "project": "Churn model",
        "channel": "C0CHURN",
        "outcome": outcome,
        "asked": 3,
        "answered": 3 if outcome == "answered" else 0,
        "due": DUE,
        "tz": "Europe/Paris",
        "areas": (
            AreaMove("data", "Data", "high", "low"),
            AreaMove("objectives", "Objectives", "medium", "medium"),
        ),
        "resolved": ("No labelled data",),
        "new": (),
    }
    base.update(changes)
    return WhatMoved(**base)  # type: ignore[arg-type]


def test_what_moved_shows_each_area_then_and_now_and_the_risks_resolved() -> None:
    text, blocks = build_what_moved(moved("answered"))
    shown = str(blocks)
    assert "*Data*: high → *low*" in shown and "*Objectives*: medium (unchanged)" in shown
    assert "Risks resolved" in shown and "No labelled data" in shown
    assert "New risks" not in shown
    assert "Data high → low" in text
    assert block_kit_problems(blocks) == []


def test_what_moved_of_an_unanswered_checkin_says_so() -> None:
    text, blocks = build_what_moved(
        moved("unanswered", resolved=(), areas=(AreaMove("data", "Data", "high", "high"),))
    )
    assert "went unanswered" in str(blocks)
    assert "unanswered" in text and "no change" in text


def test_the_schedule_reply_says_when_and_to_whom() -> None:
    schedule = Schedule(
        project_id=1,
        spec="every monday 9:00",
        rule=parse_schedule("every monday 9:00"),
        tz="Europe/Paris",
        owner="U0ALICE",
        next_due=DUE,
        last_due=None,
    )
    text, blocks = build_schedule_reply("Churn model", schedule, "C0CHURN")
    shown = str(blocks)
    assert "every Monday at 09:00 (Europe/Paris)" in text
    assert "Next: Mon 30 Nov at 09:00" in shown and "<@U0ALICE>" in shown and "<#C0CHURN>" in shown
    off_text, _ = build_schedule_reply("Churn model", None, None)
    assert "off" in off_text
