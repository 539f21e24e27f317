"""Reading what people type: `/premortem <subcommand> <argument>` and direct messages.

Pure functions; typos in a subcommand are forgiven ("sumary" is `summary`).
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz, process

ALIASES = {
    "start": "new",
    "create": "new",
    "ls": "list",
    "projects": "list",
    "check-in": "checkin",
    "schedule": "checkin",
    "?": "help",
    "risks": "summary",
}
_TYPO_CUTOFF = 80


@dataclass(frozen=True)
class ParsedCommand:
    name: str  # a subcommand, or "" when the text names none we know
    argument: str
    typed: str  # the first word as typed, to quote it when it is unknown


def parse_command(text: str | None, known: tuple[str, ...]) -> ParsedCommand:
    """`new Churn model` -> (new, "Churn model"), `known` naming the subcommands. An empty text
    asks for help."""
    words = (text or "").strip().split(maxsplit=1)
    if not words:
        return ParsedCommand("help", "", "")
    first = words[0]
    argument = words[1].strip() if len(words) > 1 else ""
    return ParsedCommand(match_word(first, known), argument, first)


def match_word(word: str, known: tuple[str, ...]) -> str:
    key = word.casefold().strip("/").rstrip(":,.!")
    if key in known:
        return key
    if key in ALIASES and ALIASES[key] in known:
        return ALIASES[key]
    if len(key) < 4:  # "nw" or "st" are too short to guess from
        return ""
    best = process.extractOne(key, known, scorer=fuzz.ratio, score_cutoff=_TYPO_CUTOFF)
    return str(best[0]) if best else ""


@dataclass(frozen=True)
class DirectMessage:
    """A direct message read as a request: `new <name>`, `help`, `summary`, a pasted proposal,
    or plain text (an answer, when a consultation is under way)."""

    kind: str  # "new", "help", "summary", "proposal" or "text"
    argument: str


def looks_like_proposal(text: str, consulting: bool = False) -> bool:
    """Prose long enough to describe a project. During a consultation the bar is higher: a
    long answer to a question is still an answer."""
    lines = [line for line in text.splitlines() if line.strip()]
    if consulting:
        return len(text) >= 600 or (len(lines) >= 4 and len(text) >= 200)
    return len(text) >= 120 or (len(lines) >= 2 and len(text) >= 60)


def proposal_title(text: str, limit: int = 60) -> str:
    """A project name from a proposal: its first line, without Markdown heading marks."""
    for line in text.splitlines():
        line = line.strip().lstrip("#*-> ").strip().rstrip(":*")
        if line:
            line = " ".join(line.split())
            return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"
    return "Proposal"


def parse_direct_message(text: str | None, consulting: bool = False) -> DirectMessage:
    """Short messages can be requests; anything longer is an answer or a proposal."""
    stripped = (text or "").strip()
    if looks_like_proposal(stripped, consulting):
        return DirectMessage("proposal", stripped)
    words = stripped.split(maxsplit=1)
    if not words or len(stripped) > 200:
        return DirectMessage("text", stripped)
    first = words[0].casefold().rstrip(":,.!")
    rest = words[1].strip() if len(words) > 1 else ""
    if first in ("new", "start") and rest:
        return DirectMessage("new", rest)
    if first in ("help", "?") and not rest:
        return DirectMessage("help", "")
    if first == "summary" and not rest:
        return DirectMessage("summary", "")
    return DirectMessage("text", stripped)
