"""Scheduled check-ins on a project: when they happen, what they ask, and what moved.

A check-in asks the owner a few questions: first about the risks still open, then about areas
whose answers are old. Its answers are recorded like any other (the latest answer to a
question wins), and when it closes, answered or not, `WhatMoved` compares the project's risk
levels with those it had when the check-in was sent. Everything here returns plain data;
the Slack adapter and the scheduler render and send it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, Literal

from bot.core.assessment import RiskSummary, level_rank
from bot.core.consultation import Consultations
from bot.core.errors import InputError, NotFound
from bot.core.knowledge import AREA_IDS, KnowledgeBase, Question
from bot.core.schedule import (
    EXAMPLES,
    Rule,
    describe,
    is_off,
    next_occurrence,
    parse_schedule,
    zone,
)
from bot.core.store import CheckinSchedule, Project, Store
from bot.core.store.checkins import Checkin, Claim

log = logging.getLogger(__name__)

QUESTIONS_PER_CHECKIN = 3
STALE_AFTER = timedelta(days=30)  # an area whose latest answer is older is asked again
REMIND_AFTER = timedelta(hours=4)  # one reminder this long after the check-in was sent
CLOSE_AFTER_REMINDER = timedelta(hours=20)  # then it closes, unanswered, with a summary
SNOOZES = {"day": timedelta(days=1), "week": timedelta(weeks=1)}
CLAIM_LEASE = timedelta(minutes=15)  # a claim not sent by then was abandoned by its process

Snooze = Literal["day", "week"]


def stamp(at: datetime) -> str:
    """An instant in the store's one format: UTC, microseconds, so text order is time order."""
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


# --- schedules ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    project_id: int
    spec: str  # as the person typed it
    rule: Rule
    tz: str
    owner: str
    next_due: datetime | None
    last_due: datetime | None

    def describe(self) -> str:
        """`every Monday at 09:00 (Europe/Paris)`."""
        return describe(self.rule, self.tz)


def local_time(at: datetime, tz: str) -> str:
    """`Mon 30 Nov at 09:00` in the zone `tz`: check-in times are days or weeks away, so the
    weekday says more than a year would."""
    here = at.astimezone(zone(tz))
    return f"{here:%a} {here.day} {here:%b} at {here:%H:%M}"


def schedule_checkin(
    store: Store,
    project_id: int,
    text: str,
    *,
    owner: str,
    tz: str,
    channel: str | None = None,
    now: datetime | None = None,
) -> Schedule | None:
    """Set (or with `off`, stop) the project's check-ins; None when they are now off.

    `owner` is who the check-ins go to (the person scheduling them, else the project's
    owner); `tz` is their IANA zone. Raises InputError, saying which forms are understood,
    for a schedule it cannot read.
    """
    project = store.projects.get(project_id)
    if is_off(text):
        stopped = store.checkins.stop(project_id)
        if stopped:
            store.events.log("checkin.stopped", who=owner, project_id=project_id)
        return None
    now = now or datetime.now(UTC)
    rule = parse_schedule(text, today=now.astimezone(zone(tz)).date())
    first = next_occurrence(rule, now, tz)
    who = owner or project.owner or ""
    if not who:
        raise InputError("a check-in needs someone to ask: who owns this project?")
    row = store.checkins.set(
        project_id,
        text.strip(),
        stamp(first),
        rule=rule.to_json(),
        tz=tz,
        who=who,
        channel=channel or project.channel,
    )
    store.events.log("checkin.scheduled", who=owner, project_id=project_id, spec=text, tz=tz)
    return _schedule(row, rule)


def get_schedule(store: Store, project_id: int) -> Schedule | None:
    """The project's check-in schedule, if check-ins are on."""
    row = store.checkins.get(project_id)
    if row is None or not row.active or row.rule is None:
        return None
    return _schedule(row, _rule(row.rule))


def _schedule(row: CheckinSchedule, rule: Rule) -> Schedule:
    return Schedule(
        project_id=row.project_id,
        spec=row.spec,
        rule=rule,
        tz=row.tz,
        owner=row.who,
        next_due=instant(row.next_due) if row.next_due else None,
        last_due=instant(row.last_due) if row.last_due else None,
    )


def split_project_and_schedule(
    text: str, find_project: Callable[[str], Project], default: Project | None = None
) -> tuple[Project, str]:
    """`Churn model every monday 9:00` -> (the Churn model project, "every monday 9:00").

    The project is named by the shortest leading run of words that names one and leaves a
    readable schedule (`off` included); a `"quoted name"` is taken as it is. With only a
    schedule, `default` (the channel's project) is used. Raises InputError (with the forms
    understood) or NotFound.
    """
    text = " ".join(text.split())
    if not text:
        raise InputError(
            "Say which project and when, e.g. `/premortem checkin Churn model every monday "
            f"9:00`. I understand {EXAMPLES}."
        )
    if text[0] in "\"“'" and (end := _closing_quote(text)) > 0:
        return find_project(text[1:end]), text[end + 1 :].strip()
    words = text.split(" ")
    for cut in range(1, len(words)):
        name, when = " ".join(words[:cut]), " ".join(words[cut:])
        if is_off(when) or _readable(when):
            try:
                return find_project(name), when
            except (NotFound, InputError):
                continue
    if default is not None and (is_off(text) or _readable(text)):
        return default, text
    # No reading works: explain what is wrong with the likeliest one, the one where the words
    # before the schedule are a project's exact name, else the longest that names one.
    named = []
    for cut in range(1, len(words) + 1):
        try:
            named.append((cut, find_project(" ".join(words[:cut]))))
        except (NotFound, InputError):
            continue
    exact = [(c, p) for c, p in named if " ".join(words[:c]).casefold() == p.name.casefold()]
    partial = [(c, p) for c, p in named if c < len(words)]
    if named:
        cut, project = (exact or partial or named)[-1]
        if cut == len(words):
            raise InputError(f"When should I check in on {project.name}? I understand {EXAMPLES}.")
        parse_schedule(" ".join(words[cut:]))
    if default is not None:
        parse_schedule(text)
    raise NotFound(
        f"I found no project in “{text}”. Name it first, e.g. "
        "`/premortem checkin Churn model every monday 9:00`."
    )


def _closing_quote(text: str) -> int:
    closer = {"“": "”"}.get(text[0], text[0])
    return text.find(closer, 1)


def _readable(text: str) -> bool:
    try:
        parse_schedule(text)
    except InputError:
        return False
    return True


@lru_cache(maxsize=4096)
def _rule(text: str) -> Rule:
    return Rule.from_json(text)


@lru_cache(maxsize=4096)
def next_due_after(rule: str | None, tz: str, now: str) -> str | None:
    """The store's claim calls this for every due schedule: its next time after `now`.

    Cached: the schedules due together mostly share their rule and zone.
    A rule that cannot be evaluated any more (a zone gone from the system) stops its
    schedule rather than every other one: it is logged and gets no next time.
    """
    if not rule:
        return None
    try:
        return stamp(next_occurrence(_rule(rule), instant(now), tz))
    except Exception:
        log.exception("check-in schedule %s in %s has no next time; stopping it", rule, tz)
        return None


# --- what to ask --------------------------------------------------------------------------


@dataclass(frozen=True)
class Pick:
    question_id: str
    why: str  # shown under the question: why it is asked again


@dataclass(frozen=True)
class Answered:
    value: str
    at: datetime


def choose_questions(
    kb: KnowledgeBase,
    answers: Mapping[str, Answered],
    open_risks: Mapping[str, str],
    *,
    archetype: str | None,
    now: datetime,
    limit: int = QUESTIONS_PER_CHECKIN,
) -> list[Pick]:
    """A few questions for a check-in, most useful first.

    1. For each open risk (worst first), the question whose answer raised it, asked again,
       or else a question probing it.
    2. For each area whose latest answer is older than STALE_AFTER (oldest first), its
       oldest-answered question.
    3. When that finds nothing, core questions not answered yet, then the oldest answers.
    """
    picks: dict[str, Pick] = {}

    def take(q: Question | None, why: str) -> None:
        if q is not None and q.id not in picks and len(picks) < limit and _applies(q, archetype):
            picks[q.id] = Pick(q.id, why)

    def severity(rid: str) -> int:
        risk = kb.risks.get(rid)
        return risk.severity.rank if risk else 0

    for rid in sorted(open_risks, key=lambda r: (-level_rank(open_risks[r]), -severity(r), r)):
        risk = kb.risks.get(rid)
        if risk is None:
            continue
        why = f"Open risk ({open_risks[rid]}): {risk.title}"
        raising = [
            q
            for qid, a in answers.items()
            if (q := kb.questions.get(qid)) and _raises(q, a.value, rid)
        ]
        probing = sorted(
            (q for q in kb.questions.values() if rid in q.about and _applies(q, archetype)),
            key=lambda q: (q.id in answers, not q.core, q.follow_up_only, q.id),
        )
        take((raising or probing or [None])[0], why)

    by_area: dict[str, list[tuple[datetime, Question]]] = {}
    for qid, a in answers.items():
        if (q := kb.questions.get(qid)) is not None:
            by_area.setdefault(q.area, []).append((a.at, q))
    stale = [
        (max(at for at, _ in items), area)
        for area, items in by_area.items()
        if now - max(at for at, _ in items) > STALE_AFTER
    ]
    for latest, area in sorted(stale, key=lambda t: t[0]):
        oldest = min(by_area[area], key=lambda t: (t[0], not t[1].core, t[1].id))
        take(oldest[1], f"Last answered {_ago(now - latest)}")

    if not picks:
        for q in sorted(kb.questions.values(), key=lambda q: (AREA_IDS.index(q.area), q.id)):
            if q.core and q.id not in answers and not q.follow_up_only:
                take(q, "Not answered yet")
        for qid, a in sorted(answers.items(), key=lambda t: t[1].at):
            take(kb.questions.get(qid), f"Last answered {_ago(now - a.at)}")
    return list(picks.values())


def _applies(q: Question, archetype: str | None) -> bool:
    return not q.archetypes or archetype is None or archetype in q.archetypes


def _raises(q: Question, value: str, risk_id: str) -> bool:
    option = next((o for o in q.options if o.value == value), None)
    return option is not None and any(r.risk == risk_id for r in option.raises)


def _ago(span: timedelta) -> str:
    days = span.days
    if days >= 60:
        return f"{days // 30} months ago"
    if days >= 14:
        return f"{days // 7} weeks ago"
    return f"{days} days ago" if days != 1 else "yesterday"


# --- a check-in as the owner sees it --------------------------------------------------------


@dataclass(frozen=True)
class CheckinQuestion:
    id: str
    area: str
    text: str
    why: str
    options: tuple[tuple[str, str], ...]  # (value, label)
    was: str | None  # the label of the answer before this check-in
    answer: str | None  # the label chosen in this check-in


@dataclass(frozen=True)
class CheckinView:
    checkin_id: int
    project_id: int
    project: str
    status: str
    owner: str
    tz: str
    due: datetime
    questions: tuple[CheckinQuestion, ...]
    snoozed_until: datetime | None = None
    next_due: datetime | None = None

    @property
    def open(self) -> bool:
        return self.status == "sent"

    @property
    def answered(self) -> int:
        return sum(q.answer is not None for q in self.questions)


@dataclass(frozen=True)
class AreaMove:
    area: str
    title: str
    before: str
    after: str

    @property
    def moved(self) -> bool:
        return self.before != self.after


@dataclass(frozen=True)
class WhatMoved:
    """A closed check-in, for the project's channel: each area then and now, risks resolved
    and new, and whether the owner answered."""

    checkin_id: int
    project_id: int
    project: str
    channel: str | None
    outcome: Literal["answered", "partly", "unanswered"]
    asked: int
    answered: int
    due: datetime
    tz: str
    areas: tuple[AreaMove, ...]
    resolved: tuple[str, ...]
    new: tuple[str, ...]

    @property
    def moved(self) -> list[AreaMove]:
        return [a for a in self.areas if a.moved]


@dataclass(frozen=True)
class AnswerOutcome:
    view: CheckinView
    label: str | None  # the option recorded; None if the check-in was no longer open
    moved: WhatMoved | None  # set when this answer completed the check-in


class Checkins:
    """The check-in service the scheduler and the Slack listeners call."""

    def __init__(self, consultations: Consultations) -> None:
        self.consultations = consultations
        self.store = consultations.store
        self.kb = consultations.kb

    # --- the scheduler's calls -------------------------------------------------------------

    def claim(self, now: datetime, claimant: str) -> list[Claim]:
        """Claim every check-in to send at `now`, in one transaction (see CheckinStore)."""
        return self.store.checkins.claim_due(
            stamp(now), claimant, next_due_after, stamp(now - CLAIM_LEASE)
        )

    def begin(self, claim: Claim, now: datetime) -> CheckinView | None:
        """Take a claimed check-in to the wire and settle what it asks.

        Returns the view to send, or None when another process took the claim over.
        """
        if not self.store.checkins.begin_sending(claim.id, claim.claimed_by):
            return None
        questions, baseline = self.prepare(self._get(claim.id), now)
        self.store.checkins.plan(claim.id, questions, baseline)
        return replace(self.view(claim.id), status="sent")

    def sent(self, checkin_id: int, dm_channel: str, dm_ts: str | None, now: datetime) -> None:
        self.store.checkins.mark_sent(checkin_id, dm_channel=dm_channel, dm_ts=dm_ts, at=stamp(now))
        self._log("checkin.sent", self._get(checkin_id))

    def not_sent(self, checkin_id: int, error: str, *, give_up: bool) -> None:
        """A send failed: retried by the next run, or (`give_up`) marked failed."""
        self.store.checkins.release(checkin_id, error, give_up=give_up)
        kind = "checkin.failed" if give_up else "checkin.retry"
        self._log(kind, self._get(checkin_id), error=error)

    def supersede(self, checkin: Claim, now: datetime) -> list[WhatMoved]:
        """Close the project's older check-ins still waiting for answers: a new one replaces
        them, and their summaries say how far they got."""
        return [
            moved
            for old in self.store.checkins.waiting_for(checkin.project_id)
            if old.id != checkin.id and (moved := self.close(old.id, "expired", now)) is not None
        ]

    def remind_due(self, now: datetime) -> list[CheckinView]:
        """Check-ins sent REMIND_AFTER ago without all their answers: each gets one reminder."""
        due = self.store.checkins.claim_reminders(stamp(now - REMIND_AFTER), stamp(now))
        for c in due:
            self._log("checkin.reminded", c)
        return [self.view(c.id) for c in due]

    def expire_overdue(self, now: datetime) -> list[WhatMoved]:
        """Close check-ins still open CLOSE_AFTER_REMINDER after their reminder."""
        closed = self.store.checkins.claim_expired(stamp(now - CLOSE_AFTER_REMINDER), stamp(now))
        for c in closed:
            self._log("checkin.expired", c, answered=len(c.answers))
        return [self.what_moved(c) for c in closed]

    def prepare(
        self, checkin: Checkin, now: datetime
    ) -> tuple[list[dict[str, str]], dict[str, Any]]:
        """The questions to ask and the baseline to compare with when the check-in closes.

        A check-in sent again after a snooze keeps the questions and baseline it had.
        """
        if checkin.questions and checkin.baseline is not None:
            return checkin.questions, checkin.baseline
        summary = self.consultations.summary(checkin.project_id, record=False)
        records = self.store.consultations.project_answers(checkin.project_id)
        answers = {qid: Answered(a.value or "", instant(a.at)) for qid, a in records.items()}
        project = self.store.projects.get(checkin.project_id)
        picks = choose_questions(
            self.kb, answers, _open_risks(summary), archetype=project.archetype, now=now
        )
        questions = [
            {"id": p.question_id, "why": p.why, "was": _label_of(self.kb, p.question_id, answers)}
            for p in picks
        ]
        return questions, {**summary.snapshot(), "at": stamp(now)}

    def view(self, checkin_id: int) -> CheckinView:
        checkin = self._get(checkin_id)
        project = self.store.projects.get(checkin.project_id)
        schedule = get_schedule(self.store, checkin.project_id)
        questions = []
        for item in checkin.questions:
            q = self.kb.questions.get(item["id"])
            if q is None:
                continue  # the knowledge base no longer has it
            chosen = checkin.answers.get(q.id)
            questions.append(
                CheckinQuestion(
                    id=q.id,
                    area=q.area,
                    text=q.text,
                    why=item.get("why", ""),
                    options=tuple((o.value, o.label) for o in q.options),
                    was=item.get("was"),
                    answer=q.label_of(chosen) if chosen is not None else None,
                )
            )
        return CheckinView(
            checkin_id=checkin.id,
            project_id=project.id,
            project=project.name,
            status=checkin.status,
            owner=checkin.owner,
            tz=schedule.tz if schedule else "UTC",
            due=instant(checkin.due),
            questions=tuple(questions),
            snoozed_until=instant(checkin.snoozed_until) if checkin.snoozed_until else None,
            next_due=schedule.next_due if schedule else None,
        )

    # --- the owner's buttons --------------------------------------------------------------

    def answer(
        self, checkin_id: int, question_id: str, value: str, who: str, now: datetime
    ) -> AnswerOutcome:
        """Record the owner's answer; the last one closes the check-in and says what moved."""
        checkin = self._get(checkin_id)
        if checkin.status != "sent" or question_id not in {q["id"] for q in checkin.questions}:
            return AnswerOutcome(self.view(checkin_id), None, None)
        with self.store.transaction():
            noted = self.store.checkins.note_answer(checkin_id, question_id, value)
            if noted is None:
                return AnswerOutcome(self.view(checkin_id), None, None)
            label = self.consultations.record_answer(checkin.project_id, question_id, value, who)
        moved = None
        if all(q["id"] in noted.answers for q in noted.questions):
            moved = self.close(checkin_id, "answered", now)
        return AnswerOutcome(self.view(checkin_id), label, moved)

    def snooze(self, checkin_id: int, span: Snooze, now: datetime) -> CheckinView:
        """Put the check-in off for a day or a week; it is sent again then."""
        if span not in SNOOZES:
            raise InputError(f"snooze for a day or a week, not {span!r}")
        checkin = self._get(checkin_id)
        # A click comes after the message it is on: counting from the later of the two keeps
        # a snooze a day long when the clocks disagree (a scheduler run with --now).
        start = max(now, instant(checkin.sent_at)) if checkin.sent_at else now
        snoozed = self.store.checkins.snooze(checkin_id, stamp(start + SNOOZES[span]))
        if snoozed is not None:
            self._log("checkin.snoozed", snoozed, span=span)
        return self.view(checkin_id)

    def skip(self, checkin_id: int, now: datetime) -> CheckinView:
        """Skip this check-in only; the schedule carries on."""
        skipped = self.store.checkins.skip(checkin_id, stamp(now))
        if skipped is not None:
            self._log("checkin.skipped", skipped)
        return self.view(checkin_id)

    # --- closing --------------------------------------------------------------------------

    def close(
        self, checkin_id: int, status: Literal["answered", "expired"], now: datetime
    ) -> WhatMoved | None:
        """Close an open check-in and say what moved; None if it was already closed."""
        closed = self.store.checkins.close(checkin_id, status, stamp(now))
        if closed is None:
            return None
        self._log(f"checkin.{status}", closed, answered=len(closed.answers))
        return self.what_moved(closed)

    def what_moved(self, checkin: Checkin) -> WhatMoved:
        project = self.store.projects.get(checkin.project_id)
        schedule = self.store.checkins.get(checkin.project_id)
        now = self.consultations.summary(checkin.project_id, record=True)
        before = checkin.baseline or {}
        before_levels: Mapping[str, str] = before.get("levels", {})
        before_open: Mapping[str, str] = before.get("open", {})
        after_open = now.snapshot()["open"]
        asked, answered = len(checkin.questions), len(checkin.answers)
        outcome: Literal["answered", "partly", "unanswered"] = (
            "unanswered" if not answered else "answered" if answered >= asked else "partly"
        )
        return WhatMoved(
            checkin_id=checkin.id,
            project_id=project.id,
            project=project.name,
            channel=project.channel or (schedule.channel if schedule else None),
            outcome=outcome,
            asked=asked,
            answered=answered,
            due=instant(checkin.due),
            tz=schedule.tz if schedule else "UTC",
            areas=tuple(
                AreaMove(a.area, a.title, before_levels.get(a.area, a.level), a.level)
                for a in now.areas
            ),
            resolved=tuple(t for k, t in before_open.items() if k not in after_open),
            new=tuple(t for k, t in after_open.items() if k not in before_open),
        )

    def _get(self, checkin_id: int) -> Checkin:
        checkin = self.store.checkins.get_checkin(checkin_id)
        if checkin is None:
            raise NotFound("That check-in no longer exists.")
        return checkin

    def _log(self, kind: str, checkin: Checkin, **detail: object) -> None:
        self.store.events.log(
            kind, who=checkin.owner, project_id=checkin.project_id, checkin=checkin.id, **detail
        )


def _open_risks(summary: RiskSummary) -> dict[str, str]:
    return {f.risk: f.level for f in summary.findings if f.risk and f.level != "low"}


def _label_of(kb: KnowledgeBase, qid: str, answers: Mapping[str, Answered]) -> str | None:
    q, a = kb.questions.get(qid), answers.get(qid)
    return q.label_of(a.value) if q is not None and a is not None else None
