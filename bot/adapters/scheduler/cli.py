"""`premortem checkins run-due`: send the check-ins due now, once, and exit.

For an external scheduler (cron, a Kubernetes CronJob) instead of, or beside, the one inside
`premortem serve`: claims make running both, or overlapping runs, safe. `--now` pretends it is
another instant, which is also how the tests move time.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from bot.adapters.terminal.cli import add_log_level, configure_logging


def register(sub: argparse._SubParsersAction) -> None:
    group = sub.add_parser(
        "checkins",
        help="scheduled check-ins (run-due: send the ones due now, for cron)",
        description="Scheduled check-ins. Schedules are set in Slack with "
        "`/premortem checkin <project> <when>`.",
    )
    commands = group.add_subparsers(dest="checkins_command", metavar="SUBCOMMAND")
    run = commands.add_parser(
        "run-due",
        help="send the check-ins due now, once, and exit",
        description="Send every check-in due now (and the reminders and summaries due), then "
        "exit. Reads the settings `premortem serve` reads: SLACK_BOT_TOKEN, SLACK_API_URL, "
        "PREMORTEM_DB. Safe to run while `premortem serve` runs, and from several places.",
    )
    run.add_argument(
        "--now",
        type=instant,
        metavar="ISO-8601",
        help="pretend it is this instant, e.g. 2026-11-30T09:01:00+01:00 (default: now)",
    )
    add_log_level(run, default="warning")
    run.set_defaults(run=run_due_command)
    group.set_defaults(run=lambda args: group.print_help() or 2)


def instant(text: str) -> datetime:
    """An ISO 8601 instant with its offset (`Z` or `+01:00`)."""
    try:
        at = datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO 8601 time, e.g. 2026-11-30T09:01:00+01:00"
        ) from None
    if at.tzinfo is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} has no UTC offset; add one, e.g. {text}+01:00 or {text}Z"
        )
    return at


def run_due_command(args: argparse.Namespace) -> int:
    configure_logging(args)
    from bot.adapters.scheduler.delivery import Delivery
    from bot.adapters.scheduler.runner import run_due
    from bot.adapters.slack.app import build_client
    from bot.adapters.slack.settings import load_settings
    from bot.core.checkins import Checkins
    from bot.core.consultation import Consultations
    from bot.core.knowledge import load_default
    from bot.core.store import Store

    settings = load_settings(serving=False)
    kb = load_default(args.knowledge or settings.premortem_knowledge)
    store = Store.open(settings.premortem_db)
    try:
        checkins = Checkins(Consultations(store, kb))
        report = run_due(Delivery(build_client(settings), checkins), args.now or datetime.now(UTC))
    finally:
        store.close()
    print(f"premortem: {report}")
    return 0
