"""`premortem serve` in Socket Mode, end to end: the real process asks the fake Web API (through
SLACK_API_URL, with the app-level token) for a WebSocket URL, connects to a local stand-in for
Slack's side of the socket, and gets a slash command and a DM event as Socket Mode envelopes."""

from __future__ import annotations

import contextlib
import json
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve

from bot.core.store import Store
from tests.fake_slack import (
    API_APP_ID,
    APP_TOKEN,
    TEAM_ID,
    FakeSlack,
    PremortemServer,
    Reply,
    SlackSender,
)

pytestmark = pytest.mark.slow

LINK_PATH = "/link"
MAX_MESSAGES = 200  # what the link keeps from the app; a test sends a handful
CONNECT_TIMEOUT_S = 30.0
ACK_TIMEOUT_S = 5.0
# Socket Mode posts nothing to the app over HTTP: SlackSender only builds the bodies here.
NO_HTTP = "http://127.0.0.1:9/slack/events"


class SocketModeLink:
    """Slack's side of a Socket Mode connection: a WebSocket server on 127.0.0.1 (port chosen by
    the OS) at `url`, which carries a one-off ticket as Slack's do. It takes a connection only
    to that URL, says hello, sends envelopes, and records what the app sends back (acks), at
    most MAX_MESSAGES of them."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.connections = 0
        self.ticket = uuid.uuid4().hex
        self._cond = threading.Condition()
        self._conn: ServerConnection | None = None
        self._server: Server | None = None

    def start(self) -> SocketModeLink:
        self._server = serve(
            self._handle, "127.0.0.1", 0, compression=None, ping_interval=None, close_timeout=1
        )
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server = None

    @property
    def url(self) -> str:
        assert self._server is not None, "SocketModeLink is not started"
        port = self._server.socket.getsockname()[1]
        return f"ws://127.0.0.1:{port}{LINK_PATH}?ticket={self.ticket}&app_id={API_APP_ID}"

    def _handle(self, conn: ServerConnection) -> None:
        target = urlsplit(conn.request.path if conn.request else "")
        if target.path != LINK_PATH or dict(parse_qsl(target.query)).get("ticket") != self.ticket:
            conn.close(1008, "unknown path or ticket")
            return
        conn.send(json.dumps({"type": "hello", "num_connections": 1, "debug_info": {}}))
        with self._cond:
            self._conn = conn
            self.connections += 1
            self._cond.notify_all()
        with contextlib.suppress(ConnectionClosed):
            for message in conn:
                with self._cond:
                    if len(self.received) >= MAX_MESSAGES:
                        break
                    self.received.append(json.loads(message))
                    self._cond.notify_all()

    def wait_connected(self, server: PremortemServer, timeout: float = CONNECT_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._conn is None:
                assert server.proc is not None and server.proc.poll() is None, (
                    f"premortem serve exited before connecting; log:\n{server.log.read_text()}"
                )
                left = deadline - time.monotonic()
                assert left > 0, (
                    f"premortem serve did not connect within {timeout}s; log:\n"
                    f"{server.log.read_text()}"
                )
                self._cond.wait(min(left, 0.1))

    def send(self, kind: str, payload: dict[str, Any], accepts_response_payload: bool) -> str:
        """Send one envelope of `kind` ("slash_commands", "events_api", ...); its envelope_id."""
        envelope_id = str(uuid.uuid4())
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id,
            "type": kind,
            "accepts_response_payload": accepts_response_payload,
            "payload": payload,
        }
        if kind == "events_api":
            envelope.update({"retry_attempt": 0, "retry_reason": ""})
        with self._cond:
            conn = self._conn
        assert conn is not None, "the app is not connected"
        conn.send(json.dumps(envelope))
        return envelope_id

    def ack(self, envelope_id: str, timeout: float = ACK_TIMEOUT_S) -> dict[str, Any]:
        """The app's ack of the envelope `envelope_id`, waited for at most `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for message in self.received:
                    if message.get("envelope_id") == envelope_id:
                        return message
                left = deadline - time.monotonic()
                assert left > 0, f"no ack of {envelope_id} within {timeout}s: {self.received}"
                self._cond.wait(min(left, 0.05))


@pytest.fixture(scope="module")
def link(module_fake_slack: FakeSlack) -> Iterator[SocketModeLink]:
    running = SocketModeLink().start()
    module_fake_slack.socket_url = running.url
    try:
        yield running
    finally:
        module_fake_slack.socket_url = None
        running.stop()


@pytest.fixture(scope="module")
def socket_server(
    module_fake_slack: FakeSlack, link: SocketModeLink, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PremortemServer]:
    server = PremortemServer(
        module_fake_slack, tmp_path_factory.mktemp("premortem-socket"), socket_mode=True
    )
    server.start()
    try:
        link.wait_connected(server)
        yield server
    finally:
        server.stop()  # SIGTERM, then kill if it has not gone within 10 s


@pytest.fixture
def bodies(module_fake_slack: FakeSlack) -> SlackSender:
    return SlackSender(NO_HTTP, module_fake_slack)


def test_socket_mode_asks_for_the_socket_through_slack_api_url_with_the_app_token(
    socket_server: PremortemServer, fake: FakeSlack, link: SocketModeLink
) -> None:
    opened = fake.calls_of("apps.connections.open")
    assert opened, "the socket URL was not asked for through SLACK_API_URL"
    assert {c.token for c in opened} == {APP_TOKEN}
    assert link.connections == 1


def test_socket_mode_answers_help_over_the_socket(
    socket_server: PremortemServer, fake: FakeSlack, link: SocketModeLink, bodies: SlackSender
) -> None:
    mark = fake.mark()
    form = dict(parse_qsl(bodies.command_body("help", team="T0SOCKET1"), keep_blank_values=True))
    envelope_id = link.send("slash_commands", form, accepts_response_payload=True)
    ack = link.ack(envelope_id)
    text = Reply(200, json.dumps(ack.get("payload") or {}), {}).text()
    for sub in ("new", "summary", "list", "status", "review", "checkin", "help"):
        assert f"/premortem {sub}" in text
    assert not fake.calls_of("response_url", after=mark), "help is the ack itself"


def test_socket_mode_dm_new_posts_the_first_question(
    socket_server: PremortemServer, fake: FakeSlack, link: SocketModeLink, bodies: SlackSender
) -> None:
    user = "U0SOCKET1"
    mark = fake.mark()
    event = bodies.dm_event("new Socket project", user=user)
    payload = json.loads(bodies.event_body(event))
    started = time.monotonic()
    envelope_id = link.send("events_api", payload, accepts_response_payload=False)
    assert link.ack(envelope_id) == {"envelope_id": envelope_id}
    (question,) = fake.wait_for(
        "chat.postMessage",
        after=mark,
        timeout=10,
        where=lambda c: c.args.get("channel") == event["channel"],
    )[:1]
    assert time.monotonic() - started < 10
    assert "Question 1" in question.text()


def test_socket_mode_sigterm_finishes_cleanly_and_keeps_the_consultation(
    tmp_path: Path,
) -> None:
    """A redeploy sends SIGTERM: the process exits 0 after closing the socket and the store."""
    with FakeSlack() as fake:
        own_link = SocketModeLink().start()
        fake.socket_url = own_link.url
        server = PremortemServer(fake, tmp_path, socket_mode=True)
        try:
            server.start()
            own_link.wait_connected(server)
            bodies = SlackSender(NO_HTTP, fake)
            event = bodies.dm_event("new Redeploy project", user="U0SOCKET2")
            mark = fake.mark()
            envelope_id = own_link.send(
                "events_api", json.loads(bodies.event_body(event)), accepts_response_payload=False
            )
            own_link.ack(envelope_id)
            fake.wait_for("chat.postMessage", after=mark, timeout=10)
            assert server.stop() == 0
        finally:
            server.stop()
            own_link.stop()
    store = Store.open(server.db)
    try:
        (project,) = [p for p in store.projects.list(TEAM_ID) if p.name == "Redeploy project"]
        assert store.consultations.open_for(project.id) is not None
    finally:
        store.close()
