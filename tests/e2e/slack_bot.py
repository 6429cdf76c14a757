"""`rightsdesk bot --http PORT` as a real subprocess, and the case data the Slack tests use."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from cases import operations as ops
from store import migrate
from store.engine import make_engine, new_session
from store.models import Case, CaseEvent
from tests.servers import free_port
from tests.servers.slack_fake import FakeSlack

ROOT = Path(__file__).resolve().parents[2]
SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"
APP_TOKEN = "xapp-test-token"
CHANNEL = "C0RIGHTS"
ALLOWED = "U1,U2"
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
# Fictional requesters on reserved domains: never real people.
ALICE = ("Aino Virtanen", "aino.virtanen@example.com")
BERTIL = ("Bertil Lindqvist", "bertil@example.invalid")


def migrated_engine(db_url: str) -> Engine:
    """The test's own engine on the database the bot uses, at the current schema."""
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    return engine


def open_case(
    engine: Engine,
    *,
    received: datetime,
    requester: tuple[str, str] = ALICE,
    kinds: tuple[str, ...] = ("access",),
    actor: str = "mail",
) -> str:
    """Open a case the way intake does; returns its reference."""
    with new_session(engine) as session:
        case = ops.open_case(
            session,
            kinds=list(kinds),
            received_at=received,
            now=NOW,
            actor=actor,
            requester_name=requester[0],
            requester_email=requester[1],
            language="fi",
        )
        return case.reference


def events(engine: Engine, reference: str) -> list[CaseEvent]:
    """The audit events of one case, oldest first."""
    with new_session(engine) as session:
        case = ops.get_case(session, reference)
        return list(
            session.exec(
                select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(col(CaseEvent.id))
            ).all()
        )


def wait_for_event(engine: Engine, reference: str, action: str, timeout: float = 10.0) -> CaseEvent:
    """Wait until the case has an event ACTION (the bot works after acknowledging)."""
    deadline = time.monotonic() + timeout
    while True:
        found = [e for e in events(engine, reference) if e.action == action]
        if found:
            return found[-1]
        if time.monotonic() > deadline:
            raise TimeoutError(f"{reference}: no {action} event")
        time.sleep(0.05)


def load_case(engine: Engine, reference: str) -> Case:
    """The case as stored now."""
    with Session(engine) as session:
        case = ops.get_case(session, reference)
        session.expunge(case)
        return case


def bot_environment(db_url: str, fake: FakeSlack, **extra: str) -> dict[str, str]:
    """The subprocess's environment: only what the bot needs, no proxies, no outside SLACK_*."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "RIGHTSDESK_")) and "proxy" not in k.lower()
    }
    env.update(
        {
            "RIGHTSDESK_DATABASE_URL": db_url,
            "RIGHTSDESK_CONFIG": str(ROOT / "rightsdesk.example.toml"),
            "RIGHTSDESK_NOW": NOW.isoformat(),
            "RIGHTSDESK_SLACK_API_URL": fake.url,
            "RIGHTSDESK_SLACK_CHANNEL": CHANNEL,
            "RIGHTSDESK_SLACK_ALLOWED_USERS": ALLOWED,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra)
    return env


def _wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"rightsdesk bot exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError("rightsdesk bot did not start listening")


@contextmanager
def running_bot(env: dict[str, str], tmp_path: Path) -> Iterator[str]:
    """Start `rightsdesk bot --http PORT` on a free port; yields the /slack/events URL."""
    port = free_port()
    with bot_process(env, tmp_path, "--http", str(port)) as process:
        _wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}/slack/events"


@contextmanager
def bot_process(
    env: dict[str, str], tmp_path: Path, *args: str
) -> Iterator[subprocess.Popen[bytes]]:
    """`rightsdesk bot ARGS` as a subprocess, its output in tmp_path/bot.log; stopped after."""
    log = (tmp_path / "bot.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "rightsdesk", "bot", *args],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT)},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        log.close()


def wait_for_slack_ts(engine: Engine, reference: str, timeout: float = 10.0) -> str:
    """Wait until the notifier has stored the case's channel message timestamp."""
    deadline = time.monotonic() + timeout
    while True:
        ts = load_case(engine, reference).slack_ts
        if ts:
            return ts
        if time.monotonic() > deadline:
            raise TimeoutError(f"{reference} was not posted to Slack")
        time.sleep(0.05)
