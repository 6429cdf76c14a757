"""What the Slack app needs from the rest of the desk, passed in by the wiring."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from cases.controller import ControllerConfig
from cases.outbox import Sender
from cases.policy import DeskPolicy


@dataclass(frozen=True, kw_only=True)
class BotDeps:
    """The bot's collaborators and settings; nothing here reads the environment."""

    session_factory: Callable[[], Session]
    controller: ControllerConfig
    policy: DeskPolicy
    sender: Sender  # approved replies go out from this address
    clock: Callable[[], datetime]
    allowed_users: frozenset[str]
    channel: str | None
    bot_token: str
    signing_secret: str
    api_url: str | None = None
    command: str = "/rights"
    show_identity: bool = False
    daily_cap: int = 5
    # Where the data map's `${VAR}` URLs come from: a task's answer redrafts a copy (issue 15).
    system_env: Mapping[str, str] = field(default_factory=dict)

    def actor(self, user_id: str) -> str:
        """The audit-trail actor for a Slack user."""
        return f"slack:{user_id}"

    def is_allowed(self, user_id: str | None) -> bool:
        """Whether the user may handle the register (privacy notice: designated employees)."""
        return bool(user_id) and user_id in self.allowed_users
