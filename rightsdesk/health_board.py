"""Component health kept in memory, mirrored to a local status file and to the health table.

A failure mark written only to the database is lost exactly when the database is what
fails. So every mark lands first in this process's memory and in a small status file that
`rightsdesk health` reads without a database; the table gets it at once when it can, and
otherwise from a retry thread as soon as the store is back.

Any component reports the same way: `board(desk).beat("slack", ok=False, error="ratelimited")`
or `board(desk).set_state(name, "stopped")`.
"""

from __future__ import annotations

import hashlib
import logging
import os
import stat
import tempfile
import threading
import time
import weakref
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlmodel import Session

from cases import health
from cases.health import ComponentState
from rightsdesk.context import Desk
from rightsdesk.settings import Settings
from store.engine import WriteWaits, new_session, write_waits

log = logging.getLogger("rightsdesk.health")

STORE = "store"  # the pseudo-component shown while the board cannot write the table
RETRY_SECONDS = 2.0
# A write waiting this long for SQLite's lock is a fault (busy_timeout is 30 s): health says
# so now, not after the timeout, and without the database the writer is waiting for.
LOCK_WAIT_FAILING = 10.0
LOCK_WATCH_EVERY = 1.0
_ATTR = "_health_board"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def status_glob(settings: Settings) -> tuple[Path, str]:
    """Where this desk's status files live: RIGHTSDESK_RUN_DIR, else a private runtime dir.

    Not next to a SQLite store: a full or read-only store filesystem must not silence it.
    The names carry a digest of the database URL (password left out), so two desks on one
    machine never mix, and the writer's pid, so `run` and a `remind --once` never collide.
    """
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if settings.run_dir is not None:
        base = settings.run_dir
    elif runtime:
        base = Path(runtime) / "rightsdesk"
    else:
        base = Path(tempfile.gettempdir()) / f"rightsdesk-{os.getuid()}"
    try:
        url = make_url(settings.database_url).render_as_string(hide_password=True)
    except ArgumentError:  # a malformed URL: `health` reports the database itself
        url = settings.database_url
    digest = hashlib.sha256(url.encode()).hexdigest()[:16]
    return base, f"health-{digest}-*.json"


def live_states(settings: Settings) -> list[ComponentState]:
    """What the running processes of this desk know, the newest entry per component."""
    base, pattern = status_glob(settings)
    newest: dict[str, ComponentState] = {}
    for path in sorted(base.glob(pattern)) if base.is_dir() else []:
        for state in health.read_status_file(path) or []:
            seen = newest.get(state.name)
            if seen is None or (state.updated_at or _EPOCH) >= (seen.updated_at or _EPOCH):
                newest[state.name] = state
    return list(newest.values())


def _remove_dead(base: Path, pattern: str) -> None:
    """Forget the files of processes that are gone (health ignores them anyway)."""
    try:
        for path in base.glob(pattern) if base.is_dir() else []:
            if health.read_status_file(path) is None:
                path.unlink(missing_ok=True)
    except OSError:
        pass


def _private_dir(path: Path) -> bool:
    """Create the directory 0700 if missing; refuse one that another user owns."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = path.lstat()
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid()


class HealthBoard:
    """The states of this process's components: memory first, then file, then table."""

    def __init__(
        self,
        sessions: Callable[[], Session],
        clock: Callable[[], datetime],
        path: Path | None,
    ) -> None:
        self._sessions, self._clock, self._path = sessions, clock, path
        self._lock = threading.Lock()
        self._states: dict[str, ComponentState] = {}
        self._pending: dict[str, ComponentState] = {}
        self._store_error: ComponentState | None = None
        self._lock_wait: ComponentState | None = None
        self._failing = False  # the last table write failed; a retry thread is running
        self._pid = os.getpid()

    def beat(self, name: str, *, ok: bool, error: str | None = None) -> None:
        """One round of work: success moves last_success_at, failure keeps it and says why."""
        now = self._clock()
        with self._lock:
            old = self._states.get(name)
            last_success = now if ok else (old.last_success_at if old else None)
            error = None if ok else (error or "failed")
            state = "ok" if ok else "failing"
            self._put(ComponentState(name, state, last_success, error, now, self._pid, False))
        self._flush()

    def set_state(self, name: str, state: str, *, error: str | None = None) -> None:
        """Starting or stopped (a clean stop is not a failure)."""
        if state not in health.STATES:
            raise ValueError(f"unknown state {state!r}")
        now = self._clock()
        with self._lock:
            old = self._states.get(name)
            last_success = old.last_success_at if old else None
            last_error = error if error is not None else (old.last_error if old else None)
            self._put(ComponentState(name, state, last_success, last_error, now, self._pid, False))
        self._flush()

    def lock_wait(self, seconds: float | None) -> None:
        """A write has waited this long for the store's lock (None: no write waits now)."""
        with self._lock:
            if seconds is None:
                if self._lock_wait is not None:
                    self._lock_wait = None
                    self._write_file()
                return
            if self._lock_wait is None:
                log.warning("store write lock held by another process for %.0fs", seconds)
            error = f"write lock wait {int(seconds)}s"
            old = self._lock_wait
            if old is None or old.last_error != error:
                self._lock_wait = ComponentState(
                    STORE, "failing", None, error, self._clock(), self._pid, False
                )
                self._write_file()

    def _put(self, state: ComponentState) -> None:
        self._states[state.name] = state
        self._pending[state.name] = state
        self._write_file()

    def _write_file(self) -> None:
        if self._path is None:
            return
        extra = [s for s in (self._store_error, self._lock_wait) if s is not None][:1]
        try:
            if _private_dir(self._path.parent):
                health.write_status_file(
                    self._path, [*self._states.values(), *extra], pid=self._pid
                )
        except OSError as exc:
            log.warning("health status file not written (%s)", type(exc).__name__)

    def _flush(self, *, retrying: bool = False) -> bool:
        """Write what the table has not seen; on failure, hand it to the retry thread."""
        with self._lock:
            if self._failing and not retrying:
                return False  # the store is known to fail: the retry thread writes it
            pending = dict(self._pending)
        try:
            if pending:
                with self._sessions() as session:
                    for state in pending.values():
                        health.put(session, state)
                    session.commit()
        except Exception as exc:  # the database may be the thing that is down
            self._failed(exc)
            return False
        with self._lock:
            for name, state in pending.items():
                if self._pending.get(name) is state:
                    del self._pending[name]
            self._failing = False
            if self._store_error is not None:
                self._store_error = None
                self._write_file()
        return True

    def _failed(self, exc: Exception) -> None:
        now = self._clock()
        with self._lock:
            if not self._failing:  # one warning per outage, not one per retry
                log.warning(
                    "health_update_failed=%s (kept until the store is back)", type(exc).__name__
                )
            if self._store_error is None:
                self._store_error = ComponentState(
                    STORE, "failing", None, type(exc).__name__, now, self._pid, False
                )
                self._write_file()
            if not self._failing:
                self._failing = True
                threading.Thread(target=self._retry_loop, name="health-retry", daemon=True).start()

    def _retry_loop(self) -> None:
        """Every few seconds until the table has everything (the thread ends then)."""
        while True:
            time.sleep(RETRY_SECONDS)
            if self._flush(retrying=True) and not self._pending:
                log.info("health_update=recovered")
                return


def board(desk: Desk) -> HealthBoard:
    """The board of this desk (one per process), built on first use."""
    found = desk.__dict__.get(_ATTR)
    if isinstance(found, HealthBoard):
        return found
    base, pattern = status_glob(desk.settings)
    path = base / pattern.replace("*", str(os.getpid()))
    _remove_dead(base, pattern)
    made = HealthBoard(lambda: new_session(desk.engine), desk.now, path)
    found = desk.__dict__.setdefault(_ATTR, made)
    if found is made and desk.engine.dialect.name == "sqlite":
        waits = write_waits(desk.engine)
        # A weak reference: the watcher ends with the board's desk instead of keeping it alive.
        threading.Thread(
            target=_watch_lock,
            args=(weakref.ref(made), waits),
            name="store-lock-watch",
            daemon=True,
        ).start()
    return found


def _watch_lock(board_ref: weakref.ref[HealthBoard], waits: WriteWaits) -> None:
    """Mark the store failing while a write of this process waits too long for the lock."""
    while True:
        time.sleep(LOCK_WATCH_EVERY)
        made = board_ref()
        if made is None:  # the desk and its board are gone: nothing left to report to
            return
        longest = waits.longest()
        made.lock_wait(longest if longest >= LOCK_WAIT_FAILING else None)
        del made
