"""Human case references: PREFIX-YYYY-NNNN, sequential per year, never handed out twice."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from sqlalchemy import insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from store.models import ReferenceCounter

REFERENCE_RE = re.compile(r"\b([A-Z][A-Z0-9]{1,9})-(\d{4})-(\d{4,})\b")
HWM_SUFFIX = "-refs"  # the SQLite high-water mark lives next to the store: rightsdesk.db-refs


def next_reference(session: Session, *, prefix: str, year: int) -> str:
    """Hand out the next reference for `year`; a case that is rolled back burns its number.

    A reference leaves the desk (acknowledgement, Processed folder, Slack) only after its
    case commits, but a number given again after a rollback or a lost commit would thread
    a stranger's reply into the wrong case. So the number is made durable outside the
    case's transaction first, and gaps in the sequence are the price (a gap is a case that
    was never stored). PostgreSQL: the counter row is bumped in its own committed
    transaction. SQLite has one writer and no autonomous transactions (a second connection
    would wait for our own write lock), so the counter moves in the caller's transaction
    and an fsynced high-water mark file next to the store keeps what was handed out.
    """
    key = f"{prefix}-{year}"
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, Connection) else bind
    if isinstance(engine, Engine) and engine.dialect.name == "postgresql":
        return f"{prefix}-{year}-{_allocate_committed(engine, key):04d}"
    _ensure_counter(session, key)
    counter = session.exec(
        select(ReferenceCounter).where(ReferenceCounter.key == key).with_for_update()
    ).one()
    database = engine.url.database if isinstance(engine, Engine) else None
    hwm = Path(database + HWM_SUFFIX) if database and database != ":memory:" else None
    counter.last = max(counter.last, _read_hwm(hwm).get(key, 0)) + 1
    if hwm is not None:  # under the write lock taken at BEGIN IMMEDIATE: one writer at a time
        _write_hwm(hwm, key, counter.last)
    session.add(counter)
    session.flush()
    return f"{prefix}-{year}-{counter.last:04d}"


def _allocate_committed(engine: Engine, key: str) -> int:
    """Bump the counter in a transaction of its own (synchronous commit: on disk on return)."""
    table = ReferenceCounter.__table__  # type: ignore[attr-defined]
    stmt = (
        pg_insert(table)
        .values(key=key, last=1)
        .on_conflict_do_update(index_elements=["key"], set_={"last": table.c.last + 1})
        .returning(table.c.last)
    )
    with engine.begin() as conn:
        return int(conn.execute(stmt).scalar_one())


def _read_hwm(path: Path | None) -> dict[str, int]:
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise OperationalError("reference high-water mark", None, exc) from None
    return {str(k): int(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _write_hwm(path: Path, key: str, last: int) -> None:
    """Replace the file atomically and durably: write, fsync, rename, fsync the directory."""
    data = _read_hwm(path)
    data[key] = last
    tmp = path.with_name(path.name + ".tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, json.dumps(data, sort_keys=True).encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError as exc:  # the store's filesystem is failing: as much a store error
        raise OperationalError("reference high-water mark", None, exc) from None


def _ensure_counter(session: Session, key: str) -> None:
    """Create the year's counter if missing, without racing another writer for it."""
    table = ReferenceCounter.__table__  # type: ignore[attr-defined]
    session.execute(insert(table).values(key=key, last=0).prefix_with("OR IGNORE"))


def find_references(text: str, *, prefix: str) -> list[str]:
    """Every reference with our prefix in `text` (a subject tag like [DSR-2026-0001])."""
    return [m.group(0) for m in REFERENCE_RE.finditer(text or "") if m.group(1) == prefix]


def normalise_reference(text: str) -> str:
    """Accept 'dsr-2026-1' or '[DSR-2026-0001]' from a human and give the canonical form."""
    cleaned = text.strip().strip("[]<>").upper()
    m = re.fullmatch(r"([A-Z][A-Z0-9]{1,9})-(\d{4})-(\d{1,})", cleaned)
    if not m:
        return cleaned
    return f"{m.group(1)}-{m.group(2)}-{int(m.group(3)):04d}"
