"""Guided consultations: one question at a time, kept in the store, resumable at any point.

    consultations = Consultations(store, kb, Analyzer(kb))
    turn = consultations.start(project.id, proposal_text, who="U123")   # or proposal=None
    turn = consultations.answer(turn.consultation_id, "nope", who="U123")
    turn = consultations.answer(cid, "named", who="U123", question_id="deployment.owner")

Every call is one write transaction and returns a `Turn`: plain data saying what to show next
(a question with its options, a reprompt, help, a summary...). Adapters render it; none of
them decides anything. An answer is an option value (from a button) or free text read by
`bot.core.interpretation`; text that fits no option is asked again, never guessed. `skip`,
`back`, `pause`, `resume`, `summary` and `help` work at every question. A paused consultation
resumes on the next input or `start()`. Which question comes next is `bot.core.planning`'s
call, and it is derived from the stored answers alone, so a restarted process resumes at the
same question.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal, Protocol

from bot.core.assessment import (
    GivenAnswer,
    Observation,
    RiskSummary,
    answer_findings,
    build_summary,
    levels_from_analysis,
    observations_from_analysis,
)
from bot.core.errors import InputError, NotFound
from bot.core.interpretation import Reading, read_answer
from bot.core.knowledge import KnowledgeBase, Question
from bot.core.planning import MAX_QUESTIONS, PlanState, archetype, next_question, remaining_estimate
from bot.core.store import ConsultationRecord, NewFinding, Project, Store
from bot.core.store.text import ANSWER_LIMIT, PROPOSAL_LIMIT, clean, one_line

TurnKind = Literal["question", "reprompt", "help", "paused", "summary", "finished"]

HELP = (
    "Answer with one of the options (its number, its words, or your own: “nope”, “kinda”, "
    "“not sure” work too). You can also say: skip (next question), back (change the last "
    "answer), pause (carry on later), summary (the risks so far), help."
)


@dataclass(frozen=True)
class AskedQuestion:
    """A question as shown to the team."""

    id: str
    area: str
    text: str
    why: str
    number: int  # 1 for the first question of the consultation
    expected_total: int  # about how many questions the consultation will have
    options: tuple[tuple[str, str], ...]  # (value, label), in the knowledge base's order
    follow_up: bool = False


@dataclass(frozen=True)
class Turn:
    """What to say next. `question` is set whenever a question waits for an answer."""

    kind: TurnKind
    consultation_id: int
    project_id: int
    project: str
    message: str = ""
    question: AskedQuestion | None = None
    summary: RiskSummary | None = None
    recorded: str | None = None  # the label of the option just recorded, to echo it


class _Analysis(Protocol):
    @property
    def areas(self) -> object: ...
    @property
    def findings(self) -> object: ...


class ProposalAnalyzer(Protocol):
    """`bot.core.analysis.Analyzer`, or anything that reads a proposal the same way."""

    def analyse(self, text: str) -> _Analysis: ...


class Consultations:
    """The consultation service the adapters call."""

    def __init__(
        self,
        store: Store,
        kb: KnowledgeBase,
        analyzer: ProposalAnalyzer | None = None,
        *,
        budget: int = MAX_QUESTIONS,
    ) -> None:
        self.store = store
        self.kb = kb
        self.analyzer = analyzer
        self.budget = budget

    # --- the calls adapters make -----------------------------------------------------------

    def start(
        self, project_id: int, proposal: str | None, who: str, *, after_finished: bool = True
    ) -> Turn:
        """Start a consultation on the project, or resume the one already open.

        With a proposal, it is analysed first and the areas it settles are not asked about.
        When the project's latest consultation is finished and `after_finished` is False, no
        new one starts: the turn is that consultation's `finished` turn with its summary.
        Deciding here, in the transaction, means a consultation another process finishes a
        moment earlier is not silently followed by a new one.
        """
        proposal = clean(proposal, PROPOSAL_LIMIT) if proposal else None
        observations: list[Observation] = []
        levels: dict[str, str] | None = None
        if proposal:
            if self.analyzer is None:
                raise InputError("this Premortem cannot read proposals (no analyser configured)")
            analysis = self.analyzer.analyse(proposal)
            observations = observations_from_analysis(analysis)  # type: ignore[arg-type]
            levels = levels_from_analysis(analysis)  # type: ignore[arg-type]
        with self.store.transaction():
            project = self.store.projects.get(project_id)
            c = self.store.consultations.open_for(project_id)
            resumed = c is not None
            latest = self.store.consultations.latest_for(project_id)
            if c is None and latest is not None and not after_finished:
                done = f"The consultation on {project.name} is finished."
                return self._finished(project, latest, done, record=False)
            if c is None:
                c = self.store.consultations.create(project_id, who=who)
                self._log("consultation.started", c, who, proposal=bool(proposal))
            elif c.status == "paused":
                c = self.store.consultations.update(c.id, status="active")
                self._log("consultation.resumed", c, who)
            if proposal:
                c = self._read_proposal(project, c, proposal, levels, observations, who)
            settled = sorted(a for a, lv in (levels or {}).items() if lv == "low")
            note = (
                f" The proposal settles {', '.join(settled)}: no questions on that."
                if settled
                else ""
            )
            if resumed and not proposal:
                return self._ask(
                    project, c, "question", f"Picking up where you left off on {project.name}."
                )
            if resumed:
                return self._advance(
                    project, c, f"Picking up where you left off on {project.name}.{note}"
                )
            return self._advance(
                project, c, f"Pre-mortem of {project.name}, one question at a time.{note}"
            )

    def answer(
        self, consultation_id: int, text: str, who: str, *, question_id: str | None = None
    ) -> Turn:
        """Take an answer (an option value, free text or a command) to the waiting question.

        `question_id`, when given (a button's), must be the waiting question: a stale or
        repeated click is not recorded again, the current question is shown instead.
        """
        long = len(text) > ANSWER_LIMIT
        with self.store.transaction():
            c = self.store.consultations.get(consultation_id)
            project = self.store.projects.get(c.project_id)
            if c.status == "finished" or c.current_question is None:
                return self._finished(project, c, "This consultation is finished.", record=False)
            question = self._question(c.current_question)
            if question_id is not None and question_id != question.id:
                return self._ask(project, c, "question", "That one is already answered. Now:")
            reading = read_answer(question, clean(text, ANSWER_LIMIT))
            if long and reading.understood and reading.command is None:
                reading = Reading(problem="too-long")
            if c.status == "paused" and reading.command != "pause":
                c = self.store.consultations.update(c.id, status="active")
                self._log("consultation.resumed", c, who)
                if reading.command == "resume" or reading.problem == "empty":
                    return self._ask(project, c, "question", "Welcome back.")
            if reading.command is not None:
                return self._command(project, c, question, reading, who)
            if not reading.understood:
                self._log("answer.unclear", c, who, question=question.id, text=text[:200])
                return self._ask(project, c, "reprompt", _reprompt(question, reading, text))
            assert reading.value is not None
            self.store.consultations.add_answer(
                c.id, question.id, reading.value, raw_text=text, via=reading.via, who=who
            )
            label = question.label_of(reading.value)
            self._log("answer.recorded", c, who, question=question.id, value=reading.value)
            self._after_answers(project, c)
            return self._advance(project, c, "", recorded=label)

    def current(self, consultation_id: int) -> Turn:
        """The turn to show now, without changing anything (a reconnect, a refreshed view)."""
        c = self.store.consultations.get(consultation_id)
        project = self.store.projects.get(c.project_id)
        if c.status == "finished" or c.current_question is None:
            return self._finished(project, c, "This consultation is finished.", record=False)
        if c.status == "paused":
            return self._paused(project, c)
        return self._ask(project, c, "question")

    def pause(self, consultation_id: int, who: str) -> Turn:
        """Pause (a closed terminal, Ctrl-C, end of input): the next input or start() resumes."""
        with self.store.transaction():
            c = self.store.consultations.get(consultation_id)
            project = self.store.projects.get(c.project_id)
            if c.status == "active":
                c = self.store.consultations.update(c.id, status="paused")
                self._log("consultation.paused", c, who)
            if c.status == "finished":
                return self._finished(project, c, "This consultation is finished.", record=False)
            return self._paused(project, c)

    def record_answer(self, project_id: int, question_id: str, value: str, who: str) -> str:
        """Record an option chosen outside a consultation's flow (a check-in), keeping the
        project's findings and archetype in step; returns the option's label.

        The answer joins the project's latest consultation (one is made if it has none), so
        it counts wherever answers count, and the latest answer to a question wins.
        """
        question = self._question(question_id)
        if value not in {o.value for o in question.options}:
            raise InputError(f"{value!r} is not an answer to {question_id}")
        label = question.label_of(value)
        with self.store.transaction():
            project = self.store.projects.get(project_id)
            c = self.store.consultations.latest_for(project_id)
            if c is None:
                c = self.store.consultations.create(project_id, who=who)
                c = self.store.consultations.update(c.id, status="finished", current_question=None)
            self.store.consultations.add_answer(
                c.id, question_id, value, raw_text=label, via="option", who=who
            )
            self._log("answer.recorded", c, who, question=question_id, value=value)
            self._after_answers(project, c)
        return label

    def summary(self, project_id: int, *, record: bool = True) -> RiskSummary:
        """The project's risk summary now; `record` keeps it as the base of the next one's
        "what changed"."""
        with self.store.transaction():
            project = self.store.projects.get(project_id)
            answers = self._project_answers(project_id)
            observations = [
                Observation(f.area, f.level, f.evidence, f.origin, f.risk, f.note)
                for f in self.store.findings.for_project(project_id)
                if f.origin != "answer"
            ]
            summary = build_summary(
                self.kb,
                project=project.name,
                answers=answers,
                observations=observations,
                proposal_levels=self.store.consultations.proposal_levels(project_id),
                previous=self.store.findings.last_summary(project_id),
                now=self.store.now(),
            )
            if record:
                self.store.findings.record_summary(project_id, summary.snapshot())
            return summary

    # --- internals -------------------------------------------------------------------------

    def _command(
        self,
        project: Project,
        c: ConsultationRecord,
        question: Question,
        reading: Reading,
        who: str,
    ) -> Turn:
        match reading.command:
            case "skip":
                self.store.consultations.add_answer(
                    c.id, question.id, None, raw_text="", via="skip", who=who
                )
                self._log("answer.skipped", c, who, question=question.id)
                return self._advance(project, c, "Skipped.")
            case "back":
                undone = self.store.consultations.retract_last(c.id)
                if undone is None:
                    return self._ask(project, c, "question", "This is the first question.")
                c = self.store.consultations.update(c.id, current_question=undone.question_id)
                self._after_answers(project, c)
                self._log("answer.retracted", c, who, question=undone.question_id)
                return self._ask(
                    project, c, "question", "Back one question. Your answer was removed."
                )
            case "pause":
                if c.status == "active":
                    c = self.store.consultations.update(c.id, status="paused")
                    self._log("consultation.paused", c, who)
                return self._paused(project, c)
            case "resume":
                return self._ask(project, c, "question", "Carrying on.")
            case "summary":
                turn = self._ask(project, c, "summary", "The risks so far:")
                return replace(turn, summary=self.summary(project.id))
            case _:
                return self._ask(project, c, "help", HELP)

    def _advance(
        self, project: Project, c: ConsultationRecord, message: str, recorded: str | None = None
    ) -> Turn:
        nxt = next_question(self.kb, self._plan_state(project, c), self.budget)
        if nxt is None:
            self.store.consultations.update(c.id, status="finished", current_question=None)
            self._log("consultation.finished", c, "")
            c = self.store.consultations.get(c.id)
            done = f"That's all I need for {project.name}. Here is the risk summary."
            return replace(self._finished(project, c, done, record=True), recorded=recorded)
        c = self.store.consultations.update(c.id, current_question=nxt.id)
        return replace(self._ask(project, c, "question", message), recorded=recorded)

    def _read_proposal(
        self,
        project: Project,
        c: ConsultationRecord,
        proposal: str,
        levels: dict[str, str] | None,
        observations: list[Observation],
        who: str,
    ) -> ConsultationRecord:
        c = self.store.consultations.set_proposal(c.id, proposal, levels)
        findings = [
            NewFinding(f"proposal:{i}", o.area, o.level, o.evidence, o.risk, o.note)
            for i, o in enumerate(observations)
        ]
        self.store.findings.sync(project.id, "proposal", findings, consultation_id=c.id)
        self._log("proposal.read", c, who, findings=len(findings), chars=len(proposal))
        return c

    def _project_answers(self, project_id: int) -> dict[str, GivenAnswer]:
        return {
            qid: GivenAnswer(qid, a.value, a.raw_text if a.via == "text" else "")
            for qid, a in self.store.consultations.project_answers(project_id).items()
            if a.value is not None
        }

    def _after_answers(self, project: Project, c: ConsultationRecord) -> None:
        """Keep the project's answer findings and archetype in step with its answers."""
        answers = self._project_answers(project.id)
        findings = [
            NewFinding(f"answer:{f.risk}", f.area, f.level, f.evidence, f.risk)
            for f in answer_findings(self.kb, answers)
        ]
        self.store.findings.sync(project.id, "answer", findings, consultation_id=c.id)
        found = archetype(self.kb, PlanState(asked=[(q, a.value) for q, a in answers.items()]))
        if found != project.archetype:
            self.store.projects.set_archetype(project.id, found)

    def _plan_state(self, project: Project, c: ConsultationRecord) -> PlanState:
        answers = self.store.consultations.answers(c.id)
        proposal_risks = frozenset(
            f.risk
            for f in self.store.findings.for_project(project.id)
            if f.origin == "proposal" and f.risk and f.consultation_id == c.id
        )
        return PlanState(
            asked=[(a.question_id, a.value) for a in answers],
            proposal_levels=c.proposal_levels,
            proposal_risks=proposal_risks,
            archetype=self.store.projects.get(project.id).archetype,
        )

    def _ask(
        self, project: Project, c: ConsultationRecord, kind: TurnKind, message: str = ""
    ) -> Turn:
        if c.current_question is None:
            return self._finished(
                project, c, message or "This consultation is finished.", record=False
            )
        q = self._question(c.current_question)
        state = self._plan_state(project, c)
        number = len(state.asked) + 1
        # The state once the waiting question is asked (answered or not).
        shown = replace(state, asked=[*state.asked, (q.id, None)])
        total = number + remaining_estimate(self.kb, shown, self.budget)
        asked = AskedQuestion(
            id=q.id,
            area=q.area,
            text=q.text,
            why=q.why,
            number=number,
            expected_total=max(number, min(total, self.budget)),
            options=tuple((o.value, o.label) for o in q.options),
            follow_up=q.follow_up_only,
        )
        return Turn(kind, c.id, project.id, project.name, message, asked)

    def _paused(self, project: Project, c: ConsultationRecord) -> Turn:
        n = len(self.store.consultations.answers(c.id))
        msg = (
            f"Paused {project.name} after {n} answer{'s' if n != 1 else ''}. "
            "Your answers are kept; come back any time to carry on from the same question."
        )
        return Turn("paused", c.id, project.id, project.name, msg)

    def _finished(
        self, project: Project, c: ConsultationRecord, message: str, *, record: bool
    ) -> Turn:
        return Turn(
            "finished",
            c.id,
            project.id,
            project.name,
            message,
            summary=self.summary(project.id, record=record),
        )

    def _question(self, qid: str) -> Question:
        q = self.kb.questions.get(qid)
        if q is None:
            raise NotFound(f"question {qid!r} is no longer in the knowledge base")
        return q

    def _log(self, kind: str, c: ConsultationRecord, who: str, **detail: object) -> None:
        self.store.events.log(
            kind, who=who, project_id=c.project_id, consultation_id=c.id, **detail
        )


def _reprompt(question: Question, reading: Reading, text: str) -> str:
    options = " / ".join(o.label for o in question.options)
    said = one_line(text, 60)
    match reading.problem:
        case "empty":
            return f"I didn't get an answer. Pick one: {options}. Or say skip."
        case "too-long":
            return (
                f"That answer is {len(text):,} characters long; I need one of the options. "
                f"Pick one: {options}. Or say skip."
            )
        case "ambiguous":
            fits = " or ".join(question.label_of(v) for v in reading.candidates)
            return f"“{said}” could mean {fits}. Which one?"
        case _:
            return f"I couldn't match “{said}” to an answer. Pick one: {options}. Or say skip."
