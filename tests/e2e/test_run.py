"""`rightsdesk run` starts its components, answers `rightsdesk health`, and stops on SIGTERM."""

from __future__ import annotations

import json
import mailbox
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.mailgen import request_mail

ROOT = Path(__file__).resolve().parents[2]


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RIGHTSDESK_", "SLACK_"))}
    env.update(
        RIGHTSDESK_DATABASE_URL=f"sqlite:///{tmp_path / 'desk.db'}",
        RIGHTSDESK_CONFIG=str(ROOT / "rightsdesk.example.toml"),
        RIGHTSDESK_MAILDIR=str(tmp_path / "mail"),
        **extra,
    )
    return env


def _health(env: dict[str, str]) -> tuple[int, dict[str, dict[str, Any]]]:
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
    return out.returncode, {r["name"]: r for r in rows}


def _start(env: dict[str, str], tmp_path: Path) -> subprocess.Popen[bytes]:
    """`rightsdesk run` with its output in files (a full pipe would stall it)."""
    with (tmp_path / "run.out").open("wb") as out, (tmp_path / "run.err").open("wb") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "rightsdesk", "run", "--plain-logs"],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=err,
        )


def _stop(proc: subprocess.Popen[bytes], tmp_path: Path) -> str:
    """SIGTERM, wait, and return what it wrote to stderr."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    return (tmp_path / "run.err").read_text(errors="replace")


def _wait(
    predicate: Any, proc: subprocess.Popen[bytes], tmp_path: Path, timeout: float = 60.0
) -> Any:
    """Poll `predicate`; on a timeout, fail with what the running desk printed."""
    deadline = time.monotonic() + timeout
    value = None
    while time.monotonic() < deadline and proc.poll() is None:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    stderr = _stop(proc, tmp_path)
    raise AssertionError(
        f"condition not met in time (last: {value!r}); exit {proc.returncode}\n{stderr[-6000:]}"
    )


def test_run_takes_in_mail_reports_health_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    env = _env(tmp_path)
    (tmp_path / "mail").mkdir()
    inbox = mailbox.Maildir(tmp_path / "mail" / "inbox", factory=None, create=True)
    inbox.add(request_mail(1, language="fi")[0])
    proc = _start(env, tmp_path)
    try:

        def healthy() -> dict[str, dict[str, Any]] | None:
            code, rows = _health(env)
            ok = code == 0 and {"intake", "scheduler"} <= set(rows)
            return rows if ok and rows["intake"]["last_success_at"] else None

        rows = _wait(healthy, proc, tmp_path)
        assert rows["intake"]["state"] == "ok" and rows["scheduler"]["state"] == "ok"
        assert rows["bot"]["state"] == "absent"  # no Slack tokens: the bot is not started
        outbox = tmp_path / "mail" / "outbox" / "new"
        _wait(lambda: outbox.exists() and any(outbox.iterdir()), proc, tmp_path)
        # Mail that arrives while it runs is taken in too.
        inbox.add(request_mail(2, language="sv")[0])
        _wait(lambda: len(list(outbox.iterdir())) == 2, proc, tmp_path)
    finally:
        stderr = _stop(proc, tmp_path)
    assert proc.returncode == 0, stderr
    assert "Traceback" not in stderr
    code, rows = _health(env)
    assert rows["intake"]["state"] == "stopped" and rows["scheduler"]["state"] == "stopped"
    assert code == 0  # a clean stop is not a failure


def test_health_exits_non_zero_when_a_component_is_failing(tmp_path: Path) -> None:
    env = _env(
        tmp_path,
        RIGHTSDESK_IMAP_HOST="127.0.0.1",
        RIGHTSDESK_IMAP_PORT="9",
        RIGHTSDESK_IMAP_USER="desk@example.com",
        RIGHTSDESK_IMAP_PASSWORD="secret",
        RIGHTSDESK_IMAP_SECURITY="plain",
    )
    proc = _start(env, tmp_path)
    try:

        def failing() -> dict[str, dict[str, Any]] | None:
            code, rows = _health(env)
            return rows if code != 0 and rows.get("intake", {}).get("state") == "failing" else None

        rows = _wait(failing, proc, tmp_path)
        assert rows["intake"]["healthy"] is False and rows["intake"]["last_error"]
    finally:
        _stop(proc, tmp_path)
    assert proc.returncode == 0


def test_run_applies_the_retention_rules_once_a_day_without_a_cron_job(tmp_path: Path) -> None:
    env = _env(tmp_path, RIGHTSDESK_NOW="2026-11-25T10:00:00+02:00")
    customers = tmp_path / "customers.csv"
    customers.write_text(
        "customer_number,name,email,relationship_start,relationship_end\n"
        "C-1,Matti Menneisyys,matti@example.com,2005-01-01,2012-12-31\n"
        "C-2,Aino Asiakas,aino@example.com,2020-01-01,\n",
        encoding="utf-8",
    )
    imported = subprocess.run(
        [sys.executable, "-m", "rightsdesk", "register", "import", str(customers)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert imported.returncode == 0, imported.stderr
    (tmp_path / "mail").mkdir()
    proc = _start(env, tmp_path)
    try:

        def names() -> dict[str, str | None] | None:
            with sqlite3.connect(tmp_path / "desk.db") as db:
                rows = dict(db.execute("SELECT customer_number, name FROM customer").fetchall())
                swept = db.execute(
                    "SELECT count(*) FROM case_event WHERE action = 'retention_anonymise'"
                ).fetchone()[0]
            return rows if swept else None

        rows = _wait(names, proc, tmp_path)
    finally:
        stderr = _stop(proc, tmp_path)
    assert rows == {"ANON-1": None, "C-2": "Aino Asiakas"}  # ended over ten years ago
    assert "retention sweep: 1 customers anonymised" in stderr and "Matti" not in stderr
