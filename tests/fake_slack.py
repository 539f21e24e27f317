"""A local fake of the Slack Web API, and signed traffic into a running Premortem, for tests.

`FakeSlack` serves `/api/<method>` on an ephemeral 127.0.0.1 port and records every call, so
the real `slack_sdk.WebClient` (pointed at it with `SLACK_API_URL`) is exercised end to end.
It also serves `response_url`s and can be told to answer a method with an error or a 429;
`apps.connections.open`, called with an app-level token, answers with `socket_url`, the
WebSocket a Socket Mode test serves (tests/slack/test_socket_mode.py).
`SlackSender` signs request bodies the way Slack does and posts them to the app under test.
`block_kit_problems()` checks a blocks array or a view against Slack's published limits.

Everything here uses the standard library only, and every wait is bounded in time.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import http.client
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

SIGNING_SECRET = "test-signing-secret-0123456789abcdef"
BOT_TOKEN = "xoxb-test-0000-token"
APP_TOKEN = "xapp-test"
TEAM_ID = "T0TEST"
BOT_USER_ID = "U0BOT"
BOT_ID = "B0BOT"
API_APP_ID = "A0PREMORTEM"


# --- the fake Web API ----------------------------------------------------------------------


@dataclass
class Call:
    """One request the app made to the fake: a Web API method or a response_url post."""

    method: str  # "chat.postMessage", ... or "response_url"
    args: dict[str, Any]
    token: str | None
    path: str
    at: float = field(default_factory=time.monotonic)

    @property
    def blocks(self) -> list[dict[str, Any]]:
        return list(self.args.get("blocks") or [])

    @property
    def view(self) -> dict[str, Any]:
        return dict(self.args.get("view") or {})

    def text(self) -> str:
        """Everything a person would read in this call: `text` plus all text in blocks/view."""
        parts = [str(self.args.get("text") or "")]
        parts.extend(_texts(self.args.get("blocks") or []))
        parts.extend(_texts(self.args.get("view") or {}))
        return "\n".join(p for p in parts if p)


def _texts(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "text" and isinstance(value, str):
                yield value
            else:
                yield from _texts(value)
    elif isinstance(node, list):
        for item in node:
            yield from _texts(item)


@dataclass
class _Scripted:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]


class FakeSlack:
    """A recording fake of the Slack Web API on 127.0.0.1, port chosen by the OS.

    Use as a context manager, or call `start()`/`stop()`. `base_url` is what `SLACK_API_URL`
    should be set to. Set `socket_url` to the ws:// URL `apps.connections.open` should give out.
    """

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.socket_url: str | None = None
        # Each person's IANA zone as `users.info` gives it; `tz_offset` stays a useless 0,
        # since code must never rely on it.
        self.zones: dict[str, str] = {}
        self._cond = threading.Condition()
        self._scripted: dict[str, list[_Scripted]] = {}
        self._ts = itertools.count(1)
        self._view_ids = itertools.count(1)
        self._response_ids = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # lifecycle

    def start(self) -> FakeSlack:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                fake._handle(self)

            def do_GET(self) -> None:
                fake._handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "FakeSlack is not started"
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self) -> str:
        """A fresh response_url; posts to it are recorded as method "response_url"."""
        return f"http://127.0.0.1:{self.port}/response/{next(self._response_ids)}"

    # scripting

    def fail_next(self, method: str, error: str, times: int = 1) -> None:
        """Answer the next `times` calls of `method` with `{"ok": false, "error": error}`."""
        for _ in range(times):
            self._script(method, _Scripted(200, {"ok": False, "error": error}, {}))

    def rate_limit_next(self, method: str, retry_after: int = 1, times: int = 1) -> None:
        """Answer the next `times` calls of `method` with HTTP 429 and `Retry-After`."""
        for _ in range(times):
            self._script(
                method,
                _Scripted(
                    429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)}
                ),
            )

    def _script(self, method: str, scripted: _Scripted) -> None:
        with self._cond:
            self._scripted.setdefault(method, []).append(scripted)

    # inspection

    def mark(self) -> int:
        """The number of calls so far: pass it to `wait_for(..., after=...)`/`calls_of`."""
        with self._cond:
            return len(self.calls)

    def calls_of(self, *methods: str, after: int = 0) -> list[Call]:
        with self._cond:
            return [c for c in self.calls[after:] if not methods or c.method in methods]

    def wait_for(
        self,
        *methods: str,
        where: Callable[[Call], bool] | None = None,
        count: int = 1,
        after: int = 0,
        timeout: float = 10.0,
    ) -> list[Call]:
        """Wait (bounded) until `count` matching calls were recorded since `after`; return them.

        Raises AssertionError naming what was recorded if they do not arrive in time.
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [
                    c
                    for c in self.calls[after:]
                    if (not methods or c.method in methods) and (where is None or where(c))
                ]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [f"{c.method}: {c.text()[:120]!r}" for c in self.calls[after:]]
                    raise AssertionError(
                        f"expected {count} call(s) of {methods or 'any method'} within {timeout}s, "
                        f"got {len(found)}; recorded since mark: {seen}"
                    )
                self._cond.wait(min(left, 0.05))

    # serving

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length) if length else b""
        path = urlsplit(request.path).path
        args = _parse_args(raw, request.headers.get("Content-Type") or "", request.path)
        auth = request.headers.get("Authorization") or ""
        token = auth.removeprefix("Bearer ").strip() or args.get("token")
        if path.startswith("/response/"):
            method = "response_url"
        elif path.startswith("/api/"):
            method = path.removeprefix("/api/")
        else:
            _reply(request, 404, {"ok": False, "error": "unknown_path"}, {})
            return
        call = Call(method=method, args=args, token=token, path=path)
        with self._cond:
            self.calls.append(call)
            queue = self._scripted.get(method)
            scripted = queue.pop(0) if queue else None
            self._cond.notify_all()
        if scripted is not None:
            _reply(request, scripted.status, scripted.body, scripted.headers)
            return
        _reply(request, 200, self._default_response(method, args, token), {})

    def _default_response(
        self, method: str, args: dict[str, Any], token: str | None = None
    ) -> dict[str, Any]:
        if method == "response_url":
            return {"ok": True}
        if method == "apps.connections.open":
            if not (token or "").startswith("xapp-"):
                return {"ok": False, "error": "not_allowed_token_type"}
            if self.socket_url is None:
                return {"ok": False, "error": "socket_url_not_set"}
            return {"ok": True, "url": self.socket_url}
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://premortem-test.slack.com/",
                "team": "Premortem Test",
                "user": "premortem",
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "bot_id": BOT_ID,
                "is_enterprise_install": False,
            }
        if method == "chat.postMessage":
            ts = self._next_ts()
            channel = str(args.get("channel") or "")
            return {
                "ok": True,
                "channel": channel,
                "ts": ts,
                "message": {
                    "type": "message",
                    "text": args.get("text"),
                    "ts": ts,
                    "bot_id": BOT_ID,
                },
            }
        if method == "chat.update":
            return {
                "ok": True,
                "channel": args.get("channel"),
                "ts": args.get("ts"),
                "text": args.get("text"),
            }
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": self._next_ts()}
        if method == "conversations.open":
            users = str(args.get("users") or "U0")
            return {"ok": True, "channel": {"id": "D" + users.split(",")[0].lstrip("U")}}
        if method in ("views.open", "views.publish", "views.update", "views.push"):
            view = dict(args.get("view") or {})
            view_id = args.get("view_id") or f"V{next(self._view_ids):08d}"
            view.update({"id": view_id, "hash": f"h{time.monotonic_ns()}", "team_id": TEAM_ID})
            return {"ok": True, "view": view}
        if method == "users.info":
            user = str(args.get("user") or "U0")
            return {
                "ok": True,
                "user": {
                    "id": user,
                    "name": user.lower(),
                    "tz": self.zones.get(user, "UTC"),
                    "tz_offset": 0,
                },
            }
        if method == "conversations.info":
            channel = str(args.get("channel") or "C0")
            return {
                "ok": True,
                "channel": {"id": channel, "name": channel.lower(), "is_member": True},
            }
        return {"ok": True}

    def _next_ts(self) -> str:
        return f"{1_700_000_000 + next(self._ts)}.{next(self._ts):06d}"


def _parse_args(raw: bytes, content_type: str, path: str) -> dict[str, Any]:
    text = raw.decode("utf-8", errors="replace")
    args: dict[str, Any]
    if "json" in content_type:
        try:
            loaded = json.loads(text) if text else {}
        except ValueError:
            loaded = {"_unparsed": text}
        args = loaded if isinstance(loaded, dict) else {"_json": loaded}
    else:
        args = dict(parse_qsl(text, keep_blank_values=True))
        query = urlsplit(path).query
        if query:
            args.update(dict(parse_qsl(query, keep_blank_values=True)))
    # slack_sdk sends structured arguments as JSON strings in form bodies
    for key in ("blocks", "attachments", "view"):
        if isinstance(args.get(key), str):
            with contextlib.suppress(ValueError):
                args[key] = json.loads(args[key])
    return args


def _reply(
    request: BaseHTTPRequestHandler, status: int, body: dict[str, Any], headers: dict[str, str]
) -> None:
    payload = json.dumps(body).encode()
    request.send_response(status)
    request.send_header("Content-Type", "application/json; charset=utf-8")
    request.send_header("Content-Length", str(len(payload)))
    for key, value in headers.items():
        request.send_header(key, value)
    request.end_headers()
    request.wfile.write(payload)


# --- signed traffic into the app -----------------------------------------------------------


def sign(body: str, secret: str = SIGNING_SECRET, timestamp: int | None = None) -> dict[str, str]:
    """The headers Slack sends with a request body: timestamp and v0 HMAC-SHA256 signature."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    base = f"v0:{ts}:{body}".encode()
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


@dataclass
class Reply:
    status: int
    body: str
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    def text(self) -> str:
        """The readable text of an ack body (plain text, or JSON with text/blocks)."""
        try:
            data = self.json()
        except ValueError:
            return self.body
        if isinstance(data, dict):
            return "\n".join([str(data.get("text") or ""), *_texts(data.get("blocks") or [])])
        return self.body


class SlackSender:
    """Builds realistic Slack request bodies, signs them and posts them to the app.

    `url` is the app's events URL, e.g. http://127.0.0.1:PORT/slack/events.
    """

    def __init__(
        self, url: str, fake: FakeSlack | None = None, secret: str = SIGNING_SECRET
    ) -> None:
        self.url = url
        self.fake = fake
        self.secret = secret
        self._ids = itertools.count(1)
        parts = urlsplit(url)
        self._host = parts.hostname or "127.0.0.1"
        self._port = parts.port or 80
        self._path = parts.path or "/"

    # raw

    def post(
        self,
        body: str,
        content_type: str = "application/x-www-form-urlencoded",
        headers: dict[str, str] | None = None,
        signed: bool = True,
        timestamp: int | None = None,
        timeout: float = 10.0,
    ) -> Reply:
        all_headers = {"Content-Type": content_type}
        if signed:
            all_headers.update(sign(body, self.secret, timestamp))
        all_headers.update(headers or {})
        conn = http.client.HTTPConnection(self._host, self._port, timeout=timeout)
        try:
            conn.request("POST", self._path, body=body.encode("utf-8"), headers=all_headers)
            resp = conn.getresponse()
            return Reply(
                resp.status, resp.read().decode("utf-8", errors="replace"), dict(resp.getheaders())
            )
        finally:
            conn.close()

    def _response_url(self) -> str:
        if self.fake is not None:
            return self.fake.response_url()
        return "http://127.0.0.1:9/response/unused"

    # slash commands

    def command_body(
        self,
        text: str,
        user: str = "U0ALICE",
        channel: str = "C0CHURN",
        team: str = TEAM_ID,
        command: str = "/premortem",
        channel_name: str = "ml-churn",
        response_url: str | None = None,
    ) -> str:
        return urlencode(
            {
                "token": "legacy-verification-token",
                "team_id": team,
                "team_domain": "premortem-test",
                "channel_id": channel,
                "channel_name": channel_name,
                "user_id": user,
                "user_name": user.lower(),
                "command": command,
                "text": text,
                "api_app_id": API_APP_ID,
                "is_enterprise_install": "false",
                "response_url": response_url or self._response_url(),
                "trigger_id": f"{next(self._ids)}.{int(time.time())}.trigger",
            }
        )

    def command(self, text: str, **kwargs: Any) -> Reply:
        return self.post(self.command_body(text, **kwargs))

    # events

    def event_body(
        self, event: dict[str, Any], team: str = TEAM_ID, event_id: str | None = None
    ) -> str:
        return json.dumps(
            {
                "token": "legacy-verification-token",
                "team_id": team,
                "api_app_id": API_APP_ID,
                "event": event,
                "type": "event_callback",
                "event_id": event_id or f"Ev{uuid.uuid4().hex[:16].upper()}",
                "event_time": int(time.time()),
                "authorizations": [
                    {
                        "team_id": team,
                        "user_id": BOT_USER_ID,
                        "is_bot": True,
                        "is_enterprise_install": False,
                    }
                ],
                "is_ext_shared_channel": False,
            }
        )

    def event(
        self,
        event: dict[str, Any],
        team: str = TEAM_ID,
        event_id: str | None = None,
        retry_num: int | None = None,
    ) -> Reply:
        headers = {}
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
        return self.post(self.event_body(event, team, event_id), "application/json", headers)

    def dm(
        self,
        text: str,
        user: str = "U0ALICE",
        channel: str | None = None,
        team: str = TEAM_ID,
        event_id: str | None = None,
        retry_num: int | None = None,
    ) -> Reply:
        """A direct message from `user` to the bot (a `message` event with channel_type im)."""
        event = self.dm_event(text, user, channel, team)
        return self.event(event, team=team, event_id=event_id, retry_num=retry_num)

    def dm_event(
        self, text: str, user: str = "U0ALICE", channel: str | None = None, team: str = TEAM_ID
    ) -> dict[str, Any]:
        """The `message` event of a direct message from `user` to the bot."""
        ts = f"{int(time.time())}.{next(self._ids):06d}"
        return {
            "type": "message",
            "channel_type": "im",
            "channel": channel or "D" + user.lstrip("U"),
            "user": user,
            "text": text,
            "ts": ts,
            "event_ts": ts,
            "team": team,
            "client_msg_id": f"msg-{next(self._ids)}",
        }

    def app_home_opened(self, user: str = "U0ALICE", team: str = TEAM_ID) -> Reply:
        event = {
            "type": "app_home_opened",
            "user": user,
            "channel": "D" + user.lstrip("U"),
            "tab": "home",
            "event_ts": f"{int(time.time())}.000100",
        }
        return self.event(event, team=team)

    # interactivity

    def interactive(self, payload: dict[str, Any]) -> Reply:
        return self.post(urlencode({"payload": json.dumps(payload)}))

    def block_action(
        self,
        action_id: str,
        value: str,
        user: str = "U0ALICE",
        team: str = TEAM_ID,
        channel: str | None = None,
        message_ts: str = "1700000000.000001",
        block_id: str = "b",
        view: dict[str, Any] | None = None,
    ) -> Reply:
        """A button click (`block_actions`) in a message, or in a view if `view` is given."""
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": {"id": user, "username": user.lower(), "team_id": team},
            "api_app_id": API_APP_ID,
            "token": "legacy-verification-token",
            "trigger_id": f"{next(self._ids)}.{int(time.time())}.trigger",
            "team": {"id": team, "domain": "premortem-test"},
            "response_url": self._response_url(),
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": block_id,
                    "value": value,
                    "text": {"type": "plain_text", "text": "button"},
                    "action_ts": f"{int(time.time())}.000200",
                }
            ],
        }
        if view is not None:
            payload["container"] = {"type": "view", "view_id": view.get("id", "V0")}
            payload["view"] = view
        else:
            ch = channel or "D" + user.lstrip("U")
            payload["container"] = {"type": "message", "message_ts": message_ts, "channel_id": ch}
            payload["channel"] = {"id": ch, "name": "directmessage"}
            payload["message"] = {"type": "message", "ts": message_ts, "text": "", "bot_id": BOT_ID}
        return self.interactive(payload)

    def view_submission(
        self,
        callback_id: str,
        values: dict[str, dict[str, dict[str, Any]]],
        private_metadata: str = "",
        user: str = "U0ALICE",
        team: str = TEAM_ID,
    ) -> Reply:
        """A modal submitted; `values` is shaped like Slack's view.state.values."""
        payload = {
            "type": "view_submission",
            "team": {"id": team, "domain": "premortem-test"},
            "user": {"id": user, "username": user.lower(), "team_id": team},
            "api_app_id": API_APP_ID,
            "token": "legacy-verification-token",
            "trigger_id": f"{next(self._ids)}.{int(time.time())}.trigger",
            "view": {
                "id": f"V{next(self._ids):08d}",
                "team_id": team,
                "type": "modal",
                "callback_id": callback_id,
                "private_metadata": private_metadata,
                "state": {"values": values},
                "hash": "h",
                "blocks": [],
            },
            "response_urls": [],
        }
        return self.interactive(payload)


# --- Block Kit limits ----------------------------------------------------------------------

# From Slack's Block Kit reference (block and composition-object pages).
MAX_BLOCKS = {"message": 50, "modal": 100, "home": 100}


def block_kit_problems(blocks: list[dict[str, Any]] | None, surface: str = "message") -> list[str]:
    """Every way `blocks` breaks Slack's published Block Kit limits; empty when it is valid."""
    problems: list[str] = []
    blocks = blocks or []
    if len(blocks) > MAX_BLOCKS[surface]:
        problems.append(f"{len(blocks)} blocks, the limit for a {surface} is {MAX_BLOCKS[surface]}")
    block_ids: set[str] = set()
    for i, block in enumerate(blocks):
        where = f"blocks[{i}] ({block.get('type')})"
        block_id = block.get("block_id")
        if block_id is not None:
            if len(block_id) > 255:
                problems.append(f"{where}: block_id longer than 255")
            if block_id in block_ids:
                problems.append(f"{where}: duplicate block_id {block_id!r}")
            block_ids.add(block_id)
        kind = block.get("type")
        if kind == "header":
            problems += _text_problems(block.get("text"), f"{where}.text", 150, plain_only=True)
        elif kind == "section":
            if "text" not in block and "fields" not in block:
                problems.append(f"{where}: a section needs text or fields")
            if "text" in block:
                problems += _text_problems(block["text"], f"{where}.text", 3000)
            fields = block.get("fields") or []
            if len(fields) > 10:
                problems.append(f"{where}: {len(fields)} fields, the limit is 10")
            for j, f in enumerate(fields):
                problems += _text_problems(f, f"{where}.fields[{j}]", 2000)
            if "accessory" in block:
                problems += _element_problems(block["accessory"], f"{where}.accessory")
        elif kind == "context":
            elements = block.get("elements") or []
            if not 1 <= len(elements) <= 10:
                problems.append(f"{where}: {len(elements)} elements, between 1 and 10 allowed")
            for j, e in enumerate(elements):
                if e.get("type") in ("mrkdwn", "plain_text"):
                    problems += _text_problems(e, f"{where}.elements[{j}]", 3000)
        elif kind == "actions":
            elements = block.get("elements") or []
            if not 1 <= len(elements) <= 25:
                problems.append(f"{where}: {len(elements)} elements, between 1 and 25 allowed")
            action_ids = [e.get("action_id") for e in elements if e.get("action_id")]
            if len(action_ids) != len(set(action_ids)):
                problems.append(f"{where}: duplicate action_id in one block")
            for j, e in enumerate(elements):
                problems += _element_problems(e, f"{where}.elements[{j}]")
        elif kind == "input":
            if surface == "message":
                problems.append(f"{where}: input blocks belong in modals")
            problems += _text_problems(block.get("label"), f"{where}.label", 2000, plain_only=True)
            if "hint" in block:
                problems += _text_problems(block["hint"], f"{where}.hint", 2000, plain_only=True)
            problems += _element_problems(block.get("element") or {}, f"{where}.element")
        elif kind in ("divider", "image", "rich_text", "file", "video"):
            pass
        else:
            problems.append(f"{where}: unknown block type")
    return problems


def view_problems(view: dict[str, Any]) -> list[str]:
    """Limits of a modal or Home tab view, its blocks included."""
    problems: list[str] = []
    surface = view.get("type")
    if surface not in ("modal", "home"):
        return [f"view type {surface!r} is neither modal nor home"]
    if surface == "modal":
        problems += _text_problems(view.get("title"), "view.title", 24, plain_only=True)
        for key in ("submit", "close"):
            if key in view:
                problems += _text_problems(view[key], f"view.{key}", 24, plain_only=True)
        has_input = any(b.get("type") == "input" for b in view.get("blocks") or [])
        if has_input and "submit" not in view:
            problems.append("a modal with input blocks needs a submit button")
    if len(view.get("private_metadata") or "") > 3000:
        problems.append("view.private_metadata longer than 3000")
    if len(view.get("callback_id") or "") > 255:
        problems.append("view.callback_id longer than 255")
    problems += block_kit_problems(view.get("blocks"), surface)
    return problems


def call_problems(call: Call) -> list[str]:
    """Block Kit problems in one recorded call, whatever surface it posted to."""
    problems: list[str] = []
    if "view" in call.args:
        problems += view_problems(call.view)
    if "blocks" in call.args:
        problems += block_kit_problems(call.blocks, "message")
    if len(str(call.args.get("text") or "")) > 40_000:
        problems.append("message text longer than 40,000 characters")
    return [f"{call.method}: {p}" for p in problems]


def _text_problems(obj: Any, where: str, limit: int, plain_only: bool = False) -> list[str]:
    if not isinstance(obj, dict) or "text" not in obj:
        return [f"{where}: missing text object"]
    if obj.get("type") not in ("plain_text", "mrkdwn"):
        return [f"{where}: text type {obj.get('type')!r}"]
    if plain_only and obj["type"] != "plain_text":
        return [f"{where}: must be plain_text"]
    text = obj["text"]
    if not isinstance(text, str) or not text:
        return [f"{where}: text must be a non-empty string"]
    if len(text) > limit:
        return [f"{where}: {len(text)} characters, the limit is {limit}"]
    return []


def _element_problems(element: dict[str, Any], where: str) -> list[str]:
    problems: list[str] = []
    kind = element.get("type")
    if len(element.get("action_id") or "") > 255:
        problems.append(f"{where}: action_id longer than 255")
    if kind == "button":
        problems += _text_problems(element.get("text"), f"{where}.text", 75, plain_only=True)
        if len(element.get("value") or "") > 2000:
            problems.append(f"{where}: button value longer than 2000")
        if element.get("style") not in (None, "primary", "danger"):
            problems.append(f"{where}: style {element.get('style')!r}")
    elif kind in ("static_select", "overflow", "radio_buttons", "checkboxes"):
        options = element.get("options") or []
        limit = 5 if kind == "overflow" else 10 if kind in ("radio_buttons", "checkboxes") else 100
        if not 1 <= len(options) <= limit:
            problems.append(f"{where}: {len(options)} options, between 1 and {limit} allowed")
        for j, option in enumerate(options):
            problems += _text_problems(option.get("text"), f"{where}.options[{j}].text", 75)
            if not 1 <= len(option.get("value") or "") <= 150:
                problems.append(f"{where}.options[{j}]: value must be 1 to 150 characters")
    elif kind == "plain_text_input":
        if int(element.get("max_length") or 0) > 3000:
            problems.append(f"{where}: max_length above 3000")
        if len(element.get("initial_value") or "") > 3000:
            problems.append(f"{where}: initial_value longer than 3000")
    return problems


# --- running the app under test ------------------------------------------------------------


def free_port() -> int:
    """A port the OS just had free on 127.0.0.1 (for a child process that takes --port)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(
    port: int, timeout: float = 30.0, proc: subprocess.Popen[bytes] | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before opening port {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port} after {timeout}s")


class PremortemServer:
    """`premortem serve --http --port PORT` as a child process, against a FakeSlack.

    The database and the log live in `workdir`; `stop()` sends SIGTERM, and `start()` again
    runs on the same database. With `socket_mode=True` it is plain `premortem serve` with
    SLACK_APP_TOKEN set and no signing secret: it opens no port, so `start()` returns once the
    process runs and the caller waits for it to connect to `fake.socket_url`.
    """

    def __init__(
        self,
        fake: FakeSlack,
        workdir: Path,
        extra_env: dict[str, str] | None = None,
        socket_mode: bool = False,
    ) -> None:
        self.fake = fake
        self.socket_mode = socket_mode
        self.workdir = Path(workdir)
        self.db = self.workdir / "premortem.db"
        self.extra_env = extra_env or {}
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0
        self.log = self.workdir / "server.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PREMORTEM_"))}
        env.update(
            {
                "SLACK_BOT_TOKEN": BOT_TOKEN,
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_URL": self.fake.base_url,
                "PREMORTEM_DB": str(self.db),
                "PYTHONUNBUFFERED": "1",
            }
        )
        if self.socket_mode:
            env["SLACK_APP_TOKEN"] = APP_TOKEN
            del env["SLACK_SIGNING_SECRET"]  # Socket Mode needs none
        env.update(self.extra_env)
        return env

    def start(self, timeout: float = 30.0) -> PremortemServer:
        if self.socket_mode:
            with self.log.open("ab") as log:
                self.proc = subprocess.Popen(
                    [sys.executable, "-m", "bot", "serve"],
                    cwd=self.workdir,
                    env=self.env(),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            return self
        for _attempt in range(3):
            self.port = free_port()
            log = self.log.open("ab")
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "bot",
                    "serve",
                    "--http",
                    "--port",
                    str(self.port),
                    "--host",
                    "127.0.0.1",
                ],
                cwd=self.workdir,
                env=self.env(),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            log.close()
            try:
                wait_for_port(self.port, timeout, self.proc)
                return self
            except RuntimeError:
                continue  # most likely the port was taken between free_port() and bind
        raise RuntimeError(
            f"premortem serve did not start; log:\n{self.log.read_text(errors='replace')}"
        )

    def stop(self, timeout: float = 10.0) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout)
        code = self.proc.returncode
        self.proc = None
        return code

    def __enter__(self) -> PremortemServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --- pytest fixtures (import them into a conftest.py or a test module) --------------------


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture(scope="module")
def module_fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake
