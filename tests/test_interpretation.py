"""Reading free-text answers: everyday phrasings map to options; anything unclear is not guessed."""

from __future__ import annotations

import pytest

from bot.core.interpretation import read_answer, read_command
from bot.core.knowledge import Question

CITE = [{"source": "fsdl-l5", "where": "test"}]


def question(*options: dict) -> Question:
    return Question.model_validate(
        {
            "id": "data.labels",
            "area": "data",
            "stage": "data-collection",
            "text": "Do you have labels for the examples the model will learn from?",
            "why": "Without labels there is nothing to learn from.",
            "options": list(options),
            "sources": CITE,
        }
    )


LABELS = question(
    {"value": "yes", "label": "Yes, for most examples", "aliases": ["we have labels"]},
    {"value": "partly", "label": "Some of them", "aliases": ["partly"]},
    {"value": "no", "label": "No labels yet", "aliases": ["no", "not yet"]},
    {"value": "unknown", "label": "Don't know", "aliases": ["not sure"]},
)

OWNER = question(
    {"value": "named", "label": "A named team", "aliases": ["platform team owns it", "we do"]},
    {"value": "nobody", "label": "Nobody yet", "aliases": ["no one", "tbd"]},
    {"value": "unknown", "label": "Not sure", "aliases": []},
)


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("nope", "no"),
        ("Nope.", "no"),
        ("not really", "no"),
        ("nah, nothing yet", "no"),
        ("yes, we do", "yes"),
        ("Yeah", "yes"),
        ("kinda", "partly"),
        ("sort of", "partly"),
        ("idk", "unknown"),
        ("no idea", "unknown"),
        ("dunno", "unknown"),
        ("👍", "yes"),
        ("3", "no"),
        ("No labels yet", "no"),
        ("no lables yet", "no"),
        ("we have labels for about 80% of the tickets", "yes"),
    ],
)
def test_everyday_phrasings_map_to_the_option_they_mean(typed: str, value: str) -> None:
    reading = read_answer(LABELS, typed)
    assert reading.understood and reading.value == value


def test_a_phrase_is_matched_to_the_option_listing_it_not_to_a_stance() -> None:
    assert read_answer(OWNER, "we do").value == "named"
    assert read_answer(OWNER, "the platform team owns it").value == "named"
    assert read_answer(OWNER, "no one").value == "nobody"
    assert read_answer(OWNER, "idk").value == "unknown"


def test_a_negated_sentence_does_not_match_its_positive_alias() -> None:
    reading = read_answer(LABELS, "we have no labels at all")
    assert reading.value != "yes"


@pytest.mark.parametrize("typed", ["blah blah", "purple", "the weather is nice", "maybe later?"])
def test_text_that_fits_no_option_is_not_guessed(typed: str) -> None:
    reading = read_answer(LABELS, typed)
    assert not reading.understood and reading.value is None


def test_an_empty_answer_is_a_problem_not_an_option() -> None:
    for typed in ("", "   ", "\n"):
        assert read_answer(LABELS, typed).problem == "empty"


def test_a_very_long_answer_is_not_matched() -> None:
    assert read_answer(LABELS, "we have labels " * 2000).problem == "too-long"


def test_a_stance_two_options_share_is_ambiguous() -> None:
    shared = question(
        {"value": "none", "label": "Nothing planned", "aliases": ["no", "none"]},
        {"value": "never", "label": "Never discussed", "aliases": ["no", "never"]},
    )
    reading = read_answer(shared, "nope")
    assert reading.problem == "ambiguous" and set(reading.candidates) == {"none", "never"}


@pytest.mark.parametrize(
    ("typed", "command"),
    [
        ("skip", "skip"),
        ("Skip.", "skip"),
        ("back", "back"),
        ("go back", "back"),
        ("pause", "pause"),
        ("resume", "resume"),
        ("summary", "summary"),
        ("sumary", "summary"),
        ("help", "help"),
        ("?", "help"),
        ("/help", "help"),
    ],
)
def test_commands_are_understood_at_any_question(typed: str, command: str) -> None:
    assert read_command(typed) == command
    assert read_answer(LABELS, typed).command == command


def test_short_answers_are_never_taken_for_a_mistyped_command() -> None:
    for typed in ("no", "yes", "risky", "none", "both"):
        assert read_command(typed) is None
