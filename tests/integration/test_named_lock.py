"""The store's cross-process lock: another process is kept out, and a killed holder frees it."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

from store.engine import sqlite_file
from store.named_lock import LockBusy, LockUnavailable, held
from tests.lock_holder import holding


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def test_a_lock_another_process_holds_keeps_this_one_out_until_that_process_is_killed(
    engine: Engine,
) -> None:
    waited: list[str] = []
    with holding(_url(engine), 7):
        with (
            pytest.raises(LockBusy),
            held(engine, "lift", 7, wait=0.3, on_wait=lambda: waited.append("7")),
        ):
            pytest.fail("the lock was taken while another process held it")
        with held(engine, "lift", 8, wait=0.3, on_wait=lambda: waited.append("8")):
            pass  # another key is another lock
    assert waited == ["7"]  # told once, when the first try found it taken
    with held(engine, "lift", 7, wait=10):  # the holder was killed: its lock went with it
        pass


def test_a_waiting_lock_is_taken_once_the_holder_gives_it_up(engine: Engine) -> None:
    order: list[str] = []
    first_in = threading.Event()
    release = threading.Event()

    def first() -> None:
        with held(engine, "lift", 3, wait=1):
            order.append("first in")
            first_in.set()
            release.wait(10)
            order.append("first out")

    thread = threading.Thread(target=first)
    thread.start()
    assert first_in.wait(10)
    threading.Timer(0.5, release.set).start()
    with held(engine, "lift", 3, wait=10, on_wait=lambda: order.append("second waits")):
        order.append("second in")
    thread.join(10)
    assert order == ["first in", "second waits", "first out", "second in"]


def test_a_lock_given_back_leaves_nothing_held_on_the_store(engine: Engine) -> None:
    with pytest.raises(RuntimeError), held(engine, "lift", 5, wait=1):
        raise RuntimeError("the work inside failed")
    if engine.dialect.name == "postgresql":  # the pooled connection kept no advisory lock
        with engine.connect() as conn:
            left = conn.execute(
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database ="
                    " (SELECT oid FROM pg_database WHERE datname = current_database())"
                )
            )
            assert left.scalar() == 0
    with holding(_url(engine), 5):  # and another process gets it at once
        pass


def test_a_lost_postgresql_connection_is_dropped_not_pooled_and_the_work_s_result_stands(
    pg_url: str,
) -> None:
    """The server ended the lock's session (a restart, an administrator): the lock went with
    it. The work inside finished, so giving the lock back fails quietly, and the dead
    connection never goes back to the pool."""
    from store.engine import make_engine

    engine = make_engine(pg_url)
    try:
        with held(engine, "lift", 9, wait=1), engine.connect() as admin:
            admin.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks"
                    " WHERE locktype = 'advisory' AND objid = 9 AND granted"
                )
            )
            admin.commit()
        with held(engine, "lift", 9, wait=1):  # a fresh connection; nothing left behind
            pass
    finally:
        engine.dispose()


def test_a_sqlite_store_named_by_a_file_uri_locks_beside_its_file(
    tmp_path: pytest.TempPathFactory,
) -> None:
    from store.engine import make_engine

    path = tmp_path / "desk.db"
    assert sqlite_file(make_url(f"sqlite:///file:{path}?mode=rw&uri=true")) == path
    assert sqlite_file(make_url("sqlite:///file:desk?mode=memory&cache=shared&uri=true")) is None
    assert sqlite_file(make_url("sqlite://")) is None
    engine = make_engine(f"sqlite:///file:{path}?uri=true")
    with held(engine, "lift", 1, wait=1):
        assert (path.parent / "desk.db-locks" / "lift-1").exists()


def test_a_lock_file_that_cannot_be_made_is_a_clear_error(tmp_path: Path) -> None:
    from store.engine import make_engine

    (tmp_path / "desk.db-locks").write_text("not a directory")
    engine = make_engine(f"sqlite:///{tmp_path}/desk.db")
    refused = pytest.raises(LockUnavailable, match=r"cannot make the lock file .*-locks/lift-1")
    with refused, held(engine, "lift", 1, wait=1):
        pytest.fail("a lock without its file")
