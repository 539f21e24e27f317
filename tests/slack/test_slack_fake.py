"""The fake Slack Web API itself: the real WebClient talks to it, and it scripts failures."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from tests.fake_slack import BOT_TOKEN, FakeSlack, block_kit_problems, view_problems


def client(fake: FakeSlack) -> WebClient:
    web = WebClient(token=BOT_TOKEN, base_url=fake.base_url)
    web.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=1))
    return web


def test_posted_message_is_recorded_with_its_blocks(fake_slack: FakeSlack) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "hello"}}]
    resp = client(fake_slack).chat_postMessage(channel="C1", text="hi", blocks=blocks)
    assert resp["ok"] and resp["ts"]
    (call,) = fake_slack.wait_for("chat.postMessage")
    assert call.blocks == blocks
    assert call.token == BOT_TOKEN
    assert "hello" in call.text()


def test_rate_limited_call_is_retried_after_retry_after(fake_slack: FakeSlack) -> None:
    fake_slack.rate_limit_next("chat.postMessage", retry_after=0)
    client(fake_slack).chat_postMessage(channel="C1", text="hi")
    assert len(fake_slack.calls_of("chat.postMessage")) == 2


def test_scripted_error_reaches_the_client(fake_slack: FakeSlack) -> None:
    fake_slack.fail_next("chat.postMessage", "not_in_channel")
    with pytest.raises(SlackApiError) as exc:
        client(fake_slack).chat_postMessage(channel="C1", text="hi")
    assert exc.value.response["error"] == "not_in_channel"


def test_block_kit_limits_are_checked() -> None:
    too_many = [{"type": "divider"}] * 51
    assert block_kit_problems(too_many)
    assert not block_kit_problems(too_many[:50])
    long_header = [{"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}]
    assert block_kit_problems(long_header)
    long_section = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]
    assert block_kit_problems(long_section)
    assert view_problems(
        {"type": "modal", "title": {"type": "plain_text", "text": "x" * 25}, "blocks": []}
    )
