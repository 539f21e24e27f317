"""The review modal (paste a proposal) and its findings message."""

from __future__ import annotations

from typing import Any

from bot.adapters.slack.builders.blocks import MODAL_TITLE, Block, context, plain
from bot.adapters.slack.ids import Ids
from bot.adapters.slack.payloads import ReviewContext

# Slack caps a plain_text_input at 3,000 characters.
PROPOSAL_INPUT_LIMIT = 3000


def build_review_modal(metadata: ReviewContext) -> dict[str, Any]:
    blocks: list[Block] = [
        {
            "type": "input",
            "block_id": Ids.REVIEW_INPUT_BLOCK.value,
            "label": plain("Your proposal"),
            "hint": plain(
                "Paste the project proposal or design doc (up to 3,000 characters here; send "
                "longer ones to me in a direct message)."
            ),
            "element": {
                "type": "plain_text_input",
                "action_id": Ids.REVIEW_INPUT.value,
                "multiline": True,
                "min_length": 1,
                "max_length": PROPOSAL_INPUT_LIMIT,
                "placeholder": plain("We want to predict churn from usage logs so that…"),
            },
        },
        context(
            "I read it for the risks that sink ML projects and post the findings "
            + ("in the channel you were in." if metadata.channel else "to you.")
        ),
    ]
    return {
        "type": "modal",
        "callback_id": Ids.REVIEW_MODAL.value,
        "private_metadata": metadata.dump(),
        "title": plain("Review a proposal", MODAL_TITLE),
        "submit": plain("Review", MODAL_TITLE),
        "close": plain("Cancel", MODAL_TITLE),
        "blocks": blocks,
    }


def build_review_error(message: str) -> dict[str, Any]:
    """A view_submission ack that shows `message` under the proposal field."""
    return {"response_action": "errors", "errors": {Ids.REVIEW_INPUT_BLOCK.value: message[:150]}}
