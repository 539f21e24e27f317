"""Regex signals run only where their required words are: never at the cost of a match."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.core.analysis import Analyzer
from bot.core.knowledge import load_default
from bot.core.patterns import (
    DIGIT,
    Anchor,
    AnchorIndex,
    find_all,
    required_literals,
    searcher,
)

ROOT = Path(__file__).resolve().parents[1]
DEV = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev"


def texts(anchor_sets: tuple[tuple[Anchor, ...], ...]) -> set[str]:
    """The most selective set's words."""
    return {a.text for a in anchor_sets[0]}


def test_an_alternation_requires_one_of_its_words() -> None:
    got = required_literals(r"\b(success|target|criteri(on|a))\b[^\n]{0,40}\d")
    assert texts(got) == {"success", "target", "criteria", "criterion"}
    assert all(a.word_start for a in got[0])


def test_every_required_part_gives_a_set() -> None:
    got = required_literals(r"\b(success|target)\b[^\n]{0,40}\b(percent|points)\b")
    assert {frozenset(a.text for a in s) for s in got} == {
        frozenset({"success", "target"}),
        frozenset({"percent", "points"}),
    }


def test_the_most_selective_required_part_is_chosen() -> None:
    got = required_literals(r"\b[1-9]\d{0,2} (measured |usable )?(samples|examples)\b")
    assert texts(got) == {"samples", "examples"}


def test_a_shared_prefix_is_put_back_together() -> None:
    assert texts(required_literals(r"\b\d+\s?(fte|full-time)")) == {"fte", "full-time"}


def test_a_digit_every_branch_needs_is_required() -> None:
    got = required_literals(r"(\d+ ?k|[1-9]\d{4,}) users")
    assert texts(got) == {" users"}
    assert (DIGIT,) in got


def test_a_small_character_class_is_a_set_of_anchors() -> None:
    assert texts(required_literals(r"[$£€]\s?\d")) == {"$", "£", "€"}


def test_a_pattern_without_required_text_gives_no_anchors() -> None:
    assert required_literals(r"\w+(\.\w+)?\s?%?") == ()
    assert required_literals(r"(a|\w)") == ()


def test_a_required_digit_narrows_the_words_down() -> None:
    assert required_literals(r"\d+(\.\d+)?\s?%?") == ((DIGIT,),)
    got = required_literals(r"\b(success|target)\b[^\n]{0,40}\d")
    assert texts(got) == {"success", "target"}
    assert got[1] == (DIGIT,)


def test_the_anchor_index_finds_prefixes_fragments_and_symbols() -> None:
    words = ["labelled", "on", "call", "5", "costs"]
    bounds = [0, 1, 3, 5]  # sentence 0: "labelled"; 1: "on call"; 2: "5 costs"
    patterns = [
        ((Anchor("label", True),),),
        ((Anchor("all", False),),),
        ((Anchor("$", False),),),
        ((Anchor("cost", True), Anchor("call", True)),),
        ((DIGIT,),),
        ((Anchor("cost", True),), (DIGIT,)),
        ((Anchor("label", True),), (DIGIT,)),  # both, but never in one sentence
        (),  # no anchors: every sentence
    ]
    index = AnchorIndex(patterns)
    text = "labelled\non-call\n$5 costs"
    want = [[0], [1], [2], [1, 2], [2], [2], [], [0, 1, 2]]
    assert index.holding(words, bounds, text, [0, 9, 17]) == want
    # Read again from what it remembers of the words: the same answer.
    assert index.holding(words, bounds, text, [0, 9, 17]) == want


def test_a_search_past_the_opening_assertions_still_checks_them() -> None:
    text = "xunder under, (below) ~5"
    sources = (r"\b(under|below)", r"(?<![(])\b(under|below)", r"\b~?\d", r"(?<=, )\w+")
    for source in (*sources, r"(?i)\bUNDER"):  # the last one: the plain search
        pattern = re.compile(source)
        for pos in range(len(text)):
            want = pattern.search(text, pos, len(text))
            got = searcher(pattern)(text, pos, len(text))
            assert (want and want.span()) == (got and got.span()), (source, pos)


def test_every_match_is_found_as_finditer_finds_it() -> None:
    text = "if it helps, if anyone helps out\nonce it's live; we'll see, i'd try. xif a helps"
    for source in (r"\bif (?:\w+ ){0,3}helps?\b", r"\b(?:we|i)(?:'ll|'d) (?:try|see)\b", r"\bx?"):
        pattern = re.compile(source)
        assert [m.span() for m in find_all(pattern, text)] == [
            m.span() for m in pattern.finditer(text)
        ]


def _proposals() -> list[str]:
    files = sorted((ROOT / "tests" / "proposals").glob("*.md"))
    if DEV.is_dir():
        files += sorted(DEV.glob("*.md"))
    return [f.read_text(encoding="utf-8") for f in files]


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer(load_default())


@pytest.mark.parametrize("text", _proposals(), ids=lambda t: t.split("\n", 1)[0][:40])
def test_anchored_matching_finds_every_sentence_a_full_scan_finds(
    analyzer: Analyzer, text: str
) -> None:
    doc = analyzer._read(text)
    flat = doc.flat
    starts = [s.start for s in doc.sents]
    index = AnchorIndex(p.anchors for p in analyzer._patterns)
    bounds = [*doc.first_token, len(doc.raw)]
    all_holding = index.holding(doc.raw, bounds, flat, starts)
    for phrase, holding in zip(analyzer._patterns, all_holding, strict=True):
        assert phrase.pattern is not None
        search = searcher(phrase.pattern)
        for si, s in enumerate(doc.sents):
            m = phrase.pattern.search(flat, s.start, s.end)
            fast = search(flat, s.start, s.end)
            assert (m and m.span()) == (fast and fast.span()), phrase.text
            if m is not None and m.end() > m.start():
                assert si in holding, (phrase.text, flat[s.start : s.end])
