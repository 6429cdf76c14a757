"""The store's cross-process lock: another process is kept out, and a killed holder frees it."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import threading

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from store.named_lock import LockBusy, held
from tests.replies_support import ROOT

HOLDER = textwrap.dedent(
    """
    import sys, time
    from store.engine import make_engine
    from store.named_lock import held
    with held(make_engine(sys.argv[1]), "lift", int(sys.argv[2]), wait=5):
        print("held", flush=True)
        time.sleep(600)
    """
)


def _holding(engine: Engine, key: int) -> subprocess.Popen[str]:
    """Another process that takes ("lift", key) on the same store and keeps it."""
    url = engine.url.render_as_string(hide_password=False)
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, url, str(key)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_a_lock_another_process_holds_keeps_this_one_out_until_that_process_is_killed(
    engine: Engine,
) -> None:
    holder = _holding(engine, 7)
    try:
        with pytest.raises(LockBusy), held(engine, "lift", 7, wait=0.3):
            pytest.fail("the lock was taken while another process held it")
        with held(engine, "lift", 8, wait=0.3):
            pass  # another key is another lock
    finally:
        holder.send_signal(signal.SIGKILL)  # no clean-up of its own: the OS or server ends it
        holder.wait()
    with held(engine, "lift", 7, wait=10):
        pass


def test_a_waiting_lock_is_taken_as_soon_as_the_holder_gives_it_up(engine: Engine) -> None:
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
    with held(engine, "lift", 3, wait=10):
        order.append("second in")
    thread.join(10)
    assert order == ["first in", "first out", "second in"]


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
    holder = _holding(engine, 5)  # and another process gets it at once
    holder.send_signal(signal.SIGKILL)
    holder.wait()
