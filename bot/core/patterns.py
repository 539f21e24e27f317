"""Regular-expression signals, made cheap: the words any match must contain.

A `re:` signal is run only on the sentences that hold a literal of each of its required
parts, found from the parsed pattern: `\\b(success|target)\\b.*\\d+ ?%` cannot match a
sentence without "success" or "target", nor one without "%". Each distinct literal is looked
up once per proposal, in its words rather than its text. Reading the parsed pattern relies on
`re._parser`, CPython's own; if it ever fails, the pattern simply scans every sentence.
"""

from __future__ import annotations

import re
import re._constants as _C
import re._parser as _parser
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable
from typing import NamedTuple

from bot.core.text import word_set


class Anchor(NamedTuple):
    text: str
    word_start: bool  # the pattern puts it at the start of a word ("\\bsuccess")


Anchors = frozenset[Anchor]

# Filler words are poor anchors: they are in nearly every sentence.
_WEAK = word_set(
    "a an the of to in on at for by with from and or as is are was were be it we our us i "
    "we'd we'll i'd i'll they you he she his her will would can do does has have had so than "
    "one like after keep make use new see way day two non no not"
)


def required_literals(pattern: str) -> tuple[tuple[Anchor, ...], ...]:
    """Sets of anchors: every match of `pattern` contains one anchor of EACH set ("success"
    or "target", and "%" ...). The most selective set comes first; () when the pattern
    promises nothing (the caller then scans the whole text)."""
    try:
        options = _options(list(_parser.parse(pattern)), at_word_start=False)
    except Exception:  # a parser change in a future Python: scan everything, slower, correct
        return ()
    usable = [o for o in options if all(a.text for a in o)]
    usable.sort(key=_score, reverse=True)
    # Past the most selective set, only sets of whole words: those are looked up cheaply.
    extra = [o for o in usable[1:] if all(_cheap(a) for a in o)]
    return tuple(tuple(sorted(o)) for o in (usable[:1] + extra)[:_MAX_SETS])


def _cheap(anchor: Anchor) -> bool:
    word = _as_word(anchor)
    return word.word_start and word.text.isalnum()


_MAX_SETS = 2  # enough to narrow the sentences down; more only costs lookups


def _required(seq: list, at_word_start: bool) -> Anchors | None:  # type: ignore[type-arg]
    """The most selective set of anchors one of which any match of `seq` contains, or None."""
    return max(_options(seq, at_word_start), key=_score, default=None)


def _options(seq: list, at_word_start: bool) -> list[Anchors]:  # type: ignore[type-arg]
    """Every set of anchors `seq` requires one of (one set per required part)."""
    options: list[Anchors] = []
    run: list[str] = []
    run_at_start = False
    here = at_word_start  # whether the current position is a word start

    def close(i: int) -> None:
        lead = "".join(run)
        options.append(frozenset([Anchor(lead, run_at_start)]))
        after = _prefixes(seq[i:], at_word_start=False)
        if after:
            options.append(frozenset(Anchor(lead + a.text, run_at_start) for a in after))
        run.clear()

    for i, (op, av) in enumerate(seq):
        if op is _C.LITERAL:
            if not run:
                run_at_start = here
            run.append(chr(av))
            here = not chr(av).isalnum()
            continue
        if run:
            close(i)
        got: Anchors | None = None
        if op is _C.AT:
            here = av is _C.AT_BOUNDARY or here
            continue
        if op is _C.SUBPATTERN:
            got = _required(list(av[-1]), here)
        elif op is _C.BRANCH:
            branches = [_required(list(b), here) for b in av[1]]
            got = None if None in branches else frozenset().union(*branches)  # type: ignore[arg-type]
        elif op in (_C.MAX_REPEAT, _C.MIN_REPEAT) and av[0] >= 1:
            got = _required(list(av[2]), here)
        elif op is _C.IN:
            got = _chars(av)
        here = _ends_in_separator(op, av, here)
        if got:
            options.append(got)
    if run:
        close(len(seq))
    return options


def _prefixes(seq: list, at_word_start: bool) -> Anchors | None:  # type: ignore[type-arg]
    """Anchors one of which every match of `seq` starts with, or None."""
    run: list[str] = []
    for op, av in seq:
        if op is _C.LITERAL:
            run.append(chr(av))
            continue
        if run:
            break
        if op is _C.AT:
            continue
        if op is _C.SUBPATTERN:
            return _prefixes(list(av[-1]), at_word_start)
        if op is _C.BRANCH:
            branches = [_prefixes(list(b), at_word_start) for b in av[1]]
            return None if None in branches else frozenset().union(*branches)  # type: ignore[arg-type]
        if op in (_C.MAX_REPEAT, _C.MIN_REPEAT) and av[0] >= 1:
            return _prefixes(list(av[2]), at_word_start)
        if op is _C.IN:
            return _chars(av)
        return None
    return frozenset([Anchor("".join(run), at_word_start)]) if run else None


def _chars(items: list) -> Anchors | None:  # type: ignore[type-arg]
    """A character class of a few plain characters ("[$£€]") as those characters."""
    if len(items) > 8 or any(op is not _C.LITERAL for op, _ in items):
        return None
    return frozenset(Anchor(chr(av), False) for _, av in items)


def _ends_in_separator(op: object, av: object, before: bool) -> bool:
    """Whether the position after this item is a word start, if followed by a letter: after
    " +", "\\s" or "\\s+"; after an optional item, only if it was one before as well."""
    if op is _C.IN:
        return av == [(_C.CATEGORY, _C.CATEGORY_SPACE)]
    if op not in (_C.MAX_REPEAT, _C.MIN_REPEAT):
        return False
    low, _high, item = av  # type: ignore[misc]
    item = list(item)
    if len(item) != 1:
        ends = False
    elif item[0][0] is _C.LITERAL:
        ends = not chr(item[0][1]).isalnum()
    elif item[0][0] is _C.SUBPATTERN:
        inner = list(item[0][1][-1])
        ends = bool(inner) and inner[-1][0] is _C.LITERAL and not chr(inner[-1][1]).isalnum()
    else:
        ends = item[0][0] is _C.IN and item[0][1] == [(_C.CATEGORY, _C.CATEGORY_SPACE)]
    return ends and (low >= 1 or before)


def _score(anchors: Anchors) -> tuple[int, int, int]:
    """Longer anchors skip more text; a filler word skips almost none."""
    weakest = min(1 if a.text.strip() in _WEAK else len(a.text.strip()) for a in anchors)
    return weakest, min(len(a.text) for a in anchors), -len(anchors)


_NON_WORD = re.compile(r"[^\w]+")


def _as_word(anchor: Anchor) -> Anchor:
    """An anchor with symbols ("want ", "on-call", "-estimat") as its longest word, which any
    text containing the anchor also contains: a word is found without scanning the text. The
    word starts a word in the text if it follows a symbol, or starts an anchor that does."""
    if anchor.text.isalnum():
        return anchor
    best = Anchor("", False)
    for m in re.finditer(r"[^\W_]+", anchor.text):
        if len(m.group()) > len(best.text):
            starts = anchor.word_start if m.start() == 0 else True
            best = Anchor(m.group(), starts)
    return best if len(best.text) >= 3 else anchor


class WordIndex:
    """A proposal's words, to find which sentences hold an anchor without scanning the text:
    a word-start anchor is a prefix search in the sorted words, any other a search in the
    distinct words, and one with spaces or symbols a search in the text itself."""

    def __init__(self, words: Iterable[tuple[str, int]], text: str, sentence_starts: list[int]):
        where: dict[str, set[int]] = defaultdict(set)
        for word, sentence in words:
            where[word].add(sentence)
        for word in [w for w in where if not w.isalnum()]:
            # "o'brien", "r&d", "2.1m": the words inside start words too.
            for part in _NON_WORD.split(word):
                if part:
                    where[part] |= where[word]
        self._sorted = sorted(where)
        self._where = [where[w] for w in self._sorted]
        self._starts: list[int] = []
        pos = 0
        for w in self._sorted:
            self._starts.append(pos)
            pos += len(w) + 1
        self._joined = "\n".join(self._sorted)
        self._text = text
        self._sentence_starts = sentence_starts
        self._cache: dict[Anchor, set[int]] = {}

    def sentences_with(self, anchors: Iterable[Anchor]) -> set[int]:
        """The sentences holding at least one of `anchors`."""
        found: set[int] = set()
        for anchor in anchors:
            hits = self._cache.get(anchor)
            if hits is None:
                hits = self._cache[anchor] = self._lookup(anchor)
            found |= hits
        return found

    def sentences_with_all(self, anchor_sets: Iterable[Iterable[Anchor]]) -> set[int]:
        """The sentences holding an anchor of every set."""
        found: set[int] | None = None
        for anchors in anchor_sets:
            hits = self.sentences_with(anchors)
            found = hits if found is None else found & hits
            if not found:
                return set()
        return found or set()

    def _lookup(self, anchor: Anchor) -> set[int]:
        anchor = _as_word(anchor)
        text = anchor.text
        found: set[int] = set()
        if text.isalnum() and anchor.word_start:
            i = bisect_left(self._sorted, text)
            while i < len(self._sorted) and self._sorted[i].startswith(text):
                found |= self._where[i]
                i += 1
        elif text.isalnum():
            pos = self._joined.find(text)
            while pos >= 0:
                i = bisect_right(self._starts, pos) - 1
                found |= self._where[i]
                nxt = self._starts[i + 1] if i + 1 < len(self._starts) else len(self._joined)
                pos = self._joined.find(text, nxt)
        else:
            starts = self._sentence_starts
            pos = self._text.find(text)
            while pos >= 0:
                si = bisect_right(starts, pos) - 1
                if si >= 0:
                    found.add(si)
                nxt = starts[si + 1] if 0 <= si < len(starts) - 1 else len(self._text)
                pos = self._text.find(text, max(pos + 1, nxt))
        return found
