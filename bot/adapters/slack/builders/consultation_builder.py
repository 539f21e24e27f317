"""A consultation's turns as Slack messages: one question at a time, with buttons for the
usual answers, and free text accepted everywhere."""

from __future__ import annotations

from bot.adapters.slack.builders.blocks import (
    ACTIONS_ELEMENTS,
    FALLBACK_CHARS,
    Block,
    Message,
    actions,
    button,
    context,
    escape,
    section,
    truncate,
)
from bot.adapters.slack.builders.summary_builder import build_summary_message
from bot.adapters.slack.ids import Ids
from bot.adapters.slack.payloads import AnswerChoice, ConsultationRef
from bot.core.consultation import AskedQuestion, Turn

FREE_TEXT_HINT = (
    "Or answer in your own words. `skip`, `back`, `pause`, `summary` and `help` work at any point."
)


def build_turn(turn: Turn) -> list[Message]:
    """The message(s) to post for `turn`, in order."""
    if turn.kind == "paused":
        return [build_paused(turn)]
    if turn.kind == "finished":
        out: list[Message] = [(escape(turn.message), [section(_lead(turn))])]
        if turn.summary is not None:
            out.append(build_summary_message(turn.summary, turn.project_id))
        return out
    if turn.kind == "summary" and turn.summary is not None:
        lead = escape(turn.message) or "The risks so far:"
        summary_text, summary_blocks = build_summary_message(turn.summary, turn.project_id)
        first: Message = (f"{lead} {summary_text}", summary_blocks)
        return [first, build_question(turn, lead="")] if turn.question else [first]
    return [build_question(turn)]


def build_question(turn: Turn, lead: str | None = None) -> Message:
    """A question with an answer button per option, then skip and pause."""
    q = turn.question
    if q is None:
        return (escape(turn.message) or "Nothing to ask.", [section(_lead(turn))])
    lead_text = _lead(turn) if lead is None else lead
    heading = f"Question {q.number} of about {q.expected_total}" + (
        " (follow-up)" if q.follow_up else ""
    )
    blocks: list[Block] = []
    if lead_text:
        blocks.append(section(lead_text))
    blocks.append(
        section(f"*{heading}*  ·  {escape(q.area)}\n*{escape(q.text)}*", block_id=f"q:{q.id}")
    )
    if q.why:
        blocks.append(context(f"_Why I ask:_ {escape(q.why)}"))
    options = [
        button(
            label,
            f"{Ids.ANSWER.value}:{i}",
            AnswerChoice(consultation=turn.consultation_id, question=q.id, value=value).dump(),
        )
        for i, (value, label) in enumerate(q.options)
    ]
    per_block = ACTIONS_ELEMENTS
    for start in range(0, len(options), per_block):
        blocks.append(actions(options[start : start + per_block], block_id=f"answers:{start}"))
    ref = ConsultationRef(consultation=turn.consultation_id, question=q.id).dump()
    blocks.append(
        actions(
            [button("Skip", Ids.SKIP, ref), button("Pause", Ids.PAUSE, ref)],
            block_id="controls",
        )
    )
    blocks.append(context(FREE_TEXT_HINT))
    text = f"{heading}: {escape(q.text)}"
    if lead_text:
        text = f"{_lead(turn, formatted=False)} {text}".strip()
    return truncate(text, FALLBACK_CHARS), blocks


def build_answered(question: AskedQuestion | None, question_text: str, label: str) -> Message:
    """The clicked question message once answered: the question and the answer, no buttons."""
    number = f"Question {question.number}: " if question else ""
    text = f"{number}{escape(question_text)} Answer: {escape(label)}"
    return truncate(text, FALLBACK_CHARS), [
        section(f"{number}*{escape(question_text)}*\n:white_check_mark: {escape(label)}")
    ]


def build_paused(turn: Turn) -> Message:
    ref = ConsultationRef(consultation=turn.consultation_id).dump()
    return escape(turn.message), [
        section(escape(turn.message)),
        actions([button("Resume", Ids.RESUME, ref, style="primary")], block_id="resume"),
    ]


def _lead(turn: Turn, formatted: bool = True) -> str:
    """The answer just recorded, then the core's message; `formatted=False` for fallback text."""
    parts = []
    if turn.recorded:
        recorded = escape(turn.recorded)
        parts.append(
            f":white_check_mark: Got it: *{recorded}*." if formatted else f"Got it: {recorded}."
        )
    if turn.message:
        parts.append(escape(turn.message))
    return " ".join(parts)
