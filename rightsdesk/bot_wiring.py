"""Builds the Slack bot's collaborators from the settings and checks its tokens."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from bot.deps import BotDeps
from cases.errors import UserError
from rightsdesk import mail_wiring
from rightsdesk.context import Desk
from store.engine import new_session


def required_secret(value: Any, variable: str) -> str:
    """A secret setting's value, or a one-line error naming the missing variable."""
    if value is None or not value.get_secret_value().strip():
        raise UserError(f"{variable} is not set")
    return str(value.get_secret_value()).strip()


def app_token(desk: Desk) -> str:
    """The Socket Mode token; a bot token (xoxb-) here is one clear line, not a restart loop."""
    token = required_secret(desk.settings.slack_app_token, "SLACK_APP_TOKEN")
    if not token.startswith("xapp-"):
        kind = token.split("-", 1)[0] + "-" if "-" in token else "an unknown token"
        raise UserError(
            f"SLACK_APP_TOKEN must be an app-level token (xapp-…) with connections:write,"
            f" not {kind}"
        )
    return token


def bot_deps(desk: Desk, *, http: bool) -> BotDeps:
    """The bot's collaborators from the settings; HTTP mode needs the signing secret."""
    s = desk.settings
    token = required_secret(s.slack_bot_token, "SLACK_BOT_TOKEN")
    secret = required_secret(s.slack_signing_secret, "SLACK_SIGNING_SECRET") if http else ""
    engine = desk.engine

    def session_factory() -> Session:
        return new_session(engine)

    return BotDeps(
        session_factory=session_factory,
        controller=desk.controller,
        policy=desk.policy,
        sender=mail_wiring.sender(desk),
        clock=desk.now,
        allowed_users=s.allowed_slack_users,
        channel=s.slack_channel or None,
        command=s.slack_command,
        show_identity=s.slack_show_identity,
        api_url=s.slack_api_url or None,
        bot_token=token,
        signing_secret=secret,
        daily_cap=s.daily_auto_mail_cap,
        system_env=desk.system_env(),
    )
