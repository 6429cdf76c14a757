"""The health of each long-running component: written by its heartbeat, read by `health`."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from store.models import ComponentHealth
from store.upsert import upsert

COMPONENTS: tuple[str, ...] = ("intake", "outbox", "bot", "scheduler")
STATES: tuple[str, ...] = ("starting", "ok", "failing", "stopped")
# A component beats at least every few minutes (the scheduler every minute, intake on every
# IDLE round, at most 10 minutes apart per RFC 2177); silence longer than this means stuck.
DEFAULT_STALE_AFTER = timedelta(minutes=15)
_MAX_ERROR = 500


@dataclass(frozen=True)
class ComponentState:
    """One component as `rightsdesk health` shows it."""

    name: str
    state: str  # starting, ok, failing, stopped, or "absent" when it never ran
    last_success_at: datetime | None
    last_error: str | None
    updated_at: datetime | None
    pid: int | None
    stale: bool  # "ok" but no success for longer than the staleness limit

    @property
    def healthy(self) -> bool:
        """Neither failing nor silently stuck."""
        return self.state != "failing" and not self.stale

    def to_json(self) -> dict[str, Any]:
        """The fields a status file keeps (times as ISO-8601)."""
        row = asdict(self)
        for key in ("last_success_at", "updated_at"):
            row[key] = row[key].isoformat() if row[key] else None
        return row

    @classmethod
    def from_json(cls, row: Mapping[str, Any]) -> ComponentState:
        """Read one entry of a status file back."""

        def when(key: str) -> datetime | None:
            return datetime.fromisoformat(row[key]) if row.get(key) else None

        return cls(
            name=str(row["name"]),
            state=str(row["state"]),
            last_success_at=when("last_success_at"),
            last_error=row.get("last_error"),
            updated_at=when("updated_at"),
            pid=row.get("pid"),
            stale=False,
        )


def _upsert(session: Session, values: dict[str, Any], update: dict[str, Any]) -> None:
    """Insert or update one row atomically, so two processes beating at once never collide."""
    table = ComponentHealth.__table__  # type: ignore[attr-defined]
    upsert(session, table, values, key=["name"], set_=update)


def beat(
    session: Session,
    name: str,
    *,
    now: datetime,
    ok: bool,
    error: str | None = None,
    pid: int | None = None,
) -> None:
    """Record one round of work: success moves last_success_at, failure keeps it and says why."""
    error = error[:_MAX_ERROR] if error else None
    if ok:
        update: dict[str, Any] = {
            "state": "ok",
            "last_success_at": now,
            "last_error": None,
            "updated_at": now,
        }
    else:
        update = {"state": "failing", "last_error": error or "failed", "updated_at": now}
    if pid is not None:
        update["pid"] = pid
    values = {"name": name, "last_success_at": None, "last_error": None, "pid": pid, **update}
    _upsert(session, values, update)
    session.commit()


def set_state(
    session: Session,
    name: str,
    *,
    state: str,
    now: datetime,
    error: str | None = None,
    pid: int | None = None,
) -> None:
    """Mark a component starting or stopped (a clean stop is not a failure)."""
    if state not in STATES:
        raise ValueError(f"unknown state {state!r}")
    update: dict[str, Any] = {"state": state, "updated_at": now}
    if error is not None:
        update["last_error"] = error[:_MAX_ERROR]
    if pid is not None:
        update["pid"] = pid
    values = {"name": name, "last_success_at": None, "last_error": None, "pid": pid, **update}
    _upsert(session, values, update)
    session.commit()


def put(session: Session, state: ComponentState) -> None:
    """Write a state kept in memory while the database was down, as it was when it happened."""
    update: dict[str, Any] = {
        "state": state.state,
        "last_error": state.last_error[:_MAX_ERROR] if state.last_error else None,
        "updated_at": state.updated_at,
        "pid": state.pid,
    }
    if state.last_success_at is not None:  # never forget an older success in the table
        update["last_success_at"] = state.last_success_at
    values = {"name": state.name, "last_success_at": None, **update}
    _upsert(session, values, update)


def write_status_file(path: Path, states: list[ComponentState], *, pid: int) -> None:
    """Replace the local status file atomically (write, rename), private to its owner (0600)."""
    payload = {"pid": pid, "components": [s.to_json() for s in states]}
    tmp = path.with_name(f".{path.name}.{pid}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, json.dumps(payload).encode())
    finally:
        os.close(fd)
    os.replace(tmp, path)


def read_status_file(path: Path) -> list[ComponentState] | None:
    """The states a running process left, or None when no living process wrote the file."""
    try:
        payload = json.loads(path.read_text("utf-8"))
        pid = int(payload["pid"])
        states = [ComponentState.from_json(row) for row in payload["components"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    try:
        os.kill(pid, 0)  # signal 0: is the writer still alive?
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # alive, owned by someone else
    return states


def merged(
    from_table: list[ComponentState],
    from_file: list[ComponentState],
    now: datetime,
    *,
    stale_after: timedelta | Mapping[str, timedelta] = DEFAULT_STALE_AFTER,
) -> list[ComponentState]:
    """The table's states, each replaced by the running process's own when it has one.

    The process writes its file first and the table when it can, so its entry is never
    older than the row; while the database fails, the file is all that tells the truth.
    """
    live = {s.name: s for s in from_file}
    out = [live.pop(s.name, s) for s in from_table] + sorted(live.values(), key=lambda s: s.name)
    return [_with_staleness(s, now, stale_after) for s in out]


def _with_staleness(
    state: ComponentState, now: datetime, stale_after: timedelta | Mapping[str, timedelta]
) -> ComponentState:
    limit = (
        stale_after.get(state.name, DEFAULT_STALE_AFTER)
        if isinstance(stale_after, Mapping)
        else stale_after
    )
    since = state.last_success_at or state.updated_at
    stale = state.state == "ok" and since is not None and now - since > limit
    return ComponentState(
        state.name,
        state.state,
        state.last_success_at,
        state.last_error,
        state.updated_at,
        state.pid,
        stale=stale,
    )


def report(
    session: Session,
    now: datetime,
    *,
    stale_after: timedelta | Mapping[str, timedelta] = DEFAULT_STALE_AFTER,
    components: tuple[str, ...] = COMPONENTS,
) -> list[ComponentState]:
    """Every known component (and any other that beat), in a stable order."""
    rows = {
        r.name: r for r in session.exec(select(ComponentHealth).order_by(col(ComponentHealth.name)))
    }
    names = list(components) + sorted(set(rows) - set(components))
    states: list[ComponentState] = []
    for name in names:
        row = rows.get(name)
        if row is None:
            states.append(ComponentState(name, "absent", None, None, None, None, stale=False))
            continue
        limit = (
            stale_after.get(name, DEFAULT_STALE_AFTER)
            if isinstance(stale_after, Mapping)
            else stale_after
        )
        since = row.last_success_at or row.updated_at
        stale = row.state == "ok" and now - since > limit
        states.append(
            ComponentState(
                name=name,
                state=row.state,
                last_success_at=row.last_success_at,
                last_error=row.last_error,
                updated_at=row.updated_at,
                pid=row.pid,
                stale=stale,
            )
        )
    return states
