"""The outbox component: sends queued mail as soon as the commit that queued it lands.

Whichever process queues a mail (intake, the CLI, Slack, the scheduler), `queue_mail`
notifies OUTBOX_CHANNEL in its transaction; this component waits on that wake-up
(LISTEN/NOTIFY on PostgreSQL, an indexed poll under a second on SQLite) and runs
`deliver_pending`, whose claim / `sent_at` rules keep every mail to one send.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable

from sqlmodel import Session

from cases.outbox import OUTBOX_CHANNEL
from mail_intake.outbox_sender import deliver_pending, has_due
from mail_intake.sources import MailSource
from mail_intake.transports import Transport
from rightsdesk import mail_wiring
from rightsdesk.context import Desk
from rightsdesk.health_board import board
from store.engine import new_read_session, new_session
from store.wakeup import Wakeup, open_wakeup

log = logging.getLogger(__name__)

NAME = "outbox"
BEAT_EVERY = 30.0  # seconds between heartbeats while idle (health's staleness is minutes)
WAIT_SLICE = 1.0  # the longest idle wait between passes and heartbeat checks
# The stop event is seen this soon: `poll --once`'s last pass need not wait out a slice (it
# cost every run up to a second, a nearly empty mailbox a third of its time), nor `run`'s end.
STOP_CHECK = 0.1
MAX_RETRY = 10.0  # a pass that failed (database, SMTP server) is retried at most this late


class _SentCopies:
    """Copies for the Sent folder, over a connection opened only once a mail went out."""

    def __init__(self, source: MailSource | None) -> None:
        self._source = source
        self._open = False

    def store(self, raw: bytes) -> None:
        """Keep one copy; without a connection the source buffers it for the next pass."""
        if self._source is None:
            return
        if not self._open:
            try:
                self._source.connect()
                self._open = True
            except Exception as exc:  # the copy waits in the buffer; the mail itself went out
                log.warning("component=outbox sent_copies_unavailable=%s", type(exc).__name__)
        self._source.store_sent(raw)

    def finish(self) -> None:
        """Store what is buffered and log out."""
        if self._source is not None and self._open:
            self._open = False
            self._source.close()


def _sent_copies_source(desk: Desk) -> MailSource | None:
    s = desk.settings
    if s.imap_configured and not s.imap_sent_folder:
        return None
    return mail_wiring.mail_source(desk)


def _beat(desk: Desk, *, ok: bool, error: str | None = None) -> None:
    """Heartbeat through the health board: kept in memory and on disk while the store fails."""
    board(desk).beat(NAME, ok=ok, error=error)


def _due_probe(desk: Desk) -> Callable[[], bool]:
    def due() -> bool:
        try:
            with new_read_session(desk.engine) as session:
                return has_due(session, desk.now())
        except Exception:  # the database is down: let a pass find out and back off
            return True

    return due


def deliver_until(desk: Desk, stop: threading.Event) -> dict[str, int]:
    """Send as commits queue mail until `stop`, then once more for the rest (`poll --once`).

    Intake's batch commits wake it, so the acknowledgements go out while intake still
    runs. After a pass that could not reach the server it waits for `stop`; the last pass
    tries again. `deferred` is the last pass's: what it could not send.
    """
    transport = mail_wiring.transport(desk)
    copies = _SentCopies(_sent_copies_source(desk))
    totals = {"sent": 0, "failed": 0, "deferred": 0}

    def factory() -> Session:
        return new_session(desk.engine)

    wakeup = open_wakeup(desk.engine, OUTBOX_CHANNEL, _due_probe(desk))
    try:
        sending = True
        while True:
            last = stop.is_set()  # read before the pass: it then sees every commit of intake
            if sending or last:
                try:
                    counts = deliver_pending(factory, transport, desk.now, on_sent=copies.store)
                except Exception as exc:
                    if last:
                        raise
                    log.warning("component=outbox event=pass_failed error=%s", type(exc).__name__)
                    counts = {"sent": 0, "failed": 0, "deferred": 1}
                totals["sent"] += counts["sent"]
                totals["failed"] += counts["failed"]
                totals["deferred"] = counts["deferred"]
                sending = not counts["deferred"]
            if last:
                break
            _wait_or_stop(wakeup, stop, WAIT_SLICE)
    finally:
        wakeup.close()
        transport.close()
        copies.finish()
    return totals


def _wait_or_stop(wakeup: Wakeup, stop: threading.Event, timeout: float) -> bool:
    """Wait for work as `wakeup.wait` does, but give up within STOP_CHECK once `stop` is set."""
    deadline = time.monotonic() + timeout
    while not stop.is_set():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        if wakeup.wait(min(STOP_CHECK, remaining)):
            return True
    return False


def run_outbox(desk: Desk, stop: threading.Event) -> None:
    """Deliver queued mail whenever some is due, until `stop`."""
    transport = mail_wiring.transport(desk)
    copies = _sent_copies_source(desk)

    def factory() -> Session:
        return new_session(desk.engine)

    wakeup = open_wakeup(desk.engine, OUTBOX_CHANNEL, _due_probe(desk))
    failures = 0
    work = True  # the first pass sends whatever waited while nothing ran
    last_beat = 0.0
    try:
        while not stop.is_set():
            if work:
                failures = _pass(desk, factory, transport, _SentCopies(copies), failures)
                last_beat = time.monotonic()
                if failures:
                    delay = min(MAX_RETRY, 0.5 * 2**failures) * random.uniform(0.5, 1.0)
                    stop.wait(delay)  # retried whether or not anything new is queued
                    continue
            if time.monotonic() - last_beat >= BEAT_EVERY:
                _beat(desk, ok=True)
                last_beat = time.monotonic()
            work = _wait_or_stop(wakeup, stop, WAIT_SLICE)
    finally:
        wakeup.close()
        transport.close()


def _pass(
    desk: Desk,
    factory: Callable[[], Session],
    transport: Transport,
    copies: _SentCopies,
    failures: int,
) -> int:
    """One delivery pass; returns the consecutive failure count (0 after a good pass)."""
    try:
        counts = deliver_pending(factory, transport, desk.now, on_sent=copies.store)
    except Exception as exc:  # the database went away mid-batch: the next pass recovers claims
        log.warning("component=outbox event=pass_failed error=%s", type(exc).__name__)
        _beat(desk, ok=False, error=type(exc).__name__)
        return failures + 1
    finally:
        try:
            copies.finish()
        except Exception as exc:
            log.warning("component=outbox sent_copies_failed=%s", type(exc).__name__)
    if counts["sent"] or counts["deferred"] or counts["failed"]:
        log.info(
            "component=outbox event=pass sent=%s deferred=%s failed=%s",
            counts["sent"],
            counts["deferred"],
            counts["failed"],
        )
    if counts["deferred"] and not counts["sent"]:  # the server is unreachable: wait, then retry
        _beat(desk, ok=False, error="mail deferred")
        return failures + 1
    _beat(desk, ok=True)
    return 0
