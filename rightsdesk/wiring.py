"""Builds the engine, the controller config and the policy from the settings."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from cases.controller import ControllerConfig, load_controller_toml
from cases.errors import UserError
from cases.policy import DeskPolicy
from rightsdesk.settings import Settings
from store import migrate
from store.engine import make_engine

REPO_ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_CONFIG = REPO_ROOT / "rightsdesk.example.toml"


def config_path(settings: Settings) -> Path:
    """The controller TOML: RIGHTSDESK_CONFIG, else ./rightsdesk.toml, else the example."""
    if settings.config is not None:
        return settings.config
    local = Path("rightsdesk.toml")
    return local if local.exists() else EXAMPLE_CONFIG


def require_own_config(settings: Settings) -> None:
    """Refuse to serve real people from the example's facts unless it is named on purpose.

    `run`, `poll`, `bot` and `remind` send mail and Slack messages that quote the config;
    the shipped example holds placeholders (recipients, addresses) that must never reach a
    customer by default. Naming it in RIGHTSDESK_CONFIG works, with a warning on each start.
    """
    if settings.config is None and not Path("rightsdesk.toml").exists():
        raise UserError(
            "no controller config: run `rightsdesk init` to write rightsdesk.toml, or name"
            " one with RIGHTSDESK_CONFIG"
        )
    if config_path(settings).resolve() == EXAMPLE_CONFIG.resolve():
        logging.getLogger("rightsdesk").warning(
            "using the example controller config %s: replies quote its example facts;"
            " run `rightsdesk init` and `rightsdesk config check`",
            EXAMPLE_CONFIG.name,
        )


def load_controller(settings: Settings) -> ControllerConfig:
    """Load and validate the controller's facts; a bad file is a one-line error."""
    path = config_path(settings)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"config {path}: cannot read ({exc.strerror})") from None
    return load_controller_toml(text)


def policy_for(controller: ControllerConfig) -> DeskPolicy:
    """The operations' policy from the controller config."""
    return DeskPolicy(
        reference_prefix=controller.reference_prefix,
        christmas_eve_working=controller.christmas_eve_working,
    )


def _redact(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


def open_engine(settings: Settings, *, upgrade: bool | None = None) -> Engine:
    """An engine whose schema is current.

    A SQLite file or an empty database is brought up to date; a PostgreSQL
    database at an older revision is refused until `rightsdesk db upgrade`, so
    that a shared production schema only changes when someone means it to.
    """
    url = settings.database_url
    try:
        engine = make_engine(url)
        current = migrate.current_revision(engine)
    except (SQLAlchemyError, OSError) as exc:
        raise UserError(f"cannot open database {_redact(url)}: {type(exc).__name__}") from None
    head = migrate.head_revision()
    if current == head:
        return engine
    if upgrade is None:
        upgrade = current is None or engine.dialect.name == "sqlite"
    if not upgrade:
        raise UserError(
            f"database schema is at {current}, this rightsdesk needs {head}:"
            " run `rightsdesk db upgrade`"
        )
    migrate.upgrade(engine)
    return engine
