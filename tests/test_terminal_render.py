"""Rendering for a person at a terminal: user text is shown as typed, never read as markup."""

from __future__ import annotations

from rich.console import Console

from bot.adapters.terminal.render import echo, print_summary, print_turn, turn_lines
from bot.core.assessment import GivenAnswer, build_summary
from bot.core.consultation import AskedQuestion, Turn
from bot.core.knowledge import load_default

KB = load_default()
NAME = "[bold red]Churn[/] <model>"


def a_turn(kind: str = "question") -> Turn:
    q = KB.questions["objectives.decision"]
    asked = AskedQuestion(
        q.id, q.area, q.text, q.why, 1, 14, tuple((o.value, o.label) for o in q.options)
    )
    return Turn(kind, 1, 1, NAME, "[link]not a link[/link]", asked, recorded="No [b]decision[/b]")


def test_rich_output_shows_user_text_as_typed() -> None:
    console = Console(record=True, width=100, color_system=None)
    print_turn(console, a_turn())
    given = {"objectives.decision": GivenAnswer("objectives.decision", "none", "[i]nope[/i]")}
    print_summary(console, build_summary(KB, project=NAME, answers=given, now="2026-01-05T10:00"))
    text = console.export_text()
    assert "[link]not a link[/link]" in text and "No [b]decision[/b]" in text
    assert "Risk summary: [bold red]Churn[/] <model>" in text
    assert "Question 1 of about 14 · objectives" in text


def test_the_plain_transcript_ends_each_question_with_the_commands_line() -> None:
    lines = turn_lines(a_turn())
    assert lines[0] == "  Recorded: No [b]decision[/b]."
    assert lines[2].startswith("[1/14 · objectives] ")
    assert lines[-1] == "  (or: skip, back, pause, summary, help)"
    assert turn_lines(a_turn("paused"))[-1] == "[link]not a link[/link]"


def test_a_long_answer_is_echoed_on_one_short_line() -> None:
    assert echo("yes") == "yes"
    long = echo("no\n" * 10_000)
    assert "\n" not in long and long.endswith("(30,000 characters)") and len(long) < 200
