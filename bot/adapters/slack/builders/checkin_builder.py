"""Check-ins as Slack messages: the owner's DM (questions with answer buttons, snooze, skip),
its one reminder, and the "what moved" message for the project's channel."""

from __future__ import annotations

from bot.adapters.slack.builders.blocks import (
    FALLBACK_CHARS,
    MESSAGE_BLOCKS,
    Block,
    Message,
    actions,
    button,
    context,
    escape,
    fit,
    header,
    section,
    truncate,
)
from bot.adapters.slack.builders.summary_builder import LEVEL_EMOJI
from bot.adapters.slack.ids import CheckinIds
from bot.adapters.slack.payloads import CheckinChoice
from bot.core.checkins import CheckinQuestion, CheckinView, Schedule, WhatMoved, local_time


def build_schedule_reply(
    project: str, schedule: Schedule | None, channel: str | None, note: str | None = None
) -> Message:
    """The answer to `/premortem checkin`: when the check-ins happen, or that they are off."""
    name = escape(project)
    if schedule is None:
        text = (
            f"Check-ins on {name} are off. Turn them on again with "
            f"`/premortem checkin {name} &lt;when&gt;`."
        )
        return text, [section(text)]
    where = f" and post what moved in <#{channel}>" if channel else ""
    text = f"Check-ins on {name}: {escape(schedule.describe())}."
    lines = [
        f":calendar: Check-ins on *{name}*: {escape(schedule.describe())}.",
        f"Next: {local_time(schedule.next_due, schedule.tz)}." if schedule.next_due else "",
        f"I'll send <@{schedule.owner}> a few questions by DM{where}.",
    ]
    blocks = [section("\n".join(line for line in lines if line))]
    if note:
        blocks.append(context(escape(note)))
    blocks.append(
        context(
            "Change it with `/premortem checkin &lt;project&gt; &lt;when&gt;`; stop it with `off`."
        )
    )
    return text, blocks


def build_checkin(view: CheckinView, channel: str | None = None) -> Message:
    """The check-in DM in its current state: open with buttons, or closed saying how."""
    name = escape(view.project)
    due = local_time(view.due, view.tz)
    n = len(view.questions)
    text = f"Check-in on {name}: {n} question{'s' if n != 1 else ''} about its risks."
    blocks: list[Block] = [
        header(f"Check-in: {view.project}"),
        context(
            f"Due {due} · {view.answered} of {n} answered · "
            "your answers update the project's risk summary"
        ),
    ]
    for q in view.questions:
        blocks += _question(view, q)
    blocks.append(_state(view, channel))
    if view.open:
        blocks.append(_controls(view.checkin_id))
    return truncate(text, FALLBACK_CHARS), fit(blocks, MESSAGE_BLOCKS, "answer the rest later")


def build_reminder(view: CheckinView) -> Message:
    left = len(view.questions) - view.answered
    text = (
        f"Reminder: your check-in on {escape(view.project)} is waiting for "
        f"{left} answer{'s' if left != 1 else ''}."
    )
    blocks = [
        section(f":bell: {text} The questions are in my message above."),
        _controls(view.checkin_id),
    ]
    return text, blocks


def build_what_moved(moved: WhatMoved) -> Message:
    """For the project's channel: each area then and now, risks resolved and new."""
    name = escape(moved.project)
    due = local_time(moved.due, moved.tz)
    if moved.outcome == "unanswered":
        lead = f"The check-in of {due} went unanswered, so nothing below comes from it."
    elif moved.outcome == "partly":
        lead = (
            f"The check-in of {due} closed with {moved.answered} of {moved.asked} "
            "questions answered."
        )
    else:
        lead = (
            f"The check-in of {due} is done: {moved.answered} of {moved.asked} questions answered."
        )
    changed = moved.moved
    lines = [
        f"{LEVEL_EMOJI.get(a.after, '')} *{escape(a.title)}*: "
        + (f"{a.before} → *{a.after}*" if a.moved else f"{a.after} (unchanged)")
        for a in moved.areas
    ]
    blocks: list[Block] = [
        header(f"What moved: {moved.project}"),
        section(lead),
        section("*Areas, then → now*\n" + "\n".join(lines)),
    ]
    if moved.resolved:
        blocks.append(section("*Risks resolved*\n" + _bullets(moved.resolved)))
    if moved.new:
        blocks.append(section("*New risks*\n" + _bullets(moved.new)))
    if not (changed or moved.resolved or moved.new):
        blocks.append(context("No risk level changed since the previous check-in."))
    summary = [f"{a.title} {a.before} → {a.after}" for a in changed]
    summary += [f"{len(moved.resolved)} risk(s) resolved"] if moved.resolved else []
    summary += [f"{len(moved.new)} new risk(s)"] if moved.new else []
    status = "unanswered" if moved.outcome == "unanswered" else "done"
    text = f"What moved in {name} (check-in {status}): " + ("; ".join(summary) or "no change")
    return truncate(text, FALLBACK_CHARS), fit(blocks, MESSAGE_BLOCKS)


def _question(view: CheckinView, q: CheckinQuestion) -> list[Block]:
    notes = [escape(q.why)] if q.why else []
    if q.was:
        notes.append(f"last answer: {escape(q.was)}")
    blocks = (
        [section(f"*{escape(q.text)}*"), context(" · ".join(notes))]
        if notes
        else [section(f"*{escape(q.text)}*")]
    )
    if q.answer is not None:
        blocks.append(context(f":white_check_mark: {escape(q.answer)}"))
    elif view.open:
        blocks.append(
            actions(
                [
                    button(
                        label,
                        f"{CheckinIds.ANSWER}:{q.id}:{value}",
                        CheckinChoice(checkin=view.checkin_id, question=q.id, value=value).dump(),
                    )
                    for value, label in q.options
                ]
            )
        )
    return blocks


def _controls(checkin_id: int) -> Block:
    def choice(span: str | None = None) -> str:
        return CheckinChoice(checkin=checkin_id, value=span).dump()

    return actions(
        [
            button("Snooze a day", f"{CheckinIds.SNOOZE}:day", choice("day")),
            button("Snooze a week", f"{CheckinIds.SNOOZE}:week", choice("week")),
            button("Skip this one", CheckinIds.SKIP, choice()),
        ]
    )


def _state(view: CheckinView, channel: str | None) -> Block:
    where = f" in <#{channel}>" if channel else ""
    nxt = f" Next check-in: {local_time(view.next_due, view.tz)}." if view.next_due else ""
    match view.status:
        case "answered":
            return context(f"Thanks, that's all. What moved is posted{where}.{nxt}")
        case "snoozed" if view.snoozed_until is not None:
            return context(
                f":zzz: Snoozed until {local_time(view.snoozed_until, view.tz)}; "
                "I'll ask again then."
            )
        case "skipped":
            return context(f"Skipped this one.{nxt}")
        case "expired":
            return context(f"This check-in closed before all its answers came in.{nxt}")
        case _:
            return context(
                "Answer with the buttons; one tap each. The last answer closes the check-in."
            )


def _bullets(items: tuple[str, ...]) -> str:
    return "\n".join(f"• {escape(t)}" for t in items)
