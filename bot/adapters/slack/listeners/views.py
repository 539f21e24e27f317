"""The review modal's submission: read the pasted proposal and post its findings."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.adapters.slack import posting
from bot.adapters.slack.after_ack import later
from bot.adapters.slack.builders.review_builder import build_review_error
from bot.adapters.slack.builders.summary_builder import build_summary_message
from bot.adapters.slack.errors import reports_errors
from bot.adapters.slack.ids import Ids
from bot.adapters.slack.payloads import ReviewContext, user_of
from bot.adapters.slack.services import Services
from bot.core.assessment import summary_of_proposal
from bot.core.store.text import PROPOSAL_LIMIT, clean


def register(app: App) -> None:
    app.view(Ids.REVIEW_MODAL.value)(reports_errors(handle_review_submission))


def handle_review_submission(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    values = (view.get("state") or {}).get("values") or {}
    field = (values.get(Ids.REVIEW_INPUT_BLOCK.value) or {}).get(Ids.REVIEW_INPUT.value) or {}
    proposal = clean(str(field.get("value") or ""), PROPOSAL_LIMIT)
    if not proposal:
        ack(**build_review_error("Paste a proposal to review."))
        return
    metadata = ReviewContext.parse(view.get("private_metadata"))
    ack()
    later(context)(_review, Services.of(context), body, client, metadata, proposal)


def _review(
    services: Services,
    body: dict[str, Any],
    client: WebClient,
    metadata: ReviewContext,
    proposal: str,
) -> None:
    summary = summary_of_proposal(
        services.kb,
        services.analyzer.analyse(proposal),
        project="Proposal review",
        now=services.store.now(),
    )
    user = user_of(body) or metadata.user
    message = build_summary_message(summary, title=f"Proposal review for {_name(body)}")
    if metadata.channel:
        try:
            posting.post_messages(client, metadata.channel, [message])
            return
        except SlackApiError as exc:
            if exc.response.get("error") not in ("not_in_channel", "channel_not_found"):
                raise
    posting.post_messages(client, posting.open_dm(client, user), [message])


def _name(body: dict[str, Any]) -> str:
    user = body.get("user") or {}
    return str(user.get("name") or user.get("username") or "you")
