"""The outbox's wake-up: a committed queued mail wakes the waiter, a rolled-back one does not."""

from __future__ import annotations

import itertools
import time
from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from cases.outbox import OUTBOX_CHANNEL, Sender, queue_mail
from mail_intake.outbox_sender import has_due
from store.engine import new_read_session, new_session
from store.wakeup import ListenWakeup, PollWakeup, open_wakeup

NOW = datetime(2026, 3, 5, 10, 0, tzinfo=UTC)
SENDER = Sender(address="privacy@targetpartners.example", name="Target Partners")


def _queue(engine: Engine, *, commit: bool) -> None:
    with new_session(engine) as session:
        queue_mail(
            session, case=None, sender=SENDER, to="aino@example.com", subject="Koodi",
            text="Koodi: 123456", html=None, purpose="verification_code", now=NOW,
        )  # fmt: skip
        if commit:
            session.commit()
        else:
            session.rollback()


def test_a_committed_mail_wakes_the_outbox_and_a_rolled_back_one_does_not(engine: Engine) -> None:
    def due() -> bool:
        with new_read_session(engine) as session:
            return has_due(session, NOW)

    wakeup = open_wakeup(engine, OUTBOX_CHANNEL, due)
    expected = ListenWakeup if engine.dialect.name == "postgresql" else PollWakeup
    assert isinstance(wakeup, expected)
    try:
        assert wakeup.wait(0.5) is False  # nothing queued (on PostgreSQL: now listening)
        _queue(engine, commit=False)
        assert wakeup.wait(1.5) is False  # no NOTIFY is delivered for a rollback, no row polled
        _queue(engine, commit=True)
        assert wakeup.wait(5.0) is True  # NOTIFY at the commit; on SQLite the indexed poll
    finally:
        wakeup.close()


def test_a_mail_queued_after_a_savepoint_rolled_back_still_wakes_the_outbox(
    engine: Engine,
) -> None:
    # The poller's batch: a mail that failed after queueing its acknowledgement is rolled
    # back to its savepoint, NOTIFY included; the next mail's acknowledgement must notify again.
    def due() -> bool:
        with new_read_session(engine) as session:
            return has_due(session, NOW)

    def one(session: Session) -> None:
        queue_mail(
            session, case=None, sender=SENDER, to="aino@example.com", subject="Kuittaus",
            text="Olemme vastaanottaneet pyyntösi.", html=None, purpose="acknowledgement",
            now=NOW,
        )  # fmt: skip

    wakeup = open_wakeup(engine, OUTBOX_CHANNEL, due)
    try:
        assert wakeup.wait(0.5) is False
        with new_session(engine) as session:
            failed = session.begin_nested()
            one(session)
            failed.rollback()
            with session.begin_nested():
                one(session)
            session.commit()
        assert wakeup.wait(5.0) is True
    finally:
        wakeup.close()


def test_short_waits_do_not_make_the_poll_probe_the_store_more_often() -> None:
    # `poll --once` waits 0.1 s at a time to see intake's end; the probe keeps its pace.
    probes: list[float] = []

    def probe() -> bool:
        probes.append(time.monotonic())
        return False

    wakeup = PollWakeup(probe, interval=0.2)
    started = time.monotonic()
    for _ in range(40):
        assert wakeup.wait(0.02) is False
    elapsed = time.monotonic() - started
    assert 1 <= len(probes) <= elapsed / 0.2 + 1
    assert all(b - a >= 0.2 for a, b in itertools.pairwise(probes))
