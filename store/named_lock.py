"""A lock held across every process that shares the store, given up when its holder dies.

Some work spans several commits and must not run twice at once from two processes (the CLI
and the bot lifting one restriction). A row lock ends at each commit, and a claim column
outlives a process killed with -9 until someone times it out. These locks belong to a
connection or an open file instead, so the operating system or the database server ends
them with the process: on PostgreSQL a session-level advisory lock on a connection of the
lock's own; on SQLite an `flock` on a small file beside the database (one per key, as
`flock` locks a whole file). An in-memory SQLite database is private to its process, so no
lock is needed there.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

POLL = 0.1  # seconds between tries while another process holds the lock


class LockBusy(Exception):
    """Another process held the lock for longer than the caller would wait."""


@contextlib.contextmanager
def held(engine: Engine, purpose: str, key: int, *, wait: float) -> Iterator[None]:
    """Hold the lock named (`purpose`, `key`) for the store behind `engine`.

    Raise `LockBusy` when it is not free within `wait` seconds. Within one process, two
    threads asking for the same lock exclude each other too (each has its own connection or
    open file), but callers that want their threads to queue should queue them first.
    """
    if engine.dialect.name == "postgresql":
        with _advisory(engine, purpose, key, wait):
            yield
        return
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    with _flocked(Path(f"{database}-locks") / f"{purpose}-{key}", wait):
        yield


def _until(wait: float) -> Iterator[None]:
    """Yield once at once, then every POLL seconds until `wait` seconds have passed."""
    deadline = time.monotonic() + wait
    while True:
        yield
        if time.monotonic() >= deadline:
            return
        time.sleep(POLL)


@contextlib.contextmanager
def _advisory(engine: Engine, purpose: str, key: int, wait: float) -> Iterator[None]:
    # Two int4 keys: the purpose's CRC names the kind of lock, so one purpose's key can
    # never collide with another's (PostgreSQL docs, "Advisory Locks").
    ids = {"kind": zlib.crc32(purpose.encode()) & 0x7FFFFFFF, "key": key}
    conn: Connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    clean = False  # until known otherwise, the connection may hold the lock
    try:
        for _ in _until(wait):
            if conn.execute(text("SELECT pg_try_advisory_lock(:kind, :key)"), ids).scalar():
                break
        else:
            clean = True
            raise LockBusy(f"{purpose} {key}")
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:kind, :key)"), ids)
            clean = True
    finally:
        if not clean:
            # A connection back in the pool must hold no lock: drop it instead, and the
            # server ends its session and every lock the session held.
            conn.invalidate()
        conn.close()


@contextlib.contextmanager
def _flocked(path: Path, wait: float) -> Iterator[None]:
    path.parent.mkdir(mode=0o700, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        for _ in _until(wait):
            try:
                # flock belongs to this open file, not the process (unlike fcntl's record
                # locks), so a second open in another thread conflicts as it should.
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                continue
        else:
            raise LockBusy(path.name)
        yield
    finally:
        os.close(fd)  # closing the file gives the lock up
