"""Send what the outbox holds once: claim, send, mark; back off while the server is down."""

from __future__ import annotations

import logging
import mailbox
import os
import re
import smtplib
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path
from typing import Literal, Protocol

from sqlalchemy import update
from sqlmodel import Session, col, select

from store.models import Outbox

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
_CRLF = re.compile(rb"\r?\n")
STUCK_AFTER = timedelta(minutes=10)  # a 'sending' row this old belonged to a process that died


class Transport(Protocol):
    """Something that delivers one RFC 5322 message."""

    def send(self, raw: bytes, *, to: str) -> None:
        """Deliver or raise OSError / smtplib.SMTPException."""

    def close(self) -> None:
        """Release the connection."""


@dataclass
class SmtpTransport:
    """SMTP submission with one connection reused for a batch (RFC 6409)."""

    host: str
    port: int
    sender: str
    security: Literal["ssl", "starttls", "plain"] = "starttls"
    user: str | None = None
    password: str | None = None
    timeout: float = 30.0
    _conn: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        if self._conn is not None:
            return self._conn
        ctx = ssl.create_default_context()
        conn: smtplib.SMTP
        if self.security == "ssl":
            conn = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=ctx)
        else:
            conn = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            if self.security == "starttls":
                conn.starttls(context=ctx)
        if self.user and self.password:
            conn.login(self.user, self.password)
        self._conn = conn
        return conn

    def send(self, raw: bytes, *, to: str) -> None:
        """Send over the open connection; a dropped one is reopened once."""
        # RFC 5321 §2.3.8: lines end in CRLF on the wire; smtplib sends bytes unchanged.
        wire = _CRLF.sub(b"\r\n", raw)
        try:
            self._connect().sendmail(self.sender, [to], wire)
        except smtplib.SMTPServerDisconnected:
            self._conn = None
            self._connect().sendmail(self.sender, [to], wire)

    def close(self) -> None:
        """QUIT, quietly."""
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.quit()
            except (OSError, smtplib.SMTPException):
                conn.close()


@dataclass
class MaildirTransport:
    """Writes mail into a local Maildir (the offline default: `RIGHTSDESK_MAILDIR/outbox`)."""

    root: Path

    def send(self, raw: bytes, *, to: str) -> None:
        """Drop the message into the Maildir."""
        self.root.parent.mkdir(parents=True, exist_ok=True)
        mailbox.Maildir(self.root, factory=None, create=True).add(raw)

    def close(self) -> None:
        """Nothing to release."""


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


def _claim(session: Session, row_id: int, now: datetime) -> bool:
    """Atomically move a row from pending to sending; False when another sender took it."""
    result = session.execute(
        update(Outbox)
        .where(col(Outbox.id) == row_id, col(Outbox.status) == "pending")
        .values(
            status="sending", attempts=Outbox.attempts + 1, next_attempt_at=now, claimed_by=_me()
        )
    )
    session.commit()
    return bool(result.rowcount)  # type: ignore[attr-defined]


def recover_stuck(
    session: Session, now: datetime, already_sent: Callable[[str], bool] | None = None
) -> int:
    """Rows left 'sending' by a crash: sent if the Sent folder has them, else back to pending.

    SMTP has no idempotency key; the Sent-folder check (when IMAP is configured)
    is what lets a crash mid-send neither lose nor, usually, repeat a reply.
    """
    sending = session.exec(select(Outbox).where(Outbox.status == "sending")).all()
    stuck = [
        r
        for r in sending
        if _dead(r.claimed_by)
        or (r.next_attempt_at is not None and r.next_attempt_at < now - STUCK_AFTER)
    ]
    for row in stuck:
        if already_sent is not None and already_sent(row.message_id):
            row.status, row.sent_at = "sent", now
        else:
            row.status = "pending"
        session.add(row)
    session.commit()
    return len(stuck)


def deliver_pending(
    session_factory: Callable[[], Session],
    transport: Transport,
    clock: Callable[[], datetime],
    *,
    on_sent: Callable[[bytes], None] | None = None,
    limit: int = 500,
) -> dict[str, int]:
    """Send every due pending row once; failures wait with exponential backoff."""
    counts = {"sent": 0, "failed": 0, "deferred": 0}
    with session_factory() as session:
        now = clock()
        recover_stuck(session, now)
        due = session.exec(
            select(Outbox.id)
            .where(Outbox.status == "pending", col(Outbox.next_attempt_at) <= now)
            .order_by(col(Outbox.id))
            .limit(limit)
        ).all()
        try:
            for row_id in due:
                if row_id is None or not _claim(session, row_id, clock()):
                    continue
                row = session.get(Outbox, row_id)
                assert row is not None
                session.refresh(row)
                try:
                    transport.send(row.raw, to=row.to_addr)
                except (OSError, smtplib.SMTPException) as exc:
                    _defer(session, row, clock(), exc)
                    counts["failed" if row.status == "failed" else "deferred"] += 1
                    transport.close()
                    continue
                row.status, row.sent_at, row.last_error, row.claimed_by = (
                    "sent",
                    clock(),
                    None,
                    None,
                )
                session.add(row)
                session.commit()
                counts["sent"] += 1
                if on_sent is not None:
                    try:
                        on_sent(row.raw)
                    except Exception:
                        log.warning("could not store a copy of outbox %s in Sent", row.id)
        finally:
            transport.close()
    return counts


def _defer(session: Session, row: Outbox, now: datetime, exc: BaseException) -> None:
    code = getattr(exc, "smtp_code", None)
    permanent = isinstance(exc, smtplib.SMTPRecipientsRefused) or (
        isinstance(code, int) and 500 <= code < 600  # RFC 5321 §4.2.1: 5yz is permanent
    )
    row.last_error = f"{type(exc).__name__} {code or ''}".strip()
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
