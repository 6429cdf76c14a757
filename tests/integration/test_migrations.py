"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

import store.models  # noqa: F401  (registers every table)
from store import migrate


def test_the_migrated_schema_matches_the_models(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []


def test_every_migration_can_be_undone_and_redone(engine: Engine) -> None:
    migrate.downgrade(engine, "base")
    assert migrate.current_revision(engine) is None
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()


def test_the_quick_head_lookup_agrees_with_alembic() -> None:
    assert migrate.head_revision() == migrate.alembic_head_revision()


def test_the_quick_revision_lookup_agrees_with_alembic(engine: Engine) -> None:
    with engine.connect() as conn:
        expected = MigrationContext.configure(conn).get_current_revision()
    assert migrate.current_revision(engine) == expected == migrate.head_revision()
