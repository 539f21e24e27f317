"""The knowledge base: models of areas, risks, questions and rule tests, and a strict loader.

Every error names the file, the entry id and the field, so a team adding its own rules
can fix them without reading this code. See knowledge/README.md for the schema.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from bot.core.patterns import signal_source

AreaId = Literal[
    "objectives",
    "value",
    "data",
    "feasibility",
    "evaluation",
    "deployment",
    "monitoring",
    "stakeholders",
    "ethics",
]
AREA_IDS: tuple[str, ...] = get_args(AreaId)

# How exposed an area is: a problem stated, not addressed or hedged, adequately addressed.
Level = Literal["high", "medium", "low"]
# Where a finding came from.
Origin = Literal["proposal", "answer", "check-in"]


class Stage(StrEnum):
    """The nine lifecycle stages of an ML project (ML Project Lifecycle seed)."""

    PROBLEM_DEFINITION = "problem-definition"
    DATA_COLLECTION = "data-collection"
    EXPLORATION = "exploration"
    FEATURES = "features"
    MODEL_SELECTION = "model-selection"
    TRAINING = "training"
    EVALUATION = "evaluation"
    DEPLOYMENT = "deployment"
    MONITORING = "monitoring"


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return {"low": 1, "medium": 2, "high": 3}[self.value]


class Archetype(StrEnum):
    """Project archetypes (Full Stack Deep Learning, Lecture 5)."""

    SOFTWARE_2 = "software-2.0"
    HUMAN_IN_THE_LOOP = "human-in-the-loop"
    AUTONOMOUS = "autonomous"


Id = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9.\-]*[a-z0-9]$", max_length=80)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    """A document the knowledge base draws on, cited by its title."""

    id: Id
    title: Text
    file: str | None = None
    url: str | None = None
    summary: str | None = None


class Citation(_Strict):
    source: Id
    where: Text


class Mitigation(_Strict):
    action: Text
    owner: Text
    done_when: Text


class Signals(_Strict):
    """Phrases in free text. `reveal`: the risk is present. `covered`: the area is addressed.

    A phrase is matched tolerantly (case, inflection, small typos); a phrase starting with
    `re:` is a regular expression over the normalised text. A `covered` phrase found in a
    negated or hedged clause counts as a risk, not as coverage.
    """

    reveal: list[Text] = Field(default_factory=list)
    covered: list[Text] = Field(default_factory=list)


class Risk(_Strict):
    """A failure mode or pitfall of ML projects."""

    id: Id
    area: AreaId
    stage: Stage
    kind: Literal["failure-mode", "pitfall"]
    severity: Severity
    title: Text
    description: Text
    signals: Signals = Field(default_factory=Signals)
    mitigations: Annotated[list[Mitigation], Field(min_length=1)]
    sources: Annotated[list[Citation], Field(min_length=1)]


class RaisedRisk(_Strict):
    risk: Id
    severity: Severity


class AnswerOption(_Strict):
    """One answer to a checklist question and what it does to the risks."""

    value: Id
    label: Text
    aliases: list[Text] = Field(default_factory=list)
    raises: list[RaisedRisk] = Field(default_factory=list)
    clears: list[Id] = Field(default_factory=list)
    follow_up: list[Id] = Field(default_factory=list)
    sets_archetype: Archetype | None = None


class Question(_Strict):
    """A checklist question with typed answer options."""

    id: Id
    area: AreaId
    stage: Stage
    text: Text
    why: Text
    archetypes: list[Archetype] = Field(default_factory=list)  # empty: every archetype
    core: bool = False  # always asked unless the proposal settles it
    follow_up_only: bool = False  # asked only as a follow-up of another answer
    about: list[Id] = Field(default_factory=list)  # risks this question probes
    options: Annotated[list[AnswerOption], Field(min_length=2)]
    sources: Annotated[list[Citation], Field(min_length=1)]

    def label_of(self, value: str) -> str:
        """The label of the option with this value; the value itself if there is none."""
        return next((o.label for o in self.options if o.value == value), value)


class Area(_Strict):
    id: AreaId
    title: Text
    question: Text  # the one-line question the area answers
    ok_when: Text
    risk_when: Text
    signals: Signals = Field(default_factory=Signals)


class RuleTest(_Strict):
    """Given these answers (and optionally a proposal text), expect these risks."""

    name: Text
    answers: dict[Id, Id] = Field(default_factory=dict)
    proposal: str | None = None
    expect_risks: list[Id] = Field(default_factory=list)
    expect_absent: list[Id] = Field(default_factory=list)
    expect_levels: dict[AreaId, Level] = Field(default_factory=dict)


class KnowledgeError(Exception):
    """Raised when the knowledge base does not load; `problems` lists every one."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class Problem:
    file: str
    entry: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: entry {self.entry!r}, field {self.field!r}: {self.message}"


@dataclass
class KnowledgeBase:
    """The whole knowledge base, cross-checked, with lookups by id."""

    areas: dict[str, Area]
    risks: dict[str, Risk]
    questions: dict[str, Question]
    sources: dict[str, Source]
    rule_tests: list[RuleTest] = field(default_factory=list)
    origins: dict[str, str] = field(default_factory=dict)  # entry id -> file it came from

    def risks_in(self, area: str) -> list[Risk]:
        return [r for r in self.risks.values() if r.area == area]

    def questions_in(self, area: str) -> list[Question]:
        return [q for q in self.questions.values() if q.area == area]

    def source_title(self, citation: Citation) -> str:
        return self.sources[citation.source].title


# --- loading -----------------------------------------------------------------------------


class _YamlLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """A safe loader (libyaml when present: several times faster) with YAML 1.2 booleans.

    YAML 1.1 reads `yes`, `no`, `on` and `off` as booleans, which turns the most common answer
    values into True and False. Only `true` and `false` are booleans here.
    """


_YamlLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_YamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)

# Which model each top-level key of a YAML file holds. A file may hold several kinds.
_SECTIONS: dict[str, type[_Strict]] = {
    "areas": Area,
    "sources": Source,
    "risks": Risk,
    "questions": Question,
    "rule_tests": RuleTest,
}


def bundled_dir() -> Path:
    """The knowledge base shipped with the package (wheel) or the checkout (editable)."""
    here = Path(__file__).resolve().parent.parent
    packaged = here / "_knowledge"
    return packaged if packaged.is_dir() else here.parent / "knowledge"


def knowledge_dirs(extra: str | Path | None = None) -> list[Path]:
    """The bundled knowledge plus a team's own (`--knowledge DIR` or PREMORTEM_KNOWLEDGE)."""
    dirs = [bundled_dir()]
    extra = extra or os.environ.get("PREMORTEM_KNOWLEDGE") or None
    if extra:
        path = Path(extra).expanduser()
        if path.resolve() != dirs[0].resolve():
            dirs.append(path)
    return dirs


def load(*dirs: str | Path) -> KnowledgeBase:
    """Load and cross-check every `*.yaml` under the given directories, in order.

    Raises KnowledgeError listing every problem found, not just the first.
    """
    problems: list[Problem] = []
    items: dict[str, list[tuple[str, Any]]] = {k: [] for k in _SECTIONS}
    for d in dirs or (bundled_dir(),):
        base = Path(d)
        if not base.is_dir():
            problems.append(Problem(str(base), "-", "-", "not a directory"))
            continue
        for path in sorted(base.rglob("*.y*ml")):
            _read_file(path, items, problems)

    built: dict[str, dict[str, Any]] = {k: {} for k in _SECTIONS}
    origins: dict[str, str] = {}
    rule_tests: list[RuleTest] = []
    for section, model in _SECTIONS.items():
        for fname, raw in items[section]:
            entry = str(raw.get("id") or raw.get("name") or "?") if isinstance(raw, dict) else "?"
            try:
                obj = model.model_validate(raw)
            except ValidationError as exc:
                for err in exc.errors():
                    loc = ".".join(str(p) for p in err["loc"]) or "-"
                    problems.append(Problem(fname, entry, loc, _message(err)))
                continue
            if isinstance(obj, RuleTest):
                rule_tests.append(obj)
                continue
            key = f"{section}:{obj.id}"  # type: ignore[attr-defined]
            if obj.id in built[section]:  # type: ignore[attr-defined]
                first = origins[key]
                problems.append(
                    Problem(fname, obj.id, "id", f"duplicate id, first defined in {first}")  # type: ignore[attr-defined]
                )
                continue
            built[section][obj.id] = obj  # type: ignore[attr-defined]
            origins[key] = fname

    kb = KnowledgeBase(
        areas=built["areas"],
        risks=built["risks"],
        questions=built["questions"],
        sources=built["sources"],
        rule_tests=rule_tests,
        origins=origins,
    )
    problems.extend(_cross_check(kb))
    if problems:
        raise KnowledgeError(problems)
    return kb


def load_default(extra: str | Path | None = None) -> KnowledgeBase:
    return load(*knowledge_dirs(extra))


def _message(err: Any) -> str:
    if err["type"] == "extra_forbidden":
        return "unknown key"
    if err["type"] == "missing":
        return "required field is missing"
    return str(err["msg"])


def _read_file(
    path: Path, items: dict[str, list[tuple[str, Any]]], problems: list[Problem]
) -> None:
    fname = str(path)
    try:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_YamlLoader)
    except UnicodeDecodeError:
        problems.append(Problem(fname, "-", "-", "not UTF-8 text"))
        return
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "-"
        problems.append(Problem(fname, "-", where, f"invalid YAML: {getattr(exc, 'problem', exc)}"))
        return
    if doc is None:
        return
    if not isinstance(doc, dict):
        problems.append(
            Problem(fname, "-", "-", f"expected a mapping with keys {sorted(_SECTIONS)}")
        )
        return
    for key, value in doc.items():
        if key not in _SECTIONS:
            problems.append(
                Problem(
                    fname, "-", str(key), f"unknown section; expected one of {sorted(_SECTIONS)}"
                )
            )
            continue
        if not isinstance(value, list):
            problems.append(Problem(fname, "-", str(key), "expected a list of entries"))
            continue
        for raw in value:
            if not isinstance(raw, dict):
                problems.append(Problem(fname, "?", str(key), "expected a mapping"))
                continue
            items[key].append((fname, raw))


def _cross_check(kb: KnowledgeBase) -> list[Problem]:
    """References between entries: every id named must exist, every area must be defined."""
    out: list[Problem] = []

    def where(section: str, entry_id: str) -> str:
        return kb.origins.get(f"{section}:{entry_id}", "?")

    for area in AREA_IDS:
        if area not in kb.areas:
            out.append(Problem("areas", area, "id", "area is not defined"))

    def check_citations(section: str, entry_id: str, citations: list[Citation]) -> None:
        for i, c in enumerate(citations):
            if c.source not in kb.sources:
                out.append(
                    Problem(
                        where(section, entry_id),
                        entry_id,
                        f"sources.{i}.source",
                        f"unknown source {c.source!r}",
                    )
                )

    def check_patterns(section: str, entry_id: str, signals: Signals) -> None:
        for kind in ("reveal", "covered"):
            for i, phrase in enumerate(getattr(signals, kind)):
                if not phrase.startswith("re:"):
                    continue
                try:
                    re.compile(signal_source(phrase))
                except re.error as exc:
                    out.append(
                        Problem(
                            where(section, entry_id),
                            entry_id,
                            f"signals.{kind}.{i}",
                            f"invalid regular expression: {exc}",
                        )
                    )

    for area in kb.areas.values():
        check_patterns("areas", area.id, area.signals)

    for risk in kb.risks.values():
        check_patterns("risks", risk.id, risk.signals)
        check_citations("risks", risk.id, risk.sources)
        if not risk.id.startswith(f"{risk.area}."):
            out.append(
                Problem(
                    where("risks", risk.id),
                    risk.id,
                    "id",
                    f"risk ids start with their area: {risk.area}.",
                )
            )

    for q in kb.questions.values():
        f = where("questions", q.id)
        check_citations("questions", q.id, q.sources)
        for i, rid in enumerate(q.about):
            if rid not in kb.risks:
                out.append(Problem(f, q.id, f"about.{i}", f"unknown risk {rid!r}"))
        values = Counter(o.value for o in q.options)
        for v, n in values.items():
            if n > 1:
                out.append(Problem(f, q.id, "options", f"duplicate option value {v!r}"))
        for i, opt in enumerate(q.options):
            for j, raised in enumerate(opt.raises):
                if raised.risk not in kb.risks:
                    out.append(
                        Problem(
                            f, q.id, f"options.{i}.raises.{j}.risk", f"unknown risk {raised.risk!r}"
                        )
                    )
            for j, rid in enumerate(opt.clears):
                if rid not in kb.risks:
                    out.append(Problem(f, q.id, f"options.{i}.clears.{j}", f"unknown risk {rid!r}"))
            for j, qid in enumerate(opt.follow_up):
                if qid not in kb.questions:
                    out.append(
                        Problem(f, q.id, f"options.{i}.follow_up.{j}", f"unknown question {qid!r}")
                    )
                elif qid == q.id:
                    out.append(
                        Problem(
                            f, q.id, f"options.{i}.follow_up.{j}", "a question cannot follow itself"
                        )
                    )

    reachable = {qid for q in kb.questions.values() for o in q.options for qid in o.follow_up}
    for q in kb.questions.values():
        if q.follow_up_only and q.id not in reachable:
            out.append(
                Problem(
                    where("questions", q.id),
                    q.id,
                    "follow_up_only",
                    "no answer leads to this question",
                )
            )
        for i, opt in enumerate(q.options):
            if len(opt.label) > 75:
                out.append(
                    Problem(
                        where("questions", q.id),
                        q.id,
                        f"options.{i}.label",
                        "longer than 75 characters",
                    )
                )
    setters = sorted(
        q.id for q in kb.questions.values() if any(o.sets_archetype for o in q.options)
    )
    if len(setters) > 1:
        for qid in setters[1:]:
            out.append(
                Problem(
                    where("questions", qid),
                    qid,
                    "options",
                    f"only one question may set the archetype; {setters[0]} does",
                )
            )
    if any(q.archetypes for q in kb.questions.values()) and not setters:
        out.append(
            Problem(
                "questions",
                "-",
                "sets_archetype",
                "archetype-specific questions exist but no option sets it",
            )
        )

    for t in kb.rule_tests:
        for qid, value in t.answers.items():
            q = kb.questions.get(qid)
            if q is None:
                out.append(
                    Problem("rule_tests", t.name, f"answers.{qid}", f"unknown question {qid!r}")
                )
            elif value not in {o.value for o in q.options}:
                out.append(
                    Problem(
                        "rule_tests", t.name, f"answers.{qid}", f"{qid} has no option {value!r}"
                    )
                )
        for rid in [*t.expect_risks, *t.expect_absent]:
            if rid not in kb.risks:
                out.append(Problem("rule_tests", t.name, "expect_risks", f"unknown risk {rid!r}"))
    return out
