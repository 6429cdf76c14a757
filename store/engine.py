"""Engines and sessions for SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import logging
import os
import threading
import time
import urllib.parse
import weakref
from pathlib import Path
from typing import Any

from sqlalchemy import event, make_url
from sqlalchemy.engine import URL, Engine
from sqlmodel import Session, create_engine

DEFAULT_URL = "sqlite:///rightsdesk.db"
READ_ONLY = "rightsdesk_read_only"  # execution option: this connection only reads


class WriteWaits:
    """Writers of this process now waiting at BEGIN IMMEDIATE for SQLite's write lock.

    A writer blocked by another process learns nothing until the busy timeout ends; whoever
    reports health can see from here, at once and without the database, that one waits.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._since: dict[int, float] = {}
        self._ids = itertools.count()

    def started(self) -> int:
        """A writer begins to wait; returns its token."""
        with self._lock:
            token = next(self._ids)
            self._since[token] = time.monotonic()
            return token

    def ended(self, token: int) -> None:
        """The writer got the lock or gave up."""
        with self._lock:
            self._since.pop(token, None)

    def longest(self) -> float:
        """Seconds the longest-waiting writer has waited so far (0 when none waits)."""
        with self._lock:
            oldest = min(self._since.values(), default=None)
        return 0.0 if oldest is None else time.monotonic() - oldest


_WAITS: weakref.WeakKeyDictionary[Engine, WriteWaits] = weakref.WeakKeyDictionary()


def write_waits(engine: Engine) -> WriteWaits:
    """The engine's waiting writers (always none on PostgreSQL, whose waits are row locks)."""
    return _WAITS.setdefault(engine, WriteWaits())


def make_engine(url: str = DEFAULT_URL, *, echo: bool = False) -> Engine:
    """Build an engine; SQLite gets WAL, foreign keys and serialised writers.

    SQL parameters and result rows are mail text and names: `hide_parameters` keeps them out
    of every exception message, and the engine's loggers (which print parameters at INFO and
    rows at DEBUG once the root logger is that verbose) stay at WARNING unless `echo` is asked.
    """
    if not echo:
        logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            echo=echo,
            hide_parameters=True,
            connect_args={"check_same_thread": False, "timeout": 30},
        )
        _serialise_sqlite_writers(engine)
        _private_sqlite_file(url)
        _let_go_of_a_failing_file(engine)
        return engine
    return create_engine(url, echo=echo, hide_parameters=True, pool_pre_ping=True)


# SQLite's primary result codes that mean the file or its filesystem failed, not the SQL.
_FILE_FAULTS = frozenset({8, 10, 13, 14})  # READONLY, IOERR, FULL, CANTOPEN
RELEASE_FOR = 60.0  # seconds after the last such fault during which no connection is kept


def _let_go_of_a_failing_file(engine: Engine) -> None:
    """While the store's filesystem fails, keep no connection open between uses.

    An ext4 that remounted itself read-only after an error stays so until it is unmounted,
    checked and mounted again; `umount` refuses while any process holds a file on it. So the
    pool closes each connection as it comes back, and a connection opens the file only if it
    exists (mode=rw): between `umount` and `mount` nothing creates an empty store in the bare
    mount point. Once the filesystem is back, the next connection finds the repaired store,
    and the process goes on without a restart.
    """
    faulted = [float("-inf")]

    @event.listens_for(engine, "do_connect")
    def _no_create(_dialect: Any, _record: Any, cargs: list[Any], cparams: dict[str, Any]) -> None:
        path = cargs[0] if cargs else cparams.get("database")
        if not isinstance(path, str) or path in ("", ":memory:") or path.startswith("file:"):
            return
        target = "file:" + urllib.parse.quote(os.path.abspath(path)) + "?mode=rw"
        if cargs:
            cargs[0] = target
        else:
            cparams["database"] = target
        cparams["uri"] = True

    @event.listens_for(engine, "handle_error")
    def _note_fault(context: Any) -> None:
        code = getattr(context.original_exception, "sqlite_errorcode", None)
        if isinstance(code, int) and code & 0xFF in _FILE_FAULTS:
            faulted[0] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _close_while_failing(dbapi_conn: Any, record: Any) -> None:
        if dbapi_conn is not None and time.monotonic() - faulted[0] < RELEASE_FOR:
            record.invalidate()  # closed now; the next checkout opens the file afresh


def sqlite_file(url: URL) -> Path | None:
    """The SQLite store's file as the URL names it (not resolved); None when in memory.

    The URL's database is a path, or with `uri=true` a `file:` URI (RFC 8089) whose query
    SQLAlchemy moves into the URL's own (`sqlite:///file:name?mode=memory&uri=true`). Files
    kept beside the store (the references' high-water mark, the locks) are named from this.
    """
    database = url.database
    if not database or database == ":memory:":
        return None
    if _is_uri(url):
        if _uri_mode(url) == "memory":
            return None
        database = urllib.parse.unquote(urllib.parse.urlsplit(database).path)
        if not database or database == ":memory:":
            return None
    return Path(database)


def _is_uri(url: URL) -> bool:
    """Whether SQLAlchemy hands the database to SQLite as a URI filename (`uri=true`)."""
    asked = str(url.query.get("uri", "")).lower() in ("true", "1", "yes", "on")
    return asked and bool(url.database and url.database.startswith("file:"))


def _uri_mode(url: URL) -> str | None:
    """The `mode` of a URI filename (ro, rw, rwc, memory); None for a path or no mode."""
    if not _is_uri(url):
        return None
    inside = urllib.parse.parse_qs(urllib.parse.urlsplit(url.database or "").query)
    mode = url.query.get("mode") or next(iter(inside.get("mode", [])), None)
    return str(mode) if mode else None


def _private_sqlite_file(url: str) -> None:
    """Create the SQLite file 0600 before SQLite does (it would honour the umask: 0644).

    The store holds personal data; its -wal and -shm files take the main file's mode. A
    URI filename that may not create the file (`mode=ro`, `mode=rw`) is left to SQLite.
    """
    parsed = make_url(url)
    path = sqlite_file(parsed)
    if path is None or _uri_mode(parsed) not in (None, "rwc"):
        return
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        return
    except OSError:  # a missing directory or no permission: SQLite will say so, clearly
        return
    os.close(fd)


def _serialise_sqlite_writers(engine: Engine) -> None:
    """Begin every SQLite transaction IMMEDIATE.

    The audit chain and the reference counter read-then-write; with SQLite's
    default deferred transactions two writers could read the same head. This is
    SQLAlchemy's documented recipe for taking the write lock at BEGIN.
    """

    waits = write_waits(engine)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # let SQLAlchemy's BEGIN below be the only one
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        # FULL: a commit is on disk when COMMIT returns. Intake moves the mail to Processed
        # and sends the acknowledgement right after its commit; with NORMAL an OS crash or a
        # failing filesystem could lose that commit after its reference had left
        # (sqlite.org/pragma.html#pragma_synchronous; cost measured in BENCHMARKS.md).
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A reader needs no write lock: in WAL mode it sees a snapshot and waits for no one.
        if conn.get_execution_options().get(READ_ONLY, False):
            conn.exec_driver_sql("BEGIN")
            return
        token = waits.started()
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")  # waits up to busy_timeout for the lock
        finally:
            waits.ended(token)


def new_session(engine: Engine) -> Session:
    """A session that keeps loaded objects usable after commit."""
    return Session(engine, expire_on_commit=False)


def new_read_session(engine: Engine) -> Session:
    """A session for reads only; on SQLite it never waits behind a writer."""
    return Session(engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False)
