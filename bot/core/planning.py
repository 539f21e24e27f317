"""Which question to ask next: the order of a consultation, as a pure function of what is known.

The plan never asks about an area the proposal settled, and never asks a question twice. In
order of precedence it asks:

1. the question that sets the project's archetype, early, because the archetype decides
   which questions apply (a question listing archetypes is asked only when one matches);
2. the follow-ups of a worrying answer, right after it, as a person would, up to
   FOLLOW_UPS_UP_TO questions in one area, so one worrying area cannot take the budget;
3. the question with the highest score: the uncertainty left in its area (1 when neither the
   proposal nor an answer addressed it) times its weight (the severity of the risks it probes,
   plus a bonus for a core question and for one of the project's archetype), plus a bonus for
   the first core question of the four areas every consultation probes (objectives, data,
   deployment ownership, stakeholder alignment). Uncertainty falls with each answer in an
   area, less after a worrying answer than after a reassuring one, so the questions go round
   the areas first, then deeper where the answers worried.

It stops when nothing scores STOP_BELOW or more, or the budget (MAX_QUESTIONS) is spent. The
budget keeps a place for each of the four always-probed areas whose core questions have not
been reached yet, so neither follow-ups nor other areas can crowd them out. A core question
in an area nobody has addressed always scores above the threshold.
Everything is derived from the answers so far, so a resumed consultation plans exactly as the
interrupted one would have.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from bot.core.knowledge import AnswerOption, KnowledgeBase, Question

MAX_QUESTIONS = 20
FOLLOW_UPS_UP_TO = 3  # a follow-up is asked while its area has had fewer questions than this
ALWAYS_PROBED: tuple[str, ...] = ("objectives", "data", "deployment", "stakeholders")

# Uncertainty left in an area, before any answer, by what the proposal said of it.
_START_UNCERTAINTY = {None: 1.0, "medium": 1.0, "high": 0.6, "low": 0.0}
# How much one question in the area takes away, by what the answer did.
_AFTER_CLEAR = 0.25
_AFTER_RAISE = 0.5
_AFTER_SKIP = 0.75
_CORE_BONUS = 1.0
_ARCHETYPE_SPECIFIC_BONUS = 1.15  # the archetype steers: its questions lead outside the core areas
_UNPROBED_CORE_AREA_BONUS = 0.5
_KNOWN_FROM_PROPOSAL = 0.5  # the proposal already stated every risk the question probes
STOP_BELOW = 0.6


@dataclass(frozen=True)
class PlanState:
    """What the plan knows: answers so far, in order, and what the proposal said."""

    asked: Sequence[tuple[str, str | None]] = ()  # (question id, option value; None if skipped)
    proposal_levels: Mapping[str, str] | None = None  # area -> high | medium | low
    proposal_risks: frozenset[str] = field(default_factory=frozenset)
    archetype: str | None = None  # known before this consultation (the project's)


def settled_areas(state: PlanState) -> set[str]:
    return {a for a, level in (state.proposal_levels or {}).items() if level == "low"}


def archetype(kb: KnowledgeBase, state: PlanState) -> str | None:
    """The archetype the latest answer setting one chose, else the one known before."""
    found = state.archetype
    for qid, value in state.asked:
        option = _option(kb, qid, value)
        if option is not None and option.sets_archetype is not None:
            found = option.sets_archetype.value
    return found


def next_question(
    kb: KnowledgeBase, state: PlanState, budget: int = MAX_QUESTIONS
) -> Question | None:
    """The question to ask now, or None when the consultation has asked enough."""
    plan = _Plan(kb, state)
    if len(state.asked) >= budget:
        return None
    opening = plan.opening()
    if opening is not None:
        return opening
    setter = plan.archetype_question()
    if setter is not None:
        return setter
    reserved = plan.unprobed_core_areas()
    room = budget - len(state.asked)
    follow_ups = plan.pending_follow_ups()
    if follow_ups and room > len(reserved):
        return follow_ups[0]
    scored = plan.scored()
    if room <= len(reserved):
        scored = [(s, q) for s, q in scored if q.area in reserved]
    if scored and scored[0][0] >= STOP_BELOW:
        return scored[0][1]
    return None


def remaining_estimate(kb: KnowledgeBase, state: PlanState, budget: int = MAX_QUESTIONS) -> int:
    """About how many more questions the plan will ask (for "question 4 of about 15"): the
    plan played forward as if every further answer reassured. Worrying answers add to it."""
    asked = list(state.asked)
    while (q := next_question(kb, replace(state, asked=asked), budget)) is not None:
        calm = next((o for o in q.options if not o.raises and not o.follow_up), q.options[0])
        asked.append((q.id, calm.value))
    return len(asked) - len(state.asked)


class _Plan:
    def __init__(self, kb: KnowledgeBase, state: PlanState) -> None:
        self.kb = kb
        self.state = state
        self.asked_ids = {qid for qid, _ in state.asked}
        self.settled = settled_areas(state)
        self.archetype = archetype(kb, state)

    def eligible(self, q: Question) -> bool:
        if q.id in self.asked_ids or q.area in self.settled:
            return False
        if q.archetypes:
            return self.archetype is not None and self.archetype in {a.value for a in q.archetypes}
        return True

    def candidates(self) -> list[Question]:
        return [q for q in self.kb.questions.values() if not q.follow_up_only and self.eligible(q)]

    def opening(self) -> Question | None:
        """The first core question on objectives: what the project is for comes first."""
        if self.state.asked:
            return None
        for q in self.kb.questions.values():
            if q.core and q.area == "objectives" and not _sets_archetype(q) and self.eligible(q):
                return q
        return None

    def archetype_question(self) -> Question | None:
        """The question setting the archetype, while the archetype is unknown. Asked even when
        the proposal settled its area: the archetype is not something a proposal states."""
        if self.archetype is not None:
            return None
        for q in self.kb.questions.values():
            if _sets_archetype(q) and q.id not in self.asked_ids:
                return q
        return None

    def probed(self) -> set[str]:
        """Areas whose core questions have been reached: one of them was asked."""
        asked = (self.kb.questions.get(q) for q, _ in self.state.asked)
        return {q.area for q in asked if q is not None and q.core}

    def unprobed_core_areas(self) -> set[str]:
        """Always-probed areas with a core question still to ask and none asked yet."""
        waiting = {q.area for q in self.candidates() if q.core} - self.probed()
        return waiting & set(ALWAYS_PROBED)

    def pending_follow_ups(self) -> list[Question]:
        """Follow-ups of answers so far, the latest answer's first."""
        per_area = Counter(
            self.kb.questions[q].area for q, _ in self.state.asked if q in self.kb.questions
        )
        out: list[Question] = []
        for qid, value in reversed(self.state.asked):
            option = _option(self.kb, qid, value)
            for fid in option.follow_up if option else ():
                follow = self.kb.questions.get(fid)
                if (
                    follow is not None
                    and self.eligible(follow)
                    and per_area[follow.area] < FOLLOW_UPS_UP_TO
                    and follow not in out
                ):
                    out.append(follow)
        return out

    def uncertainty(self) -> dict[str, float]:
        levels = self.state.proposal_levels or {}
        left = {area: _START_UNCERTAINTY.get(levels.get(area), 1.0) for area in self.kb.areas}
        for qid, value in self.state.asked:
            q = self.kb.questions.get(qid)
            if q is None:
                continue
            option = _option(self.kb, qid, value)
            if option is None or not (option.raises or option.clears):
                # skipped, or an answer that tells nothing about risks (the archetype)
                left[q.area] *= _AFTER_SKIP
            elif option.raises:
                left[q.area] *= _AFTER_RAISE
            else:
                left[q.area] *= _AFTER_CLEAR
        return left

    def scored(self) -> list[tuple[float, Question]]:
        left = self.uncertainty()
        probed = self.probed()
        out = []
        for order, q in enumerate(self.candidates()):
            weight = _severity_weight(self.kb, q)
            if q.core:
                weight += _CORE_BONUS
            if q.archetypes:
                weight += _ARCHETYPE_SPECIFIC_BONUS
            score = left[q.area] * weight
            if q.about and set(q.about) <= self.state.proposal_risks:
                score *= _KNOWN_FROM_PROPOSAL
            if q.core and q.area in ALWAYS_PROBED and q.area not in probed:
                score += _UNPROBED_CORE_AREA_BONUS
            # ties go to the knowledge base's own order
            out.append((round(score, 6), -order, q))
        out.sort(key=lambda t: (t[0], t[1]), reverse=True)
        return [(s, q) for s, _, q in out]


def _severity_weight(kb: KnowledgeBase, q: Question) -> float:
    ranks = [kb.risks[r].severity.rank for r in q.about if r in kb.risks]
    ranks += [r.severity.rank for o in q.options for r in o.raises]
    return max(ranks, default=2) / 3


def _sets_archetype(q: Question) -> bool:
    return any(o.sets_archetype for o in q.options)


def _option(kb: KnowledgeBase, qid: str, value: str | None) -> AnswerOption | None:
    question = kb.questions.get(qid)
    if question is None or value is None:
        return None
    return next((o for o in question.options if o.value == value), None)
