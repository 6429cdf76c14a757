"""The one entry point for an inbound mail: store, understand, thread or open a case, acknowledge.

Like Zulip's email gateway, it separates the sender's fault (a message we cannot
parse: quarantined with a reason) from ours (an exception: the transaction rolls
back and the message stays in the inbox to be tried again).
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from sqlalchemy.exc import IntegrityError, ResourceClosedError
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session

from mail_intake.errors import UnparseableMessage
from mail_intake.intake_types import IntakeDeps, IntakeResult
from mail_intake.known_mail import KnownMail, Prepared, is_known, own_id, prepare, same_mail
from mail_intake.quarantine import add_to_quarantine
from mail_intake.routing import route_mail

log = logging.getLogger(__name__)
INTEGRITY_RETRIES = 3


def process_message(
    session: Session,
    raw: bytes,
    *,
    source: str,
    folder: str | None,
    uid: int | None,
    now: datetime,
    deps: IntakeDeps,
    received_at: datetime | None = None,
) -> IntakeResult:
    """Process one inbound mail exactly once in a transaction of its own, and commit it.

    `received_at` is when the mail reached us, when that was before `now` (a quarantined
    mail run again): the clock of a request starts at receipt (EDPB 01/2022 §159).
    """
    try:
        result = take_in(
            session,
            raw,
            source=source,
            folder=folder,
            uid=uid,
            now=now,
            deps=deps,
            received_at=received_at,
        )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    log.info("intake %s %s", result.outcome, result.reference or "-")
    return result


def take_in(
    session: Session,
    raw: bytes,
    *,
    source: str,
    folder: str | None,
    uid: int | None,
    now: datetime,
    deps: IntakeDeps,
    received_at: datetime | None = None,
    prepared: Prepared | None = None,
    known: KnownMail | None = None,
    isolated: bool = True,
) -> IntakeResult:
    """Process one inbound mail in a savepoint of the caller's transaction; never commits.

    A failure undoes this mail alone (the poller's batch keeps its others), and the mail
    counts as taken in, and is logged, only when the caller commits. The poller passes the
    mail `prepared` and its batch's `known` keys; without them, both are worked out here.
    Not `isolated`, there is no savepoint (two statements less): any failure is then the
    caller's to undo with the whole transaction, as the poller does before taking the mails
    in again.
    """
    ready = prepared or prepare(raw, deps)
    sha = ready.sha

    def stored_already(message_id: str | None) -> bool:
        if known is not None:
            return known(message_id=message_id, sha=sha)
        return is_known(session, message_id=message_id, sha=sha)

    try:
        if isinstance(ready.understood, Exception):
            raise ready.understood
        u = ready.understood
    except UnparseableMessage as exc:
        if stored_already(None):
            return IntakeResult("duplicate")
        with session.begin_nested() if isolated else contextlib.nullcontext():
            q = add_to_quarantine(  # flushes: a failure surfaces here in either mode
                session,
                raw=raw,
                reason=exc.reason,
                source=source,
                folder=folder,
                uid=uid,
                now=now,
            )
        return IntakeResult("quarantined", reason=q.reason)
    parsed = u.parsed
    if stored_already(parsed.message_id):
        if sha in (known.shas if known is not None else ()) or same_mail(session, parsed, sha):
            return IntakeResult("duplicate")
        # Another mail under a Message-ID already taken (RFC 5322 §3.6.4 wants it unique; some
        # clients and forms reuse one): it is kept under an ID of its own, not lost; a copy of
        # it delivered again gets the same one.
        parsed = replace(parsed, message_id=own_id(parsed))
        if stored_already(parsed.message_id):
            return IntakeResult("duplicate")
        u = replace(u, parsed=parsed)
    route = functools.partial(
        route_mail,
        session,
        parsed,
        u,
        raw=raw,
        source=source,
        uid=uid,
        now=now,
        received=received_at or now,
        deps=deps,
        known=known,
    )
    if isolated:
        result = _in_savepoint(session, route, message_id=parsed.message_id, sha=sha)
    else:
        result = route()
        # Written now, not at the batch's commit: a failure must surface here, in this
        # mail's processing, where the poller undoes the batch and redoes it mail by mail.
        session.flush()
    if known is not None:  # stored now, by this mail or (a duplicate) by another writer
        known.add(parsed.message_id, sha)
    return result


def _in_savepoint(
    session: Session, route: Callable[[], IntakeResult], *, message_id: str, sha: str
) -> IntakeResult:
    """Route the mail in a savepoint of its own; a unique key taken meanwhile is retried."""
    attempt = 0
    while True:
        attempt += 1
        savepoint = session.begin_nested()
        try:
            result = route()
            savepoint.commit()  # RELEASE: the caller's commit makes it durable
            return result
        except IntegrityError:
            # A unique key was taken meanwhile by another writer. If it stored this very
            # message (unique Message-ID), exactly once holds; if it took another unique row
            # this mail needs (a reference, a suppression), the message is not stored yet:
            # try again rather than call it a duplicate.
            _undo(savepoint)
            if is_known(session, message_id=message_id, sha=sha):
                return IntakeResult("duplicate")
            if attempt == INTEGRITY_RETRIES:
                raise
        except BaseException:
            _undo(savepoint)  # this mail's writes go; the batch's others stay
            raise


def _undo(savepoint: SessionTransaction) -> None:
    """Roll a mail's savepoint back, also after a failed flush deactivated it."""
    with contextlib.suppress(ResourceClosedError):  # SQLAlchemy already closed it
        savepoint.rollback()
