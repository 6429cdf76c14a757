"""Listeners, one package per Slack surface, each with `register(app, deps)`."""

from __future__ import annotations

from slack_bolt import App

from bot.deps import BotDeps
from bot.listeners import actions, commands, events, full_reply, views


def register_listeners(app: App, deps: BotDeps) -> None:
    """Attach every listener to the app."""
    commands.register(app, deps)
    actions.register(app, deps)
    views.register(app, deps)
    events.register(app, deps)
    full_reply.register(app, deps)
