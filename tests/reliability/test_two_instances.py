"""Two `rightsdesk run` on one PostgreSQL store and one mailbox: nothing twice, nothing lost."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session

from cases import operations as ops
from store.engine import make_engine
from tests.mailgen import request_mail
from tests.reliability.support import (
    FROZEN_NOW,
    append_all,
    env_for,
    repeated,
    rightsdesk,
    rows,
    scalar,
    start_rightsdesk,
    store,
)

pytestmark = [pytest.mark.slow, pytest.mark.dovecot, pytest.mark.postgres]

BEFORE, DURING = 100, 100  # mail waiting when they start, and mail arriving while they run
OVERDUE = 20  # old cases that owe a reminder today
CONTACT = "contact@targetpartners.example"


def _wait(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.25)


def _mail(i: int) -> bytes:
    # Two requests per sender: both instances may count mail to one address at once.
    raw, _, _ = request_mail(i, seed=12)
    return raw.replace(f"person{i}@example.com".encode(), f"person{i // 2}@example.com".encode())


def test_two_instances_on_one_store_and_mailbox_make_no_duplicate_case_ack_or_reminder(
    mailbox: Any, smtp_sink: Any, pg_url: str
) -> None:
    env = env_for(mailbox, smtp_sink.port, pg_url, RIGHTSDESK_CONTACT_EMAIL=CONTACT)
    assert rightsdesk(env, "db", "upgrade").returncode == 0
    engine = make_engine(pg_url)
    now = datetime.fromisoformat(FROZEN_NOW)
    with Session(engine) as session:
        for i in range(OVERDUE):
            ops.open_case(
                session,
                kinds=["access"],
                received_at=now - timedelta(days=40 + i),
                now=now - timedelta(days=40 + i),
                actor="test",
                requester_email=f"old{i}@example.com",
            )
    engine.dispose()
    append_all(mailbox, [_mail(i) for i in range(BEFORE)])

    instances = [start_rightsdesk(env, "run", "--no-bot", "--plain-logs") for _ in range(2)]
    db = store(pg_url)
    try:
        time.sleep(3)
        append_all(mailbox, [_mail(i) for i in range(BEFORE, BEFORE + DURING)])
        total = BEFORE + DURING

        def settled() -> bool:
            stored = scalar(db, "SELECT count(*) FROM message WHERE direction = 'in'")
            unsent = scalar(db, "SELECT count(*) FROM outbox WHERE status <> 'sent'")
            return bool(stored == total and unsent == 0 and not mailbox.folder_uids("INBOX"))

        _wait(settled, 180, f"{total} messages taken in and every reply sent")
        time.sleep(3)  # a second copy of anything would arrive now
        assert all(p.poll() is None for p in instances), "an instance died"
    finally:
        for proc in instances:
            proc.send_signal(signal.SIGTERM)
        for proc in instances:
            proc.wait(60)

    inbound = rows(db, "SELECT message_id, case_id FROM message WHERE direction = 'in'")
    assert len(inbound) == total
    assert all(case_id is not None for _, case_id in inbound)
    assert repeated([case_id for _, case_id in inbound]) == {}
    assert scalar(db, "SELECT count(*) FROM \"case\" WHERE channel = 'email'") == total + OVERDUE

    acks = [m for m in smtp_sink.messages if m.message["In-Reply-To"]]
    assert len(acks) == total
    assert repeated([m.message["In-Reply-To"] for m in acks]) == {}
    reminders = [str(m.message["Subject"]) for m in smtp_sink.messages if m.rcpt_tos == (CONTACT,)]
    assert reminders, "no reminder was sent for the overdue cases"
    assert repeated(reminders) == {}
    posted = scalar(db, "SELECT count(*) FROM reminder_ledger WHERE posted_at IS NOT NULL")
    assert len(reminders) == posted
    db.dispose()
