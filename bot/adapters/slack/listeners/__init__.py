"""Bolt listeners, grouped by what Slack sends; each module has one `register(app)`.

    commands  /premortem and its subcommands
    messages  direct messages: consultations by text
    actions   buttons: answers, resume, summaries, picks
    views     the review modal's submission
    events    App Home

    checkins  the check-in DM's buttons, and the `checkin` subcommand

Check-ins are registered before the commands, so a `/premortem` listener of theirs with a
matcher takes precedence; they add their subcommand with `commands.add_subcommand()`.
"""

from __future__ import annotations

from slack_bolt import App

from bot.adapters.slack.listeners import actions, checkins, commands, events, messages, views


def register_listeners(app: App) -> None:
    checkins.register(app)
    commands.register(app)
    messages.register(app)
    actions.register(app)
    views.register(app)
    events.register(app)
