"""Insert-or-ignore and upsert as one statement, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Result
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

Rows = Mapping[str, Any] | Sequence[Mapping[str, Any]]


def _insert(session: Session, table: Table, rows: Rows) -> Any:
    """The dialect's own INSERT; both spell ON CONFLICT the same way."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        stmt: Any = postgresql.insert(table)
    elif name == "sqlite":
        stmt = sqlite.insert(table)
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise NotImplementedError(f"no upsert for the {name} dialect")
    return stmt.values(rows if isinstance(rows, Mapping) else list(rows))


def insert_ignore(
    session: Session,
    table: Table,
    rows: Rows,
    *,
    returning: Sequence[ColumnElement[Any]] = (),
) -> Result[Any]:
    """INSERT … ON CONFLICT DO NOTHING; with `returning`, only the rows inserted come back."""
    stmt = _insert(session, table, rows).on_conflict_do_nothing()
    if returning:
        stmt = stmt.returning(*returning)
    return session.execute(stmt)


def upsert(
    session: Session,
    table: Table,
    values: Mapping[str, Any],
    *,
    key: Sequence[str],
    set_: Mapping[str, Any],
    returning: Sequence[ColumnElement[Any]] = (),
) -> Result[Any]:
    """INSERT … ON CONFLICT (key) DO UPDATE SET …: atomic, so two writers never collide."""
    stmt = _insert(session, table, values).on_conflict_do_update(
        index_elements=list(key), set_=dict(set_)
    )
    if returning:
        stmt = stmt.returning(*returning)
    return session.execute(stmt)
