"""From answers and findings to a risk level per area, and the risk summary a team acts on.

`risks_from_answers()` applies the knowledge base's rules: a risk is open when some answer
raised it and no answer cleared it (a clear beats a raise, whatever the order). `assess()`
weighs those together with what the proposal (or a check-in) showed, and `build_summary()`
turns it into a `RiskSummary`: per area a level and its top findings (evidence, mitigation,
source), the three next steps that matter most, and what changed since the previous summary.
Adapters render a RiskSummary; they never compute one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Protocol

from bot.core.knowledge import AREA_IDS, KnowledgeBase, Level, Origin, Risk, Severity
from bot.core.planning import ALWAYS_PROBED

_RANK: dict[str, int] = {"low": 1, "medium": 2, "high": 3}
_ORIGIN_ORDER: dict[str, int] = {"answer": 0, "check-in": 1, "proposal": 2}
TOP_FINDINGS = 3
NEXT_STEPS = 3


def level_rank(level: str) -> int:
    return _RANK.get(level, 0)


def worst(levels: Iterable[str], default: Level = "low") -> Level:
    best: Level = default
    for level in levels:
        if _RANK[level] > _RANK[best]:
            best = level  # type: ignore[assignment]
    return best


# --- answers to risks -----------------------------------------------------------------------


def raised_and_cleared(
    kb: KnowledgeBase, answers: Mapping[str, str]
) -> tuple[dict[str, Severity], dict[str, list[str]], set[str]]:
    """Every risk raised (worst severity), which questions raised it, and every risk cleared."""
    raised: dict[str, Severity] = {}
    raised_by: dict[str, list[str]] = {}
    cleared: set[str] = set()
    for qid, value in answers.items():
        question = kb.questions.get(qid)
        option = next((o for o in question.options if o.value == value), None) if question else None
        if option is None:
            continue  # an answer to a question the knowledge base no longer has
        for r in option.raises:
            if r.risk not in raised or r.severity.rank > raised[r.risk].rank:
                raised[r.risk] = r.severity
            raised_by.setdefault(r.risk, []).append(qid)
        cleared.update(option.clears)
    return raised, raised_by, cleared


def risks_from_answers(kb: KnowledgeBase, answers: Mapping[str, str]) -> dict[str, Severity]:
    """The open risks `answers` (question id -> option value) leave: raised minus cleared."""
    raised, _, cleared = raised_and_cleared(kb, answers)
    return {rid: sev for rid, sev in raised.items() if rid not in cleared}


# --- what the assessment weighs -------------------------------------------------------------


@dataclass(frozen=True)
class Observation:
    """A finding from a proposal or a check-in, as the assessment weighs it."""

    area: str
    level: Level
    evidence: str
    origin: Origin
    risk: str | None = None
    note: str = ""  # why it is a finding, when the risk alone does not say


@dataclass(frozen=True)
class GivenAnswer:
    """An answer as the summary quotes it: the option chosen and, if typed, the words."""

    question_id: str
    value: str
    text: str = ""


class _AnalysedFinding(Protocol):
    area: str
    risk: str | None
    level: str
    reason: str
    evidence: str


class _AnalysedArea(Protocol):
    level: str


class _Analysis(Protocol):
    @property
    def areas(self) -> Mapping[str, _AnalysedArea]: ...
    @property
    def findings(self) -> Sequence[_AnalysedFinding]: ...


# What a proposal finding that names no risk means, by the analysis's reason for it.
_REASON_NOTES = {
    "silent": "The proposal does not address it",
    "hedged": "The proposal only hedges about it",
    "vague": "The proposal mentions it only vaguely",
    "negated": "The proposal says it is missing",
    "stated": "The proposal states a problem",
}


def observations_from_analysis(analysis: _Analysis) -> list[Observation]:
    """The proposal analysis's findings, as observations."""
    return [
        Observation(
            area=f.area,
            level=f.level,  # type: ignore[arg-type]
            evidence=f.evidence,
            origin="proposal",
            risk=f.risk,
            note=_REASON_NOTES.get(f.reason, f.reason),
        )
        for f in analysis.findings
        if f.level in _RANK
    ]


def levels_from_analysis(analysis: _Analysis) -> dict[str, str]:
    return {area: result.level for area, result in analysis.areas.items()}


def summary_of_proposal(
    kb: KnowledgeBase, analysis: _Analysis, *, project: str, now: str
) -> RiskSummary:
    """The risk summary of a proposal on its own, before any question is answered."""
    return build_summary(
        kb,
        project=project,
        answers={},
        observations=observations_from_analysis(analysis),
        proposal_levels=levels_from_analysis(analysis),
        now=now,
    )


# --- the summary ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SummaryFinding:
    area: str
    level: Level
    title: str
    evidence: str
    origin: Origin
    risk: str | None = None
    mitigation: str | None = None
    source: str | None = None  # the title of the document the risk comes from

    @property
    def key(self) -> str:
        return self.risk or f"{self.area}:{self.title}"


@dataclass(frozen=True)
class AreaAssessment:
    area: str
    title: str
    level: Level
    findings: tuple[SummaryFinding, ...]  # the top ones, worst first
    discussed: bool  # answered in the consultation or addressed by the proposal
    more: int = 0  # findings beyond the top ones


@dataclass(frozen=True)
class NextStep:
    action: str
    owner: str
    done_when: str
    area: str
    about: str  # the finding it addresses


@dataclass(frozen=True)
class AreaChange:
    area: str
    before: Level
    after: Level


@dataclass(frozen=True)
class Changes:
    since: str  # when the previous summary was made
    areas: tuple[AreaChange, ...] = ()
    new: tuple[str, ...] = ()  # titles of findings that were not there before
    resolved: tuple[str, ...] = ()  # titles of findings that are gone

    @property
    def empty(self) -> bool:
        return not (self.areas or self.new or self.resolved)


@dataclass(frozen=True)
class RiskSummary:
    project: str
    generated: str
    overall: Level
    areas: tuple[AreaAssessment, ...]  # all nine, in the canonical order
    next_steps: tuple[NextStep, ...]
    changes: Changes | None  # None for a project's first summary
    answered: int = 0
    from_proposal: bool = False
    findings: tuple[SummaryFinding, ...] = field(default=(), repr=False)  # every open one

    def level(self, area: str) -> Level:
        return next(a.level for a in self.areas if a.area == area)

    def flagged(self) -> list[str]:
        """Areas at high or medium: the ones a reviewer would raise."""
        return [a.area for a in self.areas if a.level != "low"]

    def snapshot(self) -> dict[str, Any]:
        """What the next summary compares itself with."""
        return {
            "levels": {a.area: a.level for a in self.areas},
            "open": {f.key: f.title for f in self.findings if f.level != "low"},
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: `areas` keyed by area id with `level`, like `premortem review`."""
        return {
            "project": self.project,
            "generated": self.generated,
            "overall": self.overall,
            "answered": self.answered,
            "areas": {
                a.area: {
                    "level": a.level,
                    "title": a.title,
                    "discussed": a.discussed,
                    "findings": [asdict(f) for f in a.findings],
                }
                for a in self.areas
            },
            "findings": [asdict(f) for f in self.findings],
            "next_steps": [asdict(s) for s in self.next_steps],
            "changes": asdict(self.changes) if self.changes else None,
        }


def answer_findings(kb: KnowledgeBase, answers: Mapping[str, GivenAnswer]) -> list[SummaryFinding]:
    """The open risks the answers leave, each quoting the answers that raised it."""
    values = {qid: a.value for qid, a in answers.items()}
    raised, raised_by, cleared = raised_and_cleared(kb, values)
    out = []
    for rid, severity in raised.items():
        risk = kb.risks.get(rid)
        if rid in cleared or risk is None:
            continue
        quotes = "; ".join(_quote(kb, answers[q]) for q in raised_by[rid])
        out.append(_finding(kb, risk, severity.value, quotes, "answer"))  # type: ignore[arg-type]
    return out


def assess(
    kb: KnowledgeBase,
    answers: Mapping[str, GivenAnswer],
    observations: Sequence[Observation] = (),
    proposal_levels: Mapping[str, str] | None = None,
) -> tuple[dict[str, Level], list[SummaryFinding], set[str]]:
    """Level per area, every open finding, and the areas discussed.

    An area's level is its worst open finding. Without one, it is `low` when an answer cleared
    a risk in it or the proposal settled it, and `medium` otherwise: silence is a risk.
    An answer supersedes the proposal: a risk it clears is gone, and a proposal finding that
    names no risk ("monitoring is not addressed") no longer counts once an answer addressed
    the area.
    """
    values = {qid: a.value for qid, a in answers.items()}
    _, _, cleared = raised_and_cleared(kb, values)
    # An area is addressed by the answers when one of them cleared a risk in it; an answer
    # that neither raises nor clears (the archetype, say) tells nothing about the area.
    answered_areas = {kb.risks[r].area for r in cleared if r in kb.risks}
    found: dict[str, SummaryFinding] = {}

    def keep(f: SummaryFinding) -> None:
        old = found.get(f.key)
        if old is None or (level_rank(f.level), -_ORIGIN_ORDER[f.origin]) > (
            level_rank(old.level),
            -_ORIGIN_ORDER[old.origin],
        ):
            found[f.key] = f

    for f in answer_findings(kb, answers):
        keep(f)

    for obs in observations:
        if obs.risk and obs.risk in cleared:
            continue
        if obs.origin == "proposal" and not obs.risk and obs.area in answered_areas:
            continue
        risk = kb.risks.get(obs.risk) if obs.risk else None
        if risk is not None:
            keep(_finding(kb, risk, obs.level, obs.evidence, obs.origin))
        else:
            area = kb.areas[obs.area]
            title = obs.note or area.risk_when
            keep(SummaryFinding(obs.area, obs.level, title, obs.evidence, obs.origin))

    findings = sorted(found.values(), key=_finding_order(kb))
    levels: dict[str, Level] = {}
    discussed: set[str] = set(answered_areas)
    for area in AREA_IDS:
        mine = [f.level for f in findings if f.area == area]
        proposal_level = (proposal_levels or {}).get(area)
        if proposal_level in ("low", "high"):  # addressed, or a problem stated
            discussed.add(area)
        if mine:
            levels[area] = worst(mine)
        elif area in answered_areas:
            levels[area] = "low"
        elif proposal_level in _RANK:
            levels[area] = proposal_level  # type: ignore[assignment]
        else:
            levels[area] = "medium"
    return levels, findings, discussed


def build_summary(
    kb: KnowledgeBase,
    *,
    project: str,
    answers: Mapping[str, GivenAnswer],
    observations: Sequence[Observation] = (),
    proposal_levels: Mapping[str, str] | None = None,
    previous: Mapping[str, Any] | None = None,
    now: str,
) -> RiskSummary:
    """The risk summary of a project; `previous` is the last summary's `snapshot()` plus `at`."""
    levels, findings, discussed = assess(kb, answers, observations, proposal_levels)
    areas = []
    for area in AREA_IDS:
        mine = [f for f in findings if f.area == area]
        areas.append(
            AreaAssessment(
                area=area,
                title=kb.areas[area].title,
                level=levels[area],
                findings=tuple(mine[:TOP_FINDINGS]),
                discussed=area in discussed,
                more=max(0, len(mine) - TOP_FINDINGS),
            )
        )
    summary = RiskSummary(
        project=project,
        generated=now,
        overall=worst(levels.values()),
        areas=tuple(areas),
        next_steps=tuple(_next_steps(kb, findings, levels)),
        changes=None,
        answered=len(answers),
        from_proposal=proposal_levels is not None,
        findings=tuple(findings),
    )
    if previous is not None:
        summary = _with_changes(summary, previous)
    return summary


def _quote(kb: KnowledgeBase, answer: GivenAnswer) -> str:
    question = kb.questions[answer.question_id]
    label = question.label_of(answer.value)
    said = answer.text if answer.text and answer.text.casefold() != label.casefold() else label
    return f"{question.text} “{said}”"


def _finding(
    kb: KnowledgeBase, risk: Risk, level: Level, evidence: str, origin: Origin
) -> SummaryFinding:
    cite = risk.sources[0]
    return SummaryFinding(
        area=risk.area,
        level=level,
        title=risk.title,
        evidence=evidence,
        origin=origin,
        risk=risk.id,
        mitigation=risk.mitigations[0].action,
        source=f"{kb.source_title(cite)}, {cite.where}",
    )


def _finding_order(kb: KnowledgeBase) -> Any:
    def order(f: SummaryFinding) -> tuple[int, int, int, str]:
        severity = kb.risks[f.risk].severity.rank if f.risk in kb.risks else 0
        return (-level_rank(f.level), -severity, _ORIGIN_ORDER[f.origin], f.key)

    return order


def _next_steps(
    kb: KnowledgeBase, findings: list[SummaryFinding], levels: Mapping[str, str]
) -> list[NextStep]:
    """The three steps that matter most: worst first, core areas first, one per area if possible."""
    serious = [f for f in findings if f.level != "low"]
    serious.sort(key=lambda f: (-level_rank(f.level), f.area not in ALWAYS_PROBED))
    chosen: list[SummaryFinding] = []
    for f in serious:
        if len(chosen) < NEXT_STEPS and f.area not in {c.area for c in chosen}:
            chosen.append(f)
    for f in serious:
        if len(chosen) < NEXT_STEPS and f not in chosen:
            chosen.append(f)
    # An area nobody has discussed is a step of its own: find out.
    for area in sorted(AREA_IDS, key=lambda a: (-level_rank(levels[a]), a not in ALWAYS_PROBED)):
        if len(chosen) >= NEXT_STEPS:
            break
        if levels[area] != "low" and area not in {c.area for c in chosen}:
            info = kb.areas[area]
            chosen.append(SummaryFinding(area, levels[area], info.question, "", "proposal"))  # type: ignore[arg-type]
    steps = []
    for f in chosen:
        risk = kb.risks.get(f.risk) if f.risk else None
        if risk is not None:
            m = risk.mitigations[0]
            steps.append(NextStep(m.action, m.owner, m.done_when, f.area, f.title))
        else:
            info = kb.areas[f.area]
            steps.append(
                NextStep(
                    action=f"Settle {info.title.lower()}: {info.question}",
                    owner="project lead",
                    done_when=info.ok_when,
                    area=f.area,
                    about=f.title,
                )
            )
    return steps


def _with_changes(summary: RiskSummary, previous: Mapping[str, Any]) -> RiskSummary:
    before_levels: Mapping[str, str] = previous.get("levels", {})
    before_open: Mapping[str, str] = previous.get("open", {})
    now = summary.snapshot()
    area_changes = tuple(
        AreaChange(a, before_levels[a], now["levels"][a])  # type: ignore[arg-type]
        for a in AREA_IDS
        if a in before_levels and before_levels[a] != now["levels"][a]
    )
    changes = Changes(
        since=str(previous.get("at", "")),
        areas=area_changes,
        new=tuple(t for k, t in now["open"].items() if k not in before_open),
        resolved=tuple(t for k, t in before_open.items() if k not in now["open"]),
    )
    return replace(summary, changes=changes)
