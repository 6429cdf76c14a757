"""Helpers the reliability tests share: the CLI's environment, mail in bulk, store queries."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

ROOT = Path(__file__).resolve().parents[2]
US = "privacy@targetpartners.example"
FROZEN_NOW = "2026-11-24T09:00:00+00:00"


def env_for(mailbox: Any, smtp_port: int | None, db_url: str, **extra: str) -> dict[str, str]:
    """The environment of a `rightsdesk` child: this mailbox, this SMTP port, this store."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RIGHTSDESK_", "SLACK_"))}
    env.update(
        RIGHTSDESK_DATABASE_URL=db_url,
        RIGHTSDESK_CONFIG=str(ROOT / "rightsdesk.example.toml"),
        RIGHTSDESK_IMAP_HOST=mailbox.host,
        RIGHTSDESK_IMAP_PORT=str(mailbox.imap_port),
        RIGHTSDESK_IMAP_USER=mailbox.user,
        RIGHTSDESK_IMAP_PASSWORD=mailbox.password,
        RIGHTSDESK_IMAP_SECURITY="plain",
        RIGHTSDESK_MAIL_FROM=US,
        RIGHTSDESK_NOW=FROZEN_NOW,
        RIGHTSDESK_DAILY_AUTO_MAIL_CAP="1000",
    )
    if smtp_port is not None:
        env.update(
            RIGHTSDESK_SMTP_HOST="127.0.0.1",
            RIGHTSDESK_SMTP_PORT=str(smtp_port),
            RIGHTSDESK_SMTP_SECURITY="plain",
        )
    env.update(extra)
    return env


def rightsdesk(
    env: dict[str, str], *args: str, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run `rightsdesk ARGS` to the end."""
    return subprocess.run(
        [sys.executable, "-m", "rightsdesk", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def start_rightsdesk(env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    """Start `rightsdesk ARGS` in the background (output discarded)."""
    return subprocess.Popen(
        [sys.executable, "-m", "rightsdesk", *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def append_all(mailbox: Any, raws: Sequence[bytes], folder: str = "INBOX") -> None:
    """APPEND many messages in a few MULTIAPPEND commands (RFC 3502)."""
    client = mailbox.client()
    try:
        for start in range(0, len(raws), 100):
            client.multiappend(folder, list(raws[start : start + 100]))
    finally:
        client.logout()


def store(db_url: str) -> Engine:
    """A plain engine on the store, for reading what happened."""
    return create_engine(db_url)


def scalar(engine: Engine, sql: str) -> Any:
    """One value."""
    with engine.connect() as conn:
        return conn.execute(text(sql)).scalar_one()


def rows(engine: Engine, sql: str) -> list[Any]:
    """All rows."""
    with engine.connect() as conn:
        return list(conn.execute(text(sql)).all())


def repeated(values: Sequence[Any]) -> dict[Any, int]:
    """The values that occur more than once, with their counts."""
    return {value: n for value, n in Counter(values).items() if n > 1}
