"""Reading proposal text: normalisation, sentences and clauses, tokens and a light stemmer.

Everything keeps character offsets into the ORIGINAL text, so a finding can quote the
proposal's own words. Matching works on normalised forms: NFKC, lower case, straight quotes,
markdown markup dropped, inflections folded by `stem()`.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache
from operator import add, lshift, or_
from typing import NamedTuple

# --- normalisation --------------------------------------------------------------------------

# One character in, one character out, so offsets survive (see `match_text`).
_CHAR_MAP = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "`": " ",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2033": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2012": "-",
        "\u2212": "-",
        "\u2010": "-",
        "\u2011": "-",
        "\u2026": ".",
        "\u00a0": " ",
        "\u2009": " ",
        "\u202f": " ",
        "\t": " ",
        "\r": " ",
        "*": " ",
        "_": " ",
        "#": " ",
        "|": " ",
        ">": " ",
    }
)
_ASCII_RUNS = re.compile(r"[\x00-\x7f]+")  # what is left is beyond ASCII
_CHAR_PAIRS = tuple((chr(k), v) for k, v in _CHAR_MAP.items())
_MD_LINK = re.compile(r"\[([^\]\n]*)\]\([^)\n]*\)")
_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Text as the matcher compares it: NFKC, lower case, straight quotes, no markdown markup,
    whitespace collapsed. Offsets are not kept; see `match_text` for that."""
    text = unicodedata.normalize("NFKC", text)
    text = _MD_LINK.sub(r"\1", text)
    return _SPACES.sub(" ", text.translate(_CHAR_MAP).lower()).strip()


def match_text(text: str) -> str:
    """`text` normalised character for character (same length, same offsets): lower case,
    straight quotes and dashes, markdown markup as spaces. Regular-expression signals run on it."""
    # str.replace per character is a C loop each; str.translate looks every character up.
    out = text
    for ch, to in _CHAR_PAIRS:
        if ch in out:
            out = out.replace(ch, to)
    if not out.isascii():
        for ch in set(_ASCII_RUNS.sub("", out)):  # the characters beyond ASCII
            out = out.replace(ch, _fold_char(ch))
    return out.lower()


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    """One character as one character: NFKC and lower case, first character if it grows."""
    folded = unicodedata.normalize("NFKC", ch).lower()
    return folded if len(folded) == 1 else (folded[:1] or " ")


def word_set(text: str) -> frozenset[str]:
    """The words of a space-separated list, as a set: how the word lists here are written."""
    return frozenset(text.split())


# --- stemming -------------------------------------------------------------------------------

_KEEP_S = word_set(
    "bias alias canvas gas atlas this his yes was has does is as us its thus plus "
    "analysis basis status focus process across less unless always perhaps news series "
    "census campus corpus bonus virus gps sms aws ios"
)
# "-ly" words whose stem means something else: "weekly" is not "week", "surely" not "sure".
_KEEP_LY = word_set(
    "daily weekly monthly yearly hourly quarterly nightly fortnightly surely early likely "
    "only family friendly timely costly"
)
_LATIN_IS = ("sis", "xis", "nis", "tis", "ris", "lis", "bis", "his")
_KEEP_S_ENDINGS = ("ss", "us", *_LATIN_IS)
_SUFFIXES = (("ically", "ic"), ("ation", "at"), ("ment", ""), ("ing", ""), ("ed", ""), ("ly", ""))
# The suffixes by their last letter, in order: a word's last letter rules out all but one or two.
_SUFFIXES_BY_LAST: dict[str, tuple[tuple[str, str], ...]] = {
    last: tuple(pair for pair in _SUFFIXES if pair[0][-1] == last)
    for last in {suffix[-1] for suffix, _ in _SUFFIXES}
}
_DOUBLE = frozenset("bdfgklmnprt")  # letters doubled before "-ing", "-ed"
_IRREGULAR = {
    "ran": "run",
    "built": "build",
    "made": "make",
    "paid": "pay",
    "sent": "send",
    "told": "tell",
    "held": "hold",
    "kept": "keep",
    "spent": "spend",
    "brought": "bring",
    "bought": "buy",
    "thought": "think",
    "taught": "teach",
    "caught": "catch",
    "left": "leave",
    "met": "meet",
    "used": "use",
    "using": "use",
}


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light stemmer: folds plurals, -ing, -ed, -ly, -ation, -ment and a final e, so
    "labelled", "labels" and "labelling" meet at "label". Not linguistics: both sides of every
    comparison go through it, and only consistency matters."""
    w = word.lower()
    if w in _IRREGULAR:
        return stem(_IRREGULAR[w])
    if w.endswith("'s"):
        w = w[:-2]
    if len(w) <= 3 or not w.isalpha():
        return w
    last = w[-1]
    if last == "s":
        if w.endswith("ies") and len(w) > 4:
            w = w[:-3] + "y"
        elif w.endswith("sses"):
            w = w[:-2]
        elif not w.endswith(_KEEP_S_ENDINGS) and w not in _KEEP_S:
            w = w[:-1]  # "kpis", "apis" lose their s; "analysis", "axis" keep it
    elif last == "d" and w.endswith("ied") and len(w) > 4:
        w = w[:-3] + "y"
    for suffix, replacement in _SUFFIXES_BY_LAST.get(w[-1], ()):
        if suffix == "ly" and (w in _KEEP_LY or w.endswith(("ply", "ily"))):
            continue
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            w = w[: -len(suffix)] + replacement
            if suffix in ("ing", "ed") and w[-1] == w[-2] and w[-1] in _DOUBLE:
                w = w[:-1]  # "labelling", "planned"
            break
    base = w.rstrip("e")
    return base if len(base) >= 3 else w


# --- tokens, sentences, clauses -------------------------------------------------------------

# A word: letters or digits, joined by apostrophes, dots or ampersands ("haven't", "0.97",
# "e.g", "r&d"). Hyphens and slashes split words into parts: "on-call" is "on" + "call".
_WORD = re.compile(r"[^\W_]+(?:['\u2019.&][^\W_]+)*")


class Token(NamedTuple):
    text: str  # normalised, not stemmed ("haven't", "on", "call")
    start: int  # offsets in the original text
    end: int
    joined: bool = False  # joined to the previous token by a hyphen or slash ("on-call")


_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+(.*?)[ \t#]*$")
_BOLD_LINE = re.compile(r"^[ \t]*(?:\*\*|__)([^*_\n]{1,120}?)(?:\*\*|__)[ \t]*:?[ \t]*$")
_SUBJECT = re.compile(r"^[ \t]*(?:subject|re|fwd?|title|to|from|cc|date)[ \t]*:", re.IGNORECASE)
_BULLET = re.compile(r"^[ \t]*(?:[-*+\u2022]|\d{1,3}[.)])[ \t]+")
_RULE = re.compile(r"^[ \t]*(?:[-*_=][ \t]*){3,}$|^[ \t]*\|?[ \t]*:?-{3,}")
# A short label that opens a line: "**Goal (agreed):**", "Value.", "Rollout:", "Q:".
_LABEL = re.compile(
    r"^[ \t]*(?:[-*+\u2022][ \t]+|\d{1,3}[.)][ \t]+)?"
    r"(?:(?:\*\*|__)(?P<bold>[^*_\n]{1,80}?)[.:]?(?:\*\*|__)[.:]?"
    r"|(?P<plain>[A-Z][\w/&'()-]*(?:[ \t][\w/&'()-]+){0,3}?)[ \t]*:(?=[ \t]))"
)
_LAST_WORD = re.compile(r"(?<![\w'\u2019])([\w.]+)$")  # not the "t" of "don't."
_INLINE_LABEL = re.compile(r"(?:\*\*|__)([^*_\n]{1,60}?)[.:]?(?:\*\*|__)")
_ABBREVIATIONS = word_set(
    "e.g i.e vs etc dr mr mrs ms prof approx no fig inc ltd co st jr sr dept est ca cf al "
    "jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thurs fri"
)
_SENTENCE_END = re.compile(r"[.!?]+[\"')\]\u201d\u2019*_]*(?=\s|$)")
_CLAUSE_PUNCT = re.compile(r"[,;:()\[\]]|\s-\s|--")
_CLAUSE_WORDS = word_set(
    "but however although though whereas so because since unless except while which whereas yet"
)


def tokens(text: str, start: int = 0, end: int | None = None) -> list[Token]:
    """The words of text[start:end], split at hyphens and slashes, normalised (not stemmed)."""
    out: list[Token] = []
    end = len(text) if end is None else end
    prev_end = -1
    new, norm, append = tuple.__new__, _norm_word, out.append  # the hot loop of reading
    for m in _WORD.finditer(text, start, end):
        base, stop = m.span()
        word = m.group()
        word = word.lower() if word.isascii() else norm(word)
        append(new(Token, (word, base, stop, prev_end == base - 1 and text[base - 1] in "-/")))
        prev_end = stop
    return out


@lru_cache(maxsize=65536)
def _norm_word(word: str) -> str:
    if word.isascii():
        return word.lower()
    return unicodedata.normalize("NFKC", word).translate(_CHAR_MAP).lower()


class Span(NamedTuple):
    """A sentence (or list item, or table cell run) of the proposal."""

    start: int
    end: int
    heading: str  # the section heading or bold label it falls under, normalised; "" if none
    question: bool  # ends with a question mark


@dataclass
class Reading:
    """A proposal read once: its sentences and, in parallel lists, the words in them.

    `clause_of[i]` is the clause of word i, as one number: its sentence shifted left by
    `CLAUSE_BITS`, or-ed with the clause's count (a number, not a pair: a proposal has
    thousands of words). Clauses split at commas, colons, semicolons, brackets, dashes and
    "but", "so", "because"... Negation and hedging reach within one. Clause numbers are only
    ever compared, never counted."""

    sentences: list[Span]
    words: list[str]  # normalised, not stemmed ("haven't", "on", "call")
    starts: list[int]  # offsets in the original text
    sentence_of: list[int]
    clause_of: list[int]
    first_word: list[int]  # per sentence


CLAUSE_BITS = 32  # a clause's number is (sentence << CLAUSE_BITS) | clause


@lru_cache(maxsize=256)
def _word_split(letters: str) -> re.Pattern[str]:
    """`_WORD` as a split with its words kept, for a text whose letters and digits beyond
    ASCII are `letters`. The same words: in that text `[^\\W_]` is `[0-9A-Za-z]` and those
    letters, a class the regex engine checks from a table rather than by Unicode category.
    Possessive: a word never gives back letters, so the engine need not try."""
    chars = f"0-9A-Za-z{re.escape(letters)}"
    return re.compile(f"([{chars}]++(?:['\u2019.&][{chars}]++)*+)")


def read(text: str) -> Reading:
    """Split `text` (plain text or markdown) into sentences, each under the heading it
    belongs to, and their words. Headings, horizontal rules and e-mail header lines are not
    sentences. The whole text is split into words in one pass; no word crosses a sentence."""
    ascii_text = text.isascii()
    if ascii_text:
        parts = _word_split("").split(text.lower())
    else:  # the letters beyond ASCII this text has, if any
        others = "".join(sorted(c for c in set(_ASCII_RUNS.sub("", text)) if c.isalnum()))
        parts = _word_split(others).split(text)
    pos = list(itertools.accumulate(map(len, parts), initial=0))
    if ascii_text:
        all_words = parts[1::2]
    else:  # each distinct word once
        forms = dict.fromkeys(parts[1::2])
        for word in forms:
            forms[word] = word.lower() if word.isascii() else _norm_word(word)
        all_words = list(map(forms.__getitem__, parts[1::2]))
    all_starts = pos[1::2][: len(all_words)]
    gaps = parts[0::2]  # gaps[k]: the text before word k
    punct = {g: bool(_CLAUSE_PUNCT.search(g)) for g in set(gaps)}
    clauses = list(
        itertools.accumulate(
            map(add, map(punct.__getitem__, gaps), map(_CLAUSE_WORDS.__contains__, all_words))
        )
    )
    sentences: list[Span] = []
    ranges: list[tuple[int, int]] = []  # each sentence's words
    heading = ""
    for kind, start, end, label in _blocks(text):
        if kind == "heading":
            heading = label
            continue
        block_heading = label or heading
        for s_start, s_end in _split_sentences(text, start, end):
            first = bisect_left(all_starts, s_start)
            last = bisect_left(all_starts, s_end, first)
            if first == last:
                continue
            if s_start > start:  # "... today. **Success criterion**: MAE below 6%."
                inline = _INLINE_LABEL.match(text, s_start, s_end)
                if inline:
                    block_heading = normalise(inline.group(1))
            question = text[s_start:s_end].rstrip(" *_\"')").endswith("?")
            sentences.append(Span(s_start, s_end, block_heading, question))
            ranges.append((first, last))
    # The sentences' words, copied a run of consecutive sentences at a time.
    runs: list[list[int]] = []
    for first, last in ranges:
        if runs and runs[-1][1] == first:
            runs[-1][1] = last
        else:
            runs.append([first, last])
    sizes = [last - first for first, last in ranges]
    runs_of_clauses = (clauses[a:b] for a, b in runs)
    bits = itertools.repeat(CLAUSE_BITS)
    chain = itertools.chain.from_iterable
    sentence_of = list(chain(map(itertools.repeat, range(len(sizes)), sizes)))
    return Reading(
        sentences=sentences,
        words=list(chain(all_words[a:b] for a, b in runs)),
        starts=list(chain(all_starts[a:b] for a, b in runs)),
        sentence_of=sentence_of,
        clause_of=list(map(or_, map(lshift, sentence_of, bits), chain(runs_of_clauses))),
        first_word=list(itertools.accumulate(sizes[:-1], initial=0)) if sizes else [],
    )


def _blocks(text: str) -> list[tuple[str, int, int, str]]:
    """Headings and paragraphs (a list item is a paragraph), as (kind, start, end, label)."""
    blocks: list[tuple[str, int, int, str]] = []
    para_start = -1
    para_end = -1
    para_label = ""
    pos = 0

    def flush() -> None:
        nonlocal para_start, para_label
        if para_start >= 0:
            blocks.append(("para", para_start, para_end, para_label))
        para_start = -1
        para_label = ""

    for line in text.splitlines(keepends=True):
        line_start = pos
        pos += len(line)
        body = line.rstrip("\r\n")
        line_end = line_start + len(body)
        lead = body[:1]
        if lead.isascii() and lead.isalpha():  # no rule, heading, bold line or list item
            if para_start < 0:
                if _SUBJECT.match(body):
                    blocks.append(("heading", line_start, line_end, ""))
                    continue
                para_start = line_start
                label = _LABEL.match(body)
                if label:
                    para_label = normalise(label.group("bold") or label.group("plain") or "")
            para_end = line_end
            continue
        stripped = body.strip()
        if not stripped or _RULE.match(body):
            flush()
            continue
        head = _HEADING.match(body) or _BOLD_LINE.match(body)
        if head:
            flush()
            # The document's title ("# Churn model", "**AC-1187: Auto-ban ...**") names the
            # project, not a section: what it says is no section label.
            is_title = not blocks and (body.lstrip().startswith("# ") or head.re is _BOLD_LINE)
            label = "" if is_title else normalise(head.group(1))
            blocks.append(("heading", line_start, line_end, label))
            continue
        if _SUBJECT.match(body) and para_start < 0:
            blocks.append(("heading", line_start, line_end, ""))
            continue
        if _BULLET.match(body):
            flush()
        if para_start < 0:
            para_start = line_start
            label = _LABEL.match(body)
            if label:
                para_label = normalise(label.group("bold") or label.group("plain") or "")
        para_end = line_end
    flush()
    return blocks


def _split_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    cur = start
    for m in _SENTENCE_END.finditer(text, start, end):
        stop = m.end()
        mark = m.group()
        if mark[0] == "." and (len(mark) == 1 or len(mark.rstrip("\"')]\u201d\u2019*_")) == 1):
            # "e.g. the", "Dr. Hansen", "v. 2": a period that does not end the sentence.
            word = _LAST_WORD.search(text, max(cur, m.start() - 12), m.start())
            if word and (len(word.group(1)) == 1 or word.group(1).lower() in _ABBREVIATIONS):
                continue
        spans.append((cur, stop))
        cur = stop
    if cur < end:
        spans.append((cur, end))
    trimmed = []
    for a, b in spans:
        seg = text[a:b]
        left = seg.lstrip()
        body = left.rstrip()
        if body:
            a += len(seg) - len(left)
            trimmed.append((a, a + len(body)))
    return trimmed
