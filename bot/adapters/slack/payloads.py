"""Context that travels through Slack (button values, modal private_metadata), as small models.

Each model is written with `dump()` and read back with `parse()`, here and nowhere else. What
comes back from Slack is untrusted: a value that does not parse is an `InputError`, which the
error handler turns into a message, never a crash.
"""

from __future__ import annotations

from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.core.errors import InputError


def user_of(body: dict[str, Any]) -> str:
    """The id of the person behind any request body: a button, a command or an event."""
    user = body.get("user")
    if isinstance(user, dict):
        return str(user.get("id") or "")
    return str(body.get("user_id") or (body.get("event") or {}).get("user") or "")


# Slack's limits: a button value holds 2,000 characters, private_metadata 3,000.
BUTTON_VALUE_LIMIT = 2000
METADATA_LIMIT = 3000


class _Carried(BaseModel):
    """Carried in a button's `value` unless a subclass says otherwise."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)
    limit: ClassVar[int] = BUTTON_VALUE_LIMIT

    def dump(self) -> str:
        text = self.model_dump_json(by_alias=True, exclude_none=True)
        if len(text) > self.limit:  # ids only: reaching this is a bug, not user input
            raise ValueError(f"{type(self).__name__} does not fit in Slack: {len(text)} characters")
        return text

    @classmethod
    def parse(cls, raw: str | None) -> Self:
        try:
            return cls.model_validate_json(raw or "")
        except (ValidationError, ValueError) as exc:
            raise InputError("That button or form has expired; please start again.") from exc


class AnswerChoice(_Carried):
    """A button answering a consultation question: which consultation, question and option."""

    consultation: int = Field(alias="c")
    question: str = Field(alias="q")
    value: str = Field(alias="v")


class ConsultationRef(_Carried):
    """A button acting on a whole consultation (resume, pause, skip, its summary)."""

    consultation: int = Field(alias="c")
    question: str | None = Field(default=None, alias="q")


class ProjectRef(_Carried):
    """A button naming one project (a pick among ambiguous names, a summary to show)."""

    project: int = Field(alias="p")
    then: str = Field(default="status", alias="t")  # the subcommand to run on it
    channel: str | None = Field(default=None, alias="ch")


class ReviewContext(_Carried):
    """The review modal's private_metadata: where to post the findings."""

    limit: ClassVar[int] = METADATA_LIMIT

    channel: str | None = Field(default=None, alias="ch")
    user: str = Field(alias="u")


class CheckinChoice(_Carried):
    """A button of a check-in DM: which check-in, and the question and option it answers."""

    checkin: int = Field(alias="k")
    question: str | None = Field(default=None, alias="q")
    value: str | None = Field(default=None, alias="v")
