"""Wake a waiting component when another process commits work for it.

One small interface over two mechanisms: on PostgreSQL the writer issues NOTIFY in the
transaction that creates the work (PostgreSQL delivers it at commit and drops it on
rollback) and the waiter LISTENs on a connection of its own; on SQLite, which has no
notifications, the waiter asks a cheap indexed `probe` query at a short interval. The
PostgreSQL waiter also asks the probe now and then, for notifications missed while its
connection was down and for work that only comes due with time (a retry's backoff).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

log = logging.getLogger(__name__)

Probe = Callable[[], bool]
_CHANNEL = re.compile(r"[a-z_][a-z0-9_]{0,62}")  # a plain SQL identifier: LISTEN takes no bind
POLL_INTERVAL = 0.5  # SQLite: the probe runs at most this far apart (under 1 s)
RECHECK_AFTER = 10.0  # PostgreSQL: the probe runs this often even without a notification
RETRY_AFTER = 1.0  # PostgreSQL: a lost LISTEN connection is tried again this much later


class Wakeup(Protocol):
    """Something a component blocks on until work may be waiting."""

    def wait(self, timeout: float) -> bool:
        """Block until work may be waiting (True) or `timeout` seconds pass (False)."""
        ...

    def close(self) -> None:
        """Release what it holds and end a wait in progress."""


def _channel(name: str) -> str:
    if not _CHANNEL.fullmatch(name):
        raise ValueError(f"not a plain channel name: {name!r}")
    return name


_NOTIFIED = "notified:"  # session.info: channel -> the transaction that already notified it
_FORGETS = "notified:forgets-on-rollback"


def notify(session: Session, channel: str) -> None:
    """Announce work on `channel` in the caller's transaction (delivered at its commit)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    transaction, key = session.get_transaction(), f"{_NOTIFIED}{channel}"
    if transaction is not None and session.info.get(key) is transaction:
        return  # PostgreSQL folds equal notifications of one transaction into one anyway
    session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": _channel(channel)})
    session.info[key] = transaction
    if not session.info.get(_FORGETS):
        event.listen(session, "after_rollback", _forget_notified)
        session.info[_FORGETS] = True


def _forget_notified(session: Session) -> None:
    """A rollback, also to a savepoint, takes back a NOTIFY made after it: make it again."""
    for key in [k for k in session.info if k.startswith(_NOTIFIED) and k != _FORGETS]:
        del session.info[key]


class PollWakeup:
    """Runs `probe` every `interval` seconds until it finds work or the timeout passes."""

    def __init__(self, probe: Probe, *, interval: float = POLL_INTERVAL) -> None:
        self._probe = probe
        self._interval = interval
        self._closed = threading.Event()
        self._probed = time.monotonic()

    def wait(self, timeout: float) -> bool:
        """True as soon as the probe finds work; False after `timeout` or close().

        The probe runs every `interval` however the caller slices its waits (`poll --once`
        waits 0.1 s at a time to see intake's end).
        """
        deadline = time.monotonic() + timeout
        while True:
            now = time.monotonic()
            remaining = deadline - now
            if remaining <= 0:
                return False
            pause = min(remaining, self._probed + self._interval - now)
            if pause > 0:
                if self._closed.wait(pause):
                    return False
                continue
            self._probed = time.monotonic()
            if self._probe():
                return True

    def close(self) -> None:
        """End a wait in progress."""
        self._closed.set()


class ListenWakeup:
    """PostgreSQL LISTEN on a connection outside the pool; reconnects after losing it."""

    def __init__(
        self, engine: Engine, channel: str, probe: Probe, *, recheck: float = RECHECK_AFTER
    ) -> None:
        self._engine = engine
        self._channel = _channel(channel)
        self._probe = probe
        self._recheck = recheck
        self._conn: Any = None
        self._checked = time.monotonic()
        self._retry_at = 0.0  # after a lost connection, when to connect again

    def _connect(self) -> Any:
        if self._conn is None:
            cargs, cparams = self._engine.dialect.create_connect_args(self._engine.url)
            conn = self._engine.dialect.connect(*cargs, **cparams)
            conn.autocommit = True
            conn.execute(f"LISTEN {self._channel}")
            self._conn = conn
        return self._conn

    def wait(self, timeout: float) -> bool:
        """True on a notification (or a probe that finds work); False after `timeout`."""
        if self._conn is None and (behind := self._retry_at - time.monotonic()) > 0:
            time.sleep(min(timeout, behind))  # a server that is down: once a second at most
            return False
        try:
            # LISTEN before looking: a commit between the look and the LISTEN would be lost.
            fresh = self._conn is None
            conn = self._connect()
            if fresh or time.monotonic() - self._checked >= self._recheck:
                self._checked = time.monotonic()
                if self._probe():
                    return True
            woken = False
            for _ in conn.notifies(timeout=timeout, stop_after=1):
                woken = True
            if woken:  # several commits at once need one round of work, not one each
                for _ in conn.notifies(timeout=0.0):
                    pass
            return woken
        except Exception as exc:  # the connection or the server is gone: probe once it is back
            if self._conn is not None:  # once per loss, not once a second while it lasts
                log.warning("wakeup channel=%s lost=%s", self._channel, type(exc).__name__)
            self.close()
            self._retry_at = time.monotonic() + RETRY_AFTER
            time.sleep(min(timeout, RETRY_AFTER))
            # Notifications sent meanwhile were lost: the next connect looks at the table.
            return False

    def close(self) -> None:
        """Close the listening connection."""
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except Exception:  # already broken; nothing more to release
                log.debug("wakeup connection close failed", exc_info=True)


def open_wakeup(
    engine: Engine, channel: str, probe: Probe, *, poll_interval: float = POLL_INTERVAL
) -> Wakeup:
    """LISTEN/NOTIFY on PostgreSQL, an indexed poll (`probe`) every `poll_interval` elsewhere."""
    if engine.dialect.name == "postgresql" and hasattr(engine.dialect.dbapi, "Notify"):
        return ListenWakeup(engine, channel, probe)
    return PollWakeup(probe, interval=poll_interval)
