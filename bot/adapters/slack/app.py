"""The Bolt app: one Web API client that honours Retry-After, listeners, one error handler."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App
from slack_bolt.error import BoltError
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)

from bot.adapters.slack.after_ack import AfterAck
from bot.adapters.slack.errors import handle_error
from bot.adapters.slack.listeners import register_listeners
from bot.adapters.slack.middleware import handle_each_event_once, provide_services
from bot.adapters.slack.services import Services
from bot.adapters.slack.settings import SettingsError, SlackSettings

WEB_API_TIMEOUT_S = 15


def build_client(settings: SlackSettings) -> WebClient:
    """The one Web API client: SLACK_API_URL as base, retrying 429s after Retry-After."""
    return WebClient(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=settings.slack_api_url,
        timeout=WEB_API_TIMEOUT_S,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=3),
        ],
    )


def build_app(settings: SlackSettings, services: Services, after_ack: AfterAck) -> App:
    """The Bolt app; verifies the bot token with auth.test, so a bad token stops start-up.

    Listeners run on the request's thread and return as soon as they have acked: Slack gets
    its answer the moment the listener returns, and the slow part goes to `after_ack`.
    """
    secret = settings.slack_signing_secret
    try:
        app = App(
            client=build_client(settings),
            signing_secret=secret.get_secret_value() if secret else "",
            process_before_response=True,
            listener_executor=ThreadPoolExecutor(
                max_workers=4, thread_name_prefix="premortem-listener"
            ),
        )
    except BoltError as exc:
        raise SettingsError(
            f"SLACK_BOT_TOKEN was refused by Slack ({exc}): check the token and SLACK_API_URL"
        ) from None
    app.use(provide_services(services))
    app.use(after_ack.middleware())
    app.use(handle_each_event_once)
    register_listeners(app)
    app.error(handle_error)
    return app
