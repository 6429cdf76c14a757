"""Insert-or-ignore and upsert as one statement, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table, bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Result
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

Rows = Mapping[str, Any] | Sequence[Mapping[str, Any]]


def _dialect_insert(dialect: str, table: Table) -> Any:
    """The dialect's own INSERT; both spell ON CONFLICT the same way."""
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"no upsert for the {dialect} dialect")  # pragma: no cover


def _insert(session: Session, table: Table, rows: Rows) -> Any:
    stmt = _dialect_insert(session.get_bind().dialect.name, table)
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


class PreparedUpsert:
    """An upsert built once per dialect and run with bound values: the hot path's form.

    `upsert` builds its statement on every call, and SQLAlchemy then derives a cache key
    from its literal values; here every value, including those of `set_` and `where`, is a
    `bindparam`, so each run only binds. The bound names are the `columns` plus any that
    `set_` or `where` use.
    """

    def __init__(
        self,
        table: Table,
        *,
        columns: Sequence[str],
        key: Sequence[str],
        set_: Mapping[str, Any],
        where: ColumnElement[bool] | None = None,
        returning: Sequence[ColumnElement[Any]] = (),
    ) -> None:
        self._table, self._columns, self._key = table, list(columns), list(key)
        self._set, self._where, self._returning = dict(set_), where, list(returning)
        self._built: dict[str, Any] = {}

    def _statement(self, dialect: str) -> Any:
        stmt = self._built.get(dialect)
        if stmt is None:
            stmt = (
                _dialect_insert(dialect, self._table)
                .values({c: bindparam(c) for c in self._columns})
                .on_conflict_do_update(index_elements=self._key, set_=self._set, where=self._where)
            )
            if self._returning:
                stmt = stmt.returning(*self._returning)
            self._built[dialect] = stmt
        return stmt

    def __call__(self, session: Session, params: Mapping[str, Any]) -> Result[Any]:
        """Run it in the session's transaction with these values."""
        conn = session.connection()
        return conn.execute(self._statement(conn.dialect.name), dict(params))
