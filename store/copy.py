"""Copy a whole store between databases (SQLite to PostgreSQL), ids and hash chain intact."""

from __future__ import annotations

from sqlalchemy import Integer, func, insert, select, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

import store.models  # registers every table

BATCH = 1000


def copy_store(source: Engine, target: Engine) -> dict[str, int]:
    """Copy every table in dependency order; the target must be migrated and hold no cases.

    Ids are kept, so foreign keys and the audit chain (whose hashes cover the ids)
    still hold; PostgreSQL sequences are then moved past the copied ids.
    """
    # The chain's head last: the target's trigger moves it with each event copied, and the
    # copy must keep the source's head as it is (a cut tail must stay detectable).
    tables = sorted(SQLModel.metadata.sorted_tables, key=lambda t: t.name == "audit_head")
    counts: dict[str, int] = {}
    with target.connect() as check:
        existing = check.execute(select(func.count()).select_from(store.models.Case)).scalar()
    if existing:
        raise ValueError(f"the target already holds {existing} cases")
    with source.connect() as src, target.begin() as dst:
        for table in tables:
            if table.name in ("alembic_version",):
                continue
            dst.execute(table.delete())  # e.g. a health row written by the upgrade
            rows = 0
            result = src.execute(select(table)).mappings()
            while chunk := result.fetchmany(BATCH):
                dst.execute(insert(table), [dict(r) for r in chunk])
                rows += len(chunk)
            counts[table.name] = rows
        if target.dialect.name == "postgresql":
            for table in tables:
                pk = list(table.primary_key.columns)
                if len(pk) == 1 and isinstance(pk[0].type, Integer) and pk[0].autoincrement:
                    _move_sequence(dst, table.name, pk[0].name)
    return counts


def _move_sequence(conn: Connection, table: str, column: str) -> None:
    """Set a serial column's sequence past the copied ids (names come from our metadata)."""
    seq = conn.execute(
        text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": f'"{table}"', "c": column}
    ).scalar()
    if seq is None:
        return
    top = conn.execute(select(func.max(SQLModel.metadata.tables[table].c[column]))).scalar()
    conn.execute(text("SELECT setval(:seq, :value, false)"), {"seq": seq, "value": (top or 0) + 1})
