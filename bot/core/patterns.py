"""Regular-expression signals, made cheap: the words any match must contain.

A `re:` signal is run only on the sentences that hold a literal of each of its required
parts, found from the parsed pattern: `\\b(success|target)\\b.*\\d+ ?%` cannot match a
sentence without "success" or "target", nor one without "%". Each distinct literal is looked
up once per proposal, in its words rather than its text. Reading the parsed pattern relies on
`re._parser`, CPython's own; if it ever fails, the pattern simply scans every sentence.
"""

from __future__ import annotations

import re
import re._compiler as _compiler
import re._constants as _C
import re._parser as _parser
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from typing import NamedTuple

from bot.core.text import word_set


class Anchor(NamedTuple):
    text: str
    word_start: bool  # the pattern puts it at the start of a word ("\\bsuccess")
    digit: bool = False  # not a text: any decimal digit ("\\d"), see DIGIT


# "\\d": a number is as good an anchor as a word; many sentences have none.
DIGIT = Anchor("0", False, True)


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
    if anchor.digit:
        return True
    word = _as_word(anchor)
    return word.word_start and word.text.isalnum()


_MAX_SETS = 3  # enough to narrow the sentences down; more only costs lookups


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
        digit = False  # a digit is required as well as `got`
        if op is _C.SUBPATTERN or (op in (_C.MAX_REPEAT, _C.MIN_REPEAT) and av[0] >= 1):
            inner = _options(list(av[-1] if op is _C.SUBPATTERN else av[2]), here)
            got = max(inner, key=_score, default=None)
            digit = _DIGITS in inner
        elif op is _C.BRANCH:
            each = [_options(list(b), here) for b in av[1]]
            branches = [max(o, key=_score, default=None) for o in each]
            got = None if None in branches else frozenset().union(*branches)  # type: ignore[arg-type]
            digit = all(_DIGITS in o for o in each)
        elif op is _C.IN:
            got = _DIGITS if av == _DIGIT_CLASS else _chars(av)
        here = _ends_in_separator(op, av, here)
        if got:
            options.append(got)
        if digit and got != _DIGITS:
            options.append(_DIGITS)
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
    """Longer anchors skip more text; a filler word skips almost none, a digit some."""
    weakest = min(
        _DIGIT_SCORE if a.digit else 1 if a.text.strip() in _WEAK else len(a.text.strip())
        for a in anchors
    )
    return weakest, min(len(a.text) for a in anchors), -len(anchors)


_DIGIT_CLASS = [(_C.CATEGORY, _C.CATEGORY_DIGIT)]
_DIGITS: Anchors = frozenset([DIGIT])
_DIGIT_SCORE = 0  # weaker than any text; it narrows a word anchor down further
_DIGIT_RE = re.compile(r"\d")
_NON_WORD = re.compile(r"[^\w]+")


@lru_cache(maxsize=8192)  # the knowledge base's anchors: a few thousand at most
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


Search = Callable[[str, int, int], "re.Match[str] | None"]


@lru_cache(maxsize=4096)  # the knowledge base's patterns
def searcher(pattern: re.Pattern[str]) -> Search:
    """`pattern.search(text, pos, endpos)`, faster for a pattern that opens with assertions
    ("\\b", "(?<!...)"): they keep the regex engine from skipping ahead to the letters a
    match can start with. A copy without them finds the first place a match can start, and
    the pattern is searched from there: the assertions still see the text before it."""
    try:
        parsed = _parser.parse(pattern.pattern, pattern.flags)
        lead = 0
        while lead < len(parsed.data) and parsed.data[lead][0] in _ASSERTIONS:
            lead += 1
        del parsed.data[:lead]
        parsed.width = None
        if not lead or not _starts_with_letters(list(parsed.data)):
            return pattern.search
        ahead = _compiler.compile(parsed, pattern.flags)
    except Exception:  # a parser change in a future Python: the plain search
        return pattern.search
    look, search = ahead.search, pattern.search

    def find(text: str, pos: int, endpos: int) -> re.Match[str] | None:
        m = look(text, pos, endpos)
        return None if m is None else search(text, m.start(), endpos)

    return find


def find_all(pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """`pattern.finditer(text)`, with `searcher`: one match after the other, each searched
    for from the end of the one before (a pattern that may match nothing is left as it is)."""
    search = searcher(pattern)
    if search == pattern.search or not _never_empty(pattern):
        yield from pattern.finditer(text)
        return
    pos, end = 0, len(text)
    while (m := search(text, pos, end)) is not None:
        yield m
        pos = m.end()


@lru_cache(maxsize=4096)
def _never_empty(pattern: re.Pattern[str]) -> bool:
    try:
        return _parser.parse(pattern.pattern, pattern.flags).getwidth()[0] > 0
    except Exception:
        return False


_ASSERTIONS = (_C.AT, _C.ASSERT, _C.ASSERT_NOT)


def _starts_with_letters(seq: list) -> bool:  # type: ignore[type-arg]
    """Whether every match of `seq` starts with a literal character: the engine skips to it."""
    if not seq:
        return False
    op, av = seq[0]
    if op is _C.LITERAL:
        return True
    if op is _C.SUBPATTERN:
        return _starts_with_letters(list(av[-1]))
    if op is _C.BRANCH:
        return all(_starts_with_letters(list(b)) for b in av[1])
    if op is _C.IN:
        return all(item is _C.LITERAL for item, _ in av)
    return False


class Fragments:
    """The anchors, among a set of patterns', found inside words ("ms" in "50ms", "customers"
    after a number): found in all of a proposal's words in one pass, rather than one search
    of all the words per anchor."""

    def __init__(self, anchor_sets: Iterable[Iterable[Anchor]]):
        words = {_as_word(a) for anchors in anchor_sets for a in anchors}
        texts = sorted({w.text for w in words if _is_fragment(w)})
        self.texts = frozenset(texts)
        # Any word holding one of them, at the position of the longest one there: the
        # others there are its prefixes.
        self.pattern = re.compile(f"(?=({_trie(texts)}))") if texts else None
        self.prefixes = {t: tuple(p for p in texts if t.startswith(p)) for t in texts}


def _is_fragment(word: Anchor) -> bool:
    return not word.digit and not word.word_start and word.text.isalnum()


def _trie(texts: list[str]) -> str:
    """A regex matching the longest of `texts` at a position, branching one letter at a time."""
    root: dict[str, dict] = {}  # type: ignore[type-arg]
    for text in texts:
        node = root
        for ch in text:
            node = node.setdefault(ch, {})
        node[""] = {}

    def source(node: dict) -> str:  # type: ignore[type-arg]
        branches = [re.escape(ch) + source(node[ch]) for ch in sorted(node) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
        return f"(?:{body})?" if "" in node else body

    return source(root)


class WordIndex:
    """A proposal's words, to find which sentences hold an anchor without scanning the text:
    a word-start anchor is a prefix search in the sorted words, any other a search in the
    distinct words, and one with spaces or symbols a search in the text itself. Sets of
    sentences are kept as bit masks (bit i: sentence i): unions and intersections are cheap."""

    def __init__(
        self,
        words: Iterable[tuple[str, int]],
        text: str,
        sentence_starts: list[int],
        fragments: Fragments | None = None,
    ):
        where: dict[str, int] = {}
        get = where.get
        bit, last = 1, 0
        for word, sentence in words:
            if sentence != last:
                bit, last = 1 << sentence, sentence
            where[word] = get(word, 0) | bit
        for word in [w for w in where if not w.isalnum()]:
            # "o'brien", "r&d", "2.1m": the words inside start words too.
            for part in _NON_WORD.split(word):
                if part:
                    where[part] = get(part, 0) | where[word]
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
        self._cache: dict[Anchor, int] = {}
        self._set_cache: dict[tuple[Anchor, ...], int] = {}
        self._fragments = fragments
        self._fragment_hits: dict[str, int] | None = None

    def sentences_with(self, anchors: Iterable[Anchor]) -> set[int]:
        """The sentences holding at least one of `anchors`."""
        return set(_bits(self._mask(_words(tuple(anchors)))))

    def sentences_with_all(self, anchor_sets: Iterable[Iterable[Anchor]]) -> list[int]:
        """The sentences holding an anchor of every set, in order."""
        found = -1
        for words in _resolve(tuple(map(tuple, anchor_sets))):
            found &= self._mask(words)
            if not found:
                return []
        return [] if found == -1 else _bits(found)

    def _mask(self, words: tuple[Anchor, ...]) -> int:
        """The sentences holding one of `words` (anchors as words, see `_as_word`)."""
        found = self._set_cache.get(words)
        if found is None:
            found = 0
            for word in words:
                hits = self._cache.get(word)
                if hits is None:
                    hits = self._cache[word] = self._lookup(word)
                found |= hits
            self._set_cache[words] = found
        return found

    def _lookup(self, anchor: Anchor) -> int:
        """The sentences holding `anchor`, already as a word (see `_as_word`)."""
        if anchor.digit:
            return self._find(self._next_digit)
        text = anchor.text
        found = 0
        if text.isalnum() and anchor.word_start:
            words, where = self._sorted, self._where
            i = bisect_left(words, text)
            while i < len(words) and words[i].startswith(text):
                found |= where[i]
                i += 1
        elif text.isalnum() and self._fragments is not None and text in self._fragments.texts:
            if self._fragment_hits is None:
                self._fragment_hits = self._find_fragments(self._fragments)
            found = self._fragment_hits.get(text, 0)
        elif text.isalnum():
            joined, starts, where = self._joined, self._starts, self._where
            pos = joined.find(text)
            while pos >= 0:
                i = bisect_right(starts, pos) - 1
                found |= where[i]
                nxt = starts[i + 1] if i + 1 < len(starts) else len(joined)
                pos = joined.find(text, nxt)
        else:
            found = self._find(lambda at: self._text.find(text, at))
        return found

    def _find_fragments(self, fragments: Fragments) -> dict[str, int]:
        """The sentences holding each of `fragments`, found in one pass over the words."""
        hits: dict[str, int] = {}
        if fragments.pattern is None:
            return hits
        starts, where, prefixes = self._starts, self._where, fragments.prefixes
        for m in fragments.pattern.finditer(self._joined):
            bits = where[bisect_right(starts, m.start()) - 1]
            for text in prefixes[m.group(1)]:
                hits[text] = hits.get(text, 0) | bits
        return hits

    def _next_digit(self, at: int) -> int:
        m = _DIGIT_RE.search(self._text, at)
        return -1 if m is None else m.start()

    def _find(self, search: Callable[[int], int]) -> int:
        """The sentences where `search(from)` finds something (its position, or -1), each
        searched once."""
        found = 0
        starts = self._sentence_starts
        pos = search(0)
        while pos >= 0:
            si = bisect_right(starts, pos) - 1
            if si >= 0:
                found |= 1 << si
            nxt = starts[si + 1] if 0 <= si < len(starts) - 1 else len(self._text)
            pos = search(max(pos + 1, nxt))
        return found


def _bits(mask: int) -> list[int]:
    """The set bits of `mask`, as indices in increasing order."""
    out = []
    while mask:
        low = mask & -mask
        out.append(low.bit_length() - 1)
        mask ^= low
    return out


@lru_cache(maxsize=8192)  # the knowledge base's sets of anchors
def _resolve(anchor_sets: tuple[tuple[Anchor, ...], ...]) -> tuple[tuple[Anchor, ...], ...]:
    """Each set of anchors as the distinct words to look up."""
    return tuple(_words(anchors) for anchors in anchor_sets)


def _words(anchors: tuple[Anchor, ...]) -> tuple[Anchor, ...]:
    return tuple(dict.fromkeys(_as_word(a) for a in anchors))
