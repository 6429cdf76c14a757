"""What every benchmark shares: the machine, the servers, the store, percentiles, timing.

The servers are the ones the test suite uses (tests/servers/): a private Dovecot, an
SMTP sink (here in its own process, so that neither side of a comparison shares a
Python interpreter with it) and PostgreSQL when `--db postgresql` is asked for.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import resource
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


def machine() -> dict[str, str]:
    """CPU model, cores, memory and load: the context every figure needs."""
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": memory,
        "python": platform.python_version(),
        "load_average": load,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0-100) by linear interpolation between closest ranks."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def save(name: str, figures: dict[str, Any]) -> Path:
    """Write the figures of one run to benchmarks/results/NAME.json (read by run_all)."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps({"machine": machine(), **figures}, indent=2, default=str) + "\n")
    return path


# -- the store --------------------------------------------------------------------------------


@contextlib.contextmanager
def database(kind: str, workdir: Path, name: str = "rightsdesk") -> Iterator[str]:
    """A fresh, empty database URL (SQLite in `workdir`, or a new PostgreSQL database)."""
    if kind == "sqlite":
        yield f"sqlite:///{workdir / f'{name}.db'}"
        return
    from tests.servers import postgres as pg

    if not pg.available():
        raise SystemExit(f"PostgreSQL is not reachable at {pg.postgres_admin_url()}")
    db = pg.unique_name(f"bench_{name}")
    url = pg.create_database(db)
    try:
        yield url
    finally:
        pg.drop_database(db)


def migrated_engine(url: str) -> Any:
    """An engine on `url` with every migration applied."""
    from store import migrate
    from store.engine import make_engine

    engine = make_engine(url)
    migrate.upgrade(engine)
    return engine


def analyze(engine: Any) -> None:
    """Planner statistics after a bulk load, as PostgreSQL's autovacuum keeps them.

    SQLite gathers none unless told, and rightsdesk never tells it: left as it is.
    """
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")


# -- mail servers -----------------------------------------------------------------------------


def fill_mailbox(server: Any, user: str, raws: Sequence[bytes], folder: str = "INBOX") -> None:
    """APPEND the messages in MULTIAPPEND batches (RFC 3502): minutes become seconds."""
    client = server.client(user)
    try:
        for start in range(0, len(raws), 200):
            client.multiappend(folder, list(raws[start : start + 200]))
    finally:
        client.logout()


@dataclass
class SmtpCounter:
    """An aiosmtpd sink in a child process; it counts messages into a file."""

    workdir: Path
    port: int = 0
    _process: subprocess.Popen[bytes] | None = None
    _count_file: Path = field(init=False)

    def __post_init__(self) -> None:
        self._count_file = self.workdir / "smtp-count"

    def start(self) -> None:
        """Start the child and wait until it accepts connections."""
        from tests.servers import free_port

        self.port = free_port()
        self._count_file.write_text("0")
        command = [sys.executable, "-m", "benchmarks.smtp_counter", str(self.port)]
        self._process = subprocess.Popen([*command, str(self._count_file)], cwd=ROOT)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", self.port), 1).close()
                return
            time.sleep(0.05)
        raise RuntimeError("the SMTP counter did not start")

    @property
    def count(self) -> int:
        """Messages received so far."""
        return int(self._count_file.read_text() or 0)

    def stop(self) -> None:
        """Stop the child."""
        if self._process is not None:
            self._process.terminate()
            self._process.wait(10)
            self._process = None


@contextlib.contextmanager
def mail_servers() -> Iterator[tuple[Any, SmtpCounter, Path]]:
    """A private Dovecot, an SMTP counter and a scratch directory, all removed afterwards."""
    from tests.servers.dovecot import DovecotServer, find_dovecot

    if find_dovecot() is None:
        raise SystemExit("dovecot is not installed: run `make servers`")
    with tempfile.TemporaryDirectory(prefix="rightsdesk-bench-") as tmp, DovecotServer() as dovecot:
        smtp = SmtpCounter(Path(tmp))
        smtp.start()
        try:
            yield dovecot, smtp, Path(tmp)
        finally:
            smtp.stop()


def rightsdesk_env(
    *, db_url: str, imap: tuple[str, int, str, str] | None, smtp_port: int | None, **extra: str
) -> dict[str, str]:
    """The environment of a `rightsdesk` child process: ours only, nothing from outside."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RIGHTSDESK_", "SLACK_"))}
    env.update(
        RIGHTSDESK_DATABASE_URL=db_url,
        RIGHTSDESK_CONFIG=str(ROOT / "rightsdesk.example.toml"),
        RIGHTSDESK_DAILY_AUTO_MAIL_CAP="1000000",
    )
    if imap is not None:
        host, port, user, password = imap
        env.update(
            RIGHTSDESK_IMAP_HOST=host,
            RIGHTSDESK_IMAP_PORT=str(port),
            RIGHTSDESK_IMAP_USER=user,
            RIGHTSDESK_IMAP_PASSWORD=password,
            RIGHTSDESK_IMAP_SECURITY="plain",
        )
    if smtp_port is not None:
        env.update(
            RIGHTSDESK_SMTP_HOST="127.0.0.1",
            RIGHTSDESK_SMTP_PORT=str(smtp_port),
            RIGHTSDESK_SMTP_SECURITY="plain",
        )
    env.update(extra)
    return env


@dataclass(frozen=True)
class Measured:
    """One child process: its wall time, peak RSS (with its descendants summed) and output."""

    seconds: float
    peak_rss_mb: float
    returncode: int
    stdout: str
    stderr: str


def _tree_pss_mb(pid: int) -> float:
    """The summed PSS of a process and all its descendants now (0 when it is gone).

    PSS, not RSS: pages the processes share (the interpreter, libraries) count once.
    Children are listed per thread, so those started from any thread are found.
    """
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            rollup = Path(f"/proc/{current}/smaps_rollup").read_text()
            for task in Path(f"/proc/{current}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except OSError:  # gone meanwhile, or a zombie
            continue
        total += next(
            (int(line.split()[1]) for line in rollup.splitlines() if line.startswith("Pss:")), 0
        )
    return total / 1024


def run_measured(args: Sequence[str], env: dict[str, str]) -> Measured:
    """Run a child and measure it: wait4() gives the peak RSS of the child or of its largest
    descendant, sampling /proc every 0.1 s the peak of their summed PSS (a worker process's
    memory counts too); the larger of the two is reported."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen(list(args), env=env, cwd=ROOT, stdout=out, stderr=err)
        tree_peak = 0.0
        while True:
            waited, status, usage = os.wait4(child.pid, os.WNOHANG)
            if waited:
                break
            tree_peak = max(tree_peak, _tree_pss_mb(child.pid))
            time.sleep(0.1)  # often enough for runs of seconds, cheap beside the child
        seconds = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Measured(
            seconds,
            max(usage.ru_maxrss / 1024, tree_peak),  # KiB on Linux
            child.returncode,
            out.read().decode(errors="replace"),
            err.read().decode(errors="replace"),
        )


def rightsdesk(*args: str) -> list[str]:
    """The command line of `rightsdesk ARGS` with this interpreter."""
    return [sys.executable, "-m", "rightsdesk", *args]


def own_peak_rss_mb() -> float:
    """This process's peak RSS so far."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
