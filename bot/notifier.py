"""The Slack notifier's loop: rounds of `notifier_sync`, per-method backoff, a health line."""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable
from datetime import datetime

from slack_sdk import WebClient
from sqlmodel import Session

from bot.app import make_client
from bot.notifier_sync import sync_notifications
from bot.slack_calls import Deferred, Refused, SlackCalls
from cases import health

log = logging.getLogger(__name__)

COMPONENT = "slack"  # its own line in `rightsdesk health`
BEAT_EVERY = 30.0  # seconds between health beats while nothing changes
PROBE_AFTER = 60.0  # an idle notifier asks auth.test, so a revoked token shows in health


def notifier_calls(client: WebClient) -> SlackCalls:
    """The notifier's own client: no retries inside slack_sdk (a retried post may double)."""
    return SlackCalls(make_client(client.token or "", client.base_url, retries=False))


def _beat(session_factory: Callable[[], Session], now: datetime, calls: SlackCalls) -> None:
    """Slack delivery's health: failing after a few refused calls in a row, with the code."""
    try:
        with session_factory() as session:
            error = calls.last_error if calls.failing else None
            health.beat(
                session, COMPONENT, now=now, ok=not calls.failing, error=error, pid=os.getpid()
            )
    except Exception as exc:  # the database may be what fails; the notifier goes on
        log.warning("Slack health beat failed: %s", type(exc).__name__)


def run_notifier(
    *,
    session_factory: Callable[[], Session],
    client: WebClient,
    channel: str,
    clock: Callable[[], datetime],
    stop: threading.Event,
    show_identity: bool = False,
    interval: float = 0.5,
    command: str = "/rights",
) -> None:
    """Sync until `stop` is set; each Slack method backs off on its own after a failure."""
    calls = notifier_calls(client)
    reported: tuple[bool, str | None] | None = None
    beaten = float("-inf")
    while not stop.is_set():
        try:
            with session_factory() as session:
                sync_notifications(
                    session,
                    calls,
                    channel=channel,
                    now=clock(),
                    show_identity=show_identity,
                    command=command,
                )
        except Exception as exc:  # the loop must outlive one bad round
            log.error("Slack notifier round failed: %s", type(exc).__name__)
        if time.monotonic() - calls.last_call_at > PROBE_AFTER:
            with contextlib.suppress(Deferred, Refused):
                calls.call("auth.test")
        state = (not calls.failing, calls.last_error if calls.failing else None)
        if state != reported or time.monotonic() - beaten > BEAT_EVERY:
            _beat(session_factory, clock(), calls)
            reported, beaten = state, time.monotonic()
        stop.wait(interval)
    try:
        with session_factory() as session:  # a clean stop is not a failure, nor stale
            health.set_state(session, COMPONENT, state="stopped", now=clock(), pid=os.getpid())
    except Exception as exc:
        log.warning("Slack health stop mark failed: %s", type(exc).__name__)


def start_notifier(
    *,
    session_factory: Callable[[], Session],
    client: WebClient,
    channel: str,
    clock: Callable[[], datetime],
    show_identity: bool = False,
    interval: float = 0.5,
    command: str = "/rights",
) -> tuple[threading.Thread, threading.Event]:
    """Run the notifier in a daemon thread; set the returned event to stop it."""
    stop = threading.Event()
    thread = threading.Thread(
        target=run_notifier,
        kwargs={
            "session_factory": session_factory,
            "client": client,
            "channel": channel,
            "clock": clock,
            "stop": stop,
            "show_identity": show_identity,
            "interval": interval,
            "command": command,
        },
        name="slack-notifier",
        daemon=True,
    )
    thread.start()
    return thread, stop
