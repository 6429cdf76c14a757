"""Human case references: PREFIX-YYYY-NNNN, sequential per year."""

from __future__ import annotations

import re

from sqlalchemy import insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel import Session, select

from store.models import ReferenceCounter

REFERENCE_RE = re.compile(r"\b([A-Z][A-Z0-9]{1,9})-(\d{4})-(\d{4,})\b")


def next_reference(session: Session, *, prefix: str, year: int) -> str:
    """Hand out the next reference for `year`, inside the caller's transaction.

    The counter row is locked (FOR UPDATE on PostgreSQL; SQLite transactions
    begin IMMEDIATE), so two writers never get the same number.
    """
    key = f"{prefix}-{year}"
    _ensure_counter(session, key)
    counter = session.exec(
        select(ReferenceCounter).where(ReferenceCounter.key == key).with_for_update()
    ).one()
    counter.last += 1
    session.add(counter)
    session.flush()
    return f"{prefix}-{year}-{counter.last:04d}"


def _ensure_counter(session: Session, key: str) -> None:
    """Create the year's counter if missing, without racing another writer for it."""
    table = ReferenceCounter.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(pg_insert(table).values(key=key, last=0).on_conflict_do_nothing())
    else:
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
