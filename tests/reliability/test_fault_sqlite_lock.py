"""The SQLite write lock held past the busy timeout while mail arrives, under `rightsdesk run`."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.reliability.faults import (
    WITHIN,
    Desk,
    Feeder,
    all_taken_in,
    check_intact,
    desk_env,
    taken_in,
)

pytestmark = [pytest.mark.slow, pytest.mark.dovecot]

BUSY_TIMEOUT = 30.0  # store/engine.py: PRAGMA busy_timeout=30000
BEFORE, DURING = 3, 3


def _intake_failing(desk: Desk) -> Callable[[], dict[str, dict[str, Any]] | None]:
    def check() -> dict[str, dict[str, Any]] | None:
        code, found = desk.health()
        return found if code == 1 and found["intake"]["state"] == "failing" else None

    return check


def test_a_write_lock_held_past_the_busy_timeout_shows_in_health_and_intake_resumes_alone(
    mailbox: Any, smtp_sink: Any, tmp_path: Path
) -> None:
    db = tmp_path / "desk.db"
    db_url = f"sqlite:///{db}"
    desk = Desk(desk_env(mailbox, smtp_sink.port, db_url, tmp_path), tmp_path / "logs")
    desk.start()
    try:
        Feeder(mailbox, 0, BEFORE, every=0.2).run()
        desk.wait("the first requests", all_taken_in(db_url, smtp_sink, BEFORE), 180)
        desk.ok_within(WITHIN, time.monotonic())
        pid = desk.pid

        locker = sqlite3.connect(db, isolation_level=None, timeout=60)
        locker.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        locked_at = time.monotonic()
        Feeder(mailbox, BEFORE, BEFORE + DURING, every=0.2).run()
        try:
            # A writer waits up to the busy timeout, but health says so within 30 s of the
            # fault: the waiting write is on the health board, which needs no database.
            found = desk.failing_within(WITHIN, locked_at)
            assert found["store"]["state"] == "failing", found
            assert (found["store"]["last_error"] or "").startswith("write lock wait"), found
            assert time.monotonic() - locked_at < BUSY_TIMEOUT  # before any writer gave up
            # Past the busy timeout the writer itself fails, and says how.
            found = desk.wait("intake failing", _intake_failing(desk), BUSY_TIMEOUT + WITHIN)
            assert "OperationalError" in (found["intake"]["last_error"] or "")
            assert taken_in(db_url) == BEFORE  # nothing got past the lock
        finally:
            locker.execute("ROLLBACK")
            locker.close()
        released_at = time.monotonic()

        desk.ok_within(WITHIN, released_at)
        count = BEFORE + DURING
        desk.wait("the requests held up by the lock", all_taken_in(db_url, smtp_sink, count), 60)
        assert desk.pid == pid  # recovered by itself: the same process, no restart
    finally:
        code = desk.stop()
    assert code == 0, desk.stderr()[-4000:]
    assert "Traceback" not in desk.stderr()
    check_intact(db_url, mailbox, smtp_sink, BEFORE + DURING)
