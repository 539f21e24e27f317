"""`premortem chat`, `projects`, `summary` and `export`: consultations in a terminal.

A person at a terminal gets panels and colour; with stdin piped, each line read is one answer
and the output is a plain transcript, so a whole consultation can be scripted. End of input
or Ctrl-C pauses the consultation, and the next `premortem chat --project NAME` resumes it at
the same question. Projects made here belong to the local team (`LOCAL_TEAM`) of the same
database file the Slack app may use.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from dataclasses import asdict, replace
from typing import TYPE_CHECKING, Any

from bot.core.errors import InputError, NotFound
from bot.core.knowledge import load_default

if TYPE_CHECKING:
    from rich.console import Console

    from bot.core.consultation import Consultations, Turn
    from bot.core.store import Project, Store

# The store, the consultation engine and rich are imported when a command here runs, so
# that building the parser for other commands does not pay for them.


def register(sub: argparse._SubParsersAction) -> None:
    db_help = "the database file (default: $PREMORTEM_DB, else premortem.db here)"

    chat = sub.add_parser(
        "chat",
        help="run a guided pre-mortem consultation (answers typed, or piped one per line)",
        description="One question at a time; end of input or Ctrl-C pauses, and running the "
        "same command again resumes at the same question.",
    )
    chat.add_argument(
        "--project", "-p", required=True, metavar="NAME", help="the project (created if new)"
    )
    chat.add_argument(
        "--proposal", metavar="FILE", help="a proposal to read first: settled areas are skipped"
    )
    chat.add_argument(
        "--new", action="store_true", help="create a new project even if NAME resembles one"
    )
    chat.add_argument(
        "--again", action="store_true", help="start a new consultation after a finished one"
    )
    chat.add_argument("--who", default=None, help="who is answering (default: your user name)")
    chat.add_argument("--db", metavar="FILE", help=db_help)
    chat.set_defaults(run=_chat)

    projects = sub.add_parser(
        "projects", help="list the projects and where their consultations stand"
    )
    projects.add_argument("--db", metavar="FILE", help=db_help)
    projects.set_defaults(run=_projects)

    summary = sub.add_parser("summary", help="the risk summary of a project")
    summary.add_argument("project", metavar="NAME", help="the project (a word of its name will do)")
    summary.add_argument("--format", choices=("terminal", "markdown", "json"), default="terminal")
    summary.add_argument("--db", metavar="FILE", help=db_help)
    summary.set_defaults(run=_summary)

    export = sub.add_parser("export", help="everything about a project as JSON on stdout")
    export.add_argument("project", metavar="NAME", help="the project (a word of its name will do)")
    export.add_argument("--db", metavar="FILE", help=db_help)
    export.set_defaults(run=_export)


# --- chat --------------------------------------------------------------------------------


def _chat(args: argparse.Namespace) -> int:
    from bot.core.consultation import Consultations
    from bot.core.store import Store

    proposal = None
    if args.proposal:
        from bot.adapters.terminal.review import read_proposal

        proposal = read_proposal(args.proposal)
    kb = load_default(args.knowledge)
    analyzer = None
    if proposal:
        from bot.core.analysis import Analyzer

        analyzer = Analyzer(kb)
    store = Store.open(args.db)
    try:
        service = Consultations(store, kb, analyzer)
        who = args.who or _user()
        project = _project_for_chat(store, args.project, new=args.new)
        interactive = sys.stdin.isatty() and sys.stdout.isatty()
        out = _Output(interactive)
        turn = service.start(project.id, proposal, who, after_finished=args.again)
        if turn.kind == "finished":
            turn = replace(turn, message=f"{turn.message} Run with --again to start a new one.")
        return _converse(service, turn, out, who)
    finally:
        store.close()


def _converse(service: Consultations, turn: Turn, out: _Output, who: str) -> int:
    """Show a turn, read a line, answer it; until the end, end of input or Ctrl-C."""
    try:
        while True:
            out.show(turn)
            if turn.kind in ("finished", "paused"):
                return 0
            line = out.read()
            if line is None:  # end of input
                out.show(service.pause(turn.consultation_id, who))
                return 0
            # The question shown is named, so an answer typed while another process moved the
            # consultation on is not taken for an answer to the next question.
            shown = turn.question.id if turn.question else None
            turn = service.answer(turn.consultation_id, line, who, question_id=shown)
    except KeyboardInterrupt:
        # Wherever it lands, an interrupted answer's transaction was rolled back whole.
        out.show(service.pause(turn.consultation_id, who))
        return 130


class _Output:
    """Rich panels for a person, a plain transcript for a pipe."""

    def __init__(self, interactive: bool) -> None:
        from rich.console import Console

        self.interactive = interactive
        self.console: Console | None = Console(highlight=False) if interactive else None

    def show(self, turn: Turn) -> None:
        from bot.adapters.terminal import render

        if self.console is not None:
            render.print_turn(self.console, turn)
            return
        for line in render.turn_lines(turn):
            print(line)
        sys.stdout.flush()

    def read(self) -> str | None:
        from rich.text import Text

        from bot.adapters.terminal import render

        if self.console is not None:
            try:
                return self.console.input(Text("› ", style="bold cyan"))
            except EOFError:
                self.console.print()
                return None
        raw = sys.stdin.buffer.readline()
        if not raw:
            return None
        line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
        print(f"> {render.echo(line)}", flush=True)
        return line


def _project_for_chat(store: Store, name: str, *, new: bool) -> Project:
    from bot.core.store import LOCAL_TEAM

    if new:
        return store.projects.create(LOCAL_TEAM, name)
    try:
        return store.projects.find(LOCAL_TEAM, name)
    except NotFound:
        pass
    try:
        return store.projects.create(LOCAL_TEAM, name)
    except InputError:  # another process created it a moment ago
        return store.projects.find(LOCAL_TEAM, name)


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in a bare container
        return "local"


# --- projects, summary, export -----------------------------------------------------------


def _projects(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from bot.core.consultation import Consultations
    from bot.core.store import LOCAL_TEAM, Store

    store = Store.open(args.db)
    try:
        service = Consultations(store, load_default(args.knowledge))
        rows = []
        for p in store.projects.list(LOCAL_TEAM):
            c = store.consultations.latest_for(p.id)
            answers = len(store.consultations.answers(c.id)) if c else 0
            flagged = service.summary(p.id, record=False).flagged() if c else []
            rows.append((p, c.status if c else "not started", answers, flagged))
    finally:
        store.close()
    if not rows:
        print('No projects yet. Start one with: premortem chat --project "NAME"')
        return 0
    if sys.stdout.isatty():
        table = Table(title="Projects")
        for col in ("project", "consultation", "answers", "flagged areas", "archetype"):
            table.add_column(col)
        for p, status, answers, flagged in rows:
            table.add_row(
                Text(p.name), status, str(answers), ", ".join(flagged) or "none", p.archetype or ""
            )
        Console().print(table)
    else:
        for p, status, answers, flagged in rows:
            print(f"{p.name}\t{status}\t{answers} answers\tflagged: {', '.join(flagged) or 'none'}")
    return 0


def _summary(args: argparse.Namespace) -> int:
    from rich.console import Console

    from bot.adapters.terminal import render
    from bot.core.consultation import Consultations
    from bot.core.store import LOCAL_TEAM, Store

    kb = load_default(args.knowledge)
    store = Store.open(args.db)
    try:
        project = store.projects.find(LOCAL_TEAM, args.project)
        summary = Consultations(store, kb).summary(project.id)
    finally:
        store.close()
    if args.format == "markdown":
        sys.stdout.write(render.summary_markdown(summary))
    elif args.format == "json":
        print(json.dumps(summary.to_dict(), indent=2, ensure_ascii=False))
    elif sys.stdout.isatty():
        render.print_summary(Console(highlight=False), summary)
    else:
        print("\n".join(render.summary_lines(summary)))
    return 0


def _export(args: argparse.Namespace) -> int:
    from bot.core.consultation import Consultations
    from bot.core.store import LOCAL_TEAM, Store

    kb = load_default(args.knowledge)
    store = Store.open(args.db)
    try:
        project = store.projects.find(LOCAL_TEAM, args.project)
        data: dict[str, Any] = {"project": asdict(project), "consultations": []}
        for record in store.consultations.for_project(project.id):
            answers = store.consultations.answers(record.id, include_retracted=True)
            data["consultations"].append(
                {**asdict(record), "answers": [asdict(a) for a in answers]}
            )
        data["findings"] = [asdict(f) for f in store.findings.for_project(project.id, status=None)]
        data["summary"] = Consultations(store, kb).summary(project.id, record=False).to_dict()
    finally:
        store.close()
    print(json.dumps(data, indent=2, ensure_ascii=False))
    return 0
