"""Scoring the analysis against labelled proposals (see eval/README.md for the measure).

Every (proposal, area) pair is one decision: the analysis flags the area when its level is
`high` or `medium`, and the label says `risk` or `ok`. The score is the mean of the F1 of the
`risk` class and the F1 of the `ok` class (macro-F1). Pure functions: reading files is the
caller's job.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.core.knowledge import AREA_IDS

FLAGGED_LEVELS = frozenset({"high", "medium"})


@dataclass(frozen=True)
class LabelledCase:
    file: str
    labels: Mapping[str, str]  # area -> "risk" | "ok"
    why: Mapping[str, str]  # area -> the labeller's reason


@dataclass(frozen=True)
class Decision:
    file: str
    area: str
    expected: str  # "risk" | "ok"
    got: str  # "risk" | "ok"
    level: str  # the analysis's level
    evidence: str  # what the analysis quoted for this area, "" if nothing


@dataclass(frozen=True)
class ClassScore:
    precision: float
    recall: float
    f1: float
    support: int  # how many pairs carry this label


@dataclass(frozen=True)
class Score:
    risk: ClassScore
    ok: ClassScore
    macro_f1: float
    per_area: dict[str, ClassScore]  # the risk class, per area
    decisions: tuple[Decision, ...]

    @property
    def errors(self) -> tuple[Decision, ...]:
        return tuple(d for d in self.decisions if d.expected != d.got)


class LabelError(ValueError):
    """The labels file does not have the expected shape."""


def parse_labels(doc: object) -> list[LabelledCase]:
    """`labels.yaml` (already parsed) as cases; raises LabelError naming what is wrong."""
    if not isinstance(doc, dict) or not isinstance(doc.get("cases"), list):
        raise LabelError("expected a mapping with a `cases` list")
    cases = []
    for i, raw in enumerate(doc["cases"]):
        if not isinstance(raw, dict) or not isinstance(raw.get("file"), str):
            raise LabelError(f"case {i}: expected a mapping with `file`")
        areas = raw.get("areas")
        if not isinstance(areas, dict):
            raise LabelError(f"{raw['file']}: expected `areas` to be a mapping")
        labels: dict[str, str] = {}
        why: dict[str, str] = {}
        for area, value in areas.items():
            if area not in AREA_IDS:
                raise LabelError(f"{raw['file']}: unknown area {area!r}")
            label = value.get("label") if isinstance(value, dict) else value
            if label not in ("risk", "ok"):
                raise LabelError(f"{raw['file']}: {area}: label must be `risk` or `ok`")
            labels[area] = label
            why[area] = str(value.get("why", "")) if isinstance(value, dict) else ""
        cases.append(LabelledCase(raw["file"], labels, why))
    return cases


def label_of(level: str) -> str:
    """What a level means for the measure: flagged (`risk`) or settled (`ok`)."""
    return "risk" if level in FLAGGED_LEVELS else "ok"


def class_score(pairs: Iterable[tuple[str, str]], positive: str) -> ClassScore:
    """Precision, recall and F1 of one class over (expected, got) pairs."""
    tp = fp = fn = support = 0
    for expected, got in pairs:
        support += expected == positive
        if got == positive and expected == positive:
            tp += 1
        elif got == positive:
            fp += 1
        elif expected == positive:
            fn += 1
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return ClassScore(precision, recall, f1, support)


def score(decisions: Iterable[Decision]) -> Score:
    """The measure over every decision, with the risk class per area."""
    decisions = tuple(decisions)
    pairs = [(d.expected, d.got) for d in decisions]
    risk = class_score(pairs, "risk")
    ok = class_score(pairs, "ok")
    per_area = {
        area: class_score([(d.expected, d.got) for d in decisions if d.area == area], "risk")
        for area in AREA_IDS
        if any(d.area == area for d in decisions)
    }
    return Score(risk, ok, (risk.f1 + ok.f1) / 2, per_area, decisions)


def decide(
    case: LabelledCase, levels: Mapping[str, str], evidence: Mapping[str, str] | None = None
) -> list[Decision]:
    """One decision per labelled area of `case`, given the analysis's level per area."""
    evidence = evidence or {}
    return [
        Decision(
            case.file,
            area,
            expected,
            label_of(levels.get(area, "medium")),
            levels.get(area, "medium"),
            evidence.get(area, ""),
        )
        for area, expected in case.labels.items()
    ]
