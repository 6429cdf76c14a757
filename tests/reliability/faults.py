"""The fault suite's harness: `rightsdesk run` as a subprocess, mail over time, health, checks."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import pytest

from cases.references import find_references
from tests.mailgen import request_mail
from tests.reliability.support import ROOT, env_for, repeated, rows, scalar, store
from tests.servers import in_ci

T = TypeVar("T")
SEED = 12
WITHIN = 30.0  # health must turn within this many seconds of a fault and of its end


def need_root() -> None:
    """Mounting a filesystem needs root; outside CI a normal user skips, CI must run it."""
    if os.geteuid() == 0:
        return
    if in_ci():
        pytest.fail("the filesystem faults need root (loop mounts); CI runs as root")
    pytest.skip("the filesystem faults need root (loop mounts)")


def sh(*args: str) -> None:
    """Run a system command that must succeed."""
    subprocess.run(args, check=True, capture_output=True, timeout=120)


@contextmanager
def loop_ext4(where: Path, size_mb: int = 64) -> Iterator[Path]:
    """An ext4 filesystem in a file, loop-mounted with errors=remount-ro, at `where`."""
    need_root()
    image = where.with_suffix(".img")
    with image.open("wb") as f:
        f.truncate(size_mb * 1024 * 1024)
    sh("mkfs.ext4", "-q", "-F", str(image))
    where.mkdir()
    sh("mount", "-o", "loop,errors=remount-ro", str(image), str(where))
    try:
        yield image
    finally:
        subprocess.run(["umount", str(where)], capture_output=True, check=False)


@contextmanager
def small_tmpfs(where: Path, size_mb: int = 16) -> Iterator[None]:
    """A tmpfs of `size_mb` at `where`: a disk that can be filled and emptied in a moment."""
    need_root()
    where.mkdir()
    sh("mount", "-t", "tmpfs", "-o", f"size={size_mb}m,mode=0700", "tmpfs", str(where))
    try:
        yield
    finally:
        subprocess.run(["umount", str(where)], capture_output=True, check=False)


def fill(path: Path) -> None:
    """Write `path` until the filesystem has no space left."""
    chunk = b"\0" * 65536
    with path.open("wb", buffering=0) as f:
        try:
            while True:
                f.write(chunk)
        except OSError:
            pass


class Desk:
    """`rightsdesk run` in the background, its output in files, and `rightsdesk health`."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env, self.logs = env, logs
        logs.mkdir(exist_ok=True)
        self.proc: subprocess.Popen[bytes] | None = None
        self.runs = 0

    def start(self) -> None:
        """Start `rightsdesk run --no-bot --plain-logs`."""
        self.runs += 1
        out = (self.logs / f"run{self.runs}.out").open("wb")
        err = (self.logs / f"run{self.runs}.err").open("wb")
        with out, err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "rightsdesk", "run", "--no-bot", "--plain-logs"],
                env=self.env,
                cwd=ROOT,
                stdout=out,
                stderr=err,
            )

    @property
    def pid(self) -> int:
        """The running process's id (the same one from fault to recovery: no restart)."""
        assert self.proc is not None and self.proc.poll() is None, self.stderr()
        return self.proc.pid

    def stderr(self) -> str:
        """What every run wrote to stderr."""
        return "".join(p.read_text(errors="replace") for p in sorted(self.logs.glob("run*.err")))

    def stop(self) -> int:
        """SIGTERM and wait; the exit code."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=90)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return int(self.proc.returncode)

    def health(self) -> tuple[int, dict[str, dict[str, Any]]]:
        """`rightsdesk health --json`: the exit code and a row per component."""
        out = subprocess.run(
            [sys.executable, "-m", "rightsdesk", "health", "--json"],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert out.returncode in (0, 1), f"health exited {out.returncode}: {out.stderr[-2000:]}"
        found = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
        return out.returncode, {row["name"]: row for row in found}

    def wait(self, what: str, predicate: Callable[[], T | None], timeout: float) -> T:
        """Poll until `predicate` gives a value; fail with the desk's stderr on a timeout."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            assert self.proc is not None and self.proc.poll() is None, (
                f"rightsdesk run exited while waiting for {what}\n{self.stderr()[-4000:]}"
            )
            last = predicate()
            if last:
                return last
            time.sleep(0.5)
        tail = self.stderr()[-4000:]
        raise AssertionError(f"timed out waiting for {what} (last: {last!r})\n{tail}")

    def failing_within(self, seconds: float, since: float) -> dict[str, dict[str, Any]]:
        """Health exits 1 naming a failing component, at most `seconds` after `since`."""

        def failing() -> dict[str, dict[str, Any]] | None:
            code, found = self.health()
            bad = [r for r in found.values() if r["state"] == "failing"]
            return found if code == 1 and bad else None

        return self.wait("health to say failing", failing, since + seconds - time.monotonic())

    def ok_within(self, seconds: float, since: float) -> dict[str, dict[str, Any]]:
        """Health exits 0 again at most `seconds` after `since`."""

        def ok() -> dict[str, dict[str, Any]] | None:
            code, found = self.health()
            return found if code == 0 else None

        return self.wait("health to say ok", ok, since + seconds - time.monotonic())


def desk_env(mailbox: Any, smtp_port: int, db_url: str, tmp_path: Path) -> dict[str, str]:
    """The desk's environment; the health status file on a filesystem that does not fail."""
    run_dir = tmp_path / "run"
    return env_for(mailbox, smtp_port, db_url, RIGHTSDESK_RUN_DIR=str(run_dir))


def mail(i: int) -> bytes:
    """Request number `i` of the suite (Message-ID <gen-12-i@example.com>)."""
    return request_mail(i, seed=SEED)[0]


def message_id(i: int) -> str:
    """The Message-ID of request `i`, as the store keeps it (no angle brackets)."""
    return f"gen-{SEED}-{i}@example.com"


class Feeder(threading.Thread):
    """Delivers requests `first`..`last - 1` over LMTP, one every `every` seconds."""

    def __init__(self, mailbox: Any, first: int, last: int, every: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.mailbox, self.numbers, self.every = mailbox, range(first, last), every
        self.delivered = 0

    def run(self) -> None:
        """Deliver each, then pause."""
        for i in self.numbers:
            self.mailbox.deliver_lmtp(mail(i))
            self.delivered += 1
            time.sleep(self.every)


def taken_in(db_url: str) -> int:
    """Inbound messages stored (0 while the store cannot be read)."""
    engine = store(db_url)
    try:
        return int(scalar(engine, "SELECT count(*) FROM message WHERE direction = 'in'"))
    except Exception:
        return 0
    finally:
        engine.dispose()


def acknowledged(smtp_sink: Any) -> dict[str, str]:
    """Request Message-ID -> the reference its acknowledgement quoted (each ack once)."""
    answered = [m.message["In-Reply-To"] for m in smtp_sink.messages]
    assert repeated(answered) == {}, "a request was acknowledged twice"
    acks: dict[str, str] = {}
    for m in smtp_sink.messages:
        refs = find_references(str(m.message["Subject"]), prefix="DSR")
        assert len(refs) == 1, m.message["Subject"]
        acks[str(m.message["In-Reply-To"]).strip("<>")] = refs[0]
    assert repeated(list(acks.values())) == {}, "one reference quoted to two requesters"
    return acks


def check_intact(db_url: str, mailbox: Any, smtp_sink: Any, count: int) -> None:
    """Nothing lost, nothing doubled: every request one case, one ack quoting its reference."""
    engine = store(db_url)
    try:
        stored = rows(
            engine,
            'SELECT m.message_id, c.reference FROM message m JOIN "case" c ON c.id = m.case_id '
            "WHERE m.direction = 'in'",
        )
        assert scalar(engine, 'SELECT count(*) FROM "case"') == count
        statuses = rows(engine, "SELECT status, count(*) FROM outbox GROUP BY status")
    finally:
        engine.dispose()
    assert repeated([mid for mid, _ in stored]) == {}
    assert repeated([ref for _, ref in stored]) == {}
    stored = [(mid.strip("<>"), ref) for mid, ref in stored]
    assert sorted(mid for mid, _ in stored) == sorted(message_id(i) for i in range(count))
    assert statuses == [("sent", count)], statuses
    smtp_sink.wait_for(count, timeout=60)
    time.sleep(0.5)  # anything sent twice would have arrived by now
    assert acknowledged(smtp_sink) == dict(stored)  # each ack quotes its own case
    assert mailbox.folder_uids("INBOX") == []
    assert len(mailbox.folder_uids("Processed")) == count
    assert mailbox.folder_uids("Failed") == []


def all_taken_in(db_url: str, smtp_sink: Any, count: int) -> Callable[[], bool]:
    """Every request stored and acknowledged."""
    return lambda: taken_in(db_url) == count and len(smtp_sink.messages) >= count
