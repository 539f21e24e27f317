"""`premortem serve`: run the Slack app, in Socket Mode or over HTTP.

Socket Mode when SLACK_APP_TOKEN is set (no public URL needed); otherwise, or with `--http`,
HTTP at /slack/events on uvicorn. Everything is built (settings checked, knowledge loaded,
database migrated, bot token verified) before the port opens or the socket connects.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal

from bot.adapters.terminal.cli import add_log_level, configure_logging

DEFAULT_PORT = 3000


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "serve",
        help="run the Slack app (Socket Mode if SLACK_APP_TOKEN is set, else HTTP)",
        description="Run the Slack app. Settings come from the environment and .env: "
        "SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_APP_TOKEN, SLACK_API_URL, PREMORTEM_DB, "
        "PREMORTEM_KNOWLEDGE. See deploy/README.md.",
    )
    p.add_argument("--http", action="store_true", help="serve HTTP even if SLACK_APP_TOKEN is set")
    p.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("PORT") or DEFAULT_PORT),
        help=f"HTTP port (default: $PORT or {DEFAULT_PORT})",
    )
    p.add_argument("--host", default="0.0.0.0", help="HTTP interface to bind (default: 0.0.0.0)")
    add_log_level(p, default="info")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    configure_logging(args)
    from bot.adapters.scheduler.loop import start_scheduler
    from bot.adapters.slack.after_ack import AfterAck
    from bot.adapters.slack.app import build_app
    from bot.adapters.slack.services import Services
    from bot.adapters.slack.settings import load_settings

    settings = load_settings(force_http=args.http)
    services = Services.open(settings.premortem_db, args.knowledge or settings.premortem_knowledge)
    after_ack = AfterAck(settings.premortem_workers)
    app = build_app(settings, services, after_ack)
    log = logging.getLogger("premortem.serve")
    scheduler = start_scheduler(app, services.store, services.kb)
    socket = None
    try:
        if settings.mode(force_http=args.http) == "socket":
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            assert settings.slack_app_token is not None
            # The handler blocks forever and SIGTERM would kill the process outright, losing
            # acked turns; end the wait with SystemExit so the cleanup below runs.
            signal.signal(signal.SIGTERM, _exit_on_signal)
            log.info("connecting to Slack in Socket Mode")
            socket = SocketModeHandler(app, settings.slack_app_token.get_secret_value())
            socket.start()
        else:
            from bot.adapters.slack.asgi import EVENTS_PATH, serve_http

            log.info("serving HTTP on %s:%d%s", args.host, args.port, EVENTS_PATH)
            serve_http(app, args.host, args.port)
    except SystemExit:
        log.info("stopping: finishing the work already acknowledged")
    finally:
        if socket is not None:
            socket.close()
        scheduler.stop()
        after_ack.shutdown(wait=True)  # finish the turns already acked before closing the store
        services.close()
    return 0


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(0)
