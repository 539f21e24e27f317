"""Reading proposal text: offsets into the original, headings, clauses, normalisation, stems."""

from __future__ import annotations

from bot.core.text import Reading, match_text, normalise, read, stem, tokens

DOC = """\
# Churn model

## Data
We have **3 years** of events (e.g. logins, payments). Labels come from billing; they’re clean.

- **Owner:** the CRM team, on-call via PagerDuty.
- Monitoring: TBD?

Subject line: not a heading
"""


def words_of(r: Reading, si: int) -> list[str]:
    end = r.first_word[si + 1] if si + 1 < len(r.sentences) else len(r.words)
    return r.words[r.first_word[si] : end]


def test_sentences_and_words_point_into_the_original_text() -> None:
    r = read(DOC)
    for s in r.sentences:
        piece = DOC[s.start : s.end]
        assert piece == piece.strip()
        assert piece
    for word, start, si in zip(r.words, r.starts, r.sentence_of, strict=True):
        sentence = r.sentences[si]
        assert sentence.start <= start < sentence.end
        assert DOC[start : start + len(word)].lower().replace("’", "'") == word


def test_headings_are_not_sentences_but_label_what_follows() -> None:
    got = [(s.heading, DOC[s.start : s.end]) for s in read(DOC).sentences]
    assert got[0] == ("data", "We have **3 years** of events (e.g. logins, payments).")
    assert got[1][0] == "data"
    assert all("# " not in text for _, text in got)


def test_abbreviations_do_not_end_a_sentence() -> None:
    texts = [DOC[s.start : s.end] for s in read(DOC).sentences]
    assert any(t.startswith("We have") and t.endswith("payments).") for t in texts)


def test_list_items_are_sentences_labelled_by_their_bold_or_plain_label() -> None:
    by_text = {DOC[s.start : s.end]: s for s in read(DOC).sentences}
    owner = by_text["- **Owner:** the CRM team, on-call via PagerDuty."]
    assert owner.heading == "owner"
    tbd = by_text["- Monitoring: TBD?"]
    assert tbd.heading == "monitoring"
    assert tbd.question


def test_clauses_split_at_punctuation_and_conjunctions() -> None:
    r = read("No secrets leave the tenancy, and Security signed off but monitoring is TBD.")
    assert len(r.sentences) == 1
    clause = dict(zip(r.words, r.clause_of, strict=True))
    assert clause["no"] == clause["leave"]
    assert clause["no"] != clause["security"] != clause["monitoring"]


def test_hyphenated_words_split_into_parts_that_remember_the_hyphen() -> None:
    toks = tokens("on-call A/B test")
    assert [t.text for t in toks] == ["on", "call", "a", "b", "test"]
    assert [t.joined for t in toks] == [False, True, False, True, False]


def test_normalise_folds_case_quotes_markdown_and_whitespace() -> None:
    assert normalise("**We’ll**  monitor\n it — [later](http://x)") == "we'll monitor it - later"
    assert normalise("ﬁne") == "fine"


def test_match_text_keeps_every_offset() -> None:
    text = "**Owner:** Niamh’s team — “on-call” ﬁne"
    folded = match_text(text)
    assert len(folded) == len(text)
    assert folded.index("niamh's") == text.index("Niamh")


def test_inflections_meet_at_one_stem() -> None:
    for group in (
        ("label", "labels", "labelled", "labelling"),
        ("monitor", "monitors", "monitoring", "monitored"),
        ("agree", "agreed", "agreeing", "agreement"),
        ("evaluate", "evaluated", "evaluation"),
        ("use", "used", "using", "uses"),
        ("retrain", "retrained", "retraining"),
        ("make", "made", "makes", "making"),
        ("kpi", "kpis"),
    ):
        assert len({stem(w) for w in group}) == 1, group


def test_time_words_keep_their_meaning() -> None:
    assert stem("weekly") != stem("week")
    assert stem("surely") != stem("sure")
