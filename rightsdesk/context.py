"""What a command needs, built lazily: settings, clock, engine, controller config."""

from __future__ import annotations

import getpass
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine
from sqlmodel import Session

from cases.controller import ControllerConfig
from cases.errors import UserError
from cases.policy import DeskPolicy
from rightsdesk import wiring
from rightsdesk.settings import Settings, load_settings
from store.engine import new_read_session, new_session

if TYPE_CHECKING:
    from mail_intake.oauth import TokenProvider


@dataclass
class Desk:
    """The wired-up application for one command invocation."""

    settings: Settings = field(default_factory=load_settings)
    # The Slack notifier this desk runs (rightsdesk.notifier_wiring): a restarted bot
    # component waits for it before it starts its own.
    slack_notifier: threading.Thread | None = field(default=None, repr=False, compare=False)

    def now(self) -> datetime:
        """The current time (aware UTC), or the frozen RIGHTSDESK_NOW."""
        if self.settings.now is not None:
            if self.settings.now.tzinfo is None:
                raise UserError("RIGHTSDESK_NOW needs a time zone offset")
            return self.settings.now.astimezone(UTC)
        return datetime.now(UTC)

    @cached_property
    def engine(self) -> Engine:
        """The database, migrated or refused (see wiring.open_engine)."""
        return wiring.open_engine(self.settings)

    @cached_property
    def controller(self) -> ControllerConfig:
        """The controller's facts from the TOML config."""
        return wiring.load_controller(self.settings)

    @cached_property
    def policy(self) -> DeskPolicy:
        """Reference prefix and holiday reading."""
        return wiring.policy_for(self.controller)

    @cached_property
    def mail_tokens(self) -> TokenProvider:
        """OAuth 2.0 access tokens for IMAP and SMTP, one cache for both."""
        from rightsdesk.oauth_wiring import token_provider

        return token_provider(self.settings)

    def system_env(self) -> dict[str, str]:
        """The environment the data map's `${VAR}` URLs are resolved from."""
        return dict(os.environ)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A database session for one unit of work."""
        with new_session(self.engine) as session:
            yield session

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        """A session that only reads (health, lists): it never waits behind a writer."""
        with new_read_session(self.engine) as session:
            yield session


def cli_actor(explicit: str | None = None) -> str:
    """Who is acting from the terminal: --actor, else the login name."""
    if explicit:
        return explicit
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"
