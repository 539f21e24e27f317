"""HTTP mode: the Bolt app behind Starlette on uvicorn, at `/slack/events`.

Bolt's own Starlette adapter calls the synchronous `App.dispatch` on the event loop, and
dispatch waits for the listener's ack, so one slow ack would hold every other request. Here
each request is dispatched on a worker thread instead. Request bodies are parsed by
`SlackRequest`, which fixes two Bolt quirks: a form body that merely contains the word
"payload" (`/premortem new payload checker`) is not mistaken for an interaction, and malformed
JSON is an unhandled request (answered 404 after the signature check), never a 500.
"""

from __future__ import annotations

import contextlib
import json
import logging
import signal
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

import uvicorn
from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.context import BoltContext
from slack_bolt.request.internals import build_context
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
MAX_BODY = 1_000_000  # Slack's payloads are far smaller; anything bigger is not from Slack


def parse_slack_body(raw: str, content_type: str | None) -> dict[str, Any]:
    """A request body as Bolt expects it: JSON events, or form fields, or an interaction payload.

    Never raises: what cannot be read is `{}`, which Bolt treats as an unhandled request.
    """
    if not raw:
        return {}
    if content_type == "application/json" or raw.startswith("{"):
        return _json_object(raw)
    fields = dict(parse_qsl(raw, keep_blank_values=True))
    if "payload" in fields:  # an interaction: the whole body is one JSON `payload` field
        return _json_object(fields["payload"])
    return fields


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


class SlackRequest(BoltRequest):
    """A BoltRequest whose body is parsed by `parse_slack_body` (see the module docstring)."""

    def __init__(
        self,
        *,
        body: str,
        query: Any = None,
        headers: Any = None,
        context: dict[str, Any] | None = None,
        mode: str = "http",
    ) -> None:
        super().__init__(body="", query=query, headers=headers, context=context, mode=mode)
        self.raw_body = body
        self.body = parse_slack_body(body, self.content_type)
        self.context = build_context(BoltContext(context or {}), self.body)

    def to_copyable(self) -> BoltRequest:
        return SlackRequest(
            body=self.raw_body,
            query=self.query,
            headers=self.headers,
            context=self.context.to_copyable(),
            mode=self.mode,
        )


def build_asgi(bolt: App, path: str = EVENTS_PATH) -> Starlette:
    """The ASGI application: POST `path` into Bolt, GET /healthz for load balancers."""

    async def events(request: Request) -> Response:
        body = await request.body()
        if len(body) > MAX_BODY:
            return PlainTextResponse("request body too large", status_code=413)
        bolt_request = SlackRequest(
            body=body.decode("utf-8", errors="replace"),
            query=request.url.query,
            headers=dict(request.headers),
        )
        try:
            bolt_response: BoltResponse = await run_in_threadpool(bolt.dispatch, bolt_request)
        except Exception:  # Bolt's own failures: Slack must still get an answer, not a 5xx
            log.exception("dispatching a Slack request failed")
            return PlainTextResponse("Sorry, something went wrong on our side. Please try again.")
        return Response(
            status_code=bolt_response.status,
            content=bolt_response.body,
            headers=bolt_response.first_headers_without_set_cookie(),
        )

    async def health(request: Request) -> Response:
        return PlainTextResponse("ok")

    return Starlette(
        routes=[
            Route(path, events, methods=["POST"]),
            Route(HEALTH_PATH, health, methods=["GET"]),
        ]
    )


def serve_http(bolt: App, host: str, port: int, path: str = EVENTS_PATH) -> None:
    """Serve until SIGTERM/SIGINT. The port opens only now, after the app is fully built."""
    config = uvicorn.Config(
        build_asgi(bolt, path),
        host=host,
        port=port,
        lifespan="off",
        access_log=False,
        server_header=False,
        timeout_keep_alive=10,
        timeout_graceful_shutdown=10,
        log_level="info",
    )
    GracefulServer(config).run()


class GracefulServer(uvicorn.Server):
    """uvicorn's server, except that SIGTERM/SIGINT end `run()` instead of being raised again
    after the graceful shutdown, so `premortem serve` finishes the work already acked and
    closes the database before it exits (with status 0)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        signals = (signal.SIGINT, signal.SIGTERM)
        previous = {s: signal.signal(s, self.handle_exit) for s in signals}
        try:
            yield
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)
