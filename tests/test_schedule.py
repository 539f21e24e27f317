"""Reading check-in schedules and finding their next time, in the owner's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.errors import InputError
from bot.core.schedule import Rule, describe, is_off, next_occurrence, parse_schedule

PARIS = "Europe/Paris"
NEW_YORK = "America/New_York"
MONDAY = date(2026, 11, 23)  # a Monday


def local(text: str, tz: str) -> datetime:
    """An aware instant from a local wall-clock time."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(tz))


def occurrences(rule: Rule, start: datetime, tz: str, n: int) -> list[datetime]:
    out, at = [], start
    for _ in range(n):
        at = next_occurrence(rule, at, tz)
        out.append(at.astimezone(ZoneInfo(tz)))
    return out


@pytest.mark.parametrize(
    ("text", "described"),
    [
        ("every monday 9:00", "every Monday at 09:00"),
        ("Every Monday, 9:00 AM", "every Monday at 09:00"),
        ("weekdays 10am", "weekdays at 10:00"),
        ("every weekday at 9", "weekdays at 09:00"),
        ("daily at 8:30", "every day at 08:30"),
        ("mondays and thursdays at 14:30", "every Monday and Thursday at 14:30"),
        ("every week on friday at noon", "every Friday at 12:00"),
        ("every 2 weeks on friday", "every 2 weeks on Friday at 09:00"),
        ("every other friday 4pm", "every 2 weeks on Friday at 16:00"),
        ("biweekly on tuesday", "every 2 weeks on Tuesday at 09:00"),
        ("first monday of the month", "the first Monday of each month at 09:00"),
        ("1st monday of each month at 10am", "the first Monday of each month at 10:00"),
        ("last friday of the month", "the last Friday of each month at 09:00"),
        ("on the 15th of every month", "day 15 of each month at 09:00"),
        ("last day of the month 17:00", "the last day of each month at 17:00"),
        ("every wendesday 9:15", "every Wednesday at 09:15"),
        ("0 9 * * 1", "cron `0 9 * * 1`"),
        ("30 8 * * mon-fri", "cron `30 8 * * mon-fri`"),
    ],
)
def test_schedule_forms_are_read(text: str, described: str) -> None:
    rule = parse_schedule(text, today=MONDAY)
    assert describe(rule) == described
    assert Rule.from_json(rule.to_json()) == rule


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("every blursday", "blursday"),
        ("9:00", "which days"),
        ("every monday 25:00", "25:00"),
        ("every monday 13pm", "13pm"),
        ("every monday 9am 10am", "one time of day"),
        ("*/5 * * * *", "more than once an hour"),
        ("0 9 30 2 *", "never comes round"),
        ("0 9 * *", "I can't read"),  # four fields is not cron: read as words
        ("", "when to check in"),
        ("first monday and friday of the month", "one weekday"),
    ],
)
def test_unreadable_schedules_get_a_helpful_reply(text: str, says: str) -> None:
    with pytest.raises(InputError) as info:
        parse_schedule(text, today=MONDAY)
    assert says in str(info.value)


def test_the_reply_to_an_unreadable_schedule_lists_the_forms_understood() -> None:
    with pytest.raises(InputError) as info:
        parse_schedule("every blursday")
    for form in (
        "every monday 9:00",
        "weekdays 10am",
        "first monday of the month",
        "0 9 * * 1",
        "off",
    ):
        assert form in str(info.value)


def test_off_switches_check_ins_off() -> None:
    assert is_off("off") and is_off(" Off. ") and is_off("stop")
    assert not is_off("every monday")


def test_weekdays_skip_the_weekend() -> None:
    rule = parse_schedule("weekdays 10am")
    friday = local("2026-11-27T11:00", PARIS)
    assert occurrences(rule, friday, PARIS, 2) == [
        local("2026-11-30T10:00", PARIS),
        local("2026-12-01T10:00", PARIS),
    ]


def test_nine_oclock_stays_nine_oclock_across_daylight_saving_changes() -> None:
    rule = parse_schedule("every monday 9:00")
    # Europe ends summer time on Sunday 25 October 2026 and starts it on Sunday 29 March 2026.
    autumn = occurrences(rule, local("2026-10-20T12:00", PARIS), PARIS, 2)
    spring = occurrences(rule, local("2026-03-24T12:00", PARIS), PARIS, 2)
    for at in autumn + spring:
        assert (at.hour, at.minute, at.weekday()) == (9, 0, 0)
    assert autumn[0].utcoffset() == timedelta(hours=1)  # 26 Oct: already winter time
    assert spring[0].utcoffset() == timedelta(hours=2)  # 30 Mar: already summer time
    assert autumn[0].astimezone(UTC).hour == 8
    assert spring[0].astimezone(UTC).hour == 7


def test_cron_expressions_follow_local_time_across_daylight_saving_changes() -> None:
    rule = parse_schedule("0 9 * * 1")
    times = occurrences(rule, local("2026-10-28T12:00", NEW_YORK), NEW_YORK, 2)  # US change: 1 Nov
    assert [(t.day, t.hour) for t in times] == [(2, 9), (9, 9)]
    assert times[0].utcoffset() == timedelta(hours=-5)


def test_a_time_skipped_by_the_clock_change_moves_forward_by_the_gap() -> None:
    rule = parse_schedule("every sunday 2:30")
    at = next_occurrence(rule, local("2026-03-28T12:00", PARIS), PARIS).astimezone(ZoneInfo(PARIS))
    assert (at.day, at.hour, at.minute) == (29, 3, 30)


def test_a_time_repeated_by_the_clock_change_fires_once() -> None:
    rule = parse_schedule("every sunday 2:30")
    first = next_occurrence(rule, local("2026-10-24T12:00", PARIS), PARIS)
    second = next_occurrence(rule, first, PARIS).astimezone(ZoneInfo(PARIS))
    assert first.astimezone(ZoneInfo(PARIS)).day == 25
    assert second.day == 1 and second.month == 11


def test_every_two_weeks_counts_from_the_week_it_was_set() -> None:
    rule = parse_schedule("every 2 weeks on friday", today=MONDAY)
    times = occurrences(rule, local("2026-11-23T10:00", PARIS), PARIS, 3)
    assert [t.date() for t in times] == [date(2026, 11, 27), date(2026, 12, 11), date(2026, 12, 25)]


def test_monthly_forms_pick_the_right_day() -> None:
    start = local("2026-11-23T10:00", PARIS)
    first_monday = occurrences(parse_schedule("first monday of the month"), start, PARIS, 2)
    last_friday = occurrences(parse_schedule("last friday of the month"), start, PARIS, 2)
    last_day = occurrences(
        parse_schedule("last day of the month"), local("2027-01-31T10:00", PARIS), PARIS, 2
    )
    assert [t.date() for t in first_monday] == [date(2026, 12, 7), date(2027, 1, 4)]
    assert [t.date() for t in last_friday] == [date(2026, 11, 27), date(2026, 12, 25)]
    assert [t.date() for t in last_day] == [date(2027, 2, 28), date(2027, 3, 31)]


def test_the_next_time_is_strictly_after_the_given_instant() -> None:
    rule = parse_schedule("every monday 9:00")
    nine = local("2026-11-30T09:00", PARIS)
    assert next_occurrence(rule, nine - timedelta(seconds=1), PARIS) == nine
    assert next_occurrence(rule, nine, PARIS) == nine + timedelta(days=7)


def test_an_unknown_zone_is_an_input_error() -> None:
    with pytest.raises(InputError, match="Mars/Olympus"):
        next_occurrence(parse_schedule("daily"), datetime.now(UTC), "Mars/Olympus")
