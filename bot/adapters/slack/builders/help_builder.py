"""Help messages: what `/premortem` and a direct message understand."""

from __future__ import annotations

from collections.abc import Sequence

from bot.adapters.slack.builders.blocks import Block, Message, context, escape, header, section

SOURCES_LINE = (
    "Premortem asks the questions that sink ML projects when nobody asks them early: "
    "objectives, value, data, feasibility, evaluation, deployment, monitoring, stakeholders "
    "and ethics."
)


def build_command_help(
    commands: Sequence[tuple[str, str]], command: str = "/premortem", unknown: str | None = None
) -> Message:
    """`commands` is (usage, what it does) per subcommand; `unknown` is a word we did not know."""
    lines = [f"`{command} {escape(usage)}`: {what}" for usage, what in commands]
    intro = ""
    if unknown:
        intro = f"I don't know `{escape(unknown[:40])}`. "
    text = f"{intro}Here is what `{command}` does:\n" + "\n".join(lines)
    blocks: list[Block] = [
        header("Premortem: what I can do"),
        section(f"{intro}Here is what `{command}` does:"),
        section("\n".join(lines)),
        context(
            "In a direct message with me: `new &lt;name&gt;`, paste a proposal, `summary` or "
            "`help`. During a consultation you can also say `skip`, `back` or `pause`."
        ),
        context(SOURCES_LINE),
    ]
    return text, blocks


def build_dm_help() -> Message:
    text = (
        "Send me `new <project name>` to start a pre-mortem, or paste your project proposal "
        "and I'll read it first and then ask only what it leaves open. I ask one question at a "
        "time; answer with the buttons or in your own words. `skip`, `back`, `pause`, "
        "`summary` and `help` work at any point."
    )
    return text, [
        header("Premortem: a pre-mortem for your ML project"),
        section(text),
        context(SOURCES_LINE),
    ]
