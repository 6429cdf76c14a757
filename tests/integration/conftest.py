"""Store fixtures: a migrated database on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from store import migrate
from store.engine import make_engine, new_session
from store.models import Customer
from tests.replies_support import seed_register

NOW = datetime(2026, 3, 5, 10, 0, tzinfo=UTC)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    migrate.upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with new_session(engine) as s:
        yield s


@pytest.fixture
def people(session: Session) -> dict[str, Customer]:
    """The fictional register of tests/replies_support.py."""
    return seed_register(session)
