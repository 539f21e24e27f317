"""Buttons: answers to consultation questions, skip, pause, resume, summaries, project picks."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.adapters.slack import posting
from bot.adapters.slack.after_ack import deferred
from bot.adapters.slack.builders.consultation_builder import build_answered
from bot.adapters.slack.builders.project_builder import build_status
from bot.adapters.slack.builders.review_builder import build_review_modal
from bot.adapters.slack.builders.summary_builder import build_findings_pages
from bot.adapters.slack.errors import reports_errors
from bot.adapters.slack.ids import Ids
from bot.adapters.slack.payloads import AnswerChoice, ConsultationRef, ProjectRef, ReviewContext
from bot.adapters.slack.services import Services


def register(app: App) -> None:
    app.action(Ids.pattern(Ids.ANSWER))(reports_errors(handle_answer))
    app.action(Ids.SKIP.value)(reports_errors(handle_skip))
    app.action(Ids.PAUSE.value)(reports_errors(handle_pause))
    app.action(Ids.RESUME.value)(reports_errors(handle_resume))
    app.action(Ids.SHOW_SUMMARY.value)(reports_errors(handle_show_summary))
    app.action(Ids.pattern(Ids.PICK_PROJECT))(reports_errors(handle_pick_project))
    app.action(Ids.OPEN_REVIEW.value)(reports_errors(handle_open_review))


def _answer(
    services: Services,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    respond: Respond,
) -> None:
    choice = AnswerChoice.parse(action.get("value"))
    user = _user(body)
    turn = services.consultations.answer(
        choice.consultation, choice.value, user, question_id=choice.question
    )
    channel, ts = _message_of(body)
    question = services.kb.questions.get(choice.question)
    if turn.recorded is not None and channel and ts and question is not None:
        text, blocks = build_answered(None, question.text, turn.recorded)
        client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
    posting.post_turn(client, channel or posting.open_dm(client, user), turn)


def _pause(
    services: Services,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    respond: Respond,
) -> None:
    ref = ConsultationRef.parse(action.get("value"))
    turn = services.consultations.pause(ref.consultation, _user(body))
    channel, _ = _message_of(body)
    posting.post_turn(client, channel or posting.open_dm(client, _user(body)), turn)


def _resume(
    services: Services,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    respond: Respond,
) -> None:
    ref = ConsultationRef.parse(action.get("value"))
    user = _user(body)
    consultation = services.store.consultations.get(ref.consultation)
    turn = services.consultations.start(consultation.project_id, None, user)
    posting.post_turn(client, posting.open_dm(client, user), turn)


def _show_summary(
    services: Services,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    respond: Respond,
) -> None:
    ref = ProjectRef.parse(action.get("value"))
    project = services.store.projects.get(ref.project)
    _check_team(project.team_id, body)
    dm = posting.open_dm(client, _user(body))
    if ref.then == "findings":
        summary = services.consultations.summary(project.id, record=False)
        posting.post_messages(client, dm, build_findings_pages(summary))
    else:
        posting.post_messages(client, dm, [posting.summary_message(services, project)])


def _pick_project(
    services: Services,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    respond: Respond,
) -> None:
    ref = ProjectRef.parse(action.get("value"))
    project = services.store.projects.get(ref.project)
    _check_team(project.team_id, body)
    if ref.then == "summary" and ref.channel:
        posting.post_summary(client, services, project, ref.channel)
        respond(delete_original=True)
        return
    text, blocks = build_status(posting.project_row(services, project))
    respond(text=text, blocks=blocks, replace_original=True)


def handle_open_review(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    metadata = ReviewContext(channel=None, user=_user(body))
    client.views_open(trigger_id=body["trigger_id"], view=build_review_modal(metadata))
    ack()


def _skip(
    services: Services,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    respond: Respond,
) -> None:
    ref = ConsultationRef.parse(action.get("value"))
    turn = services.consultations.answer(
        ref.consultation, "skip", _user(body), question_id=ref.question
    )
    channel, _ = _message_of(body)
    posting.post_turn(client, channel or posting.open_dm(client, _user(body)), turn)


handle_answer = deferred(_answer)
handle_skip = deferred(_skip)
handle_pause = deferred(_pause)
handle_resume = deferred(_resume)
handle_show_summary = deferred(_show_summary)
handle_pick_project = deferred(_pick_project)


def _user(body: dict[str, Any]) -> str:
    return str((body.get("user") or {}).get("id") or "")


def _message_of(body: dict[str, Any]) -> tuple[str | None, str | None]:
    container = body.get("container") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
    ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
    return channel, ts


def _check_team(team_id: str, body: dict[str, Any]) -> None:
    from bot.core.errors import NotFound

    team = (body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id")
    if team and team != team_id:
        raise NotFound("That project belongs to another workspace.")
