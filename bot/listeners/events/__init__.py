"""Events: App Home opened."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.deps import BotDeps
from bot.home import publish_home


def show_home(deps: BotDeps, *, event: dict[str, Any], client: WebClient) -> None:
    """Publish the Home tab when its user opens it (not the Messages tab)."""
    if event.get("tab", "home") != "home" or not event.get("user"):
        return
    publish_home(deps, client, str(event["user"]))


def register(app: App, deps: BotDeps) -> None:
    """Attach the event listeners; Events API requests are acknowledged by Bolt at once."""

    @app.event("app_home_opened")
    def app_home_opened(event: dict[str, Any], client: WebClient) -> None:
        show_home(deps, event=event, client=client)
