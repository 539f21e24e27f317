"""Regular-expression signals, made cheap: the words any match must contain.

A `re:` signal is run only on the sentences that hold a literal of each of its required
parts, found from the parsed pattern: `\\b(success|target)\\b.*\\d+ ?%` cannot match a
sentence without "success" or "target", nor one without "%". Each distinct literal is looked
up once per proposal, in its words rather than its text. Reading the parsed pattern relies on
`re._parser`, CPython's own; if it ever fails, the pattern simply scans every sentence.
"""

from __future__ import annotations

import _sre  # type: ignore[import-not-found]
import itertools
import re
import re._compiler as _compiler
import re._constants as _C
import re._parser as _parser
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache, reduce
from operator import itemgetter, or_
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


def signal_source(signal: str) -> str:
    """The regular expression a `re:` signal runs as: literal spaces match any run of spaces
    (markdown leaves several). The loader checks this, so what it accepts is what runs."""
    out = []
    in_class = False
    escaped = False
    for ch in signal.removeprefix("re:").strip():
        if escaped:
            out.append(ch)
            escaped = False
            continue
        if ch == "\\":
            escaped = True
        elif ch == "[":
            in_class = True
        elif ch == "]":
            in_class = False
        elif ch == " " and not in_class:
            out.append(" +")
            continue
        out.append(ch)
    return "".join(out)


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
    # Further sets narrow the sentences down when looked up in the words, cheaply; a set
    # with a symbol or a short piece ("in ", "s ") would be a search of the text.
    extra = [o for o in usable[1:] if all(a.digit or _as_word(a).text.isalnum() for a in o)]
    return tuple(tuple(sorted(o)) for o in (usable[:1] + extra)[:_MAX_SETS])


_MAX_SETS = 6  # enough to narrow the sentences down; more only costs lookups


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
_DIGIT_LINE = re.compile(r"^(?:[^\d\n]*(\d))?.*$", re.MULTILINE)  # a line's digit, or ""
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
    """`pattern.search(text, pos, endpos)`, faster where `_leading` can tell which characters
    a match starts with: the regex engine then tries a match only there. Otherwise, or if a
    future Python's `re` internals refuse, the plain search."""
    try:
        leading = _leading(pattern)
    except Exception:  # a parser change in a future Python: the plain search
        return pattern.search
    return pattern.search if leading is None else leading.search


def _leading(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    """`pattern` compiled with the letters every match starts with (`\\bagree\\w*`: "agree"),
    or else the set of characters it starts with; None if neither is known.

    The regex engine skips ahead to such letters only when the pattern opens with them;
    `\\b(success|target)` opens with an assertion, so it would try a match at every position.
    Compiled here as `re` compiles it, with what the engine skips by: the characters
    `success` and `target` start with. Matches are the same; the engine only tries fewer
    positions. Relies on `re._compiler`, CPython's own."""
    if pattern.flags & (re.IGNORECASE | re.LOCALE):
        return None
    parsed = _parser.parse(pattern.pattern, pattern.flags)
    low, high = parsed.getwidth()
    if low == 0:
        return None
    flags = parsed.state.flags | pattern.flags
    maxcode = _compiler.MAXCODE
    prefix, _whole = _literal_prefix(list(parsed.data))
    if prefix:  # the engine looks for these letters, then tries a match where they start
        code = [_C.INFO, 0, _C.SRE_INFO_PREFIX, min(low, maxcode), min(high, maxcode)]
        code += [len(prefix), 0, *prefix, *_compiler._generate_overlap_table(prefix)]
    else:  # the engine tries a match at each of these characters
        first, empty = _first_chars(list(parsed.data))
        if first is None or empty:
            return None
        charset, cased = _compiler._optimize_charset(first)
        if cased:
            return None
        code = [_C.INFO, 0, _C.SRE_INFO_CHARSET, min(low, maxcode), min(high, maxcode)]
        _compiler._compile_charset(charset, flags, code)
    code[1] = len(code) - 1
    _compiler._compile(code, parsed.data, flags)
    code.append(_C.SUCCESS)
    groups = parsed.state.groupdict
    names: list[str | None] = [None] * parsed.state.groups
    for name, i in groups.items():
        names[i] = name
    return _sre.compile(  # type: ignore[no-any-return]
        pattern.pattern, flags, code, parsed.state.groups - 1, groups, tuple(names)
    )


def _literal_prefix(seq: list) -> tuple[list[int], bool]:  # type: ignore[type-arg]
    """The letters every match of `seq` starts with, and whether that is all of `seq`."""
    prefix: list[int] = []
    for op, av in seq:
        if op is _C.LITERAL:
            prefix.append(av)
        elif op in _ASSERTIONS:
            continue  # zero width: the letters around it are still next to each other
        elif op is _C.SUBPATTERN and not av[1] and not av[2]:
            inner, whole = _literal_prefix(list(av[3]))
            prefix += inner
            if not whole:
                return prefix, False
        else:
            return prefix, False
    return prefix, True


def _first_chars(seq: list) -> tuple[list | None, bool]:  # type: ignore[type-arg]
    """The characters a match of `seq` can start with (as the items of a character class,
    None if not known) and whether `seq` can match nothing at all."""
    items: list = []  # type: ignore[type-arg]
    for op, av in seq:
        if op in _ASSERTIONS:
            continue  # zero width: the next item starts the match
        if op is _C.LITERAL:
            return [*items, (op, av)], False
        if op is _C.IN:
            if any(item is _C.NEGATE for item, _ in av):
                return None, False
            return [*items, *av], False
        if op is _C.SUBPATTERN:
            _group, add_flags, del_flags, inner = av
            if add_flags or del_flags:
                return None, False
            got, empty = _first_chars(list(inner))
        elif op is _C.BRANCH:
            got, empty = [], False
            for branch in av[1]:
                chars, nothing = _first_chars(list(branch))
                if chars is None:
                    return None, False
                got += chars
                empty = empty or nothing
        elif op in (_C.MAX_REPEAT, _C.MIN_REPEAT):
            low, _high, inner = av
            got, empty = _first_chars(list(inner))
            empty = empty or low == 0
        else:
            return None, False
        if got is None:
            return None, False
        items += got
        if not empty:
            return items, False
    return items, True


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


class AnchorIndex:
    """The anchors of a set of patterns, compiled once, and which sentences of a proposal hold
    an anchor of each of a pattern's sets, found from the proposal's distinct words rather
    than by scanning its text.

    Each distinct word is read once (and remembered): the word-start anchors it begins with
    (looked up by prefix), the anchors inside it (one pass of a trie regex over the word) and
    whether it holds a digit. A fragment of one or two letters ("s", "ed") is inside most
    words: it is looked for in the proposal's words, sentence by sentence, only when a pattern
    still needs it. So is an anchor with spaces or symbols ("24/7", "no "), in the text itself.
    Sets of sentences are bit masks (bit i: sentence i): unions and intersections are cheap."""

    def __init__(self, patterns: Iterable[tuple[tuple[Anchor, ...], ...]]):
        ids: dict[Anchor, int] = {}
        self.plans = [
            tuple(tuple(ids.setdefault(a, len(ids)) for a in words) for words in _resolve(sets))
            for sets in patterns
        ]
        self._texts: dict[int, str] = {}  # anchors searched in the text itself
        self._short: dict[int, str] = {}  # fragments searched in the words, sentence by sentence
        prefix: dict[str, list[int]] = {}
        fragments: dict[str, list[int]] = {}
        self._digit = ids.get(DIGIT, -1)
        for anchor, i in ids.items():
            if anchor.digit:
                continue
            if not anchor.text.isalnum():
                self._texts[i] = anchor.text
            elif anchor.word_start:
                prefix.setdefault(anchor.text, []).append(i)
            elif len(anchor.text) <= _SHORT:
                self._short[i] = anchor.text
            else:
                fragments.setdefault(anchor.text, []).append(i)
        self._size = len(ids)
        # The sets of anchors found by searching come last: a pattern whose other sets leave
        # no sentence never searches for them. The order of an intersection is no matter.
        lazy = set(self._texts) | set(self._short)
        self._order = [
            tuple(sorted(((s, any(i in lazy for i in s)) for s in plan), key=itemgetter(1)))
            for plan in self.plans
        ]
        # At a position, the longest anchor there; the others there are its prefixes.
        # One answer per line: the longest anchor a word starts with, or "".
        self._prefix_re, self._prefix_ids = _longest(prefix, re.MULTILINE, "^(", ")?.*$")
        # The longest anchor at each place that has one, and "" at each end of a line.
        self._fragment_re, self._fragment_ids = _longest(fragments, 0, "(?=(", "))|\n")
        self._words: dict[str, tuple[int, ...]] = {}
        self._learnt: dict[str, tuple[int, ...]] = {}

    def learn(self, words: Iterable[str]) -> None:
        """Read these words now and keep them, also through `forget()`: the words of the
        knowledge base itself, which proposals are full of."""
        new = [w for w in dict.fromkeys(words) if w not in self._words]
        if new:
            self._words.update(zip(new, self._read(new), strict=True))
        self._learnt = dict(self._words)

    def forget(self) -> None:
        """Drop what was learnt about words since `learn()` (for measuring a cold start)."""
        self._words = dict(self._learnt)

    def holding(
        self, words: list[str], bounds: list[int], text: str, sentence_starts: list[int]
    ) -> list[list[int]]:
        """For each pattern, in order, the sentences holding an anchor of every one of its
        sets. `words` are the proposal's words in order, sentence i being
        `words[bounds[i]:bounds[i + 1]]`; `text` is what the patterns search, with the
        sentences starting at `sentence_starts`."""
        where: dict[str, int] = {}
        get = where.get
        spans = list(itertools.pairwise(bounds))
        for si, (a, b) in enumerate(spans):
            bit = 1 << si
            for word in words[a:b]:
                where[word] = get(word, 0) | bit
        for word in [w for w in where if not w.isalnum()]:
            # "o'brien", "r&d", "2.1m": the words inside start words too.
            for part in _NON_WORD.split(word):
                if part:
                    where[part] = get(part, 0) | where[word]
        hits: list[int | None] = [0] * self._size
        for i in self._texts:
            hits[i] = None  # searched for when first needed
        for i in self._short:
            hits[i] = None
        known = self._words
        if len(known) > _WORD_CACHE:
            known = self._words = {}  # rebound: another thread may be reading the old one
        new = [w for w in where if w not in known]
        if new:
            known.update(zip(new, self._read(new), strict=True))
        for word, mask in where.items():
            for i in known[word]:
                hits[i] |= mask  # type: ignore[operator]
        pieces: list[str] = []  # each sentence's words, when a short fragment is looked for
        joined: tuple[str, list[int]] | None = None  # all of them, and where each sentence starts
        out = []
        every = (1 << len(sentence_starts)) - 1
        texts, short = self._texts, self._short
        ends = [*sentence_starts[1:], len(text)]  # where the next sentence starts
        for plan in self._order:
            holding = -1
            for ids, lazy in plan:
                if not lazy:
                    mask = reduce(or_, map(hits.__getitem__, ids))  # type: ignore[arg-type]
                elif holding >= 0 and holding.bit_count() <= _FEW:
                    # A few sentences left: look in each of them.
                    if not pieces:
                        pieces = [" ".join(words[a:b]) for a, b in spans]
                    mask = 0
                    for si in _bits(holding):
                        bit = 1 << si
                        for i in ids:
                            got = hits[i]
                            if got is None:
                                if i in short:
                                    found = short[i] in pieces[si]
                                elif texts[i][:1] == "\n":  # see `_find`
                                    got = hits[i] = _find(text, texts[i], sentence_starts)
                                    found = bool(got & bit)
                                else:  # a match starting in the sentence or after it
                                    stop = ends[si] + len(texts[i]) - 1
                                    found = text.find(texts[i], sentence_starts[si], stop) >= 0
                                if found:
                                    mask |= bit
                                    break
                                continue
                            if got & bit:
                                mask |= bit
                                break
                else:
                    mask = 0
                    for i in ids:
                        got = hits[i]
                        if got is None:
                            if i in texts:
                                got = _find(text, texts[i], sentence_starts)
                            else:
                                if joined is None:
                                    if not pieces:
                                        pieces = [" ".join(words[a:b]) for a, b in spans]
                                    joined = (
                                        " ".join(pieces),
                                        list(
                                            itertools.accumulate(
                                                (len(p) + 1 for p in pieces[:-1]), initial=0
                                            )
                                        ),
                                    )
                                got = _find(joined[0], short[i], joined[1])
                            hits[i] = got
                        mask |= got
                holding &= mask
                if not holding:
                    break
            if holding == -1:  # a pattern that promises no text: every sentence
                holding = every
            out.append(_bits(holding))
        return out

    def _read(self, words: list[str]) -> list[tuple[int, ...]]:
        """The anchors in each word: those it starts with, those inside it, a digit. All the
        words are read in one pass of each regex over them, joined one per line."""
        if not words:
            return []
        joined = "\n".join(words)
        found: list[tuple[int, ...]]  # tuples, most of them shared: one per word is many
        if self._prefix_re is not None:
            ids = self._prefix_ids
            found = [ids[got] if got else () for got in self._prefix_re.findall(joined)]
        else:
            found = [()] * len(words)
        if self._fragment_re is not None:
            ids, k = self._fragment_ids, 0
            for got in self._fragment_re.findall(joined):
                if got:
                    found[k] += ids[got]
                else:  # the end of word k
                    k += 1
        if self._digit >= 0:
            digit = (self._digit,)
            for k in itertools.compress(range(len(words)), _DIGIT_LINE.findall(joined)):
                found[k] += digit
        return found  # an anchor twice in a word is harmless: masks are OR-ed


_SHORT = 2  # letters: a fragment this short ("s", "ed") is inside most words
_FEW = 24  # sentences: fewer are each looked in for a short fragment
_WORD_CACHE = 100_000  # distinct words remembered between proposals


def _find(text: str, needle: str, starts: list[int]) -> int:
    """The sentences (starting at `starts`) holding `needle`, each searched once."""
    found = 0
    pos = text.find(needle)
    while pos >= 0:
        si = bisect_right(starts, pos) - 1
        if si >= 0:
            found |= 1 << si
        nxt = starts[si + 1] if 0 <= si < len(starts) - 1 else len(text)
        pos = text.find(needle, max(pos + 1, nxt))
    return found


def _longest(
    anchors: dict[str, list[int]], flags: int, before: str, after: str = ""
) -> tuple[re.Pattern[str] | None, dict[str, tuple[int, ...]]]:
    """A regex finding, at a position, the longest of the anchors' texts (wrapped in `before`
    and `after`), and for each text the anchors of it and of its prefixes: those are there too."""
    texts = sorted(anchors)
    if not texts:
        return None, {}
    ids = {t: tuple(i for p in texts if t.startswith(p) for i in anchors[p]) for t in texts}
    return re.compile(f"{before}(?:{_trie(texts)}){after}", flags), ids


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
