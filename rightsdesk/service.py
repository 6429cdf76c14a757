"""The long-running components, each a function of (desk, stop event)."""

from __future__ import annotations

import logging
import threading

from slack_bolt.adapter.socket_mode import SocketModeHandler
from sqlmodel import Session

from bot.app import build_app
from mail_intake.outbox_sender import deliver_pending
from mail_intake.poller import PollStats, run_forever
from rightsdesk import bot_wiring, mail_wiring
from rightsdesk.context import Desk
from rightsdesk.health_board import board
from rightsdesk.notifier_wiring import start_channel_notifier
from rightsdesk.outbox_component import run_outbox
from store.engine import new_session

__all__ = ["run_bot", "run_intake", "run_outbox"]

log = logging.getLogger(__name__)


def _beat(desk: Desk, name: str, *, ok: bool, error: str | None = None) -> None:
    board(desk).beat(name, ok=ok, error=error)  # never raises: the store may be what fails


def run_intake(
    desk: Desk, stop: threading.Event, *, poll_interval: float = 60.0, send_outbox: bool = True
) -> None:
    """Intake with IDLE (or polling) until `stop`, sending the outbox after each pass if asked."""
    source = mail_wiring.mail_source(desk)
    deps = mail_wiring.intake_deps(desk)
    transport = mail_wiring.transport(desk)

    def factory() -> Session:
        return new_session(desk.engine)

    def after_pass(stats: PollStats) -> None:
        sent = {"sent": 0}
        if send_outbox:
            sent = deliver_pending(factory, transport, desk.now, on_sent=source.store_sent)
        if stats.total or sent["sent"]:
            log.info(
                "component=intake event=pass %s outbox_sent=%s",
                " ".join(f"{k}={v}" for k, v in sorted(stats.counts.items())),
                sent["sent"],
            )
        _beat(desk, "intake", ok=True)

    def on_error(exc: BaseException) -> None:
        _beat(desk, "intake", ok=False, error=type(exc).__name__)

    run_forever(
        source,
        factory,
        deps,
        desk.now,
        stop,
        after_pass=after_pass,
        on_error=on_error,
        poll_interval=poll_interval,
    )


def run_bot(desk: Desk, stop: threading.Event) -> None:
    """The Slack bot in Socket Mode with the channel notifier, until `stop`."""
    deps = bot_wiring.bot_deps(desk, http=False)
    app_token = bot_wiring.app_token(desk)
    app = build_app(deps=deps)
    stop_notifier = start_channel_notifier(desk, deps, app)
    handler = SocketModeHandler(app, app_token=app_token)
    try:
        handler.connect()  # type: ignore[no-untyped-call]
        log.info("component=bot event=connected mode=socket")
        while not stop.wait(15.0):
            _beat(desk, "bot", ok=True)
        _beat(desk, "bot", ok=True)
    finally:
        stop_notifier()
        handler.close()  # type: ignore[no-untyped-call]
