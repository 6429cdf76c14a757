"""Another process holding one of the store's cross-process locks (store/named_lock.py)."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_HOLDER = textwrap.dedent(
    """
    import sys, time
    from store.engine import make_engine
    from store.named_lock import held
    with held(make_engine(sys.argv[1]), "lift", int(sys.argv[2]), wait=5):
        print("held", flush=True)
        time.sleep(600)
    """
)


@contextmanager
def holding(url: str, key: int) -> Iterator[subprocess.Popen[str]]:
    """A process that has taken ("lift", `key`) on the store at `url`, killed with -9 after.

    Killed, not stopped: the lock must go with the process, as after a crash.
    """
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, url, str(key)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        yield proc
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
