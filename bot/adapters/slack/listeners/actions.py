"""Buttons: answers to consultation questions, skip, pause, resume, summaries, project picks."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.adapters.slack import posting
from bot.adapters.slack.after_ack import Click, deferred
from bot.adapters.slack.builders.consultation_builder import build_answered
from bot.adapters.slack.builders.project_builder import build_status
from bot.adapters.slack.builders.review_builder import build_review_modal
from bot.adapters.slack.builders.summary_builder import build_findings_pages
from bot.adapters.slack.errors import reports_errors
from bot.adapters.slack.ids import Ids
from bot.adapters.slack.payloads import (
    AnswerChoice,
    ConsultationRef,
    ProjectRef,
    ReviewContext,
    user_of,
)
from bot.core.consultation import Turn
from bot.core.store.consultations import ConsultationRecord


def register(app: App) -> None:
    app.action(Ids.pattern(Ids.ANSWER))(reports_errors(handle_answer))
    app.action(Ids.SKIP.value)(reports_errors(handle_skip))
    app.action(Ids.PAUSE.value)(reports_errors(handle_pause))
    app.action(Ids.RESUME.value)(reports_errors(handle_resume))
    app.action(Ids.SHOW_SUMMARY.value)(reports_errors(handle_show_summary))
    app.action(Ids.pattern(Ids.PICK_PROJECT))(reports_errors(handle_pick_project))
    app.action(Ids.OPEN_REVIEW.value)(reports_errors(handle_open_review))


def _answer(click: Click) -> None:
    choice = AnswerChoice.parse(click.value)
    services = click.services
    _own_consultation(click, choice.consultation)
    turn = services.consultations.answer(
        choice.consultation, choice.value, click.user, question_id=choice.question
    )
    channel, ts = click.message
    question = services.kb.questions.get(choice.question)
    if turn.recorded is not None and channel and ts and question is not None:
        text, blocks = build_answered(None, question.text, turn.recorded)
        click.client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
    _post_turn(click, turn)


def _skip(click: Click) -> None:
    ref = ConsultationRef.parse(click.value)
    _own_consultation(click, ref.consultation)
    turn = click.services.consultations.answer(
        ref.consultation, "skip", click.user, question_id=ref.question
    )
    _post_turn(click, turn)


def _pause(click: Click) -> None:
    ref = ConsultationRef.parse(click.value)
    _own_consultation(click, ref.consultation)
    _post_turn(click, click.services.consultations.pause(ref.consultation, click.user))


def _resume(click: Click) -> None:
    """Carry on a consultation, in the person's DM whatever surface the button was on."""
    ref = ConsultationRef.parse(click.value)
    consultation = _own_consultation(click, ref.consultation)
    turn = click.services.consultations.start(consultation.project_id, None, click.user)
    posting.post_turn(click.client, posting.open_dm(click.client, click.user), turn)


def _show_summary(click: Click) -> None:
    """A project's summary (or all of its findings) sent to the person by DM."""
    ref = ProjectRef.parse(click.value)
    services = click.services
    project = services.store.projects.get(ref.project)
    _check_team(project.team_id, click.body)
    dm = posting.open_dm(click.client, click.user)
    if ref.then == "findings":
        summary = services.consultations.summary(project.id, record=False)
        posting.post_messages(click.client, dm, build_findings_pages(summary))
    else:
        posting.post_messages(click.client, dm, [posting.summary_message(services, project)])


def _pick_project(click: Click) -> None:
    """One of several projects picked: run the subcommand that asked on it."""
    ref = ProjectRef.parse(click.value)
    services = click.services
    project = services.store.projects.get(ref.project)
    _check_team(project.team_id, click.body)
    if ref.then == "summary" and ref.channel:
        posting.post_summary(click.client, services, project, ref.channel)
        click.respond(delete_original=True)
        return
    text, blocks = build_status(posting.project_row(services, project))
    click.respond(text=text, blocks=blocks, replace_original=True)


handle_answer = deferred(_answer)
handle_skip = deferred(_skip)
handle_pause = deferred(_pause)
handle_resume = deferred(_resume)
handle_show_summary = deferred(_show_summary)
handle_pick_project = deferred(_pick_project)


def handle_open_review(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    metadata = ReviewContext(channel=None, user=user_of(body))
    client.views_open(trigger_id=body["trigger_id"], view=build_review_modal(metadata))
    ack()


def _post_turn(click: Click, turn: Turn) -> None:
    """The next turn, on the surface the button was on, else in the person's DM."""
    channel, _ = click.message
    posting.post_turn(click.client, channel or posting.open_dm(click.client, click.user), turn)


def _own_consultation(click: Click, consultation_id: int) -> ConsultationRecord:
    """The consultation a button names, if its project is in the clicking workspace."""
    store = click.services.store
    consultation = store.consultations.get(consultation_id)
    _check_team(store.projects.get(consultation.project_id).team_id, click.body)
    return consultation


def _check_team(team_id: str, body: dict[str, Any]) -> None:
    from bot.core.errors import NotFound

    team = (body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id")
    if team and team != team_id:
        raise NotFound("That project belongs to another workspace.")
