"""One notifier round: new cases to the channel, events to threads, each message current.

Each case's channel message is reconciled from the case itself (the digest of the blocks
Slack last accepted is stored per case), so an update that failed is retried until it lands.
The audit-trail cursor moves only past events whose line is posted (or refused for good).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import func
from sqlmodel import Session, col, or_, select

from bot.blocks import Block, escape, event_line, notification
from bot.slack_calls import Deferred, Refused, SlackCalls
from bot.slack_posts import (
    CHANNEL_ERRORS,
    RETRY_CHANNEL_AFTER,
    content_hash,
    deliver,
    is_refused,
)
from bot.tasks import answer_blocks, close_task_messages, post_task_messages
from store.actions import AuditAction
from store.models import Case, CaseEvent, Cursor, SlackPost, Task

log = logging.getLogger(__name__)

CURSOR = "slack_notifier"
BATCH = 20  # chat.postMessage allows about one message per second per channel
EVENT_BATCH = 200
# Not worth a thread line: the root message already says it, or nobody acts on it.
QUIET_ACTIONS = frozenset({AuditAction.OPEN, AuditAction.SLACK_ACCESS_DENIED})
# Another process may commit a change stamped a little before our last sync of its case.
CLOCK_SLACK = timedelta(minutes=10)


def _cursor(session: Session, now: datetime) -> Cursor:
    """The notifier's place in the audit trail; a new desk starts at the newest event."""
    cursor = session.get(Cursor, CURSOR)
    if cursor is None:
        newest = session.exec(select(func.max(CaseEvent.id))).one()
        cursor = Cursor(name=CURSOR, position=int(newest or 0), updated_at=now)
        session.add(cursor)
        session.commit()
    return cursor


def _root_key(case_id: int | None) -> str:
    return f"case:{case_id}"


def post_new_cases(
    session: Session, calls: SlackCalls, *, channel: str, now: datetime, show_identity: bool
) -> int:
    """Post each active case not yet in Slack; a case Slack refuses is skipped, not retried."""
    refused = select(SlackPost.case_id).where(
        col(SlackPost.key).startswith("case:"),
        SlackPost.state == "refused",
        or_(
            col(SlackPost.error).not_in(CHANNEL_ERRORS),
            col(SlackPost.attempted_at) > now - RETRY_CHANNEL_AFTER,
        ),
    )
    cases = session.exec(
        select(Case)
        .where(col(Case.slack_ts).is_(None), col(Case.is_active).is_(True))
        .where(col(Case.id).not_in(refused))
        .order_by(col(Case.id))
        .limit(BATCH)
    ).all()
    posted = 0
    for case in cases:
        text, blocks = notification(case, now, show_identity=show_identity)
        row = deliver(
            session,
            calls,
            key=_root_key(case.id),
            case_id=case.id,
            reference=case.reference,
            channel=channel,
            thread_ts=None,
            text=text,
            blocks=blocks,
            now=now,
        )
        if row is None:
            continue
        case.slack_channel, case.slack_ts = row.channel, row.ts
        session.add_all([case, row])
        session.commit()  # at once: a crash now must not post the case twice
        posted += 1
    return posted


def _set_aside_line(event: CaseEvent, command: str) -> str | None:
    """The channel line for mail the intake set aside; None for other desk events."""
    detail = event.full_detail
    if event.action == AuditAction.QUARANTINE:
        return (
            f"⚠️ A mail could not be read and is in quarantine ({detail.get('quarantine_id')}):"
            f" {escape(str(detail.get('reason', '')))}. `{command} mail` lists what is set aside."
        )
    if event.action == AuditAction.NON_REQUEST and detail.get("mail"):
        return (
            f"✉️ Mail {detail['mail']} was read as not a request. If it asks for a right:"
            f" `{command} from-mail {detail['mail']} KIND`; `{command} mail` shows it."
        )
    return None


Line = tuple[str, str | None, str, str, list[Block] | None]


def _line_blocks(session: Session, event: CaseEvent, line: str) -> list[Block] | None:
    """Buttons under a line a person acts on: an owner's mailed answer to record."""
    if event.action != AuditAction.TASK_ANSWER_RECEIVED:
        return None
    task_id = event.full_detail.get("task_id")
    return answer_blocks(line, session.get(Task, task_id) if isinstance(task_id, int) else None)


def _line_for(
    session: Session, event: CaseEvent, channel: str | None, command: str
) -> Line | bool | None:
    """(channel, thread, text, reference, blocks) to post; None to skip; False to wait."""
    case = session.get(Case, event.case_id) if event.case_id is not None else None
    if case is None:
        line = _set_aside_line(event, command) if channel else None
        return (channel or "", None, line, "desk", None) if line else None
    if event.action in QUIET_ACTIONS or is_refused(session, _root_key(case.id)):
        return None
    if case.slack_ts and case.slack_channel:
        text = event_line(event)
        blocks = _line_blocks(session, event, text)
        return case.slack_channel, case.slack_ts, text, case.reference, blocks
    return False if case.is_active else None  # an open case's message comes first


def follow_events(
    session: Session,
    calls: SlackCalls,
    *,
    now: datetime,
    channel: str | None = None,
    command: str = "/rights",
) -> int:
    """Thread a short line per new event, in order; stop at the first that cannot go yet.

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
    posted = 0
    for event in events:
        target = _line_for(session, event, channel, command)
        if target is False:
            break
        if isinstance(target, tuple):
            where, thread, text, reference, blocks = target
            row = deliver(
                session,
                calls,
                key=f"event:{event.id}",
                case_id=event.case_id,
                reference=reference,
                channel=where,
                thread_ts=thread,
                text=text,
                blocks=blocks,
                now=now,
            )  # Deferred leaves the cursor here: the line is tried again next round
            if row is not None:
                session.add(row)
                posted += 1
        cursor.position = event.id or cursor.position
        cursor.updated_at = now
        session.add(cursor)
        session.commit()  # one line per event, even across a crash
    return posted


def reconcile_messages(
    session: Session, calls: SlackCalls, *, now: datetime, show_identity: bool
) -> int:
    """Bring each posted case's channel message to the case's state; returns the updates."""
    key = sa.literal("case:") + sa.cast(Case.id, sa.String)
    rows = session.exec(
        select(Case, SlackPost)
        .join(SlackPost, col(SlackPost.key) == key, isouter=True)
        .where(col(Case.slack_ts).is_not(None))
        .where(
            or_(
                col(Case.is_active).is_(True),
                # closed cases posted before this table existed are left as they are
                sa.and_(
                    col(SlackPost.key).is_not(None),
                    or_(
                        col(SlackPost.content_hash).is_(None),
                        col(Case.updated_at) >= col(SlackPost.attempted_at),
                    ),
                ),
            )
        )
        .order_by(col(Case.id))
    ).all()
    updated = 0
    for case, row in rows:
        text, blocks = notification(case, now, show_identity=show_identity)
        digest = content_hash(text, blocks)
        if row is not None and row.content_hash == digest:
            continue
        if row is not None and row.state == "refused":
            continue
        try:
            calls.call(
                "chat.update",
                channel=case.slack_channel or "",
                ts=case.slack_ts or "",
                text=text,
                blocks=blocks,
            )
        except Refused as refused:  # e.g. the message was deleted: tell once, then leave it
            log.warning("Slack refused the update of %s: %s", case.reference, refused.code)
        row = row or SlackPost(
            key=_root_key(case.id), case_id=case.id, state="posted", attempted_at=now
        )
        row.channel, row.ts = case.slack_channel, case.slack_ts
        # A watermark, not the call's time: a change stamped a little earlier by another
        # process (committed after this round read) still makes the case a candidate.
        row.content_hash, row.attempted_at = digest, now - CLOCK_SLACK
        session.add(row)
        session.commit()
        updated += 1
        if updated >= BATCH:  # chat.update is Tier 3 (about 50 a minute): the rest next round
            break
    return updated


def sync_notifications(
    session: Session,
    calls: SlackCalls,
    *,
    channel: str | None,
    now: datetime,
    show_identity: bool = False,
    command: str = "/rights",
) -> int:
    """One round: new cases, then event lines, stale messages, owners' tasks; the posts.

    A method that is backing off holds back only its own work (Slack limits per method).
    """
    posted = 0
    try:
        if channel:  # without a channel only the owners' direct messages go
            posted += post_new_cases(
                session, calls, channel=channel, now=now, show_identity=show_identity
            )
    except Deferred:
        session.rollback()
    try:
        posted += follow_events(session, calls, now=now, channel=channel, command=command)
    except Deferred:
        session.rollback()
    try:
        reconcile_messages(session, calls, now=now, show_identity=show_identity)
    except Deferred:
        session.rollback()
    try:  # the owners' tasks, each in a direct message (issue 15)
        posted += post_task_messages(session, calls, now=now)
    except Deferred:
        session.rollback()
    try:  # and each closed one's message brought to its outcome
        close_task_messages(session, calls, now=now)
    except Deferred:
        session.rollback()
    return posted
