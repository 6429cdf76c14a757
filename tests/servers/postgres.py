"""PostgreSQL for tests: a fresh database per test, on the server the install script set up."""

from __future__ import annotations

import os
import re
import time
import uuid

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ProgrammingError, SQLAlchemyError
from sqlalchemy.pool import NullPool

DEFAULT_ADMIN_URL = "postgresql+psycopg://rightsdesk:rightsdesk@127.0.0.1:5432/postgres"
_DB_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def postgres_admin_url() -> str:
    """URL of a role with CREATEDB: env RIGHTSDESK_TEST_PG_URL or the install script's default."""
    return os.environ.get("RIGHTSDESK_TEST_PG_URL") or DEFAULT_ADMIN_URL


def _admin_engine() -> Engine:
    # CREATE/DROP DATABASE cannot run inside a transaction block.
    return create_engine(
        postgres_admin_url(),
        isolation_level="AUTOCOMMIT",
        poolclass=NullPool,
        connect_args={"connect_timeout": 3},
    )


def available() -> bool:
    """Whether the admin URL accepts a connection."""
    engine = _admin_engine()
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except SQLAlchemyError:
        return False
    finally:
        engine.dispose()


def database_url(name: str) -> str:
    """The admin URL pointed at database NAME (password kept, for create_engine)."""
    url = make_url(postgres_admin_url()).set(database=name)
    return url.render_as_string(hide_password=False)


def unique_name(prefix: str = "rightsdesk_test") -> str:
    """A database name no other test uses."""
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def create_database(name: str | None = None) -> str:
    """Create database NAME (default: a unique one) and return its URL."""
    name = name or unique_name()
    _check(name)
    engine = _admin_engine()
    try:
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return database_url(name)


def drop_database(name: str) -> None:
    """Drop database NAME, ending connections a test left open (PostgreSQL 13+)."""
    _check(name)
    engine = _admin_engine()
    try:
        for attempt in range(20):
            try:
                with engine.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                return
            except ProgrammingError:
                # FORCE cannot end a superuser's backend (an autovacuum worker): wait it out.
                if attempt == 19:
                    raise
                time.sleep(0.25)
    finally:
        engine.dispose()


def _check(name: str) -> None:
    # The name is interpolated into DDL (identifiers cannot be bound parameters).
    if not _DB_NAME.fullmatch(name):
        raise ValueError(f"not a safe database name: {name!r}")
