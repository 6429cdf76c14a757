"""Queue outgoing mail: its parts recorded and committed before any attempt to send it.

The bytes are written by the outbox sender when it claims the row (mail_intake/compose.py).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from email.utils import make_msgid

from sqlalchemy import Integer, bindparam, insert
from sqlmodel import Session

from store.models import Case, MailCounter, Message, Outbox, OutboxAttachment
from store.upsert import PreparedUpsert
from store.wakeup import notify

OUTBOX_CHANNEL = "rightsdesk_outbox"  # the outbox component LISTENs here (store.wakeup)


@dataclass(frozen=True)
class MailAttachment:
    """A file to attach to an outgoing mail."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Sender:
    """Who our mail comes from, and the domain of our Message-IDs."""

    address: str
    name: str | None = None

    @property
    def domain(self) -> str:
        """The right-hand side of our address, used in Message-IDs (RFC 5322 §3.6.4)."""
        return self.address.rsplit("@", 1)[-1] or "rightsdesk.invalid"


def new_message_id(sender: Sender) -> str:
    """A globally unique Message-ID of ours, without the angle brackets."""
    return make_msgid(idstring=f"rd.{uuid.uuid4().hex[:12]}", domain=sender.domain).strip("<>")


@dataclass(frozen=True)
class QueuedMail:
    """A mail in the outbox: its row and its Message-ID (threading, the audit trail)."""

    id: int
    message_id: str


_OUTBOX = Outbox.__table__  # type: ignore[attr-defined]
_MESSAGE = Message.__table__  # type: ignore[attr-defined]
_COUNTER = MailCounter.__table__  # type: ignore[attr-defined]
# Core statements built once: the hot path of intake queues one mail per new case, and an
# ORM object or a statement rebuilt per call costs more than the INSERT itself.
_INSERT_OUTBOX = insert(_OUTBOX)
_INSERT_MESSAGE = insert(_MESSAGE)
_INSERT_ATTACHMENT = insert(OutboxAttachment.__table__)  # type: ignore[attr-defined]


def _counting(*, capped: bool) -> PreparedUpsert:
    """+1 for an address and a day; capped: only while the count is below the bound "cap"."""
    return PreparedUpsert(
        _COUNTER,
        columns=["address", "day", "count"],
        key=["address", "day"],
        set_={"count": _COUNTER.c.count + 1},
        where=_COUNTER.c.count < bindparam("cap", type_=Integer) if capped else None,
        returning=[_COUNTER.c.count],
    )


_COUNT_MAIL = _counting(capped=False)
_COUNT_MAIL_CAPPED = _counting(capped=True)


def _count_mail(session: Session, address: str, day: date, cap: int | None) -> bool:
    """Count one automatic mail to `address` today unless the cap is reached: one statement.

    The increment is conditional (ON CONFLICT … DO UPDATE … WHERE count < cap), so two
    writers can never both take the last mail of the day; False: the cap is reached.
    """
    values = {"address": address.lower(), "day": day, "count": 1}
    if cap is None:
        return _COUNT_MAIL(session, values).first() is not None
    if cap <= 0:
        return False
    return _COUNT_MAIL_CAPPED(session, {**values, "cap": cap}).first() is not None


def queue_mail(
    session: Session,
    *,
    case: Case | None,
    sender: Sender,
    to: str,
    subject: str,
    text: str,
    html: str | None,
    purpose: str,
    now: datetime,
    automatic: bool = False,
    in_reply_to: str | None = None,
    references: list[str] | None = None,
    attachments: list[MailAttachment] | None = None,
    daily_cap: int | None = None,
) -> QueuedMail | None:
    """Add a mail to the outbox in the caller's transaction; the caller commits.

    Automatic mail over the per-address daily cap is not queued (None): a loop with
    another robot must not become a flood. The Message row is written now, so a
    reply to this mail threads even if it arrives before the send is confirmed.
    The outbox component is notified in the same transaction: woken at its commit,
    never for a mail rolled back.
    """
    header_values = [sender.address, sender.name or "", to, subject, in_reply_to or ""]
    header_values += [
        *(references or []),
        *(a.filename + a.content_type for a in attachments or []),
    ]
    if any("\n" in v or "\r" in v for v in header_values):  # no header injection
        raise ValueError("Header values may not contain linefeed or carriage return characters")
    if automatic and not _count_mail(session, to, now.date(), daily_cap):
        return None
    message_id = new_message_id(sender)
    case_id = case.id if case else None
    conn = session.connection()
    inserted = conn.execute(
        _INSERT_OUTBOX,
        {
            "case_id": case_id,
            "message_id": message_id,
            "purpose": purpose,
            "automatic": automatic,
            "from_addr": sender.address,
            "from_name": sender.name,
            "to_addr": to,
            "subject": subject,
            "body_text": text,
            "body_html": html,
            "in_reply_to": in_reply_to,
            "references": list(references or []),
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        },
    ).inserted_primary_key
    assert inserted is not None
    outbox_id = int(inserted[0])
    conn.execute(
        _INSERT_MESSAGE,
        {
            "case_id": case_id,
            "direction": "out",
            "message_id": message_id,
            "raw_sha256": None,  # the outbox sender fills it in when it writes the bytes
            "in_reply_to": in_reply_to,
            "references": list(references or []),
            "subject": subject,
            "from_addr": sender.address,
            "to_addrs": to,
            "headers": {},
            "received_at": now,
            "size": 0,
            "body_text": text,
            "category": "reply",
            "source": "outbox",
        },
    )
    if attachments:
        conn.execute(
            _INSERT_ATTACHMENT,
            [
                {
                    "outbox_id": outbox_id,
                    "position": position,
                    "filename": att.filename,
                    "content_type": att.content_type,
                    "data": att.data,
                }
                for position, att in enumerate(attachments)
            ],
        )
    notify(session, OUTBOX_CHANNEL)
    return QueuedMail(id=outbox_id, message_id=message_id)
