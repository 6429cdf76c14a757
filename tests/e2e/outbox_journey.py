"""The steps of the outbox journeys: a desk's environment, terminal commands, `rightsdesk run`.

Shared by tests/e2e/test_outbox_run.py, tests/reliability/test_outbox_db_outage.py and
benchmarks/action_to_mail.py: every step is a `rightsdesk` process, as a person runs it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parents[2]
US = "privacy@targetpartners.example"
CUSTOMERS_HEADER = "customer_number,name,email,relationship_start,relationship_end\n"
T = TypeVar("T")


def customer(n: int) -> tuple[str, str, str]:
    """(customer number, register address, other address) of fictional customer N."""
    return f"C-{n}", f"asiakas{n}@example.com", f"asiakas{n}.toinen@example.com"


def desk_env(db_url: str, workdir: Path, smtp_port: int, **extra: str) -> dict[str, str]:
    """A `rightsdesk` child's environment: this store, an empty Maildir inbox, this SMTP port."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RIGHTSDESK_", "SLACK_"))}
    env.update(
        RIGHTSDESK_DATABASE_URL=db_url,
        RIGHTSDESK_CONFIG=str(ROOT / "rightsdesk.example.toml"),
        RIGHTSDESK_MAILDIR=str(workdir / "mail"),
        RIGHTSDESK_MAIL_FROM=US,
        RIGHTSDESK_SMTP_HOST="127.0.0.1",
        RIGHTSDESK_SMTP_PORT=str(smtp_port),
        RIGHTSDESK_SMTP_SECURITY="plain",
        RIGHTSDESK_DAILY_AUTO_MAIL_CAP="1000",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    (workdir / "mail").mkdir(parents=True, exist_ok=True)
    return env


def rightsdesk(env: dict[str, str], *args: str) -> str:
    """Run `rightsdesk ARGS` at the terminal; its stdout, or an error with what it said."""
    done = subprocess.run(
        [sys.executable, "-m", "rightsdesk", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise AssertionError(f"rightsdesk {' '.join(args)}: exit {done.returncode}\n{done.stderr}")
    return done.stdout


def import_register(env: dict[str, str], workdir: Path, count: int) -> None:
    """Customers 1..COUNT in the register (`register import customers.csv`)."""
    path = workdir / "customers.csv"
    rows = [CUSTOMERS_HEADER]
    for n in range(1, count + 1):
        number, address, _ = customer(n)
        rows.append(f"{number},Asiakas {n},{address},2020-01-01,\n")
    path.write_text("".join(rows), encoding="utf-8")
    rightsdesk(env, "register", "import", str(path))


def open_linked_case(env: dict[str, str], n: int) -> str:
    """A letter from customer N's other address, linked to their register row; its reference."""
    number, _, other = customer(n)
    opened = rightsdesk(
        env, "cases", "open", "--kinds", "access", "--email", other, "--name", f"Asiakas {n}",
        "--channel", "letter", "--json",
    )  # fmt: skip
    reference = str(json.loads(opened)["reference"])
    rightsdesk(env, "cases", "link", reference, number)
    return reference


def verify_and_fulfil(env: dict[str, str], reference: str) -> None:
    """The identity checked by hand, the access carried out: a draft waits for approval."""
    rightsdesk(env, "cases", "verify", reference, "--method", "manual", "--reason", "called back")
    rightsdesk(env, "cases", "fulfil", reference)


def start_run(env: dict[str, str], workdir: Path, *args: str) -> subprocess.Popen[bytes]:
    """`rightsdesk run ARGS` with its output in files (a full pipe would stall it)."""
    with (workdir / "run.err").open("ab") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "rightsdesk", "run", "--plain-logs", *args],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )


def stop(proc: subprocess.Popen[bytes], workdir: Path) -> str:
    """SIGTERM, wait, and return what it wrote to stderr."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
    path = workdir / "run.err"
    return path.read_text(errors="replace") if path.exists() else ""


def health(env: dict[str, str]) -> dict[str, dict[str, Any]]:
    """`rightsdesk health --json`, one row per component."""
    out = subprocess.run(
        [sys.executable, "-m", "rightsdesk", "health", "--json"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    rows = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    return {r["name"]: r for r in rows}


def wait(predicate: Callable[[], T | None], what: str, timeout: float = 60.0) -> T:
    """Poll until `predicate` gives a value; fail naming WHAT after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def wait_outbox_running(env: dict[str, str]) -> dict[str, Any]:
    """Wait until `health` shows the outbox component beating ok."""

    def running() -> dict[str, Any] | None:
        row = health(env).get("outbox")
        return row if row and row["state"] == "ok" and row["last_success_at"] else None

    return wait(running, "the outbox component to report ok in `rightsdesk health`")
