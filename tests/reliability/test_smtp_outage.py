"""The SMTP server down, refusing, or going quiet at the final dot: replies go out once."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from cases.controller import load_controller_toml
from cases.outbox import Sender
from cases.policy import DeskPolicy
from mail_intake.intake import process_message
from mail_intake.intake_types import IntakeDeps
from mail_intake.outbox_sender import UNCONFIRMED, deliver_pending
from mail_intake.transports import SmtpTransport
from store import migrate
from store.engine import make_engine, new_session
from store.models import Case, Outbox
from tests.mailgen import request_mail
from tests.reliability.support import ROOT, US, repeated
from tests.servers import free_port

pytestmark = pytest.mark.slow

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves forward (the outbox backs off for minutes)."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    eng = make_engine(f"sqlite:///{tmp_path / 'rightsdesk.db'}")
    migrate.upgrade(eng)
    yield eng
    eng.dispose()


def _show(engine: Engine, case_id: int | None, *flags: str) -> str:
    """What `rightsdesk cases show REF [FLAGS]` prints for the case."""
    with new_session(engine) as session:
        reference = session.get(Case, case_id).reference  # type: ignore[union-attr]
    env = {k: v for k, v in os.environ.items() if not k.startswith("RIGHTSDESK_")}
    env.update(
        RIGHTSDESK_DATABASE_URL=str(engine.url),
        RIGHTSDESK_CONFIG=str(ROOT / "rightsdesk.example.toml"),
    )
    shown = subprocess.run(
        [sys.executable, "-m", "rightsdesk", "cases", "show", reference, *flags],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return shown.stdout


def _queue_acknowledgements(engine: Engine, count: int) -> Callable[[], Session]:
    controller = load_controller_toml((ROOT / "rightsdesk.example.toml").read_text("utf-8"))
    deps = IntakeDeps(
        controller=controller, policy=DeskPolicy(), sender=Sender(US, "Target"), own_addresses={US}
    )
    with new_session(engine) as session:
        for i in range(count):
            raw = request_mail(i, seed=4)[0]
            outcome = process_message(
                session, raw, source="test", folder="INBOX", uid=i, now=NOW, deps=deps
            )
            assert outcome.outcome == "case_opened"
    return lambda: new_session(engine)


def _statuses(engine: Engine) -> list[str]:
    with new_session(engine) as session:
        return list(session.exec(select(Outbox.status).order_by(col(Outbox.id))).all())


def _transport(port: int) -> SmtpTransport:
    return SmtpTransport(host="127.0.0.1", port=port, sender=US, security="plain", timeout=10)


def test_replies_wait_in_the_outbox_while_smtp_is_down_and_go_out_once_when_it_is_back(
    engine: Engine, smtp_sink: Any
) -> None:
    factory = _queue_acknowledgements(engine, 5)
    clock = Clock()
    smtp_sink.stop()
    for _ in range(3):  # each pass fails fast on the first row and leaves the rest alone
        counts = deliver_pending(factory, _transport(smtp_sink.port), clock)
        assert counts["sent"] == 0 and counts["failed"] == 0
        clock.now += timedelta(seconds=1)
    assert _statuses(engine) == ["pending"] * 5
    with new_session(engine) as session:
        attempts = session.exec(select(Outbox.attempts)).all()
    assert sum(attempts) == 3  # an attempt is spent only on the row actually tried

    smtp_sink.start()
    clock.now += timedelta(hours=1)  # past every backoff
    assert deliver_pending(factory, _transport(smtp_sink.port), clock)["sent"] == 5
    assert deliver_pending(factory, _transport(smtp_sink.port), clock)["sent"] == 0
    time.sleep(0.3)
    assert len(smtp_sink.messages) == 5
    assert repeated([m.message["Message-ID"] for m in smtp_sink.messages]) == {}
    assert _statuses(engine) == ["sent"] * 5


def test_a_temporary_refusal_at_the_final_dot_is_retried_later_and_delivered_once(
    engine: Engine, smtp_sink: Any
) -> None:
    factory = _queue_acknowledgements(engine, 5)
    clock = Clock()
    smtp_sink.fail_next(2)  # 451 after the DATA: the server kept nothing (RFC 5321 §4.2.5)
    counts = deliver_pending(factory, _transport(smtp_sink.port), clock)
    assert counts == {"sent": 3, "failed": 0, "deferred": 2}
    clock.now += timedelta(hours=1)
    assert deliver_pending(factory, _transport(smtp_sink.port), clock)["sent"] == 2
    time.sleep(0.3)
    assert len(smtp_sink.messages) == 5
    assert repeated([m.message["Message-ID"] for m in smtp_sink.messages]) == {}
    with new_session(engine) as session:  # each try counted once, the refused ones twice
        rows = session.exec(select(Outbox.status, Outbox.attempts).order_by(col(Outbox.id)))
        assert [tuple(r) for r in rows] == [("sent", 2)] * 2 + [("sent", 1)] * 3


class _Stalling:
    """An SMTP server that records what it gets, then never answers the chosen step."""

    def __init__(self, stall: str) -> None:
        self.stall = stall
        self.received: list[bytes] = []
        self.reached = threading.Event()

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        envelope.rcpt_tos.append(address)
        if self.stall == "rcpt":
            self.reached.set()
            await asyncio.sleep(120)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(envelope.original_content or b"")
        if self.stall == "data":
            self.reached.set()
            await asyncio.sleep(120)  # the message is here; the client never hears so
        return "250 OK"


_SENDER = """
import sys
from datetime import datetime
from mail_intake.outbox_sender import deliver_pending
from mail_intake.transports import SmtpTransport
from store.engine import make_engine, new_session
engine = make_engine(sys.argv[1])
transport = SmtpTransport(host="127.0.0.1", port=int(sys.argv[2]), sender="{us}", security="plain")
deliver_pending(lambda: new_session(engine), transport, lambda: datetime.fromisoformat("{now}"))
"""


@pytest.mark.parametrize(
    ("stall", "copies_after_recovery"),
    [("rcpt", 1), ("data", 1)],
    ids=["killed-before-the-data", "killed-after-the-final-dot"],
)
def test_a_sender_killed_mid_transaction_neither_loses_nor_repeats_the_reply(
    engine: Engine, smtp_sink: Any, stall: str, copies_after_recovery: int
) -> None:
    factory = _queue_acknowledgements(engine, 1)
    handler = _Stalling(stall)
    port = free_port()
    server = Controller(handler, hostname="127.0.0.1", port=port)
    server.start()
    script = textwrap.dedent(_SENDER.format(us=US, now=NOW.isoformat()))
    child = subprocess.Popen(
        [sys.executable, "-c", script, str(engine.url), str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert handler.reached.wait(60), "the sender never reached the stalling step"
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    finally:
        server.stop()
    assert _statuses(engine) == ["sending"]
    # The next pass recovers the dead sender's row: resent only if the dot never went out.
    counts = deliver_pending(factory, _transport(smtp_sink.port), Clock())
    time.sleep(0.3)
    delivered = len(handler.received) + len(smtp_sink.messages)
    assert delivered == copies_after_recovery
    assert _statuses(engine) == ["sent"]
    with new_session(engine) as session:
        row = session.exec(select(Outbox)).one()
    if stall == "data":
        assert counts["sent"] == 0 and row.last_error == UNCONFIRMED
        # The contact person sees that this one may not have arrived.
        shown = json.loads(_show(engine, row.case_id, "--json"))
        assert [(m["purpose"], m["delivery"]) for m in shown["mail"]] == [
            ("acknowledgement", "unconfirmed")
        ]
        text = _show(engine, row.case_id).split("mail:\n", 1)[1]
        assert "acknowledgement" in text and "unconfirmed" in text and UNCONFIRMED in text
    else:
        assert counts["sent"] == 1 and len(smtp_sink.messages) == 1
