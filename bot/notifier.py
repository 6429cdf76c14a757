"""Post new cases to the channel and follow the audit trail into each case's thread."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.blocks import escape, event_line, notification
from store.models import Case, CaseEvent, Cursor

log = logging.getLogger(__name__)

CURSOR = "slack_notifier"
BATCH = 20  # chat.postMessage allows about one message per second per channel
EVENT_BATCH = 200
# Not worth a thread line: the root message already says it, or nobody acts on it.
QUIET_ACTIONS = frozenset({"open", "slack_access_denied"})


def _cursor(session: Session, now: datetime) -> Cursor:
    """The notifier's place in the audit trail; a new desk starts at the newest event."""
    cursor = session.get(Cursor, CURSOR)
    if cursor is None:
        newest = session.exec(select(func.max(CaseEvent.id))).one()
        cursor = Cursor(name=CURSOR, position=int(newest or 0), updated_at=now)
        session.add(cursor)
        session.commit()
    return cursor


def post_new_cases(
    session: Session, client: WebClient, *, channel: str, now: datetime, show_identity: bool
) -> int:
    """Post each active case not yet in Slack; each post is committed before the next."""
    cases = session.exec(
        select(Case)
        .where(col(Case.slack_ts).is_(None), col(Case.is_active).is_(True))
        .order_by(col(Case.id))
        .limit(BATCH)
    ).all()
    for case in cases:
        text, blocks = notification(case, now, show_identity=show_identity)
        answer = client.chat_postMessage(channel=channel, text=text, blocks=blocks)
        case.slack_channel = str(answer.get("channel") or channel)
        case.slack_ts = str(answer["ts"])
        session.add(case)
        session.commit()  # at once: a crash now must not post the case twice
    return len(cases)


def _set_aside_line(event: CaseEvent, command: str) -> str | None:
    """The channel line for mail the intake set aside; None for other desk events."""
    detail = event.full_detail
    if event.action == "quarantine":
        return (
            f"⚠️ A mail could not be read and is in quarantine ({detail.get('quarantine_id')}):"
            f" {escape(str(detail.get('reason', '')))}. `{command} mail` lists what is set aside."
        )
    if event.action == "non_request" and detail.get("mail"):
        return (
            f"✉️ Mail {detail['mail']} was read as not a request. If it asks for a right:"
            f" `{command} from-mail {detail['mail']} KIND`; `{command} mail` shows it."
        )
    return None


def follow_events(
    session: Session,
    client: WebClient,
    *,
    now: datetime,
    show_identity: bool,
    channel: str | None = None,
    command: str = "/rights",
) -> int:
    """Thread a short line per new event and update each touched case's root message.

    Mail the intake set aside (quarantined, or read as not a request) gets a line of its
    own in the channel, without its sender or subject: a person must judge it.
    """
    cursor = _cursor(session, now)
    events = session.exec(
        select(CaseEvent)
        .where(col(CaseEvent.id) > cursor.position)
        .order_by(col(CaseEvent.id))
        .limit(EVENT_BATCH)
    ).all()
    touched: dict[int, Case] = {}
    posted = 0
    for event in events:
        case = session.get(Case, event.case_id) if event.case_id is not None else None
        if case is not None and case.slack_ts and case.slack_channel:
            if event.action not in QUIET_ACTIONS:
                client.chat_postMessage(
                    channel=case.slack_channel, thread_ts=case.slack_ts, text=event_line(event)
                )
                posted += 1
            touched[case.id or 0] = case
        elif case is None and channel:
            line = _set_aside_line(event, command)
            if line is not None:
                client.chat_postMessage(channel=channel, text=line)
                posted += 1
        cursor.position = event.id or cursor.position
        cursor.updated_at = now
        session.add(cursor)
        session.commit()  # one line per event, even across a crash
    for case in touched.values():
        session.refresh(case)
        text, blocks = notification(case, now, show_identity=show_identity)
        client.chat_update(
            channel=case.slack_channel or "", ts=case.slack_ts or "", text=text, blocks=blocks
        )
    return posted


def sync_notifications(
    session: Session,
    client: WebClient,
    *,
    channel: str,
    now: datetime,
    show_identity: bool = False,
    command: str = "/rights",
) -> int:
    """One round: new cases to the channel, then new events to threads; returns the posts."""
    posted = post_new_cases(session, client, channel=channel, now=now, show_identity=show_identity)
    return posted + follow_events(
        session, client, now=now, show_identity=show_identity, channel=channel, command=command
    )


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
    """Sync until `stop` is set; a failed round is logged by type and retried next time."""
    while not stop.is_set():
        try:
            with session_factory() as session:
                sync_notifications(
                    session,
                    client,
                    channel=channel,
                    now=clock(),
                    show_identity=show_identity,
                    command=command,
                )
        except SlackApiError as exc:
            log.warning("Slack notifier: %s", exc.response.get("error", "api error"))
        except Exception as exc:  # the loop must outlive one bad round
            log.error("Slack notifier round failed: %s", type(exc).__name__)
        stop.wait(interval)


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
