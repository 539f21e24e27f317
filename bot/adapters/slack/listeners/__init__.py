"""Bolt listeners, grouped by what Slack sends; each module has one `register(app)`.

    commands  /premortem and its subcommands
    messages  direct messages: consultations by text
    actions   buttons: answers, resume, summaries, picks
    views     the review modal's submission
    events    App Home

A feature with its own listeners (check-ins) adds a module here with `register(app)`; it is
registered before the commands, so a `/premortem` listener of its own with a matcher takes
precedence, or it can add a subcommand with `commands.add_subcommand()`.
"""

from __future__ import annotations

import importlib

from slack_bolt import App

from bot.adapters.slack.listeners import actions, commands, events, messages, views

# Listener modules of other features, registered when they are installed.
OPTIONAL = ("bot.adapters.slack.listeners.checkins",)


def register_listeners(app: App) -> None:
    for name in OPTIONAL:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(app)
    commands.register(app)
    messages.register(app)
    actions.register(app)
    views.register(app)
    events.register(app)
