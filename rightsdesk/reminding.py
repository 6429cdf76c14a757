"""The scheduler: reminders to Slack, or to the console and the contact person's mailbox."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot.app import make_client
from bot.reminders import SlackReminders
from cases import reminder_candidates as candidates
from cases import retention_schedule
from cases.outbox import queue_mail
from cases.reminder_ledger import Claimed, Poster, SweepResult, mark_posted, sweep
from cases.reminder_texts import digest_lines, reminder_text
from cases.reminders import ReminderConfig, due_reminders, sending_day
from rightsdesk import mail_wiring
from rightsdesk.context import Desk
from rightsdesk.health_board import board
from store.engine import new_session

log = logging.getLogger(__name__)

COMPONENT = "scheduler"
INTERVAL = 60.0  # seconds between sweeps; reminders are per day, the minute is for the digest
RETRY_FAILED_SWEEP = 10.0  # a sweep the store refused is tried again this soon


def reminder_config(desk: Desk) -> ReminderConfig:
    """The reminder policy; the Christmas Eve reading follows the controller's choice."""
    return ReminderConfig(christmas_eve_working=desk.policy.christmas_eve_working)


def slack_client(desk: Desk) -> WebClient | None:
    """A WebClient when a bot token and a channel are set, with 429 retries (design §3)."""
    settings = desk.settings
    if settings.slack_bot_token is None or not settings.slack_channel:
        return None
    return make_client(settings.slack_bot_token.get_secret_value(), settings.slack_api_url)


@dataclass
class ConsoleAndMail:
    """Without Slack: one line on the console, and a mail to the contact person if set."""

    desk: Desk
    echo: Callable[[str], None]

    def __call__(self, item: Claimed) -> None:
        """Print and queue; the outbox row and the ledger mark commit together."""
        if item.reminder is not None:
            r = item.reminder
            # Reference, kind and dates only: the console ends up in journald (no personal data).
            self.echo(f"reminder {r.reference} {r.kind} due {r.due_date.isoformat()}")
            subject, lines = f"Reminder: {reminder_text(r)}", [reminder_text(r)]
        elif item.digest is not None:
            lines = digest_lines(item.digest, command=self.desk.settings.slack_command)
            for line in lines:
                self.echo(line)
            subject = lines[0]
        else:
            return
        to = self.desk.settings.contact_email
        if not to:
            return
        with self.desk.session() as session:
            queue_mail(
                session,
                case=None,  # not a message of the case: a reply to it must not thread there
                sender=mail_wiring.sender(self.desk),
                to=to,
                subject=subject[:200],
                text="\n".join(lines) + "\n",
                html=None,
                purpose="reminder",
                now=self.desk.now(),
            )
            mark_posted(session, item.ledger_id, self.desk.now())  # commits both


def preview_lines(desk: Desk, now: datetime | None = None) -> list[str]:
    """What a sweep would send at `now`, claiming nothing: the demo's closing lines."""
    now = now or desk.now()
    config = reminder_config(desk)
    with desk.session() as session:
        day = sending_day(now, config)
        found = candidates.load(session, candidates.candidate_queries(day, config)) if day else {}
        texts = sorted(
            reminder_text(r) for c in found.values() for r in due_reminders(c.snapshot, now, config)
        )
        body = candidates.build_digest(session, now, config)
        session.rollback()  # read only
    lines = [f"reminder: {text}" for text in texts] or ["reminders: none due now"]
    return lines + ([] if body.empty else digest_lines(body, command=desk.settings.slack_command))


@dataclass
class SlackAndMail:
    """Slack first, where the contact person works; then the same text to their mailbox."""

    slack: Poster
    mail: ConsoleAndMail

    def __call__(self, item: Claimed) -> str | None:
        """Post, then queue the mail and mark the reminder done in one commit.

        A deadline must not hang on one channel (Art. 12(3)): when Slack refuses, the mail
        still goes and the reminder counts as delivered; the refusal comes back as the
        sweep's shortfall, which `health` reports, instead of holding the mail back.
        """
        shortfall = None
        try:
            self.slack(item)
        except Exception as exc:
            code = exc.response.get("error") if isinstance(exc, SlackApiError) else None
            code = str(code or type(exc).__name__)  # the error code only, never a body
            log.warning("reminder %s: Slack refused (%s); mailed only", item.label, code)
            shortfall = f"mailed only, Slack refused ({code})"
        self.mail(item)
        return shortfall


def build_poster(desk: Desk, echo: Callable[[str], None] = print) -> Poster:
    """Slack when configured, else the console; and mail to RIGHTSDESK_CONTACT_EMAIL if set."""
    client = slack_client(desk)  # None unless a token and a channel are set
    if client is None:
        return ConsoleAndMail(desk, echo)
    slack = SlackReminders(
        client, desk.settings.slack_channel or "", command=desk.settings.slack_command
    )
    if desk.settings.contact_email:
        # A deadline must not hang on one channel: Slack may be down or unread that day.
        return SlackAndMail(slack, ConsoleAndMail(desk, lambda _line: None))
    return slack


def remind_once(desk: Desk, poster: Poster | None = None) -> SweepResult:
    """One sweep: retry stale claims, claim what is due, post, mark; then a heartbeat."""

    @contextmanager
    def sessions() -> Iterator[Session]:
        with new_session(desk.engine) as session:
            yield session

    poster = poster or build_poster(desk)
    now = desk.now()
    try:
        result = sweep(sessions, poster, now=now, config=reminder_config(desk))
    except Exception as exc:
        _beat(desk, ok=False, error=f"sweep failed: {type(exc).__name__}")
        raise
    if result.failed:
        error: str | None = f"{result.failed} not posted: " + "; ".join(result.errors[:5])
    elif result.degraded:
        error = f"{len(result.degraded)} not delivered everywhere: " + "; ".join(
            result.degraded[:5]
        )
    else:
        error = None
    _beat(desk, ok=result.ok, error=error)
    if result.claimed or result.retried or result.failed:
        log.info(
            "reminders: %d claimed, %d retried, %d posted, %d failed",
            result.claimed,
            result.retried,
            result.posted,
            result.failed,
        )
    return result


def _beat(desk: Desk, *, ok: bool, error: str | None) -> None:
    board(desk).beat(COMPONENT, ok=ok, error=error)  # memory and status file first


def retain_daily(desk: Desk) -> None:
    """The daily retention sweep (cases.retention_schedule); a failure is retried next tick."""
    try:
        with desk.session() as session:
            report = retention_schedule.run_daily(
                session, now=desk.now(), controller=desk.controller
            )
    except Exception as exc:
        log.error("retention sweep failed (%s)", type(exc).__name__)
        log.debug("retention sweep failure", exc_info=True)
        return
    if report is not None:  # counts only: customer numbers and references stay out of logs
        log.info(
            "retention sweep: %d customers anonymised, %d held, %d case records purged, %d held",
            len(report.anonymised),
            len(report.held),
            len(report.purged_cases),
            len(report.held_cases),
        )


def run_scheduler(
    stop: threading.Event,
    desk: Desk,
    *,
    interval: float = INTERVAL,
    poster: Poster | None = None,
) -> None:
    """Sweep every `interval` seconds until `stop` is set; a failed sweep is retried next time.

    This is the scheduler component of `rightsdesk run`: its own sessions, one heartbeat
    per sweep, and a stop that waits for the sweep in flight (each post is marked in its
    own short transaction, so nothing is half-written).
    """
    poster = poster or build_poster(desk)
    board(desk).set_state(COMPONENT, "starting")
    try:
        while not stop.is_set():
            wait = interval
            try:
                remind_once(desk, poster)
            except Exception as exc:  # reported in health; retried soon: the store may be back
                # The type only: a driver's message can quote bound values.
                log.error("reminder sweep failed (%s)", type(exc).__name__)
                log.debug("reminder sweep failure", exc_info=True)
                wait = min(interval, RETRY_FAILED_SWEEP)
            retain_daily(desk)
            stop.wait(wait)
    finally:
        board(desk).set_state(COMPONENT, "stopped")
