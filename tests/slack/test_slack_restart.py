"""Consultation state survives SIGTERM: a restarted server on the same database asks the next
question. Also: start-up refuses a missing or malformed setting with one line."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from tests.fake_slack import BOT_TOKEN, FakeSlack, PremortemServer, SlackSender


def _reply(fake: FakeSlack, sender: SlackSender, text: str, user: str) -> str:
    mark = fake.mark()
    assert sender.dm(text, user=user).status == 200
    calls = fake.wait_for("chat.postMessage", after=mark, timeout=10)
    time.sleep(0.05)
    return fake.calls_of("chat.postMessage", after=mark)[-1].text() or calls[-1].text()


def test_restart_mid_consultation_asks_the_next_question(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    server = PremortemServer(fake_slack, tmp_path).start()
    try:
        sender = SlackSender(server.url, fake_slack)
        assert "Question 1" in _reply(fake_slack, sender, "new Restart project", "U0RESTART")
        assert "Question 2" in _reply(fake_slack, sender, "1", "U0RESTART")
        assert server.stop() == 0
        server.start()
        sender = SlackSender(server.url, fake_slack)
        assert "Question 3" in _reply(fake_slack, sender, "1", "U0RESTART")
    finally:
        server.stop()


def _serve(env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PREMORTEM_"))}
    return subprocess.run(
        [sys.executable, "-m", "bot", "serve", "--http", "--port", "0"],
        env={**clean, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_missing_token_stops_start_up_with_one_line(tmp_path: Path) -> None:
    result = _serve({"SLACK_SIGNING_SECRET": "s"}, tmp_path)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "SLACK_BOT_TOKEN is missing" in lines[0]


def test_malformed_settings_are_named(tmp_path: Path) -> None:
    env = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": "s", "SLACK_API_URL": "not a url"}
    result = _serve(env, tmp_path)
    assert result.returncode == 1 and "SLACK_API_URL is invalid" in result.stderr
    env = {"SLACK_BOT_TOKEN": "abc", "SLACK_SIGNING_SECRET": "s"}
    assert "xoxb-" in _serve(env, tmp_path).stderr
    env = {"SLACK_BOT_TOKEN": BOT_TOKEN}
    assert "SLACK_SIGNING_SECRET is missing" in _serve(env, tmp_path).stderr
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": "s",
        "PREMORTEM_DB": "/nowhere/x.db",
    }
    assert "PREMORTEM_DB is invalid" in _serve(env, tmp_path).stderr


def test_settings_come_from_dot_env(tmp_path: Path, fake_slack: FakeSlack) -> None:
    (tmp_path / ".env").write_text("SLACK_BOT_TOKEN=not-a-token\nSLACK_SIGNING_SECRET=s\n")
    result = _serve({}, tmp_path)
    assert result.returncode == 1 and "SLACK_BOT_TOKEN is invalid" in result.stderr


def test_a_token_slack_refuses_stops_start_up(tmp_path: Path, fake_slack: FakeSlack) -> None:
    fake_slack.fail_next("auth.test", "invalid_auth")
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": "s",
        "SLACK_API_URL": fake_slack.base_url,
    }
    result = _serve(env, tmp_path)
    assert result.returncode == 1 and "refused" in result.stderr
