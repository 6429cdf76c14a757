"""Human case references: PREFIX-YYYY-NNNN, sequential per year, never handed out twice."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from sqlalchemy import Integer, bindparam, case, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from store.audit import lock_head
from store.engine import sqlite_file
from store.models import ReferenceCounter
from store.upsert import PreparedUpsert

REFERENCE_RE = re.compile(r"\b([A-Z][A-Z0-9]{1,9})-(\d{4})-(\d{4,})\b")
HWM_SUFFIX = "-refs"  # the SQLite high-water mark lives next to the store: rightsdesk.db-refs


_COUNTERS = ReferenceCounter.__table__  # type: ignore[attr-defined]
_FLOOR = bindparam("floor", type_=Integer)
# The next number, above both the stored one and this session's floor (see below).
_NEXT = PreparedUpsert(
    _COUNTERS,
    columns=["key", "last"],
    key=["key"],
    set_={"last": case((_COUNTERS.c.last > _FLOOR, _COUNTERS.c.last), else_=_FLOOR) + 1},
    returning=[_COUNTERS.c.last],
)
_HANDED = "references:handed"  # session.info: the highest number this session handed out, by key
_HWM = "references:hwm"  # session.info: (transaction, {path: {key: last}}) to make durable


def next_reference(session: Session, *, prefix: str, year: int) -> str:
    """Hand out the next reference for `year` in the caller's transaction: one statement.

    A reference leaves the desk (acknowledgement, Processed folder, Slack) only after its
    case commits, but a number given again after a lost commit would thread a stranger's
    reply into the wrong case. SQLite: an fsynced high-water mark file next to the store
    keeps what was handed out; it is written once per transaction, just before its COMMIT,
    so it is on disk before any reference of that transaction can leave. PostgreSQL's
    synchronous commit loses nothing once it returns. A number of a case rolled back (or
    of a savepoint rolled back) is not handed out again by this session: gaps in the
    sequence are the price (a gap is a case that was never stored).
    """
    key = f"{prefix}-{year}"
    # The audit chain's head is the lock that serialises writers (store/audit.py): take it
    # before the counter, so two PostgreSQL writers never wait for each other crosswise.
    lock_head(session)
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, Connection) else bind
    hwm = None
    if isinstance(engine, Engine) and engine.dialect.name == "sqlite":
        database = sqlite_file(engine.url)  # a `file:` URI's path, not the URI
        hwm = None if database is None else database.with_name(database.name + HWM_SUFFIX)
    handed: dict[str, int] = session.info.setdefault(_HANDED, {})
    floor = max(handed.get(key, 0), _pending_hwm(session, hwm).get(key, 0))
    last = int(_NEXT(session, {"key": key, "last": floor + 1, "floor": floor}).scalar_one())
    handed[key] = last
    if hwm is not None:
        _pending_hwm(session, hwm)[key] = last
    return f"{prefix}-{year}-{last:04d}"


def _pending_hwm(session: Session, path: Path | None) -> dict[str, int]:
    """The high-water marks of this transaction: read from the file at its first use.

    Under SQLite's write lock, taken at BEGIN IMMEDIATE, no other writer changes the file
    until this transaction ends.
    """
    if path is None:
        return {}
    transaction = session.get_transaction()
    held = session.info.get(_HWM)
    if held is None or held[0] is not transaction:
        if not session.info.get(_HWM + ":listening"):
            event.listen(session, "before_commit", _write_pending_hwm)
            session.info[_HWM + ":listening"] = True
        held = (transaction, path, _read_hwm(path))
        session.info[_HWM] = held
    marks: dict[str, int] = held[2]
    return marks


def _write_pending_hwm(session: Session) -> None:
    """Before the COMMIT: put the transaction's high-water marks on disk."""
    if session.get_nested_transaction() is not None:
        return  # a savepoint's RELEASE: nothing is durable yet
    held = session.info.pop(_HWM, None)
    if held is None or held[0] is not session.get_transaction():
        return
    _, path, marks = held
    if marks:
        _write_hwm(path, marks)


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


def _write_hwm(path: Path, marks: dict[str, int]) -> None:
    """Replace the file atomically and durably: write, fsync, rename, fsync the directory."""
    data = _read_hwm(path)
    for key, last in marks.items():
        data[key] = max(data.get(key, 0), last)
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
