"""Queue outgoing mail: its parts recorded and committed before any attempt to send it.

The bytes are written by the outbox sender when it claims the row (mail_intake/compose.py).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from email.utils import make_msgid

from sqlmodel import Session, select

from store.models import Case, MailCounter, Message, Outbox, OutboxAttachment
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


def _counter(session: Session, address: str, day: datetime) -> MailCounter | None:
    return session.exec(
        select(MailCounter).where(
            MailCounter.address == address.lower(), MailCounter.day == day.date()
        )
    ).first()


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
) -> Outbox | None:
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
    counter = _counter(session, to, now) if automatic else None
    if automatic and daily_cap is not None and (counter.count if counter else 0) >= daily_cap:
        return None
    message_id = new_message_id(sender)
    row = Outbox(
        case_id=case.id if case else None,
        message_id=message_id,
        purpose=purpose,
        automatic=automatic,
        from_addr=sender.address,
        from_name=sender.name,
        to_addr=to,
        subject=subject,
        body_text=text,
        body_html=html,
        in_reply_to=in_reply_to,
        references=list(references or []),
        status="pending",
        next_attempt_at=now,
        created_at=now,
    )
    session.add(row)
    session.add(
        Message(
            case_id=case.id if case else None,
            direction="out",
            message_id=message_id,
            raw_sha256=None,  # the outbox sender fills it in when it writes the bytes
            in_reply_to=in_reply_to,
            references=list(references or []),
            subject=subject,
            from_addr=sender.address,
            to_addrs=to,
            received_at=now,
            size=0,
            body_text=text,
            category="reply",
            source="outbox",
        )
    )
    if attachments:
        session.flush()  # the row's id, for its attachments
        session.add_all(
            OutboxAttachment(
                outbox_id=row.id or 0,
                position=position,
                filename=att.filename,
                content_type=att.content_type,
                data=att.data,
            )
            for position, att in enumerate(attachments)
        )
    if automatic:
        if counter is None:
            counter = MailCounter(address=to.lower(), day=now.date(), count=0)
        counter.count += 1
        session.add(counter)
    session.flush()
    notify(session, OUTBOX_CHANNEL)
    return row
