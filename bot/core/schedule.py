"""Check-in schedules: read what a person types ("every monday 9:00") and find the next time.

Times are wall-clock times in the owner's IANA zone, so 9:00 stays 9:00 across daylight-saving
changes. A local time that does not exist (the hour skipped in spring) moves forward by the
gap; a local time that happens twice (the hour repeated in autumn) fires on its first pass.
Cron expressions are evaluated the same way: croniter walks naive local times, zoneinfo places
them on the timeline.
"""

from __future__ import annotations

import calendar
import json
import re
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import CroniterError, croniter
from rapidfuzz import process as fuzzy

from bot.core.errors import InputError

DEFAULT_TIME = time(9, 0)
MIN_GAP = timedelta(hours=1)  # a check-in is a question to a person, not a heartbeat
EXAMPLES = (
    "`every monday 9:00`, `weekdays 10am`, `every 2 weeks on friday`, "
    "`first monday of the month`, a cron expression such as `0 9 * * 1`, or `off`"
)

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_ORDINALS = {
    "first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3,
    "fourth": 4, "4th": 4, "last": -1,
}  # fmt: skip
_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "other": 2}
_OFF = {"off", "stop", "none", "never", "disable", "disabled", "cancel", "pause"}
# Words that carry no meaning of their own in a schedule.
_FILLER = {"every", "each", "on", "at", "the", "of", "and", "a", "in", "month", "months", "s"}


@dataclass(frozen=True)
class Rule:
    """When check-ins happen, independent of any zone.

    `weekly`: on `weekdays` (0 is Monday) of every `every_weeks`-th week counted from the week
    of `anchor`. `monthly`: on the `nth` `weekdays[0]` of each month (-1 is the last one), or,
    when `day_of_month` is set, on that day (the month's last day when it is shorter).
    `cron`: a five-field cron expression read as local time.
    """

    kind: Literal["weekly", "monthly", "cron"]
    hour: int = DEFAULT_TIME.hour
    minute: int = DEFAULT_TIME.minute
    weekdays: tuple[int, ...] = ()
    every_weeks: int = 1
    anchor: str | None = None  # ISO date; only matters when every_weeks > 1
    nth: int = 0
    day_of_month: int = 0
    cron: str = ""

    def to_json(self) -> str:
        data = {k: v for k, v in asdict(self).items() if v != _DEFAULTS.get(k)}
        data["kind"] = self.kind
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Rule:
        data = json.loads(text)
        if "weekdays" in data:
            data["weekdays"] = tuple(data["weekdays"])
        return cls(**data)


_DEFAULTS = {k: v for k, v in asdict(Rule(kind="weekly")).items() if k != "kind"}


def zone(name: str) -> ZoneInfo:
    """The IANA zone `name`; InputError when the name is unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InputError(
            f"{name!r} is not a time zone I know (expected an IANA name such as Europe/Paris)"
        ) from exc


# --- parsing ------------------------------------------------------------------------------


def is_off(text: str) -> bool:
    return _normalise(text) in _OFF


def parse_schedule(text: str, today: date | None = None) -> Rule:
    """Read a schedule as a person types it; raise InputError saying what could not be read.

    `today` (the owner's local date) anchors "every 2 weeks": the first check-in falls in
    the current week.
    """
    raw = text.strip()
    if not raw:
        raise InputError(f"Tell me when to check in, for example {EXAMPLES}.")
    if _looks_like_cron(raw):
        return _parse_cron(raw)
    words = _normalise(raw)
    at, rest = _take_time(words)
    tokens = [t for t in re.split(r"[\s,;/]+", rest) if t]
    hour, minute = (at.hour, at.minute) if at else (DEFAULT_TIME.hour, DEFAULT_TIME.minute)

    nth = _take_ordinal(tokens)
    interval = _take_interval(tokens)
    day_of_month = _take_day_of_month(tokens)
    days, unknown = _take_days(tokens)
    if unknown:
        listed = ", ".join(f"“{w}”" for w in unknown)
        raise InputError(f"I can't read {listed} in “{raw}” as a schedule. Try {EXAMPLES}.")
    if not days and not interval and nth is None and day_of_month is None:
        raise InputError(f"“{raw}” does not say which days. Try {EXAMPLES}.")

    if nth is not None or day_of_month is not None or interval == "month":
        if interval not in (None, "month"):
            raise InputError(f"“{raw}” mixes a monthly and a weekly schedule. Try {EXAMPLES}.")
        if day_of_month is not None:
            if days:
                raise InputError(f"“{raw}” names both a weekday and a day of the month; pick one.")
            return Rule("monthly", hour, minute, day_of_month=day_of_month)
        if len(days) > 1:
            raise InputError(
                f"“{raw}”: a monthly check-in takes one weekday, e.g. `first monday of the month`."
            )
        weekday = days[0] if days else 0
        return Rule("monthly", hour, minute, weekdays=(weekday,), nth=nth or 1)

    every = interval if isinstance(interval, int) else 1
    if every > 1:
        anchor = (today or datetime.now(UTC).date()).isoformat()
        return Rule(
            "weekly", hour, minute, weekdays=tuple(days or (0,)), every_weeks=every, anchor=anchor
        )
    return Rule("weekly", hour, minute, weekdays=tuple(days or (0,)))


def _normalise(text: str) -> str:
    return " ".join(text.lower().replace("’", "'").split()).strip(" .!")


def _looks_like_cron(text: str) -> bool:
    fields = text.split()
    if text.startswith("@"):
        return True
    return (
        len(fields) in (5, 6)
        and all(re.fullmatch(r"[\d*/,\-?LW#a-zA-Z]+", f) for f in fields)
        and any(c in text for c in "*0123456789")
        and not re.search(r"\b(?:am|pm|at|on|of|every|weeks?)\b", text.lower())
    )


def _parse_cron(text: str) -> Rule:
    expr = " ".join(text.split())
    if len(expr.split()) != 5 and not expr.startswith("@"):
        raise InputError(
            f"“{expr}” has {len(expr.split())} fields; a cron schedule has five: "
            "minute hour day month weekday."
        )
    if not croniter.is_valid(expr):
        raise InputError(
            f"“{expr}” is not a cron expression I can read (minute hour day month weekday)."
        )
    rule = Rule("cron", cron=expr)
    # Reject schedules that never fire or fire more than hourly: both are mistakes, not plans.
    start = datetime(2026, 1, 1, tzinfo=UTC)
    try:
        times = [start := next_occurrence(rule, start, "UTC") for _ in range(6)]
    except InputError as exc:
        raise InputError(f"“{expr}” never comes round; check the day and month fields.") from exc
    if min(b - a for a, b in pairwise(times)) < MIN_GAP:
        raise InputError(
            f"“{expr}” would check in more than once an hour; a check-in needs time to matter."
        )
    return rule


_TIME = re.compile(
    r"(?:\bat\s+)?\b(?P<h>\d{1,2})(?:[:.h](?P<m>\d{2}))?\s*(?P<ampm>a\.?m\.?|p\.?m\.?)?(?=\s|$|,)"
)


def _take_time(words: str) -> tuple[time | None, str]:
    """Find one time of day in the text and return it with the text without it."""
    for word, t in (("noon", time(12)), ("midday", time(12)), ("midnight", time(0))):
        if re.search(rf"\b{word}\b", words):
            return t, re.sub(rf"(?:\bat\s+)?\b{word}\b", " ", words)
    for m in _TIME.finditer(words):
        h_text, m_text, ampm = m.group("h"), m.group("m"), m.group("ampm")
        # A bare number is a time only after "at" ("at 9"); "every 2 weeks" keeps its 2.
        if not m_text and not ampm and not m.group(0).startswith("at"):
            continue
        hour, minute = int(h_text), int(m_text or 0)
        if ampm:
            if not 1 <= hour <= 12:
                raise InputError(f"“{m.group(0).strip()}” is not a time of day.")
            hour = hour % 12 + (12 if ampm.startswith("p") else 0)
        if hour > 23 or minute > 59:
            raise InputError(f"“{m.group(0).strip()}” is not a time of day.")
        rest = words[: m.start()] + " " + words[m.end() :]
        if _TIME.search(rest) and any(
            x.group("m") or x.group("ampm") for x in _TIME.finditer(rest)
        ):
            raise InputError("Give one time of day per schedule, e.g. `every monday 9:00`.")
        return time(hour, minute), rest
    return None, words


def _take_ordinal(tokens: list[str]) -> int | None:
    """ "first monday", "1st monday", "last friday"."""
    for i, t in enumerate(tokens[:-1]):
        if t in _ORDINALS and _day(tokens[i + 1]) is not None:
            del tokens[i]
            return _ORDINALS[t]
    return None


def _take_interval(tokens: list[str]) -> int | Literal["month"] | None:
    """ "every 2 weeks", "every other week", "biweekly", "weekly", "monthly"."""
    for i, t in enumerate(tokens):
        if t in ("weekly", "week"):
            del tokens[i]
            return 1
        if t in ("biweekly", "fortnightly", "fortnight"):
            del tokens[i]
            return 2
        if t == "monthly":
            del tokens[i]
            return "month"
        if (t.isdigit() or t in _NUMBERS) and i + 1 < len(tokens):
            n = int(t) if t.isdigit() else _NUMBERS[t]
            unit = tokens[i + 1]
            if unit in ("week", "weeks"):
                del tokens[i : i + 2]
                if not 1 <= n <= 12:
                    raise InputError(
                        f"Every {n} weeks is not a schedule I can keep; use 1 to 12 weeks."
                    )
                return n
            if t == "other" and _day(unit) is not None:  # "every other friday"
                del tokens[i]
                return 2
    if "month" in tokens and not any(t in _ORDINALS or _day_number(t) for t in tokens):
        return "month"
    return None


def _day_number(token: str) -> int | None:
    m = re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th)", token)
    return int(m.group(1)) if m else None


def _take_day_of_month(tokens: list[str]) -> int | None:
    for i, t in enumerate(tokens):
        n = _day_number(t)
        if n is not None:
            if not 1 <= n <= 31:
                raise InputError(f"“{t}” is not a day of the month.")
            del tokens[i]
            return n
        if t == "last" and i + 1 < len(tokens) and tokens[i + 1] == "day":
            del tokens[i : i + 2]
            return 31  # clamped to each month's last day
    return None


def _take_days(tokens: list[str]) -> tuple[list[int], list[str]]:
    days: set[int] = set()
    unknown: list[str] = []
    for t in tokens:
        if t in _FILLER:
            continue
        if t in ("daily", "day", "days", "everyday"):
            days.update(range(7))
        elif t in ("weekdays", "weekday", "workdays", "workday", "business", "working"):
            days.update(range(5))
        elif t in ("weekends", "weekend"):
            days.update((5, 6))
        elif (d := _day(t)) is not None:
            days.add(d)
        else:
            unknown.append(t)
    return sorted(days), unknown


def _day(token: str) -> int | None:
    """A weekday from "monday", "mondays", "mon", "thurs" or a near miss ("wendesday")."""
    word = token.removesuffix("s") if len(token) > 4 else token
    for i, name in enumerate(WEEKDAYS):
        if len(word) >= 3 and name.startswith(word):
            return i
    if len(word) >= 5:
        match = fuzzy.extractOne(word, WEEKDAYS, score_cutoff=80)
        if match:
            return WEEKDAYS.index(match[0])
    return None


# --- next occurrence ----------------------------------------------------------------------


def next_occurrence(rule: Rule, after: datetime, tz: str) -> datetime:
    """The first check-in time strictly after `after`, as an aware UTC datetime."""
    if after.tzinfo is None:
        raise ValueError("after must be timezone-aware")
    z = zone(tz)
    local = after.astimezone(z)
    if rule.kind == "cron":
        return _next_cron(rule.cron, after, local.replace(tzinfo=None), z)
    for day in _candidate_days(rule, local.date()):
        at = datetime.combine(day, time(rule.hour, rule.minute), tzinfo=z).astimezone(UTC)
        if at > after:
            return at
    raise InputError("this schedule never comes round")  # unreachable for a parsed rule


def _candidate_days(rule: Rule, start: date):
    """Days the rule fires on, from `start` on, in order, for a bounded horizon."""
    if rule.kind == "weekly":
        anchor_week = _monday(date.fromisoformat(rule.anchor)) if rule.anchor else None
        for offset in range(7 * rule.every_weeks + 8):
            day = start + timedelta(days=offset)
            if day.weekday() not in rule.weekdays:
                continue
            if anchor_week and ((_monday(day) - anchor_week).days // 7) % rule.every_weeks:
                continue
            yield day
        return
    year, month = start.year, start.month
    for _ in range(14):
        day = _monthly_day(rule, year, month)
        if day >= start:
            yield day
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _monthly_day(rule: Rule, year: int, month: int) -> date:
    days_in_month = calendar.monthrange(year, month)[1]
    if rule.day_of_month:
        return date(year, month, min(rule.day_of_month, days_in_month))
    weekday = rule.weekdays[0]
    if rule.nth > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (rule.nth - 1))
    last = date(year, month, days_in_month)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _next_cron(expr: str, after: datetime, local_naive: datetime, z: ZoneInfo) -> datetime:
    try:
        it = croniter(expr, local_naive)
        for _ in range(400):
            candidate = it.get_next(datetime).replace(tzinfo=z).astimezone(UTC)
            if candidate > after:
                return candidate
    except (CroniterError, ValueError) as exc:
        raise InputError(f"“{expr}” never comes round") from exc
    raise InputError(f"“{expr}” never comes round")


# --- describing ---------------------------------------------------------------------------


def describe(rule: Rule, tz: str | None = None) -> str:
    """The rule in words: "every Monday at 09:00 (Europe/Paris)"."""
    at = f"{rule.hour:02d}:{rule.minute:02d}"
    if rule.kind == "cron":
        text = f"cron `{rule.cron}`"
    elif rule.kind == "monthly":
        if rule.day_of_month:
            which = "the last day" if rule.day_of_month == 31 else f"day {rule.day_of_month}"
            text = f"{which} of each month at {at}"
        else:
            nth = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}[rule.nth]
            text = f"the {nth} {WEEKDAYS[rule.weekdays[0]].title()} of each month at {at}"
    else:
        text = f"{_days_text(rule.weekdays, rule.every_weeks)} at {at}"
    return f"{text} ({tz})" if tz else text


def _days_text(days: tuple[int, ...], every_weeks: int) -> str:
    names = [WEEKDAYS[d].title() for d in days]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    if every_weeks > 1:
        return f"every {every_weeks} weeks on {listed}"
    if set(days) == set(range(7)):
        return "every day"
    if set(days) == set(range(5)):
        return "weekdays"
    if set(days) == {5, 6}:
        return "weekends"
    return f"every {listed}"
