"""App Home: published each time the person opens it."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.adapters.slack import posting
from bot.adapters.slack.builders.home_builder import build_home
from bot.adapters.slack.services import Services


def register(app: App) -> None:
    app.event("app_home_opened")(handle_app_home_opened)


def handle_app_home_opened(
    event: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    if event.get("tab") not in (None, "home"):
        return
    services = Services.of(context)
    team = str(body.get("team_id") or context.team_id or "")
    user = str(event["user"])
    client.views_publish(user_id=user, view=build_home(posting.project_rows(services, team, user)))
