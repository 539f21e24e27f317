"""The one error handler: a known problem becomes a message on the surface it came from.

Domain errors (PremortemError) carry a message fit for the person; Slack API errors such as
`not_in_channel` are explained; anything else is logged with its context and answered with a
short apology. Slack always gets a 200, so no retry storm follows an expected error.
"""

from __future__ import annotations

import inspect
import json
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltContext, BoltResponse, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.adapters.slack.builders.blocks import escape
from bot.adapters.slack.payloads import user_of
from bot.core.errors import PremortemError

log = logging.getLogger(__name__)

APOLOGY = "Sorry, something went wrong on my side; it has been logged. Please try again."

# What a Slack Web API error means to the person who asked.
SLACK_ERRORS = {
    "not_in_channel": "I'm not a member of this channel. Invite me with `/invite @Premortem` "
    "and try again.",
    "channel_not_found": "I can't see this channel. If it is private or a direct message "
    "between people, invite me with `/invite @Premortem`, or use me in a channel I'm in.",
    "is_archived": "This channel is archived, so I can't post in it.",
    "restricted_action": "This workspace doesn't let me post in this channel.",
    "cannot_dm_bot": "I can't send direct messages to bots.",
    "user_not_found": "I couldn't find that person in this workspace.",
    "expired_trigger_id": "That took too long for Slack; please run the command again.",
    "ratelimited": "Slack is asking me to slow down. Please try again in a minute.",
    "msg_too_long": "That message was too long for Slack; try `/premortem status` instead.",
}


def user_message(error: Exception) -> str:
    """What to tell the person about `error` (mrkdwn, already escaped)."""
    if isinstance(error, PremortemError):
        return escape(str(error))
    if isinstance(error, SlackApiError):
        code = str(error.response.get("error", "")) if error.response is not None else ""
        return SLACK_ERRORS.get(code, f"Slack refused that request (`{escape(code)}`). {APOLOGY}")
    return APOLOGY


def handle_error(
    error: Exception,
    body: dict[str, Any],
    client: WebClient,
    respond: Respond | None,
    response: BoltResponse | None,
) -> BoltResponse | None:
    """Bolt's @app.error handler for every listener."""
    message = user_message(error)
    kind = body.get("type") or ("slash_command" if "command" in body else "")
    if isinstance(error, PremortemError):
        log.info("%s: %s", kind or "request", error)
    elif isinstance(error, SlackApiError):
        log.warning("Slack API error while handling %s: %s", kind or "a request", error)
    else:
        log.error(
            "unexpected error while handling %s (team %s, user %s)",
            kind or "a request",
            _team(body),
            user_of(body),
            exc_info=error,
        )
    if response is not None:  # the listener failed before its ack: answer in the ack itself
        if kind == "view_submission":
            return BoltResponse(status=200, body="")  # closes the modal; the DM below explains
        return _ack_reply(message)
    try:
        _tell(client, respond, body, message)
    except Exception:  # the surface itself is gone (revoked, archived): nothing left to tell
        log.warning("could not tell the user about an error", exc_info=True)
    return None


def _ack_reply(message: str) -> BoltResponse:
    return BoltResponse(
        status=200,
        body=json.dumps({"response_type": "ephemeral", "text": message}),
        headers={"content-type": "application/json"},
    )


def _tell(client: WebClient, respond: Respond | None, body: dict[str, Any], message: str) -> None:
    """Post `message` where the request came from: response_url, else the person's DM."""
    if respond is not None and respond.response_url:
        respond(text=message, response_type="ephemeral", replace_original=False)
        return
    event = body.get("event") or {}
    if event.get("type") == "message" and event.get("channel_type") == "im":
        client.chat_postMessage(channel=event["channel"], text=message)
        return
    user = user_of(body)
    if user and body.get("type") in ("block_actions", "view_submission"):
        dm = client.conversations_open(users=user)
        client.chat_postMessage(channel=dm["channel"]["id"], text=message)


def _team(body: dict[str, Any]) -> str:
    team = body.get("team")
    if isinstance(team, dict):
        return str(team.get("id") or "")
    return str(body.get("team_id") or "")


def reports_errors(listener: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a listener so an error raised after its ack() reaches `handle_error` directly.

    Bolt, when a listener raises after ack(), resets the ack it was about to send: the
    request then waits out the 3-second timeout and Slack gets a 404. Errors before the ack
    still go through Bolt (and so through `handle_error`, which answers in the ack).
    """
    wanted = set(inspect.signature(listener).parameters)

    def wrapper(
        ack: Ack,
        body: dict[str, Any],
        client: WebClient,
        respond: Respond,
        context: BoltContext,
        command: dict[str, Any],
        action: dict[str, Any],
        event: dict[str, Any],
        view: dict[str, Any],
    ) -> None:
        given = {
            "ack": ack,
            "body": body,
            "client": client,
            "respond": respond,
            "context": context,
            "command": command,
            "action": action,
            "event": event,
            "view": view,
        }
        try:
            listener(**{k: v for k, v in given.items() if k in wanted})
        except Exception as error:
            if ack is not None and ack.response is None:
                raise
            handle_error(error, body, client, respond, None)

    wrapper.__name__ = listener.__name__
    wrapper.__qualname__ = listener.__qualname__
    wrapper.__doc__ = listener.__doc__
    return wrapper
