"""Reading what a person typed as an answer to a checklist question, or as a command.

An answer is read, in this order, as: a command (`skip`, `back`, `pause`, `resume`, `summary`,
`help`), an option's value, label or alias typed exactly, the option's number, an everyday
yes / no / partly / don't-know ("nope", "kinda", "idk") mapped to the option the knowledge
base lists for it, and finally a close match to one option's label or aliases (rapidfuzz).
Anything that fits no option, or fits two equally well, is not read: the caller asks again
with the options shown. A guess would put words in the team's mouth.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz

from bot.core.knowledge import AnswerOption, Question

Command = Literal["skip", "back", "pause", "resume", "summary", "help"]


def _phrases(text: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in text.split("|"))


_COMMAND_PHRASES: dict[Command, str] = {
    "skip": "skip | pass | next | skip it | skip this | skip this one | next question",
    "back": "back | go back | undo | previous | previous question",
    "pause": "pause | stop | later | quit | exit | continue later | stop for now",
    "resume": "resume | continue | carry on",
    "summary": "summary | summarise | summarize | status",
    "help": "help | ? | commands | what can i say",
}
_COMMAND_WORDS: dict[str, Command] = {
    phrase: command for command, text in _COMMAND_PHRASES.items() for phrase in _phrases(text)
}

Stance = Literal["yes", "no", "partly", "unsure"]

# Everyday phrasings of the four stances people answer with. The first of each is how the
# knowledge base usually writes it among an option's aliases.
_STANCES: dict[Stance, tuple[str, ...]] = {
    "yes": _phrases(
        "yes | y | yep | yup | yeah | yea | ya | sure | of course | definitely | absolutely | "
        "correct | indeed | we do | we have | it is | affirmative | ok | 👍 | ✅ | :+1: | "
        ":thumbsup: | :white_check_mark:"
    ),
    "no": _phrases(
        "no | n | nope | nah | not really | not at all | none | never | we don't | we do not | "
        "we dont | don't | dont | not yet | nothing | no one | nobody | 👎 | ❌ | :-1: | "
        ":thumbsdown: | :x:"
    ),
    "partly": _phrases(
        "partly | partially | kinda | kind of | sort of | sorta | somewhat | a bit | a little | "
        "some | in part | more or less | roughly | to some extent | half | sometimes | mixed"
    ),
    "unsure": _phrases(
        "not sure | unsure | idk | i don't know | i dont know | don't know | dont know | dunno | "
        "no idea | unknown | not known | no clue | hard to say | can't say | cant say | "
        "not decided | 🤷 | :shrug:"
    ),
}
# Option values and labels that say which stance an option stands for.
_STANCE_VALUES: dict[Stance, tuple[str, ...]] = {
    "yes": ("yes",),
    "no": ("no", "none", "nobody", "nothing"),
    "partly": ("partly", "partial", "partially", "some", "somewhat"),
    "unsure": ("unknown", "unsure", "dont-know", "don't know", "not sure", "not known"),
}

_NEGATIONS = frozenset(
    _phrases(
        "no | not | never | none | nobody | nothing | without | dont | don't | doesn't | doesnt | "
        "isn't | isnt | aren't | arent | won't | wont | can't | cant | haven't | havent | "
        "hasn't | hasnt | didn't | didnt | nor"
    )
)
_FUZZY_CUTOFF = 86  # how close typed text must be to a label or an alias
_FUZZY_MARGIN = 8  # and how far ahead of the next option's best match
_MAX_READ = 500  # longer text is not matched against options: it is not an option


@dataclass(frozen=True)
class Reading:
    """What an input was read as: an option value, a command, or neither (`problem`)."""

    value: str | None = None
    command: Command | None = None
    via: Literal["option", "text"] = "text"
    problem: Literal["empty", "unclear", "ambiguous", "too-long"] | None = None
    candidates: tuple[str, ...] = ()  # option values that fit equally well, if ambiguous

    @property
    def understood(self) -> bool:
        return self.problem is None


def normalise(text: str) -> str:
    """Lowercase, straight quotes, single spaces, no punctuation at either end."""
    text = text.casefold().replace("’", "'").replace("‘", "'")
    text = " ".join(text.split())
    return text.strip(" .,!;:-–—\"'()[]") if not text.startswith(":") else text.strip(" .,!;")


def read_command(text: str) -> Command | None:
    """The command `text` is, if it is one. Typos are tolerated in words of five letters or
    more that start right ("sumary", "pasue"), so a short answer is never taken for one."""
    t = normalise(text).lstrip("/")
    if t in _COMMAND_WORDS:
        return _COMMAND_WORDS[t]
    if " " not in t and len(t) >= 5:
        for word, command in _COMMAND_WORDS.items():
            if len(word) >= 5 and " " not in word and word[0] == t[0] and fuzz.ratio(t, word) >= 80:
                return command
    return None


def read_answer(question: Question, text: str) -> Reading:
    """Read `text` as an answer to `question`: a command, one option, or a problem."""
    t = normalise(text)
    if not t:
        return Reading(problem="empty")
    options = question.options
    exact = _exact(options, t)
    if exact is not None:
        return Reading(value=exact, via="option" if t == exact else "text")
    command = read_command(t)
    if command is not None:
        return Reading(command=command)
    if t.isdigit() and 1 <= int(t) <= len(options):
        return Reading(value=options[int(t) - 1].value, via="option")
    if len(t) > _MAX_READ:
        return Reading(problem="too-long")
    stance = _stance_of(t)
    if stance is not None:
        fits = _options_for_stance(options, stance, t)
        if len(fits) == 1:
            return Reading(value=fits[0])
        if len(fits) > 1:
            return Reading(problem="ambiguous", candidates=tuple(fits))
    return _closest(options, t)


def _forms(option: AnswerOption) -> list[str]:
    return [normalise(f) for f in (option.value.replace("-", " "), option.label, *option.aliases)]


def _exact(options: list[AnswerOption], t: str) -> str | None:
    if t in {o.value for o in options}:
        return t
    hits = {o.value for o in options if t in _forms(o)}
    return hits.pop() if len(hits) == 1 else None


def _stance_of(t: str) -> Stance | None:
    """The stance of a short answer, or of its lead ("yes, we do", "nope - nothing yet")."""
    lead = re.split(r"[,.;:!?]| - | – | — ", t, maxsplit=1)[0].strip()
    for candidate in (t, lead):
        for stance, phrases in _STANCES.items():
            if candidate in phrases:
                return stance
    return None


def _option_stances(option: AnswerOption) -> dict[Stance, set[str]]:
    """For each stance, the forms by which this option expresses it."""
    found: dict[Stance, set[str]] = {}
    value = normalise(option.value.replace("-", " "))
    for stance, values in _STANCE_VALUES.items():
        if option.value in values or value in values:
            found.setdefault(stance, set()).add(value)
    for form in _forms(option):
        stance = _stance_of(form)
        if stance is not None:
            found.setdefault(stance, set()).add(form)
    return found


def _options_for_stance(options: list[AnswerOption], stance: Stance, t: str) -> list[str]:
    """The options that stand for `stance`, narrowed to those using the person's own words."""
    fits = {o.value: forms for o in options if (forms := _option_stances(o).get(stance))}
    if len(fits) > 1:
        own = [v for v, forms in fits.items() if t in forms]
        if own:
            return own
        canonical = _STANCES[stance][0]
        plain = [v for v, forms in fits.items() if canonical in forms]
        if plain:
            return plain
    return list(fits)


def _negated(t: str) -> bool:
    words = re.findall(r"[\w']+", t)
    return any(w in _NEGATIONS or w.endswith("n't") for w in words)


def _closest(options: list[AnswerOption], t: str) -> Reading:
    """The one option whose label or aliases `t` is close to, with a clear lead."""
    negated = _negated(t)
    best: dict[str, float] = {}
    for option in options:
        score = 0.0
        for form in _forms(option):
            if _negated(form) != negated:
                continue  # "we don't have a target" is not "we have a target"
            s = fuzz.ratio(t, form)
            if len(form.split()) >= 2 and len(t.split()) >= 2:
                # typed text that contains an alias ("we have a target of 20%") matches it
                s = max(s, fuzz.token_set_ratio(t, form) - 4)
            score = max(score, s)
        best[option.value] = score
    ranked = sorted(best.items(), key=lambda kv: kv[1], reverse=True)
    top_value, top = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    if top < _FUZZY_CUTOFF:
        return Reading(problem="unclear")
    if top - runner_up < _FUZZY_MARGIN:
        close = tuple(v for v, s in ranked if top - s < _FUZZY_MARGIN)
        return Reading(problem="ambiguous", candidates=close)
    return Reading(value=top_value)
