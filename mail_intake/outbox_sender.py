"""Send what the outbox holds once: claim, send, mark; back off while the server is down.

A row goes pending -> sending (claimed, committed) -> sent. SMTP has no idempotency
key (the duplicate-message window of RFC 1047), so the moment that separates "never
sent" from "maybe sent" is recorded: `sent_at` is committed just before the final dot,
the end-of-data indication that tells the server to process the message (RFC 5321
§4.1.1.4); a transaction cut off before it is discarded. After a crash, a 'sending' row
without `sent_at` is sent again and one with it is not, so no mail goes out twice; the
price is that a reply lost in the server's last answer counts as sent (and is logged).
"""

from __future__ import annotations

import hashlib
import logging
import os
import smtplib
import socket
import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from email import message_from_bytes
from email.policy import default as default_policy

from sqlalchemy import bindparam, case, literal, null, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from mail_intake import compose
from mail_intake.transports import MaildirTransport, SmtpTransport, Transport, Undeliverable
from store.models import Message, Outbox

__all__ = [
    "MaildirTransport",
    "SmtpTransport",
    "Transport",
    "deliver_pending",
    "has_due",
    "recover_stuck",
]

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
CLAIM_BATCH = 100  # rows claimed per statement: one commit per batch, not per row
STUCK_AFTER = timedelta(minutes=10)  # a 'sending' row this old belonged to a process that died
UNCONFIRMED = "delivery unconfirmed: the connection ended after the whole message was handed over"


_one_pass = threading.Lock()  # one pass per process: its claims are then all its own


def _me() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _dead(claimed_by: str | None) -> bool:
    """True when the claimer was a process on this host that no longer runs."""
    if not claimed_by or ":" not in claimed_by:
        return False
    host, _, pid = claimed_by.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)  # signal 0: existence check only
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False  # still running: it is sending right now


def _claim(
    session: Session, ids: Sequence[int], now: datetime, counts: dict[str, int]
) -> list[Outbox]:
    """Atomically move rows from pending to sending; rows another sender took are skipped.

    A row whose bytes cannot be written is failed here, and counted so.
    """
    values = {"status": "sending", "next_attempt_at": now, "claimed_by": _me()}
    pending = (col(Outbox.id).in_(ids), col(Outbox.status) == "pending")
    if session.get_bind().dialect.update_returning:  # SQLite >= 3.35, PostgreSQL
        stmt = update(Outbox).where(*pending).values(**values).returning(col(Outbox.id))
        claimed = [
            r[0] for r in session.execute(stmt, execution_options={"synchronize_session": False})
        ]
    else:
        claimed = []
        for row_id in ids:
            one = update(Outbox).where(col(Outbox.id) == row_id, pending[1]).values(**values)
            if session.execute(one).rowcount:  # type: ignore[attr-defined]
                claimed.append(row_id)
    if not claimed:
        session.commit()
        return []
    query = select(Outbox).where(col(Outbox.id).in_(claimed)).order_by(col(Outbox.id))
    taken = list(session.exec(query.execution_options(populate_existing=True)).all())
    rows = _write_unwritten(session, taken)
    counts["failed"] += len(taken) - len(rows)
    # One commit for the claim and the bytes, before any send: a send after a crash, the
    # Sent copy and the stored raw are the same bytes. It also ends the transaction, so
    # SQLite's write lock does not wait on the SMTP server.
    session.commit()
    return rows


def _write_unwritten(session: Session, rows: list[Outbox]) -> list[Outbox]:
    """Write the bytes of rows queued as parts; a row that cannot be written is failed."""
    todo = [row for row in rows if row.raw is None]
    if not todo:
        return rows
    files = compose.attachments_of(session, [row.id or 0 for row in todo])
    written: list[tuple[Outbox, bytes]] = []
    for row in todo:
        try:
            raw = compose.write(row, files.get(row.id or 0, []))
        except ValueError as exc:  # e.g. a line break in a header: never sent as it is
            row.status, row.claimed_by, row.last_error = "failed", None, str(exc)
            session.add(row)
            log.warning("outbox %s not written: %s", row.id, exc)
            continue
        set_committed_value(row, "raw", raw)
        written.append((row, raw))
    if written:
        outbox, message = Outbox.__table__, Message.__table__  # type: ignore[attr-defined]
        conn = session.connection()
        conn.execute(
            update(outbox).where(outbox.c.id == bindparam("b_id")).values(raw=bindparam("b_raw")),
            [{"b_id": row.id, "b_raw": raw} for row, raw in written],
        )
        # Our own mail's Message row gets the hash and size of what is sent (it had none).
        conn.execute(
            update(message)
            .where(message.c.message_id == bindparam("b_mid"), message.c.direction == "out")
            .values(raw_sha256=bindparam("b_sha"), size=bindparam("b_size")),
            [
                {
                    "b_mid": row.message_id,
                    "b_sha": hashlib.sha256(raw).hexdigest(),
                    "b_size": len(raw),
                }
                for row, raw in written
            ],
        )
    return [row for row in rows if row.raw is not None]


def recover_stuck(session: Session, now: datetime, *, own_claims: bool = False) -> int:
    """Rows left 'sending' by a crash: sent if handed over, else back to pending.

    The hand-over is recorded just before the final dot, so a row without it never
    reached the server's queue and goes out again. `own_claims` also frees this
    process's claims: only for a caller that holds `_one_pass` (no pass of ours runs).
    """
    me = _me() if own_claims else None
    sending = session.exec(select(Outbox).where(Outbox.status == "sending")).all()
    stuck = [
        r
        for r in sending
        if _dead(r.claimed_by)
        or (me is not None and r.claimed_by == me)
        or (r.next_attempt_at is not None and r.next_attempt_at < now - STUCK_AFTER)
    ]
    for row in stuck:
        if row.sent_at is not None:
            row.status, row.last_error = "sent", UNCONFIRMED
        else:
            row.status = "pending"
        row.claimed_by = None
        session.add(row)
    session.commit()
    return len(stuck)


def has_due(session: Session, now: datetime) -> bool:
    """Whether a pending row is due: one lookup on the status index (the SQLite poll)."""
    query = (
        select(Outbox.id)
        .where(Outbox.status == "pending", col(Outbox.next_attempt_at) <= now)
        .limit(1)
    )
    return session.exec(query).first() is not None


def _due(session: Session, now: datetime, limit: int) -> list[int]:
    query = (
        select(Outbox.id)
        .where(Outbox.status == "pending", col(Outbox.next_attempt_at) <= now)
        .order_by(col(Outbox.id))
        .limit(limit)
    )
    return [i for i in session.exec(query).all() if i is not None]


def deliver_pending(
    session_factory: Callable[[], Session],
    transport: Transport,
    clock: Callable[[], datetime],
    *,
    on_sent: Callable[[bytes], None] | None = None,
    limit: int = 10_000,
) -> dict[str, int]:
    """Send every due pending row once; failures wait with exponential backoff.

    When the server cannot be reached the pass stops: the rows not tried yet stay
    pending without spending an attempt.
    """
    counts = {"sent": 0, "failed": 0, "deferred": 0}
    with _one_pass, session_factory() as session:
        recover_stuck(session, clock(), own_claims=True)
        due = _due(session, clock(), limit)
        try:
            for start in range(0, len(due), CLAIM_BATCH):
                rows = _claim(session, due[start : start + CLAIM_BATCH], clock(), counts)
                if not _send_batch(session, rows, transport, clock, counts, on_sent):
                    # _send_batch counted this chunk's rest; these chunks were never claimed.
                    counts["deferred"] += max(0, len(due) - start - CLAIM_BATCH)
                    break
        finally:
            transport.close()
    return counts


def _send_batch(
    session: Session,
    rows: list[Outbox],
    transport: Transport,
    clock: Callable[[], datetime],
    counts: dict[str, int],
    on_sent: Callable[[bytes], None] | None,
) -> bool:
    """Send claimed rows in order; False when the server is unreachable (the rest released)."""
    done: list[Outbox] = []
    index = 0
    try:
        for index, row in enumerate(rows):
            if not _send_one(session, row, transport, clock, counts, done):
                _release(session, rows[index + 1 :])
                counts["deferred"] += len(rows) - index - 1
                return False
            if on_sent is not None and done and done[-1] is row:
                try:
                    on_sent(row.raw or b"")
                except Exception:
                    log.warning("could not store a copy of outbox %s in Sent", row.id)
    except BaseException:
        session.rollback()
        try:  # best effort: what went out is marked, what was not tried is free again
            _mark_sent(session, done, clock())
            _release(session, rows[index + 1 :])
        except Exception as exc:  # the type only: a driver's message can quote addresses
            log.warning("could not record the outbox state (%s); recovery will", type(exc).__name__)
            log.debug("outbox state not recorded", exc_info=True)
        raise
    _mark_sent(session, done, clock())
    counts["sent"] += len(done)
    return True


def _send_one(
    session: Session,
    row: Outbox,
    transport: Transport,
    clock: Callable[[], datetime],
    counts: dict[str, int],
    done: list[Outbox],
) -> bool:
    """Send one claimed row; False when the connection, not the message, failed."""
    # Counted on the row by the hand-over's own statement: changed on the object first, it
    # left the object dirty, and each commit before a final dot ran a flush that wrote nothing.
    attempts = row.attempts + 1

    def handed_over() -> None:
        _hand_over(session, row, attempts, clock(), done)
        session.commit()

    try:
        transport.send(row.raw or b"", to=row.to_addr, handed_over=handed_over)
    except (OSError, smtplib.SMTPException) as exc:
        transport.close()
        if isinstance(exc, smtplib.SMTPAuthenticationError):  # the login's fault, not the mail's
            # RFC 4954 535: no attempt spent, the row waits for the login.
            _release(session, [row])
            counts["deferred"] += 1
            log.warning("outbox %s not sent: SMTP login refused (%s)", row.id, exc.smtp_code)
            return False
        row.attempts = attempts
        if isinstance(exc, smtplib.SMTPResponseException):
            row.sent_at = None  # the server answered with an error: it kept nothing
        elif row.sent_at is not None:  # the whole message went over, the answer did not
            log.warning("outbox %s: %s", row.id, UNCONFIRMED)
            row.last_error = UNCONFIRMED
            done.append(row)
            return True
        _defer(session, row, clock(), exc)
        counts["failed" if row.status == "failed" else "deferred"] += 1
        return not _unreachable(exc)
    done.append(row)
    return True


def _unreachable(exc: BaseException) -> bool:
    """A failure of the connection, not of this message (SMTPException is an OSError)."""
    if isinstance(exc, smtplib.SMTPConnectError | smtplib.SMTPServerDisconnected):
        return True
    return isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException)


def _release(session: Session, rows: list[Outbox]) -> None:
    for row in rows:
        row.status, row.claimed_by = "pending", None
        session.add(row)
    session.commit()


_OUTBOX = Outbox.__table__  # type: ignore[attr-defined]
_THIS = _OUTBOX.c.id == bindparam("b_row")
# One statement per hand-over, built once: it is the commit before every final dot.
_HAND_OVER = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id.in_(bindparam("b_ids", expanding=True)))
    .values(
        attempts=case(
            (_THIS, bindparam("b_attempts", type_=_OUTBOX.c.attempts.type)),
            else_=_OUTBOX.c.attempts,
        ),
        sent_at=case(
            (_THIS, bindparam("b_sent_at", type_=_OUTBOX.c.sent_at.type)),
            else_=_OUTBOX.c.sent_at,
        ),
        status=case((_THIS, _OUTBOX.c.status), else_=literal("sent")),
        claimed_by=case((_THIS, _OUTBOX.c.claimed_by), else_=null()),
        last_error=case((_THIS, _OUTBOX.c.last_error), else_=null()),
    )
)


def _hand_over(
    session: Session, row: Outbox, attempts: int, now: datetime, done: list[Outbox]
) -> None:
    """Record `row` as handed over, without committing (the caller commits before the dot).

    The rows before it in this connection were answered 250 already (SMTP answers in order,
    RFC 5321 §4.1.1.4): marked sent in the same statement, a crash leaves only this one row
    unconfirmed, at no extra commit or statement.
    """
    confirmed = [r for r in done if r.status == "sending" and r.last_error != UNCONFIRMED]
    session.connection().execute(
        _HAND_OVER,
        {
            "b_row": row.id,
            "b_ids": [row.id, *(r.id for r in confirmed)],
            "b_attempts": attempts,
            "b_sent_at": now,
        },
    )
    # The objects now say what the row says, so no flush writes them again.
    set_committed_value(row, "attempts", attempts)
    set_committed_value(row, "sent_at", now)
    for r in confirmed:
        for name, value in (("status", "sent"), ("claimed_by", None), ("last_error", None)):
            set_committed_value(r, name, value)


def _mark_sent(session: Session, rows: list[Outbox], now: datetime) -> None:
    for row in rows:
        row.status, row.claimed_by = "sent", None
        row.sent_at = row.sent_at or now
        if row.last_error != UNCONFIRMED:
            row.last_error = None
        session.add(row)
    session.commit()


def _defer(session: Session, row: Outbox, now: datetime, exc: BaseException) -> None:
    code = getattr(exc, "smtp_code", None)
    # Undeliverable: no later attempt can differ (e.g. a server without SMTPUTF8), so no retry.
    permanent = isinstance(exc, smtplib.SMTPRecipientsRefused | Undeliverable) or (
        isinstance(code, int) and 500 <= code < 600  # RFC 5321 §4.2.1: 5yz is permanent
    )
    row.last_error = f"{type(exc).__name__} {code or ''}".strip()
    if isinstance(exc, Undeliverable):
        row.last_error = str(exc)  # says why, for the contact person (`cases show`)
    row.claimed_by = None
    if permanent or row.attempts >= MAX_ATTEMPTS:
        row.status = "failed"
    else:
        row.status = "pending"
        row.next_attempt_at = now + timedelta(seconds=min(3600, 15 * 2**row.attempts))
    session.add(row)
    session.commit()
    log.warning("outbox %s not sent (%s), attempt %s", row.id, row.last_error, row.attempts)


def subject_of(raw: bytes) -> str:
    """The decoded Subject of a raw message (for listings)."""
    return str(message_from_bytes(raw, policy=default_policy).get("Subject", ""))
