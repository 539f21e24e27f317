"""Block Kit builders and Slack-facing parsing, without Slack: pure data in, JSON out."""

from __future__ import annotations

import json
import re

import pytest

from bot.adapters.slack.asgi import parse_slack_body
from bot.adapters.slack.builders.blocks import escape, fit, section, sections, truncate
from bot.adapters.slack.builders.help_builder import build_command_help
from bot.adapters.slack.builders.home_builder import build_home
from bot.adapters.slack.builders.project_builder import (
    ProjectRow,
    build_project_list,
    build_usage,
)
from bot.adapters.slack.builders.summary_builder import build_findings_pages, build_summary_message
from bot.adapters.slack.command_text import parse_command, parse_direct_message, proposal_title
from bot.adapters.slack.listeners.commands import SUBCOMMANDS, help_lines
from bot.adapters.slack.payloads import AnswerChoice, ReviewContext
from bot.core.assessment import AreaAssessment, NextStep, RiskSummary, SummaryFinding
from bot.core.errors import InputError
from bot.core.knowledge import AREA_IDS
from tests.fake_slack import block_kit_problems, view_problems


def big_summary(findings: int = 120, evidence: str = "<!channel> " + "x" * 2000) -> RiskSummary:
    found = tuple(
        SummaryFinding(
            area=AREA_IDS[i % 9],
            level="high",
            title=f"Finding {i} <@U1>",
            evidence=evidence,
            origin="proposal",
            mitigation="m" * 3000,
            source=f"Source {i}, p. 1",
        )
        for i in range(findings)
    )
    areas = tuple(AreaAssessment(a, a.title(), "high", found[:3], True, 5) for a in AREA_IDS)
    steps = tuple(NextStep("a" * 1500, "owner", "done", "data", "x") for _ in range(3))
    return RiskSummary("P" * 300, "now", "high", areas, steps, None, 3, True, found)


def test_escape_makes_mentions_inert() -> None:
    assert escape("<!channel> & <@U1>") == "&lt;!channel&gt; &amp; &lt;@U1&gt;"
    assert truncate("a &amp; b", 5).endswith("…") and "&am" not in truncate("a &amp; b", 5)


def test_a_huge_summary_keeps_every_limit_and_offers_the_rest() -> None:
    text, blocks = build_summary_message(big_summary(), project_id=7)
    assert not block_kit_problems(blocks)
    assert len(text) <= 3000
    assert "<!channel>" not in str(blocks) and "<@U1>" not in str(blocks)
    assert any(b["type"] == "actions" for b in blocks), "a button shows the rest"
    pages = build_findings_pages(big_summary())
    assert len(pages) == 3
    for _, page in pages:
        assert not block_kit_problems(page)


def test_summary_writes_each_area_and_level_as_words() -> None:
    _, blocks = build_summary_message(big_summary(findings=2))
    text = str(blocks)
    for area in AREA_IDS:
        assert f"*{area.title()}*: high" in text


def test_long_text_is_split_into_sections_within_limits() -> None:
    blocks = sections("\n".join("line " * 100 for _ in range(40)))
    assert len(blocks) > 1 and not block_kit_problems(blocks)
    assert not block_kit_problems(sections("y" * 10_000))


def test_fit_keeps_fifty_blocks_and_says_what_is_left_out() -> None:
    blocks = fit([section(str(i)) for i in range(80)], 50, "see more")
    assert len(blocks) == 50 and "31 more" in str(blocks[-1])


def test_home_and_list_keep_limits_with_many_projects() -> None:
    rows = [
        ProjectRow(
            i, f"Project {i} <!here>", "C1", "U1", "high", {"Data": "high"}, 2, i, "paused", None
        )
        for i in range(200)
    ]
    home = build_home(rows)
    assert not view_problems(home)
    assert "<!here>" not in str(home)
    _, blocks = build_project_list(rows)
    assert not block_kit_problems(blocks)


def test_help_lists_what_it_is_given() -> None:
    text, blocks = build_command_help([("new <name>", "start"), ("list", "list")], unknown="<!x>")
    assert "/premortem new &lt;name&gt;" in text and "&lt;!x&gt;" in text
    assert not block_kit_problems(blocks)


def test_placeholders_show_as_written_not_as_slack_markup() -> None:
    # Slack reads "<name>" as a link or mention and shows it mangled; "&lt;name&gt;" shows
    # "<name>". Only Slack's own markup (<@U1>, <#C1>, <!here>, <https://...>) may stay.
    messages = [
        build_command_help(help_lines()),
        build_project_list([]),
        build_project_list([ProjectRow(1, "Churn", "C1", "U1", "low", {}, 0, 0, "active", None)]),
        (build_usage("/premortem", SUBCOMMANDS["new"].usage), []),
    ]
    raw = re.compile(r"<(?![@#!]|https?:|mailto:)")
    for text, blocks in messages:
        assert not raw.search(text), text
        assert not raw.search(json.dumps(blocks)), blocks
    assert "&lt;name&gt;" in build_project_list([])[0]
    assert not raw.search(json.dumps(build_home([])))


@pytest.mark.parametrize(
    ("text", "name", "argument"),
    [
        ("new Churn model", "new", "Churn model"),
        ("  SUMMARY  churn ", "summary", "churn"),
        ("sumary churn", "summary", "churn"),
        ("ls", "list", ""),
        ("", "help", ""),
        ("churn", "", ""),
        ("new payload checker", "new", "payload checker"),
    ],
)
def test_subcommands_are_read_forgivingly(text: str, name: str, argument: str) -> None:
    parsed = parse_command(text, tuple(SUBCOMMANDS))
    assert (parsed.name, parsed.argument) == (name, argument)


def test_direct_messages_are_read_as_requests_answers_or_proposals() -> None:
    assert parse_direct_message("new Churn").kind == "new"
    assert parse_direct_message("help").kind == "help"
    assert parse_direct_message("no, not yet").kind == "text"
    long = "We will predict churn from usage logs for the retention team. " * 3
    assert parse_direct_message(long).kind == "proposal"
    assert parse_direct_message(long, consulting=True).kind == "text"
    assert proposal_title("## Churn model: v2\nbody") == "Churn model: v2"


def test_bodies_bolt_would_misread_are_parsed_safely() -> None:
    assert parse_slack_body("text=new+payload+checker&command=%2Fpremortem", None)["text"] == (
        "new payload checker"
    )
    assert parse_slack_body("payload=%7Bbroken", None) == {}
    assert parse_slack_body("payload=%5B1%5D", None) == {}
    assert parse_slack_body("{broken", "application/json") == {}
    assert parse_slack_body('{"type": "x"}', None) == {"type": "x"}


def test_button_context_round_trips_and_rejects_tampering() -> None:
    choice = AnswerChoice(consultation=3, question="data.labels", value="no")
    assert AnswerChoice.parse(choice.dump()) == choice
    with pytest.raises(InputError):
        AnswerChoice.parse('{"c": "x"}')


def test_a_button_value_is_held_to_slacks_2000_characters_and_metadata_to_3000() -> None:
    long_id = "data." + "x" * 2100
    with pytest.raises(ValueError, match="does not fit"):
        AnswerChoice(consultation=1, question=long_id, value="no").dump()
    metadata = ReviewContext(channel="C1", user="U" + "1" * 2100)
    assert ReviewContext.parse(metadata.dump()) == metadata
