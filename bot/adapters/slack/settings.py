"""The Slack app's settings, read from the environment and `.env`, checked before start-up.

A missing or malformed setting is a `SettingsError` whose message is one line naming the
variable and how to fix it; `premortem serve` prints it and exits.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.core.errors import PremortemError

DEFAULT_API_URL = "https://slack.com/api/"

# How to fix each setting, shown when it is missing or malformed.
_HOW = {
    "slack_bot_token": "set SLACK_BOT_TOKEN to the Bot User OAuth Token (xoxb-...) from your "
    "Slack app's OAuth & Permissions page",
    "slack_signing_secret": "set SLACK_SIGNING_SECRET to the Signing Secret from your Slack app's "
    "Basic Information page",
    "slack_app_token": "set SLACK_APP_TOKEN to an app-level token (xapp-...) with the "
    "connections:write scope, or unset it to serve over HTTP",
    "slack_api_url": "set SLACK_API_URL to an http(s) URL such as https://slack.com/api/, "
    "or unset it",
    "premortem_db": "set PREMORTEM_DB to a file path in an existing, writable directory",
    "premortem_knowledge": "set PREMORTEM_KNOWLEDGE to a directory of YAML rules, or unset it",
}


class SettingsError(PremortemError):
    """A setting is missing or malformed; the message says which and how to fix it."""


class SlackSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    slack_bot_token: SecretStr
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = DEFAULT_API_URL
    premortem_db: Path = Path("premortem.db")
    premortem_knowledge: Path | None = None
    # Threads running the work listeners hand off after their ack (analysis, database, posts).
    # Acks never wait for them; more threads only help while they wait on Slack's Web API.
    premortem_workers: int = Field(default=16, ge=1, le=256)

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token(cls, value: SecretStr) -> SecretStr:
        token = value.get_secret_value().strip()
        if not token:
            raise ValueError("is empty")
        if not token.startswith(("xoxb-", "xoxp-")):
            raise ValueError("does not look like a bot token (it should start with xoxb-)")
        if any(c.isspace() for c in token):
            raise ValueError("contains whitespace")
        return SecretStr(token)

    @field_validator("slack_signing_secret", "slack_app_token", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("slack_signing_secret")
    @classmethod
    def _secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and any(c.isspace() for c in value.get_secret_value().strip()):
            raise ValueError("contains whitespace")
        return SecretStr(value.get_secret_value().strip()) if value is not None else None

    @field_validator("slack_app_token")
    @classmethod
    def _app_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().strip().startswith("xapp-"):
            raise ValueError("does not look like an app-level token (it should start with xapp-)")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        value = value.strip() or DEFAULT_API_URL
        if not value.startswith(("http://", "https://")) or " " in value or len(value) < 10:
            raise ValueError("is not an http(s) URL")
        return value if value.endswith("/") else value + "/"

    @field_validator("premortem_db")
    @classmethod
    def _db(cls, value: Path) -> Path:
        path = value.expanduser()
        if path.is_dir():
            raise ValueError(f"{path} is a directory, not a file")
        if not path.parent.is_dir():
            raise ValueError(f"the directory {path.parent} does not exist")
        return path

    @field_validator("premortem_knowledge", mode="before")
    @classmethod
    def _knowledge(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        if value is not None and not Path(str(value)).expanduser().is_dir():
            raise ValueError(f"{value} is not a directory")
        return value

    def mode(self, force_http: bool = False) -> Literal["socket", "http"]:
        return "socket" if self.slack_app_token is not None and not force_http else "http"


def load_settings(
    force_http: bool = False, env_file: str | Path | None = ".env", *, serving: bool = True
) -> SlackSettings:
    """Settings from the environment (then `.env`), checked for the mode about to start.

    `serving=False` is for commands that only call the Web API (`premortem checkins
    run-due`): they receive no requests, so they need no signing secret.
    """
    try:
        settings = SlackSettings(_env_file=env_file)  # type: ignore[call-arg]
    except ValidationError as exc:
        err = exc.errors()[0]
        name = str(err["loc"][0]) if err["loc"] else "?"
        problem = (
            "is missing" if err["type"] == "missing" else f"is invalid ({_reason(err['msg'])})"
        )
        raise SettingsError(
            f"{name.upper()} {problem}: {_HOW.get(name, 'check its value')}"
        ) from None
    if serving and settings.mode(force_http) == "http" and settings.slack_signing_secret is None:
        name = "slack_signing_secret"
        raise SettingsError(f"SLACK_SIGNING_SECRET is missing (HTTP mode needs it): {_HOW[name]}")
    return settings


def _reason(message: str) -> str:
    return message.removeprefix("Value error, ").rstrip(".")
