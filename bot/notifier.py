"""The Slack notifier's loop: rounds of `notifier_sync` woken by commits, Slack's health.

A round runs when a commit may have made work (a new audit event: the same wake-up as the
outbox, LISTEN/NOTIFY on PostgreSQL, a cheap poll on SQLite), when a method's backoff ends,
and at least every ROUND_EVERY seconds for what changes with time alone (days left).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

import sqlalchemy as sa
from slack_sdk import WebClient
from sqlmodel import Session, col, select, update

from bot.app import make_client
from bot.notifier_sync import sync_notifications
from bot.slack_calls import Deferred, Refused, SlackCalls
from bot.slack_posts import CHANNEL_ERRORS, RETRY_CHANNEL_AFTER
from store.engine import READ_ONLY
from store.models import AuditHead, Case, SlackPost
from store.wakeup import PollWakeup, Probe, Wakeup

log = logging.getLogger(__name__)

COMPONENT = "slack"  # its own line in `rightsdesk health`
BEAT_EVERY = 30.0  # seconds between health beats while nothing changes
ROUND_EVERY = 30.0  # a round even without a commit: a message's "days left" changes alone
PROBE_AFTER = 15.0  # an idle notifier checks the token and the channel this often
PROBE_GAP = 2.0  # seconds between probes while some method fails (each backs off too)
PROBE_CAP = 8.0  # while failing, a probe at most this far apart: ok within 30 s of recovery
POLL_INTERVAL = 0.1  # SQLite: the probe is two primary-key reads, cheap at 10 a second


class HealthReport(Protocol):
    """Where Slack delivery's state goes (the desk's health board, wired by rightsdesk)."""

    def beat(self, name: str, *, ok: bool, error: str | None = None) -> None:
        """One round: ok, or failing with Slack's error code."""

    def set_state(self, name: str, state: str, *, error: str | None = None) -> None:
        """A clean stop."""


WakeupFactory = Callable[[Probe], Wakeup]


def notifier_calls(client: WebClient, stop: threading.Event | None = None) -> SlackCalls:
    """The notifier's own client: no retries inside slack_sdk (a retried post may double).

    With `stop`, no call is made once it is set, so a round ends within the call in flight.
    """
    return SlackCalls(make_client(client.token or "", client.base_url, retries=False), stop=stop)


def work_probe(session_factory: Callable[[], Session]) -> Probe:
    """True when an audit event or a case was added since the last look (two key reads)."""
    seen: list[tuple[int, int] | None] = [None]

    def probe() -> bool:
        try:
            with session_factory() as session:
                # A read: on SQLite it must not queue for the write lock ten times a second.
                session.connection(execution_options={READ_ONLY: True})
                head = session.exec(select(AuditHead.last_event_id).where(AuditHead.id == 1))
                case = session.exec(select(sa.func.max(col(Case.id))))
                now = (int(head.first() or 0), int(case.one() or 0))
        except Exception:  # the database is down: a round finds out and reports it
            return True
        changed, seen[0] = now != seen[0], now
        return changed

    return probe


def _probe_slack(calls: SlackCalls, channel: str | None) -> None:
    """One cheap call that fails when the token, the channel or Slack itself is gone."""
    missing = channel is None or "conversations.history" in calls.missing_scope
    method = "auth.test" if missing else None
    with contextlib.suppress(Deferred, Refused):
        if method is None:
            calls.call("conversations.history", channel=channel, limit=1, cap=PROBE_CAP)
        else:
            calls.call(method, cap=PROBE_CAP)


def _retry_channel_refusals(session_factory: Callable[[], Session], now: datetime) -> None:
    """The channel is back: posts it refused go now, not an hour later."""
    try:
        with session_factory() as session:
            session.exec(
                update(SlackPost)
                .where(col(SlackPost.state) == "refused")
                .where(col(SlackPost.error).in_(CHANNEL_ERRORS))
                .values(attempted_at=now - RETRY_CHANNEL_AFTER - timedelta(seconds=1))
            )
            session.commit()
    except Exception as exc:  # the next recovery tries again; the hourly retry remains
        log.warning("Slack refused posts not released: %s", type(exc).__name__)


def run_notifier(
    *,
    session_factory: Callable[[], Session],
    client: WebClient,
    channel: str | None,
    clock: Callable[[], datetime],
    stop: threading.Event,
    health: HealthReport,
    wakeup: WakeupFactory | None = None,
    show_identity: bool = False,
    command: str = "/rights",
) -> None:
    """Sync until `stop` is set; each Slack method backs off on its own after a failure."""
    calls = notifier_calls(client, stop)
    probe = work_probe(session_factory)
    waiter = wakeup(probe) if wakeup else PollWakeup(probe, interval=POLL_INTERVAL)
    reported: tuple[bool, str | None] | None = None
    beaten = last_round = last_probe = float("-inf")
    work, channel_gone = True, False
    try:
        while not stop.is_set():
            if work or time.monotonic() - last_round >= ROUND_EVERY:
                last_round = time.monotonic()
                _round(session_factory, calls, channel, clock, show_identity, command)
            idle = time.monotonic() - calls.last_call_at
            if idle > PROBE_AFTER or (calls.streaks and time.monotonic() - last_probe > PROBE_GAP):
                last_probe = time.monotonic()
                _probe_slack(calls, channel)
            if calls.failing and calls.last_error in CHANNEL_ERRORS:
                channel_gone = True
            elif channel_gone and not calls.failing:  # by the probe or by a round's call
                channel_gone = False
                _retry_channel_refusals(session_factory, clock())
            state = (not calls.failing, calls.last_error if calls.failing else None)
            work = False
            if state != reported or time.monotonic() - beaten > BEAT_EVERY:
                health.beat(COMPONENT, ok=state[0], error=state[1])
                if reported is not None and state != reported:
                    log.info("component=slack state=%s", "ok" if state[0] else "failing")
                    work = state[0]  # Slack is back: catch up at once
                reported, beaten = state, time.monotonic()
            if not work:
                ready = calls.backoff.next_ready()  # a method's wait ends: its work may go
                wait = 1.0 if ready is None else min(1.0, ready + 0.01)
                work = waiter.wait(wait) or (ready is not None and ready <= wait)
    finally:
        waiter.close()
        health.set_state(COMPONENT, "stopped")  # a clean stop is not a failure, nor stale


def _round(
    session_factory: Callable[[], Session],
    calls: SlackCalls,
    channel: str | None,
    clock: Callable[[], datetime],
    show_identity: bool,
    command: str,
) -> None:
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


def start_notifier(
    *,
    session_factory: Callable[[], Session],
    client: WebClient,
    channel: str | None,
    clock: Callable[[], datetime],
    health: HealthReport,
    wakeup: WakeupFactory | None = None,
    show_identity: bool = False,
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
            "health": health,
            "wakeup": wakeup,
            "show_identity": show_identity,
            "command": command,
        },
        name="slack-notifier",
        daemon=True,
    )
    thread.start()
    return thread, stop
