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
from dataclasses import dataclass, field
from importlib import resources
from itertools import repeat
from operator import mul

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
class AreaWeights:
    """One area's part of the model: a bias, a weight per feature, and for each word (stem)
    it knows of the sentences about the area, its inverse document frequency and weight."""

    bias: float
    weights: Mapping[str, float]
    idf: Mapping[str, float] = field(default_factory=dict)
    terms: Mapping[str, float] = field(default_factory=dict)  # stem -> weight


@dataclass(frozen=True)
class DecisionModel:
    """A logistic model per area: an area is at risk when its probability reaches
    `threshold`. It weighs the numbers of `area_features` and the words of the sentences
    about the area (`context_vector`): how reviewers word a gap and how they word coverage
    differ in ways no list of phrases holds."""

    areas: Mapping[str, AreaWeights]
    threshold: float = 0.5
    about: str = ""  # what it was fitted on, for people reading the file

    def risk(
        self, area: str, features: Mapping[str, float], terms: Mapping[str, int] | None = None
    ) -> float:
        """The probability that a careful reviewer flags the area."""
        part = self.areas.get(area)
        if part is None:
            return _sigmoid(0.0)
        z = part.bias + sum(part.weights.get(name, 0.0) * v for name, v in features.items())
        if terms and part.idf:
            vector = context_vector(terms, part.idf)
            z += sum(map(mul, vector.values(), map(part.terms.get, vector, repeat(0.0))))
        return _sigmoid(z)

    def flags(
        self, area: str, features: Mapping[str, float], terms: Mapping[str, int] | None = None
    ) -> bool:
        """Whether the area is at risk. A section that answers only with a hedge ("will
        probably be handled by platform") always is, however the rest reads."""
        if features.get("section_hedged"):
            return True
        return self.risk(area, features, terms) >= self.threshold

    def to_json(self) -> str:
        return json.dumps(
            {
                "about": self.about,
                "threshold": self.threshold,
                "areas": {
                    a: {
                        "bias": round(w.bias, 6),
                        "weights": {f: round(w.weights.get(f, 0.0), 6) for f in FEATURES},
                        "terms": {
                            t: [round(idf, 6), round(w.terms.get(t, 0.0), 6)]
                            for t, idf in sorted(w.idf.items())
                        },
                    }
                    for a, w in self.areas.items()
                },
            },
            indent=1,
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> DecisionModel:
        data = json.loads(text)
        areas = {}
        for area, part in data["areas"].items():
            if area not in AREA_IDS:
                raise ValueError(f"decision weights name an unknown area: {area!r}")
            unknown = set(part["weights"]) - set(FEATURES)
            if unknown:
                raise ValueError(
                    f"decision weights of {area} name unknown features: {sorted(unknown)}"
                )
            terms = part.get("terms", {})
            areas[area] = AreaWeights(
                bias=float(part["bias"]),
                weights={f: float(v) for f, v in part["weights"].items()},
                idf={t: float(idf) for t, (idf, _) in terms.items()},
                terms={t: float(w) for t, (_, w) in terms.items()},
            )
        return cls(
            areas=areas,
            threshold=float(data.get("threshold", 0.5)),
            about=str(data.get("about", "")),
        )


def bundled() -> DecisionModel:
    """The weights shipped with the package."""
    text = resources.files("bot.core").joinpath("decisions.json").read_text(encoding="utf-8")
    return DecisionModel.from_json(text)


def context_vector(terms: Mapping[str, int], idf: Mapping[str, float]) -> dict[str, float]:
    """Word counts as the model reads them: each known word weighs (1 + log count) times its
    inverse document frequency, and the whole has length one, so a long section and a short
    one weigh alike. Words the model does not know are left out."""
    known = list(filter(idf.__contains__, terms))
    counts = map(_TF.__getitem__, map(terms.__getitem__, known))
    values = list(map(mul, counts, map(idf.__getitem__, known)))
    norm = math.sqrt(sum(map(mul, values, values)))
    return {t: v / norm for t, v in zip(known, values, strict=True) if v} if norm else {}


class _LogCounts(dict[int, float]):
    """1 + log(count), worked out once per count; nothing for a count of zero or less."""

    def __missing__(self, count: int) -> float:
        value = self[count] = 1.0 + math.log(count) if count > 0 else 0.0
        return value


_TF = _LogCounts()


def fit(
    samples: Iterable[tuple[str, Mapping[str, float], Mapping[str, int], bool]],
    *,
    l2: float = 1.0,
    text_weight: float = 8.0,
    min_df: int = 5,
    about: str = "",
) -> DecisionModel:
    """Fit the model on (area, features, word counts, flagged by the reviewer) samples: per
    area, a logistic regression with an L2 penalty (`l2`, the bias unpenalised) over the
    features and the context vector of the words found in at least `min_df` of the area's
    samples, the words scaled up by `text_weight` (so penalised less). Deterministic.

    Needs scikit-learn (`pip install -e '.[fit]'`); reading a fitted model does not."""
    try:
        from scipy.sparse import csr_matrix
        from sklearn.linear_model import LogisticRegression
    except ImportError as exc:  # an optional extra: only fitting needs it
        raise RuntimeError(
            "fitting the decision model needs scikit-learn: pip install -e '.[fit]'"
        ) from exc
    by_area: dict[str, list[tuple[Mapping[str, float], Mapping[str, int], bool]]] = {}
    for area, features, terms, flagged in samples:
        by_area.setdefault(area, []).append((features, terms, flagged))
    if not by_area:
        raise ValueError("no labelled samples to fit on")
    areas: dict[str, AreaWeights] = {}
    for area in AREA_IDS:
        rows = by_area.get(area, [])
        flags = [flagged for _, _, flagged in rows]
        if len(set(flags)) < 2:  # nothing to tell apart: the share flagged decides
            share = (sum(flags) + 0.5) / (len(flags) + 1.0)
            areas[area] = AreaWeights(bias=math.log(share / (1 - share)), weights={})
            continue
        df: dict[str, int] = {}
        for _, terms, _ in rows:
            for t in terms:
                df[t] = df.get(t, 0) + 1
        n = len(rows)
        vocab = sorted(t for t, k in df.items() if k >= min_df)
        idf = {t: math.log((1 + n) / (1 + df[t])) + 1.0 for t in vocab}
        column = {t: len(FEATURES) + i for i, t in enumerate(vocab)}
        data, indices, indptr = [], [], [0]
        for features, terms, _ in rows:
            for j, name in enumerate(FEATURES):
                if features[name]:
                    data.append(float(features[name]))
                    indices.append(j)
            for t, v in context_vector(terms, idf).items():
                data.append(v * text_weight)
                indices.append(column[t])
            indptr.append(len(data))
        matrix = csr_matrix((data, indices, indptr), shape=(n, len(FEATURES) + len(vocab)))
        model = LogisticRegression(C=1.0 / l2, solver="newton-cg", max_iter=1000).fit(matrix, flags)
        coef = model.coef_[0]
        areas[area] = AreaWeights(
            bias=float(model.intercept_[0]),
            weights={f: float(coef[j]) for j, f in enumerate(FEATURES)},
            idf=idf,
            terms={t: float(coef[column[t]]) * text_weight for t in vocab},
        )
    return DecisionModel(areas=areas, about=about)


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
