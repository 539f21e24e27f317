"""App Home: published each time the person opens it."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.adapters.slack import posting
from bot.adapters.slack.after_ack import later
from bot.adapters.slack.builders.home_builder import build_home
from bot.adapters.slack.errors import reports_errors
from bot.adapters.slack.services import Services


def register(app: App) -> None:
    app.event("app_home_opened")(reports_errors(handle_app_home_opened))


def handle_app_home_opened(
    event: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    if event.get("tab") not in (None, "home"):
        return
    team = str(body.get("team_id") or context.team_id or "")
    later(context)(_publish_home, Services.of(context), client, team, str(event["user"]))


def _publish_home(services: Services, client: WebClient, team: str, user: str) -> None:
    client.views_publish(user_id=user, view=build_home(posting.project_rows(services, team, user)))
