"""Queue outgoing mail: composed, recorded and committed before any attempt to send it."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from sqlmodel import Session, select

from store.models import Case, MailCounter, Message, Outbox

LOOP_HEADER = "X-Rightsdesk-Loop"


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


def compose(
    *,
    sender: Sender,
    to: str,
    subject: str,
    text: str,
    html: str | None,
    message_id: str,
    now: datetime,
    in_reply_to: str | None = None,
    references: list[str] | None = None,
    automatic: bool = False,
    attachments: list[MailAttachment] | None = None,
) -> EmailMessage:
    """Build an RFC 5322 message: text part always, HTML alternative, attachments."""
    msg = EmailMessage()
    msg["From"] = Address(display_name=sender.name or "", addr_spec=sender.address)
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = f"<{message_id}>"
    if in_reply_to:
        msg["In-Reply-To"] = f"<{in_reply_to}>"
    refs = [r for r in (references or []) if r]
    if in_reply_to and in_reply_to not in refs:
        refs.append(in_reply_to)
    if refs:
        msg["References"] = " ".join(f"<{r}>" for r in refs[-20:])  # RFC 5322 §3.6.4; kept short
    # Our loop header on every mail; auto-replies say so (RFC 3834 §5).
    msg[LOOP_HEADER] = sender.address
    if automatic:
        msg["Auto-Submitted"] = "auto-replied"
        msg["X-Auto-Response-Suppress"] = "All"  # ask Exchange not to auto-answer us
    msg.set_content(text)
    if html:
        msg.add_alternative(html, subtype="html")
    for att in attachments or []:
        maintype, _, subtype = att.content_type.partition("/")
        msg.add_attachment(
            att.data, maintype=maintype, subtype=subtype or "octet-stream", filename=att.filename
        )
    return msg


def daily_count(session: Session, address: str, day: datetime) -> int:
    """Automatic mails already queued to `address` on `day` (UTC date)."""
    row = session.exec(
        select(MailCounter).where(
            MailCounter.address == address.lower(), MailCounter.day == day.date()
        )
    ).first()
    return row.count if row else 0


def _count(session: Session, address: str, now: datetime) -> None:
    row = session.exec(
        select(MailCounter).where(
            MailCounter.address == address.lower(), MailCounter.day == now.date()
        )
    ).first()
    if row is None:
        row = MailCounter(address=address.lower(), day=now.date(), count=0)
    row.count += 1
    session.add(row)


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
    """
    if automatic and daily_cap is not None and daily_count(session, to, now) >= daily_cap:
        return None
    message_id = new_message_id(sender)
    msg = compose(
        sender=sender,
        to=to,
        subject=subject,
        text=text,
        html=html,
        message_id=message_id,
        now=now,
        in_reply_to=in_reply_to,
        references=references,
        automatic=automatic,
        attachments=attachments,
    )
    raw = msg.as_bytes()
    row = Outbox(
        case_id=case.id if case else None,
        message_id=message_id,
        purpose=purpose,
        automatic=automatic,
        to_addr=to,
        subject=subject,
        raw=raw,
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
            raw_sha256=hashlib.sha256(raw).hexdigest(),
            in_reply_to=in_reply_to,
            references=list(references or []),
            subject=subject,
            from_addr=sender.address,
            to_addrs=to,
            received_at=now,
            size=len(raw),
            body_text=text,
            category="reply",
            source="outbox",
        )
    )
    if automatic:
        _count(session, to, now)
    session.flush()
    return row
