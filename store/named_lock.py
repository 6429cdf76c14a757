"""A lock held across every process that shares the store, given up when its holder dies.

Some work spans several commits and must not run twice at once from two processes (the CLI
and the bot lifting one restriction). A row lock ends at each commit, and a claim column
outlives a process killed with -9 until someone times it out. These locks belong to a
connection or an open file instead, so the operating system or the database server ends
them with the process: on PostgreSQL a session-level advisory lock on a connection of the
lock's own; on SQLite an `flock` on a small file beside the database (one per key, as
`flock` locks a whole file). An in-memory SQLite database is private to its process, so no
lock is needed there.

A host that crashes or drops off the network cannot close anything: PostgreSQL ends its
session once TCP keepalives go unanswered, which the lock's connection asks for after
about a minute (`KEEPALIVE`) instead of the system's default of about two hours.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from store.engine import sqlite_file

log = logging.getLogger(__name__)

POLL = 0.1  # seconds between tries while another process holds the lock
# Server-side TCP keepalives of the lock's connection: idle seconds, interval, probes.
KEEPALIVE = {"tcp_keepalives_idle": 30, "tcp_keepalives_interval": 10, "tcp_keepalives_count": 3}


class LockBusy(Exception):
    """Another process held the lock for longer than the caller would wait."""


class LockUnavailable(Exception):
    """The lock could not be taken at all (its file cannot be made, an unknown database)."""


@contextlib.contextmanager
def held(
    engine: Engine,
    purpose: str,
    key: int,
    *,
    wait: float,
    on_wait: Callable[[], None] | None = None,
) -> Iterator[None]:
    """Hold the lock named (`purpose`, `key`) for the store behind `engine`.

    Raise `LockBusy` when it is not free within `wait` seconds; `on_wait` is called once,
    when the first try finds it taken. Two threads of one process asking for the same lock
    exclude each other too (each has its own connection or open file), except on an
    in-memory SQLite database, which no other process can open and where no lock is taken.
    """
    if engine.dialect.name == "postgresql":
        with _advisory(engine, purpose, key, wait, on_wait):
            yield
        return
    if engine.dialect.name != "sqlite":
        raise LockUnavailable(f"no lock across processes on {engine.dialect.name}")
    named = sqlite_file(engine.url)
    if named is None:
        yield
        return
    database = Path(os.path.realpath(named))  # one lock however each process names the file
    with _flocked(database.parent / f"{database.name}-locks" / f"{purpose}-{key}", wait, on_wait):
        yield


def _tries(wait: float, on_wait: Callable[[], None] | None) -> Iterator[None]:
    """Yield at once, then every POLL seconds until `wait` seconds have passed."""
    deadline = time.monotonic() + wait
    yield
    if on_wait is not None:
        on_wait()
    while time.monotonic() < deadline:
        time.sleep(POLL)
        yield


@contextlib.contextmanager
def _advisory(
    engine: Engine, purpose: str, key: int, wait: float, on_wait: Callable[[], None] | None
) -> Iterator[None]:
    # Two int4 keys: the purpose's CRC names the kind of lock, so that one purpose's keys are
    # unlikely to meet another's (PostgreSQL docs, "Advisory Locks").
    ids = {"kind": zlib.crc32(purpose.encode()) & 0x7FFFFFFF, "key": key}
    conn: Connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    clean = False  # until known otherwise, the connection may hold the lock
    try:
        for name, value in KEEPALIVE.items():
            conn.execute(text(f"SET {name} = {int(value)}"))
        for _ in _tries(wait, on_wait):
            if conn.execute(text("SELECT pg_try_advisory_lock(:kind, :key)"), ids).scalar():
                break
        else:
            clean = True
            raise LockBusy(f"{purpose} {key}")
        try:
            yield
        finally:
            clean = _unlocked(conn, ids)
    finally:
        if not clean:
            # A connection back in the pool must hold no lock: drop it instead, and the
            # server ends its session and every lock the session held.
            conn.invalidate()
        conn.close()


def _unlocked(conn: Connection, ids: dict[str, int]) -> bool:
    """Give the lock back; False when that failed, and the connection must be dropped.

    A failure here is not the work's: the work inside has ended (and committed, or raised
    what it raised), so it is logged, not raised over it.
    """
    try:
        given = conn.execute(text("SELECT pg_advisory_unlock(:kind, :key)"), ids).scalar()
    except DBAPIError as exc:
        log.warning(
            "advisory lock not given back (%s): dropping its connection", type(exc).__name__
        )
        return False
    if not given:
        # The session was replaced under us (a reconnect): the lock went with the old one.
        log.warning("advisory lock was no longer held when given back")
    return bool(given)


@contextlib.contextmanager
def _flocked(path: Path, wait: float, on_wait: Callable[[], None] | None) -> Iterator[None]:
    try:
        path.parent.mkdir(mode=0o700, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise LockUnavailable(f"cannot make the lock file {path}: {exc.strerror}") from None
    try:
        for _ in _tries(wait, on_wait):
            try:
                # flock belongs to this open file, not the process (unlike fcntl's record
                # locks), so a second open in another thread conflicts as it should; on NFS
                # Linux emulates it with record locks, and that no longer holds.
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                continue
        else:
            raise LockBusy(path.name)
        yield
    finally:
        os.close(fd)  # closing the file gives the lock up
