"""Whether an area is settled, decided from everything the analysis found about it.

The analysis's own rule (enough distinct pieces of plain coverage and no stated problem)
reads each signal on its own. Reviewers weigh them together: one hedged sentence in a
thorough section is not a gap, and a lone number does not settle a value case. This module
turns what the analysis found for an area into a handful of numbers (`area_features`) and
weighs them with a logistic model fitted on labelled proposals (`scripts/fit_decisions.py`
fits it and writes `decisions.json` beside this module).

Pure functions and data; no I/O except reading the bundled weights.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources

from bot.core.knowledge import AREA_IDS

# The numbers the model weighs, in order. Counts are capped: a fifth negation says little
# that the third did not.
FEATURES: tuple[str, ...] = (
    "rule_high",  # the rule's level is high: a problem is stated
    "rule_medium",  # the rule's level is medium: vague, hedged or silent
    "stated",  # findings of a stated problem
    "negated",  # findings of negated coverage ("nobody owns it")
    "hedged",  # hedged findings
    "silent",  # the area is never addressed
    "vague",  # addressed, but never concretely
    "severe",  # high-level findings of a high-severity risk
    "cover",  # coverage found, as a share of what settles the area
    "cover_sentences",  # sentences holding plain coverage
    "sentences",  # sentences where any of the area's signals match
    "reveals",  # matches of phrases that reveal a problem
    "covers",  # matches of phrases that show coverage
    "plain_covers",  # ... of them neither negated nor hedged
    "negated_covers",  # ... of them negated
    "hedged_matches",  # matches in a hedged clause
    "own_section",  # the proposal has a section or label for the area
    "section_hedged",  # ... and what it says there is all hedged ("probably handled by ...")
    "others_settled",  # share of the other eight areas the rule settles
    "people",  # for ethics only: sentences naming people the outputs can land on
    "length",  # log of the proposal's length in words
)


@dataclass(frozen=True)
class AreaEvidence:
    """What the analysis found for one area, before any decision is taken on it."""

    rule_level: str  # "high" | "medium" | "low"
    reasons: tuple[str, ...]  # the reason of each finding ("stated", "negated", ...)
    severe: int  # high-level findings of a high-severity risk
    cover: float
    cover_sentences: int
    sentences: int
    reveals: int
    covers: int
    plain_covers: int
    negated_covers: int
    hedged_matches: int
    own_section: bool
    section_hedged: bool
    people: int = 0  # sentences naming people (counted for ethics only)


def area_features(evidence: AreaEvidence, others_settled: int, words: int) -> dict[str, float]:
    """The model's inputs for one area (see FEATURES)."""
    reasons = evidence.reasons
    return {
        "rule_high": float(evidence.rule_level == "high"),
        "rule_medium": float(evidence.rule_level == "medium"),
        "stated": min(reasons.count("stated"), 3),
        "negated": min(reasons.count("negated"), 3),
        "hedged": min(reasons.count("hedged"), 3),
        "silent": float("silent" in reasons),
        "vague": float("vague" in reasons),
        "severe": min(evidence.severe, 3),
        "cover": min(evidence.cover, 3.0),
        "cover_sentences": min(evidence.cover_sentences, 5),
        "sentences": min(evidence.sentences, 10) / 5,
        "reveals": min(evidence.reveals, 5),
        "covers": min(evidence.covers, 10) / 3,
        "plain_covers": min(evidence.plain_covers, 10) / 3,
        "negated_covers": min(evidence.negated_covers, 3),
        "hedged_matches": min(evidence.hedged_matches, 3),
        "own_section": float(evidence.own_section),
        "section_hedged": float(evidence.section_hedged),
        "others_settled": others_settled / (len(AREA_IDS) - 1),
        "people": min(evidence.people, 10) / 5,
        "length": math.log(max(words, 20)) / 7,
    }


@dataclass(frozen=True)
class DecisionModel:
    """A logistic model: an area is at risk when its probability reaches `threshold`."""

    bias: float
    area_bias: Mapping[str, float]
    weights: Mapping[str, float]
    threshold: float = 0.5
    about: str = ""  # what it was fitted on, for people reading the file

    def risk(self, area: str, features: Mapping[str, float]) -> float:
        """The probability that a careful reviewer flags the area."""
        z = self.bias + self.area_bias.get(area, 0.0)
        z += sum(self.weights.get(name, 0.0) * value for name, value in features.items())
        return _sigmoid(z)

    def flags(self, area: str, features: Mapping[str, float]) -> bool:
        """Whether the area is at risk. A section that answers only with a hedge ("will
        probably be handled by platform") always is, however the rest reads."""
        if features.get("section_hedged"):
            return True
        return self.risk(area, features) >= self.threshold

    def to_json(self) -> str:
        return json.dumps(
            {
                "about": self.about,
                "threshold": self.threshold,
                "bias": round(self.bias, 6),
                "area_bias": {a: round(self.area_bias.get(a, 0.0), 6) for a in AREA_IDS},
                "weights": {f: round(self.weights.get(f, 0.0), 6) for f in FEATURES},
            },
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str) -> DecisionModel:
        data = json.loads(text)
        unknown = set(data["weights"]) - set(FEATURES)
        if unknown:
            raise ValueError(f"decision weights name unknown features: {sorted(unknown)}")
        return cls(
            bias=float(data["bias"]),
            area_bias={a: float(v) for a, v in data["area_bias"].items()},
            weights={f: float(v) for f, v in data["weights"].items()},
            threshold=float(data.get("threshold", 0.5)),
            about=str(data.get("about", "")),
        )


def bundled() -> DecisionModel:
    """The weights shipped with the package."""
    text = resources.files("bot.core").joinpath("decisions.json").read_text(encoding="utf-8")
    return DecisionModel.from_json(text)


def fit(
    samples: Iterable[tuple[str, Mapping[str, float], bool]],
    *,
    l2: float = 3.0,
    about: str = "",
) -> DecisionModel:
    """Fit the model on (area, features, flagged by the reviewer) samples: logistic regression
    with an L2 penalty on every weight but the bias, solved by Newton's method (iteratively
    reweighted least squares). Deterministic: the same samples give the same weights."""
    names = ["bias", *(f"area:{a}" for a in AREA_IDS), *FEATURES]
    rows: list[list[float]] = []
    targets: list[float] = []
    for area, features, flagged in samples:
        rows.append([1.0, *(float(a == area) for a in AREA_IDS), *(features[f] for f in FEATURES)])
        targets.append(1.0 if flagged else 0.0)
    if not rows:
        raise ValueError("no labelled samples to fit on")
    k = len(names)
    w = [0.0] * k
    for _ in range(_MAX_NEWTON_STEPS):
        grad = [l2 * w[j] if j else 0.0 for j in range(k)]
        hess = [[l2 if i == j and i else 0.0 for j in range(k)] for i in range(k)]
        for row, y in zip(rows, targets, strict=True):
            p = _sigmoid(sum(wi * xi for wi, xi in zip(w, row, strict=True)))
            d, c = p - y, p * (1.0 - p)
            nonzero = [(j, xi) for j, xi in enumerate(row) if xi]
            for i, xi in nonzero:
                grad[i] += d * xi
                hi = hess[i]
                for j, xj in nonzero:
                    hi[j] += c * xi * xj
        step = _solve(hess, grad)
        w = [wi - si for wi, si in zip(w, step, strict=True)]
        if max(abs(si) for si in step) < 1e-7:
            break
    by_name = dict(zip(names, w, strict=True))
    return DecisionModel(
        bias=by_name["bias"],
        area_bias={a: by_name[f"area:{a}"] for a in AREA_IDS},
        weights={f: by_name[f] for f in FEATURES},
        about=about,
    )


_MAX_NEWTON_STEPS = 50


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def _solve(matrix: list[list[float]], vector: list[float]) -> list[float]:
    """x with matrix @ x = vector: Gaussian elimination with partial pivoting (the matrix is
    small and, with the penalty, positive definite)."""
    n = len(vector)
    a = [[*row, v] for row, v in zip(matrix, vector, strict=True)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(a[r][col]))
        a[col], a[pivot] = a[pivot], a[col]
        if abs(a[col][col]) < 1e-12:
            continue  # a feature that never varies: its weight stays where it is
        for r in range(col + 1, n):
            f = a[r][col] / a[col][col]
            if f:
                for c in range(col, n + 1):
                    a[r][c] -= f * a[col][c]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        if abs(a[r][r]) < 1e-12:
            continue
        x[r] = (a[r][n] - sum(a[r][c] * x[c] for c in range(r + 1, n))) / a[r][r]
    return x
