"""Proposal text to findings: which of the nine areas the proposal settles, and which it leaves
at risk, each finding with the proposal's own words.

The phrases come from the knowledge base (`signals` of areas and risks); this module holds
only generic mechanisms:

- tolerant matching: both sides are normalised and stemmed, misspelt words are mapped to the
  knowledge base's vocabulary with rapidfuzz, and a phrase's words may have a few other words
  between them; a phrase starting with `re:` is a regular expression;
- scopes: a negation cue in the same clause ("no", "nobody", "haven't", "without"...) turns a
  `covered` phrase into a stated problem and a `reveal` phrase into coverage; a hedge in the
  same clause ("probably", "TBD", "once it's live", or a question) makes either one a
  vague, medium-level finding (the cue words are in `language.py`);
- adequacy: an area is settled only by enough distinct pieces of concrete coverage, not by a
  bare mention: a lone word counts half, and so does coverage under a heading about another
  area; an area the proposal never addresses is a finding too.
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache, partial, reduce
from operator import or_
from typing import Literal, NamedTuple

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.core.decision import AreaEvidence, DecisionModel, area_features, bundled
from bot.core.knowledge import AREA_IDS, KnowledgeBase, Level, Severity
from bot.core.language import (
    DETERMINER_NEGATIONS,
    DETERMINERS,
    FINITE_VERBS,
    HEDGE_PATTERNS,
    HEDGE_PHRASES,
    HEDGE_WORDS,
    JOINERS,
    LIGHT_NOUNS,
    NEED_WORDS,
    NEGATION_EXCEPTIONS,
    NEGATIONS,
    NEUTRAL_SKIP,
    NEUTRALISERS,
    NOUN_HEDGES,
    PEOPLE,
    POST_NEGATIONS,
    PREPOSITIONS,
    RELATIVES,
    SAME_AS_NO,
    SECTION_WORDS,
    STATUS_QUO,
    STOPWORDS,
    VERB_NEGATIONS,
)
from bot.core.patterns import (
    Anchor,
    AnchorIndex,
    find_all,
    required_literals,
    searcher,
    signal_source,
)
from bot.core.text import CLAUSE_BITS, Span, match_text, normalise, read, stem, tokens

Reason = Literal["stated", "negated", "hedged", "vague", "silent"]

_OFF_SECTION_WEIGHT = 0.5  # coverage under a heading about another area
_BARE_WORD = 0.5  # coverage by a lone word ("baseline", "drift")

_LEVEL_RANK = {"high": 3, "medium": 2, "low": 1}
_SEVERITY_RANK = {"high": 3, "medium": 2, "low": 1}

# How many distinct pieces of coverage settle an area. Most areas need two facets (an owner
# AND on-call, a metric AND a baseline...); objectives and ethics can be settled by one strong
# statement ("Success: churn down 2 points", "no decisions about people").
_NEEDED: dict[str, int] = {
    "objectives": 1,
    "value": 2,
    "data": 2,
    "feasibility": 2,
    "evaluation": 2,
    "deployment": 2,
    "monitoring": 2,
    "stakeholders": 2,
    "ethics": 1,
}

# --- public results -------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    area: str  # one of AREA_IDS
    risk: str | None  # KB risk id; None when the finding is "area not addressed"
    severity: str  # "high" | "medium" | "low" (the risk's severity; "medium" for silence)
    level: Level  # what it implies for its area: "high" = problem stated, "medium" = vague
    reason: str  # "stated" | "negated" | "hedged" | "vague" | "silent"
    evidence: str  # the proposal's words (the sentence/clause span), "" when silent
    start: int  # char offset in the original text, -1 when silent
    end: int


@dataclass(frozen=True)
class AreaResult:
    area: str
    level: Level
    findings: tuple[Finding, ...]
    coverage: tuple[str, ...]  # evidence spans showing the area is addressed
    features: Mapping[str, float] = field(default_factory=dict)  # what the level was decided on
    terms: Mapping[str, int] = field(default_factory=dict)  # stems of the sentences about it


@dataclass(frozen=True)
class Analysis:
    areas: dict[str, AreaResult]  # all nine, in AREA_IDS order
    findings: tuple[Finding, ...]  # all, most serious first

    def settled(self) -> set[str]:
        """Areas the proposal adequately addresses (level "low")."""
        return {a for a, r in self.areas.items() if r.level == "low"}


# --- compiled signals -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Phrase:
    text: str  # as written in the knowledge base
    area: str
    risk: str | None
    kind: Literal["reveal", "covered"]
    words: tuple[str, ...] = ()  # stemmed words, matched in order with small gaps
    pattern: re.Pattern[str] | None = None
    anchors: tuple[tuple[Anchor, ...], ...] = ()  # a match holds one anchor of each set
    hedged: bool = False  # the phrase itself is vague ("we'll monitor it", "see how it goes")


class _Match(NamedTuple):  # a tuple: hundreds are made per proposal
    phrase: _Phrase
    sentence: int
    first: int  # token index (global) of the first matched word
    last: int  # token index of the last matched word
    own: frozenset[int] | range  # token indices belonging to the phrase itself


# Makes a `_Match` from a tuple of its fields in C, without `_Match.__new__`'s Python frame.
_new_match = partial(tuple.__new__, _Match)


@dataclass
class _Doc:
    """One proposal, tokenised once: global token arrays and per-sentence lookups."""

    text: str
    sents: list[Span]
    # Tuples, not lists, for the per-token arrays never changed once made: the garbage
    # collector stops looking into a tuple of strings or numbers.
    words: tuple[str, ...] = ()  # canonical stems, one per token
    raw: list[str] = field(default_factory=list)  # normalised token text
    stems: tuple[str, ...] = ()  # stem of each token
    negation: list[bool] = field(default_factory=list)  # the token negates what follows
    # The token negates a phrase right before it ("nobody", "isn't"); see `_negated`.
    after_cue: list[bool] = field(default_factory=list)
    quoted: set[int] = field(default_factory=set)  # tokens inside double quotes
    flat: str = ""  # the text as regexes read it (see _flatten)
    starts: list[int] = field(default_factory=list)  # char offset of each token
    sent_of: list[int] = field(default_factory=list)
    clause_of: list[int] = field(default_factory=list)  # see `Reading.clause_of`
    first_token: list[int] = field(default_factory=list)  # per sentence
    joins: tuple[int, ...] = ()  # running count of "and"/"or" tokens
    ands: tuple[int, ...] = ()  # running count of "and" tokens
    sections: list[frozenset[str]] = field(
        default_factory=list
    )  # areas each sentence's heading announces
    matched: dict[int, set[str]] = field(default_factory=dict)  # areas with a match, per sentence
    # Plain coverage of every area, per sentence: (first, last) token spans.
    plain_cover: dict[int, list[tuple[int, int]]] = field(default_factory=dict)
    section_of: dict[str, set[int]] = field(default_factory=dict)  # area -> its sections' sentences


@dataclass(frozen=True)
class _Judged:
    """An area as the signal rules leave it."""

    result: AreaResult
    evidence: AreaEvidence  # what the decision model weighs
    first_cover: int  # the sentence of the first piece of coverage, -1 if none


_SHORT_ANSWER = 5  # words: "Monitoring: not discussed." answers its heading in a few
_CACHE_LIMIT = 100_000  # words remembered between proposals (stems, spelling corrections)
_MAX_GAP = 3  # words allowed between two consecutive words of a phrase


class Analyzer:
    """Compiles the knowledge base's signals once; `analyse()` is then cheap per proposal.

    One Analyzer may serve several threads: `analyse()` only adds to its word caches.
    """

    def __init__(
        self, kb: KnowledgeBase, decisions: DecisionModel | None = None, *, rules_only: bool = False
    ) -> None:
        """`decisions` weighs what was found into each area's level (the bundled model by
        default); `rules_only` keeps the signal rules' own levels."""
        self._kb = kb
        self._decisions = None if rules_only else (decisions or bundled())
        self._hedge_words, self._hedge_phrases, self._hedge_patterns = _hedge_lexicon()
        self._hedge_by_first: dict[str, list[tuple[str, ...]]] = defaultdict(list)
        for words in self._hedge_phrases:
            self._hedge_by_first[words[0]].append(words)
        phrases: list[_Phrase] = []
        for area_id in AREA_IDS:
            area = kb.areas.get(area_id)
            if area is not None:
                phrases += self._compile(area.signals.reveal, area_id, None, "reveal")
                phrases += self._compile(area.signals.covered, area_id, None, "covered")
        for risk in kb.risks.values():
            phrases += self._compile(risk.signals.reveal, risk.area, risk.id, "reveal")
            phrases += self._compile(risk.signals.covered, risk.area, risk.id, "covered")
        self._word_phrases = [p for p in phrases if p.words]
        self._patterns = [p for p in phrases if p.pattern is not None]
        self._anchors = AnchorIndex(p.anchors for p in self._patterns)
        self._searches = [searcher(p.pattern) for p in self._patterns if p.pattern is not None]
        # Each phrase under its first word, with the other words it needs.
        self._by_first_word: dict[str, list[tuple[_Phrase, frozenset[str]]]] = defaultdict(list)
        for p in self._word_phrases:
            self._by_first_word[p.words[0]].append((p, frozenset(p.words[1:])))
        self._vocab = frozenset(w for p in self._word_phrases for w in p.words)
        kb_words = _kb_words(kb)
        self._known = self._vocab | frozenset(map(stem, kb_words))
        by_initial: dict[str, list[str]] = defaultdict(list)
        for w in sorted(self._vocab):
            if len(w) >= 5 and w.isalpha():
                by_initial[w[0]].append(w)
        self._by_initial = dict(by_initial)
        self._by_length = {  # (initial, length) -> the candidates within reach of that length
            (initial, n): [w for w in words if abs(len(w) - n) <= (1 if n < 9 else 2)]
            for initial, words in self._by_initial.items()
            for n in range(6, max(map(len, words)) + 3)
        }
        self._spelling: dict[str, str] = {}
        # word -> its stem, and word -> the form phrases match; one pair, swapped as one.
        self._forms: tuple[dict[str, str], dict[str, str]] = ({}, {})
        self._section_areas: dict[str, frozenset[str]] = {}
        self._risk_texts = {a: [(r.id, _risk_text(r)) for r in kb.risks_in(a)] for a in AREA_IDS}
        self._closest: dict[tuple[str, str], str | None] = {}  # (area, text) -> risk
        # The knowledge base's own words are read now, once: proposals are full of them.
        words = sorted(kb_words)
        self._learn(words)
        self._anchors.learn(words)
        self._learnt = (dict(self._forms[0]), dict(self._forms[1]), dict(self._spelling))

    # -- compiling ---------------------------------------------------------------------------

    def _compile(
        self, texts: list[str], area: str, risk: str | None, kind: Literal["reveal", "covered"]
    ) -> list[_Phrase]:
        out = []
        for text in texts:
            if text.startswith("re:"):
                source = signal_source(text)
                pattern = re.compile(source)
                anchors = required_literals(source)
                out.append(_Phrase(text, area, risk, kind, pattern=pattern, anchors=anchors))
                continue
            hedged = self._is_hedge(text)
            for words in _variants(text):
                out.append(_Phrase(text, area, risk, kind, words=words, hedged=hedged))
        return out

    # -- analysing ---------------------------------------------------------------------------

    def analyse(self, text: str) -> Analysis:
        doc = self._read(text)
        matches = self._match_words(doc) + self._match_patterns(doc)
        hedged_clauses = self._hedges(doc)
        per_area: dict[str, list[tuple[_Match, str]]] = defaultdict(list)
        matched, plain_cover, classify = doc.matched, doc.plain_cover, self._classify
        for m in matches:
            phrase = m.phrase
            matched.setdefault(m.sentence, set()).add(phrase.area)
            how = classify(doc, m, hedged_clauses)
            per_area[phrase.area].append((m, how))
            if how == "plain" and phrase.kind == "covered":
                plain_cover.setdefault(m.sentence, []).append((m.first, m.last))

        said = self._section_statements(doc, matches, hedged_clauses)
        judged = {a: self._judge(doc, a, per_area.get(a, []), said.get(a, [])) for a in AREA_IDS}
        settled = sum(j.result.level == "low" for j in judged.values())
        words = len(text.split())
        context = _context_terms(doc)
        results: dict[str, AreaResult] = {}
        for area, j in judged.items():
            rule_settled = j.result.level == "low"
            features = area_features(j.evidence, settled - rule_settled, words)
            terms = context.get(area, {})
            r = results[area] = replace(j.result, features=features, terms=terms)
            if (
                self._decisions is not None
                and self._decisions.flags(area, features, terms) == rule_settled
            ):
                results[area] = self._overrule(doc, r, j.first_cover)
        findings = sorted(
            (f for r in results.values() for f in r.findings),
            key=lambda f: (
                -_LEVEL_RANK[f.level],
                -_SEVERITY_RANK[f.severity],
                f.start < 0,
                f.start,
            ),
        )
        return Analysis(areas=results, findings=tuple(findings))

    def _read(self, text: str) -> _Doc:
        reading = read(text)
        doc = _Doc(
            text=text,
            sents=reading.sentences,
            raw=reading.words,
            starts=reading.starts,
            sent_of=reading.sentence_of,
            clause_of=reading.clause_of,
            first_token=reading.first_word,
            sections=[self._sections(s.heading) for s in reading.sentences],
        )
        for si, areas in enumerate(doc.sections):
            for area in areas:
                doc.section_of.setdefault(area, set()).add(si)
        if len(self._forms[0]) > _CACHE_LIMIT:
            self._forms = ({}, {})  # rebound, not cleared: another thread may be reading them
        raw = doc.raw
        forms = self._forms
        distinct = dict.fromkeys(raw)
        self._learn(distinct, forms)
        doc.stems = tuple(map(forms[0].__getitem__, raw))
        doc.words = tuple(map(forms[1].__getitem__, raw))
        doc.flat = _flatten(doc)
        quoted = _quoted(doc)
        doc.joins = tuple(itertools.accumulate(map(JOINERS.__contains__, raw), initial=0))[1:]
        doc.ands = tuple(itertools.accumulate(map("and".__eq__, raw), initial=0))[1:]
        doc.negation = [False] * len(raw)
        doc.after_cue = list(map(POST_NEGATIONS.__contains__, raw))
        cues = {w for w in distinct if w in NEGATIONS or w.endswith("n't") or w == "yet"}
        for i in itertools.compress(range(len(raw)), map(cues.__contains__, raw)) if cues else ():
            if i not in quoted:
                negation = doc.negation[i] = _is_negation(doc, i)
                if negation and (raw[i] in VERB_NEGATIONS or raw[i].endswith("n't")):
                    doc.after_cue[i] = True
        doc.quoted = quoted
        return doc

    def _learn(
        self, words: Iterable[str], forms: tuple[dict[str, str], dict[str, str]] | None = None
    ) -> None:
        """Stem each new word and map it to the knowledge base's spelling, once."""
        stems, canonical = forms or self._forms
        for w in words:
            if w not in stems:
                st = stem(w)
                canonical[w] = self._canonical("no" if w in SAME_AS_NO else st)
                stems[w] = st  # last: a word in `stems` is in both

    def forget_words(self) -> None:
        """Drop what was learnt about words between proposals, back to the state of a newly
        built Analyzer (for measuring a cold start)."""
        self._forms = (dict(self._learnt[0]), dict(self._learnt[1]))
        self._spelling = dict(self._learnt[2])
        self._closest = {}
        self._anchors.forget()

    def _is_hedge(self, text: str) -> bool:
        """Whether a signal phrase is itself vague ("we'll monitor it once it's live")."""
        if any(t.text in self._hedge_words for t in tokens(text)):
            return True
        words = [stem(t.text) for t in tokens(text)]
        joined = f" {' '.join(words)} "
        if any(f" {' '.join(h)} " in joined for h in self._hedge_phrases):
            return True
        folded = normalise(text)
        return any(p.search(folded) for p in self._hedge_patterns)

    def _sections(self, heading: str) -> frozenset[str]:
        """The areas a heading announces (none for "Hi Glen," or an unknown heading)."""
        areas = self._section_areas.get(heading)
        if areas is None:
            words = {t.text for t in tokens(heading)} | {stem(t.text) for t in tokens(heading)}
            areas = frozenset(a for a, vocab in SECTION_WORDS.items() if words & vocab)
            self._section_areas[heading] = areas
        return areas

    def _canonical(self, word: str) -> str:
        """The knowledge base's spelling of `word` when it looks like a typo of one."""
        if word in self._known or len(word) < 6 or not word.isalpha():
            return word
        hit = self._spelling.get(word)
        if hit is None:
            hit = word
            # Only words of a length within the limit can be that close, in the same order.
            candidates = self._by_length.get((word[0], len(word)), self._by_initial.get(word[0]))
            if candidates:
                limit = 1 if len(word) < 9 else 2
                best = process.extractOne(word, candidates, scorer=OSA.distance, score_cutoff=limit)
                if best is not None:
                    hit = best[0]
            if len(self._spelling) > _CACHE_LIMIT:
                self._spelling = {}
            self._spelling[word] = hit
        return hit

    def _match_words(self, doc: _Doc) -> list[_Match]:
        """Word phrases: all words in one sentence (set intersection), then in order, each
        within a few words of the previous one and in the same clause."""
        positions: dict[str, list[int]] = defaultdict(list)
        words = doc.words
        # Other words are in no phrase.
        for i in itertools.compress(range(len(words)), map(self._vocab.__contains__, words)):
            positions[words[i]].append(i)
        in_sentences: dict[str, int] = {}  # word -> its sentences, as a bit mask
        sent_of = doc.sent_of
        out: list[_Match] = []
        by_first = self._by_first_word
        present = positions.keys()
        sentence_bit = (1).__lshift__
        for phrase, rest in (p for w in positions if w in by_first for p in by_first[w]):
            words = phrase.words
            if not rest:
                if len(words) == 1:  # a lone word: its first place in each sentence
                    last = -1
                    for i in positions[words[0]]:
                        if sent_of[i] != last:
                            last = sent_of[i]
                            out.append(_new_match((phrase, last, i, i, frozenset((i,)))))
                    continue
            elif not present >= rest:
                continue
            shared = -1
            for w in words:
                mask = in_sentences.get(w)
                if mask is None:
                    mask = in_sentences[w] = reduce(
                        or_, map(sentence_bit, map(sent_of.__getitem__, positions[w]))
                    )
                shared &= mask
            while shared:  # the sentences holding every word, in order
                low = shared & -shared
                shared ^= low
                match = self._match_in_sentence(doc, phrase, positions, low.bit_length() - 1)
                if match is not None:
                    out.append(match)
        return out

    @staticmethod
    def _match_in_sentence(
        doc: _Doc, phrase: _Phrase, positions: dict[str, list[int]], si: int
    ) -> _Match | None:
        first_list = positions[phrase.words[0]]
        start = doc.first_token[si]
        stop = doc.first_token[si + 1] if si + 1 < len(doc.first_token) else len(doc.words)
        for k in range(bisect_left(first_list, start), bisect_left(first_list, stop)):
            p = cur = first_list[k]
            own = [p]
            for prev, w in itertools.pairwise(phrase.words):
                plist = positions[w]
                j = bisect_right(plist, cur)
                if j == len(plist):
                    return None
                q = plist[j]
                # After "no", at most one word: "no clear owner" is "no owner", but
                # "no one has been named" is not "no names".
                gap = 1 if prev == "no" else _MAX_GAP
                if (
                    q > cur + 1 + gap
                    or doc.clause_of[q] != doc.clause_of[cur]
                    or doc.joins[q - 1] != doc.joins[cur]
                ):
                    break
                cur = q
                own.append(cur)
            else:
                return _new_match((phrase, si, p, cur, frozenset(own)))
        return None

    def _match_patterns(self, doc: _Doc) -> list[_Match]:
        if not doc.sents:
            return []
        flat, starts = doc.flat, doc.starts
        begins = [s.start for s in doc.sents]
        ends = [s.end for s in doc.sents]
        holding = self._anchors.holding(doc.raw, [*doc.first_token, len(doc.raw)], flat, begins)
        out: list[_Match] = []
        for phrase, search, where in zip(self._patterns, self._searches, holding, strict=True):
            # Only the sentences holding one of each of the pattern's required words.
            for si in where:
                m = search(flat, begins[si], ends[si])
                if m is not None and m.end() > m.start():
                    first = bisect_left(starts, m.start())
                    last = bisect_left(starts, m.end()) - 1
                    if first <= last:
                        out.append(_new_match((phrase, si, first, last, range(first, last + 1))))
        return out  # one match per pattern and sentence at most

    def _hedges(self, doc: _Doc) -> dict[int, list[int]]:
        """Clause (see `Reading.clause_of`) -> token indices of the hedge cues in it."""
        found: dict[int, list[int]] = defaultdict(list)
        stems = doc.stems
        by_first = self._hedge_by_first
        # Only the words that are a hedge or start one; most are neither.
        every = range(len(stems))
        cues = set(itertools.compress(every, map(self._hedge_words.__contains__, doc.raw)))
        cues.update(itertools.compress(every, map(by_first.__contains__, stems)))
        count = len(stems)
        for i in sorted(cues):
            w = stems[i]
            if doc.raw[i] in self._hedge_words:  # "eventually" hedges, "the eventual rate" not
                found[doc.clause_of[i]].append(i)
            phrases = by_first.get(w)
            if not phrases:
                continue
            if w in NOUN_HEDGES and i > 0 and doc.raw[i - 1] in DETERMINERS:
                continue  # "this kind of data" names a kind; "it kind of works" hedges
            after = stems[i + 1] if i + 1 < count else None
            for words in phrases:
                n = len(words)
                if n > 1 and words[1] != after:
                    continue  # most phrases part ways at their second word
                j = i + n - 1
                if (
                    j < len(stems)
                    and doc.sent_of[j] == doc.sent_of[i]
                    and tuple(stems[i : j + 1]) == words
                ):
                    found[doc.clause_of[i]].extend(range(i, j + 1))
        if doc.quoted:  # a quoted "unclear" is someone's words, not the author's doubt
            for key in list(found):
                found[key] = [i for i in found[key] if i not in doc.quoted]
        if self._hedge_patterns:
            for pattern in self._hedge_patterns:
                for m in find_all(pattern, doc.flat):
                    first = bisect_left(doc.starts, m.start())
                    last = bisect_left(doc.starts, m.end()) - 1
                    if first <= last:
                        found[doc.clause_of[first]].extend(range(first, last + 1))
        return found

    def _classify(self, doc: _Doc, m: _Match, hedged_clauses: dict[int, list[int]]) -> str:
        """ "negated", "hedged" or "plain", judged on the match's clause."""
        if self._negated(doc, m):
            return "negated"
        if m.phrase.hedged:
            return "hedged"
        sentence = doc.sents[m.sentence]
        if sentence.question:
            return "hedged"
        for clause in (doc.clause_of[m.first], doc.clause_of[m.last]):
            cues = hedged_clauses.get(clause)
            if cues and not all(map(m.own.__contains__, cues)):
                return "hedged"
        return "plain"

    def _negated(self, doc: _Doc, m: _Match) -> bool:
        clause = doc.clause_of[m.first]
        start = doc.first_token[m.sentence]
        lo = max(start, m.first - 8)
        cues = 0
        # Only a negation is a cue, and most phrases have none before or inside them.
        near = doc.negation[lo : m.last + 1]
        for i in itertools.compress(range(lo, m.last + 1), near) if True in near else ():
            if i in m.own or (
                doc.clause_of[i] != clause and doc.clause_of[i] != doc.clause_of[m.last]
            ):
                continue
            # "no personal data and no decisions about people": a negation's reach ends at "and".
            if i < m.first and doc.ands[m.first] != doc.ands[i]:
                continue
            if not _scope_ends(doc, i, m.first) and not _verb_scope_ends(doc, i, m.first):
                cues += 1
        if cues:
            if _need_follows(doc, m):
                return False  # "no real-time needed": what is negated is the need, not the thing
            # "never used for training without opt-in": two negations cancel out.
            return cues % 2 == 1
        if True not in doc.after_cue[m.last + 1 : m.last + 4]:
            return False
        end = len(doc.words)
        for k, i in enumerate(range(m.last + 1, min(end, m.last + 4))):
            if doc.sent_of[i] != m.sentence or doc.clause_of[i] != doc.clause_of[m.last]:
                break
            if doc.raw[i] in POST_NEGATIONS:
                return True
            # "Works council doesn't know yet", "the dashboards aren't built": the verb
            # right after the phrase is negated.
            if (
                k == 0
                and doc.negation[i]
                and (doc.raw[i] in VERB_NEGATIONS or doc.raw[i].endswith("n't"))
            ):
                return True
        return False

    def _section_statements(
        self, doc: _Doc, matches: list[_Match], hedged_clauses: dict[int, list[int]]
    ) -> dict[str, list[tuple[int, Reason]]]:
        """Short sentences that answer their own heading with a negation or a hedge:
        "Monitoring: not discussed.", "**Running it.** TBD." They need no signal phrase."""
        matched = {(m.sentence, m.phrase.area) for m in matches}
        out: dict[str, list[tuple[int, Reason]]] = defaultdict(list)
        labels: dict[str, set[str]] = {}  # heading -> its words
        hedged: dict[int, set[int]] = defaultdict(set)  # sentence -> its hedge cues
        for clause, cues in hedged_clauses.items():
            hedged[clause >> CLAUSE_BITS].update(cues)
        for si, areas in enumerate(doc.sections):
            if not areas:
                continue
            heading = doc.sents[si].heading
            label = labels.get(heading)
            if label is None:
                label = labels[heading] = {t.text for t in tokens(heading)}
            first = doc.first_token[si]
            last = doc.first_token[si + 1] if si + 1 < len(doc.sents) else len(doc.words)
            while first < last and doc.raw[first] in label:
                first += 1  # the answer starts after the label ("Monitoring: ...")
            if first == last or last - first > _SHORT_ANSWER:
                continue
            if doc.negation[first] or doc.raw[first] in POST_NEGATIONS or doc.raw[first] == "no":
                reason: Reason = "negated"
            elif first in hedged.get(si, ()):
                reason = "hedged"
            else:
                continue
            for area in areas:
                if (si, area) not in matched:
                    out[area].append((si, reason))
        return out

    def _judge(
        self,
        doc: _Doc,
        area: str,
        matches: list[tuple[_Match, str]],
        said: list[tuple[int, Reason]],
    ) -> _Judged:
        """The area's level by the signal rules, with its findings and coverage, and what the
        decision model weighs."""
        findings: list[Finding] = []
        for si, reason in said:
            text, start, end = self._evidence(doc, si)
            level: Level = "high" if reason == "negated" else "medium"
            risk = self._closest_risk(area, text)
            severity = self._kb.risks[risk].severity.value if risk in self._kb.risks else "medium"
            findings.append(Finding(area, risk, severity, level, reason, text, start, end))
        coverage_spans: list[tuple[int, int, int, float]] = []  # (sentence, first, last, strength)
        hedged_cover: list[_Match] = []
        reveal_spans: dict[int, list[tuple[int, int]]] = defaultdict(list)  # per sentence
        for m, how in matches:
            if m.phrase.kind == "reveal" and how != "negated":
                reveal_spans[m.sentence].append((m.first, m.last))
        # Coverage of any area: "no call is made about individual customers" is ethics
        # coverage, not "no on-call".
        cover_spans = doc.plain_cover
        # Where a risk's own mitigation is stated later ("declined applicants have no outcome"
        # ... "a reject-inference sample"), the problem was named in order to be handled.
        handled: dict[str | None, int] = {}  # risk -> the last first word of its mitigation
        for m, how in matches:
            if m.phrase.kind == "covered" and how == "plain" and len(m.phrase.words) != 1:
                handled[m.phrase.risk] = max(m.first, handled.get(m.phrase.risk, -1))
        for m, how in sorted(matches, key=lambda x: (x[0].first, x[0].phrase.kind)):
            if m.phrase.kind == "reveal":
                if m.phrase.risk and handled.get(m.phrase.risk, -1) > m.last:
                    continue
                if any(
                    a <= m.first and m.last <= b and (a, b) != (m.first, m.last)
                    for a, b in cover_spans.get(m.sentence, ())
                ):
                    continue  # a longer covered phrase reads these words the other way
                if how == "negated":
                    coverage_spans.append((m.sentence, m.first, m.last, _strength(m.phrase)))
                    continue
                heading = doc.sections[m.sentence]
                if heading and area not in heading and heading & doc.matched[m.sentence]:
                    continue  # "Hosting: the vendor would host it; we haven't asked them yet."
                if heading and area not in heading and _status_quo(doc, m.sentence):
                    continue  # "Why: at present a scientist eyeballs the tubes": what we replace
                if how == "plain":
                    findings.append(self._finding(doc, m, "high", "stated"))
                else:
                    findings.append(self._finding(doc, m, "medium", "hedged"))
            elif how == "plain":
                coverage_spans.append((m.sentence, m.first, m.last, _strength(m.phrase)))
            elif how == "negated":
                if doc.sections[m.sentence] and area not in doc.sections[m.sentence]:
                    continue  # "nobody has agreed to own the monthly run", under Deployment
                if any(a <= m.last and m.first <= b for a, b in reveal_spans.get(m.sentence, ())):
                    continue  # the reveal phrase already says it, with its own risk
                findings.append(self._finding(doc, m, "high", "negated"))
            else:
                hedged_cover.append(m)

        units = _merge(coverage_spans)
        needed = _NEEDED.get(area, 2)
        weight = {  # the sentences' own, not every sentence's
            si: 1.0 if not doc.sections[si] or area in doc.sections[si] else _OFF_SECTION_WEIGHT
            for si, _, _, _ in units
        }
        found = sum(weight[si] * strength for si, _, _, strength in units)
        section_hedged = _section_only_hedges(doc, area, matches)
        # "## Monitoring / Will probably be handled by platform." settles nothing.
        covered = found >= needed and not section_hedged
        if not covered:
            for m in hedged_cover:
                findings.append(self._finding(doc, m, "medium", "hedged"))
        findings = _dedupe(findings)
        coverage = tuple(dict.fromkeys(self._evidence(doc, s)[0] for s, _, _, _ in units))

        if any(f.level == "high" for f in findings):
            level = "high"
        elif findings:
            level = "medium"
        elif covered:
            level = "low"
        else:
            level = "medium"
            if units:
                text, start, end = self._evidence(doc, units[0][0])
                findings.append(Finding(area, None, "medium", "medium", "vague", text, start, end))
            else:
                findings.append(Finding(area, None, "medium", "medium", "silent", "", -1, -1))
        findings.sort(key=lambda f: (-_LEVEL_RANK[f.level], -_SEVERITY_RANK[f.severity], f.start))
        result = AreaResult(area, level, tuple(findings), coverage)
        kinds = [(m.phrase.kind, how) for m, how in matches]
        evidence = AreaEvidence(
            rule_level=level,
            reasons=tuple(f.reason for f in findings),
            severe=sum(f.level == "high" and f.severity == "high" for f in findings),
            cover=found / needed,
            cover_sentences=len(coverage),
            sentences=len({m.sentence for m, _ in matches}),
            reveals=sum(k == "reveal" for k, _ in kinds),
            covers=sum(k == "covered" for k, _ in kinds),
            plain_covers=kinds.count(("covered", "plain")),
            negated_covers=kinds.count(("covered", "negated")),
            hedged_matches=sum(how == "hedged" for _, how in kinds),
            own_section=area in doc.section_of,
            section_hedged=section_hedged,
            people=_people_sentences(doc) if area == "ethics" else 0,
        )
        return _Judged(result, evidence, units[0][0] if units else -1)

    def _overrule(self, doc: _Doc, r: AreaResult, first_cover: int) -> AreaResult:
        """The area as the decision model weighs it, where that differs from the rule's level.
        Settled: its findings stay, as notes (level "low"). Not settled although the rule saw
        enough coverage: it is vague (medium), quoting the first coverage."""
        if r.level != "low":
            notes = tuple(
                replace(f, level="low") for f in r.findings if f.reason not in ("silent", "vague")
            )
            return replace(r, level="low", findings=notes)
        if first_cover >= 0:
            text, start, end = self._evidence(doc, first_cover)
        else:
            text, start, end = "", -1, -1
        vague = Finding(r.area, None, "medium", "medium", "vague", text, start, end)
        return replace(r, level="medium", findings=(vague, *r.findings))

    def _finding(self, doc: _Doc, m: _Match, level: Level, reason: Reason) -> Finding:
        text, start, end = self._evidence(doc, m.sentence)
        risk = m.phrase.risk or self._closest_risk(m.phrase.area, text)
        severity = (
            self._kb.risks[risk].severity.value if risk in self._kb.risks else Severity.MEDIUM.value
        )
        return Finding(m.phrase.area, risk, severity, level, reason, text, start, end)

    def _evidence(self, doc: _Doc, sentence: int) -> tuple[str, int, int]:
        s = doc.sents[sentence]
        return doc.text[s.start : s.end], s.start, s.end

    def _closest_risk(self, area: str, text: str) -> str | None:
        """The area's risk whose wording is closest to `text`, for area-level signals."""
        key = (area, text)
        if key in self._closest:
            return self._closest[key]
        choices = self._risk_texts.get(area) or []
        risk = None
        if choices:
            best = process.extractOne(
                text.lower(), [t for _, t in choices], scorer=fuzz.token_set_ratio
            )
            risk = choices[best[2]][0] if best else None
        if len(self._closest) > _CACHE_LIMIT:
            self._closest = {}  # rebound, not cleared: another thread may be reading the old one
        self._closest[key] = risk
        return risk


# --- helpers --------------------------------------------------------------------------------


def _words(text: str, keep_all: bool = False) -> tuple[str, ...]:
    """A phrase as the stemmed words it is matched on. Filler words are dropped unless that
    would leave fewer than two words; parts of hyphenated words are always kept."""
    toks = tokens(text)
    if keep_all:
        return tuple(stem(t.text) for t in toks)
    keep = []
    for i, t in enumerate(toks):
        hyphened = t.joined or (i + 1 < len(toks) and toks[i + 1].joined)
        if hyphened or t.text not in STOPWORDS:
            keep.append(_match_form(t.text))
    if len(keep) < 2 * (len(toks) - len(keep)) or (len(keep) < 2 and len(toks) > len(keep)):
        # Mostly filler ("will run the", "could also use it for"): the filler is the phrase.
        return tuple(_match_form(t.text) for t in toks)
    return tuple(keep)


def _match_form(word: str) -> str:
    return "no" if word in SAME_AS_NO else stem(word)


def _variants(text: str) -> list[tuple[str, ...]]:
    """The phrase's words, and for "on-call" or "a/b test" also "oncall" and "ab test"."""
    words = _words(text)
    if not words:
        return []
    toks = tokens(text)
    if not any(t.joined for t in toks):
        return [words]
    glued: list[str] = []
    for t in toks:
        if t.joined and glued:
            glued[-1] += t.text
        else:
            glued.append(t.text)
    return [words, _words(" ".join(glued))]


@cache
def _hedge_lexicon() -> tuple[
    frozenset[str], tuple[tuple[str, ...], ...], tuple[re.Pattern[str], ...]
]:
    """The hedge words (as written), phrases (as stemmed word tuples) and patterns, built once."""
    words = frozenset(HEDGE_WORDS.split())
    phrases = tuple(_words(h, keep_all=True) for h in HEDGE_PHRASES)
    patterns = tuple(re.compile(p) for p in HEDGE_PATTERNS)
    return words, phrases, patterns


_QUOTE = re.compile(r'"[^"\n]{1,200}"')


def _quoted(doc: _Doc) -> set[int]:
    """Indices of the tokens inside double quotes."""
    flat = doc.flat
    if '"' not in flat:
        return set()
    out: set[int] = set()
    for m in _QUOTE.finditer(flat):
        first = bisect_left(doc.starts, m.start())
        last = bisect_left(doc.starts, m.end()) - 1
        out.update(range(first, last + 1))
    return out


def _scope_ends(doc: _Doc, cue: int, target: int) -> bool:
    """Whether a determiner-like negation ("no", "without", "lack of") stops before `target`:
    it negates its noun phrase, which ends at a preposition after a content word, so in
    "verified without an analyst within 5 minutes" it does not reach "within"."""
    if doc.raw[cue] not in DETERMINER_NEGATIONS:
        return False
    content = False
    for i in range(cue + 1, target + 1):
        w = doc.raw[i]
        if (content and w in PREPOSITIONS) or w in NEGATION_EXCEPTIONS:
            return True
        # "no plans for an impact assessment": a light noun hands the negation on.
        content = content or (w not in STOPWORDS and w not in LIGHT_NOUNS)
    return False


def _status_quo(doc: _Doc, sentence: int) -> bool:
    """Whether a sentence describes how things are done now ("today", "at present"): under a
    heading about another area, the problems it names are the ones the project replaces."""
    first = doc.first_token[sentence]
    last = doc.first_token[sentence + 1] if sentence + 1 < len(doc.sents) else len(doc.raw)
    words = doc.raw[first:last]
    if any(w in STATUS_QUO for w in words):
        return True
    pairs = set(itertools.pairwise(words))
    return ("at", "present") in pairs or ("the", "moment") in pairs


def _section_only_hedges(doc: _Doc, area: str, matches: list[tuple[_Match, str]]) -> bool:
    """Whether the proposal's own section for `area` answers it only vaguely: coverage there
    is all hedged ("## Monitoring / Will probably be handled by the platform team's
    dashboards"). The section is the proposal's answer; mentions elsewhere do not overrule it."""
    own = doc.section_of.get(area)
    if not own:
        return False
    hedged = False
    for m, how in matches:
        if m.sentence not in own or m.phrase.kind != "covered":
            continue
        if how == "plain":
            return False
        hedged = hedged or how == "hedged"
    return hedged


def _verb_scope_ends(doc: _Doc, cue: int, target: int) -> bool:
    """Whether a negation inside a relative clause stops before `target`: it negates the
    clause's own verb, so in "claims that were never referred are treated as genuine" the main
    verb ("are treated") is outside it."""
    if doc.raw[cue] in DETERMINER_NEGATIONS or doc.raw[cue] in POST_NEGATIONS:
        return False  # "so that no group is flagged": the negation is the subject's
    lead = doc.raw[max(doc.first_token[doc.sent_of[cue]], cue - 3) : cue]
    if not any(w in RELATIVES for w in lead):
        return False
    content = False
    for i in range(cue + 1, target):
        w = doc.raw[i]
        if content and w in FINITE_VERBS:
            return True
        content = content or w not in STOPWORDS
    return False


def _need_follows(doc: _Doc, m: _Match) -> bool:
    """Whether the phrase is followed, in its clause, by "needed", "required" or "constraint"
    ("no GPU is needed", "no real-time constraint"): a negation then says the thing is not
    required, not that it is missing."""
    for i in range(m.last + 1, min(len(doc.raw), m.last + 4)):
        if doc.clause_of[i] != doc.clause_of[m.last]:
            return False
        if doc.raw[i] in NEED_WORDS:
            return True
    return False


def _is_negation(doc: _Doc, i: int) -> bool:
    """Whether token i negates what follows it: "no", "nobody", "haven't", "yet to"...
    but not "not an issue", "no worse than", "whether or not"."""
    raw = doc.raw[i]
    yet_to = raw == "yet" and i + 1 < len(doc.raw) and doc.raw[i + 1] == "to"
    if raw not in NEGATIONS and not raw.endswith("n't") and not yet_to:
        return False
    if i > 0 and doc.raw[i - 1] in ("or", "if", "whether"):
        return False
    after = doc.starts[i] + len(raw)
    if doc.text[after : after + 1] in (".", "!"):
        return False  # "Is it hard? No. It is a well-understood problem": an answer, complete
    if (
        raw == "no"
        and doc.text[after : after + 1] == "-"
        and i + 1 < len(doc.raw)
        and doc.raw[i + 1] != "one"
    ):
        return False  # "no-show models", "a no-go zone": one noun; but "no-one" is nobody
    j = i + 1
    while j < len(doc.raw) and doc.raw[j] in NEUTRAL_SKIP and j < i + 3:
        j += 1
    neutralised = (
        j < len(doc.raw) and doc.sent_of[j] == doc.sent_of[i] and stem(doc.raw[j]) in NEUTRALISERS
    )
    return not neutralised


def _context_terms(doc: _Doc) -> dict[str, Counter[str]]:
    """For each area, the stems of the sentences about it (where one of its signals matched,
    or under its heading), counted: what the decision model reads besides the findings."""
    sentences: dict[str, set[int]] = {a: set(s) for a, s in doc.section_of.items()}
    for si, areas in doc.matched.items():
        for area in areas:
            sentences.setdefault(area, set()).add(si)
    stems = doc.stems
    bounds = [*doc.first_token, len(stems)]
    words = [stems[a:b] for a, b in itertools.pairwise(bounds)]  # each sentence's
    chain = itertools.chain.from_iterable
    return {area: Counter(chain(map(words.__getitem__, at))) for area, at in sentences.items()}


def _flatten(doc: _Doc) -> str:
    """The normalised text with the same offsets, one sentence per line: regexes cannot
    reach across a sentence boundary."""
    norm = match_text(doc.text).replace("\n", " ")  # the gaps are made anew below
    pieces = []
    pos = 0
    for s in doc.sents:
        pieces.append("\n" * (s.start - pos))
        pieces.append(norm[s.start : s.end])
        pos = s.end
    pieces.append("\n" * (len(norm) - pos))
    return "".join(pieces)


def _merge(spans: list[tuple[int, int, int, float]]) -> list[tuple[int, int, int, float]]:
    """Overlapping spans of coverage count once, as strong as the strongest of them."""
    out: list[tuple[int, int, int, float]] = []
    for s, a, b, strength in sorted(spans):
        if out and out[-1][0] == s and a <= out[-1][2]:
            last = out[-1]
            out[-1] = (s, last[1], max(b, last[2]), max(strength, last[3]))
        else:
            out.append((s, a, b, strength))
    return out


def _strength(phrase: _Phrase) -> float:
    """A lone word ("baseline", "drift") is a bare mention; a phrase or a pattern says more."""
    return _BARE_WORD if len(phrase.words) == 1 else 1.0


def _dedupe(findings: list[Finding]) -> list[Finding]:
    """One finding per (risk, sentence); the most serious wins."""
    best: dict[tuple[str | None, int], Finding] = {}
    for f in findings:
        key = (f.risk, f.start)
        old = best.get(key)
        if old is None or _LEVEL_RANK[f.level] > _LEVEL_RANK[old.level]:
            best[key] = f
    return list(best.values())


def _people_sentences(doc: _Doc) -> int:
    """How many sentences name people (customers, patients, applicants...)."""
    named = itertools.compress(doc.sent_of, map(PEOPLE.__contains__, doc.raw))
    return len(set(named))


def _risk_text(risk) -> str:  # type: ignore[no-untyped-def]
    """A risk's words, each once: `token_set_ratio` compares sets of words, and is quicker
    on a short string."""
    text = " ".join([risk.title, *risk.signals.reveal, *risk.signals.covered]).lower()
    return " ".join(sorted(set(text.split())))


def _kb_words(kb: KnowledgeBase) -> set[str]:
    """Every word the knowledge base uses anywhere (signals, titles, questions...), as
    written: such words are never typos, and proposals are full of them."""
    texts: list[str] = []
    for a in kb.areas.values():
        texts += [a.title, a.question, a.ok_when, a.risk_when]
        texts += a.signals.reveal + a.signals.covered
    for r in kb.risks.values():
        texts += [r.title, r.description] + [m.action for m in r.mitigations]
        texts += r.signals.reveal + r.signals.covered
    for q in kb.questions.values():
        texts += [q.text, q.why] + [o.label for o in q.options]
    return {t.text for text in texts if not text.startswith("re:") for t in tokens(text)}


def analysis_to_dict(analysis: Analysis, kb: KnowledgeBase) -> dict:
    """The JSON contract of `premortem review --format json` (see eval/README.md)."""
    findings = []
    for f in analysis.findings:
        mitigation = ""
        source = ""
        risk = kb.risks.get(f.risk) if f.risk else None
        if risk is not None:
            mitigation = risk.mitigations[0].action
            cite = risk.sources[0]
            source = f"{kb.source_title(cite)}, {cite.where}"
        elif f.area in kb.areas:
            mitigation = f"Address it in the proposal: {kb.areas[f.area].question}"
        findings.append(
            {
                "risk": f.risk,
                "area": f.area,
                "severity": f.severity,
                "level": f.level,
                "reason": f.reason,
                "evidence": f.evidence,
                "start": f.start,
                "end": f.end,
                "title": risk.title if risk is not None else _silent_title(f, kb),
                "mitigation": mitigation,
                "source": source,
            }
        )
    return {
        "areas": {
            area: {"level": r.level, "coverage": list(r.coverage)}
            for area, r in analysis.areas.items()
        },
        "findings": findings,
    }


def _silent_title(f: Finding, kb: KnowledgeBase) -> str:
    area = kb.areas.get(f.area)
    name = area.title if area else f.area
    if f.reason == "vague":
        return f"{name}: mentioned, but not concretely"
    if f.reason == "silent":
        return f"{name}: not addressed"
    return name
