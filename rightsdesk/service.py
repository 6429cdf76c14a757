"""The long-running components, each a function of (desk, stop event)."""

from __future__ import annotations

import logging
import threading

from sqlmodel import Session

from mail_intake.outbox_sender import deliver_pending
from mail_intake.poller import PollStats, run_forever
from rightsdesk import mail_wiring
from rightsdesk.context import Desk
from store.engine import new_session

log = logging.getLogger(__name__)


def run_intake(desk: Desk, stop: threading.Event, *, poll_interval: float = 60.0) -> None:
    """Intake with IDLE (or polling), sending the outbox after every pass, until `stop`."""
    source = mail_wiring.mail_source(desk)
    deps = mail_wiring.intake_deps(desk)
    transport = mail_wiring.transport(desk)

    def factory() -> Session:
        return new_session(desk.engine)

    def after_pass(stats: PollStats) -> None:
        sent = deliver_pending(factory, transport, desk.now, on_sent=source.store_sent)
        if stats.total or sent["sent"]:
            log.info("intake pass: %s; outbox: %s", stats.counts, sent)

    run_forever(
        source, factory, deps, desk.now, stop, after_pass=after_pass, poll_interval=poll_interval
    )
