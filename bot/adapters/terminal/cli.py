"""The `premortem` command: one entry point, one module per command group.

Command modules are imported lazily so `premortem review` does not pay for Slack imports.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from bot.core.errors import PremortemError
from bot.core.knowledge import KnowledgeError

# Each module defines `register(subparsers)`, adding its commands with `set_defaults(run=...)`.
COMMAND_MODULES = (
    "bot.adapters.terminal.review",
    "bot.adapters.terminal.kb",
    "bot.adapters.terminal.evaluate",
    "bot.adapters.terminal.chat",
    "bot.adapters.slack.serve",
    "bot.adapters.scheduler.cli",
)


def add_log_level(parser: argparse.ArgumentParser, default: str) -> None:
    """`--log-level`, for the commands that run unattended and log to standard error."""
    parser.add_argument(
        "--log-level", default=default, choices=["debug", "info", "warning", "error"]
    )


def configure_logging(args: argparse.Namespace) -> None:
    logging.basicConfig(
        level=args.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="premortem",
        description="Find the risks in an ML project before it sinks a quarter.",
    )
    parser.add_argument(
        "--knowledge",
        metavar="DIR",
        help="a directory of your own YAML rules, added to the bundled knowledge base "
        "(default: $PREMORTEM_KNOWLEDGE)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    try:
        return int(args.run(args) or 0)
    except KnowledgeError as exc:
        print(f"premortem: the knowledge base has {len(exc.problems)} problem(s):", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    except PremortemError as exc:
        print(f"premortem: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
