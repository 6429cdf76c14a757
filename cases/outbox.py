"""Queue outgoing mail: composed, recorded and committed before any attempt to send it."""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from email import policy as email_policy
from email import quoprimime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from functools import lru_cache

from sqlmodel import Session, select

from store.models import Case, MailCounter, Message, Outbox
from store.wakeup import notify

OUTBOX_CHANNEL = "rightsdesk_outbox"  # the outbox component LISTENs here (store.wakeup)

LOOP_HEADER = "X-Rightsdesk-Loop"
_PLAIN_VALUE = re.compile(r"[\x21-\x7e]+(?: [\x21-\x7e]+)*")  # printable ASCII, single spaces
_MAX_LINE = 78  # RFC 5322 §2.1.1: lines SHOULD be no longer than 78 characters


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
    refs = _references(in_reply_to, references)
    if refs:
        msg["References"] = " ".join(f"<{r}>" for r in refs)
    # Our loop header on every mail; auto-replies say so (RFC 3834 §5).
    msg[LOOP_HEADER] = sender.address
    if automatic:
        msg["Auto-Submitted"] = "auto-replied"
        msg["X-Auto-Response-Suppress"] = "All"  # ask Exchange not to auto-answer us
    msg.set_content(text)
    if html:
        msg.add_alternative(html, subtype="html")
    for att in attachments or []:
        kind, *raw_params = (p.strip() for p in att.content_type.split(";"))
        maintype, _, subtype = kind.partition("/")
        params = dict(p.partition("=")[::2] for p in raw_params if "=" in p)
        msg.add_attachment(
            att.data,
            maintype=maintype,
            subtype=subtype or "octet-stream",
            filename=att.filename,
            params=params or None,
        )
    return msg


def _header(name: str, value: str) -> str:
    """One folded header line; the stdlib's encoder only where plain ASCII will not do."""
    if "\n" in value or "\r" in value:  # as EmailMessage refuses: no header injection
        raise ValueError("Header values may not contain linefeed or carriage return characters")
    line = f"{name}: {value}\n"
    if len(line) <= _MAX_LINE + 1 and _PLAIN_VALUE.fullmatch(value):
        return line
    return _fold(name, value)


def _fold(name: str, value: str) -> str:
    """The header as EmailMessage writes it: RFC 2047 encoded words, folded lines."""
    header = email_policy.default.header_factory(name, value)
    return str(header.fold(policy=email_policy.default))


@lru_cache(maxsize=32)
def _from_header(name: str, address: str) -> str:
    return _fold("From", str(Address(display_name=name, addr_spec=address)))


def _text_part(text: str, subtype: str) -> tuple[str, bytes]:
    """Headers and body of one utf-8 text part: 7bit/8bit when lines are short, else QP."""
    lines = text.encode("utf-8").splitlines()
    body = b"\n".join(lines) + b"\n"
    if max((len(line) for line in lines), default=0) <= _MAX_LINE:
        cte = "7bit" if body.isascii() else "8bit"
    else:  # RFC 2045 §6.7: quoted-printable keeps every line short
        cte = "quoted-printable"
        body = quoprimime.body_encode(body.decode("latin-1"), _MAX_LINE).encode("ascii")
    head = f'Content-Type: text/{subtype}; charset="utf-8"\nContent-Transfer-Encoding: {cte}\n'
    return head, body


def render_bytes(
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
) -> bytes:
    """The RFC 5322 bytes of `compose`'s message, built without the header registry.

    Most headers are plain ASCII and written as they are; the rest go through the
    stdlib's folding. Mail with attachments takes the EmailMessage path.
    """
    refs = _references(in_reply_to, references)
    if attachments:
        msg = compose(
            sender=sender, to=to, subject=subject, text=text, html=html,
            message_id=message_id, now=now, in_reply_to=in_reply_to, references=references,
            automatic=automatic, attachments=attachments,
        )  # fmt: skip
        return msg.as_bytes()
    head = [
        _from_header(sender.name or "", sender.address),
        _header("To", to),
        _header("Subject", subject),
        _header("Date", format_datetime(now)),
        _header("Message-ID", f"<{message_id}>"),
    ]
    if in_reply_to:
        head.append(_header("In-Reply-To", f"<{in_reply_to}>"))
    if refs:
        head.append(_header("References", " ".join(f"<{r}>" for r in refs)))
    head.append(_header(LOOP_HEADER, sender.address))
    if automatic:
        head.append("Auto-Submitted: auto-replied\nX-Auto-Response-Suppress: All\n")
    head.append("MIME-Version: 1.0\n")
    plain_head, plain_body = _text_part(text, "plain")
    if not html:
        return "".join([*head, plain_head, "\n"]).encode("ascii") + plain_body
    html_head, html_body = _text_part(html, "html")
    boundary = f"===============rd{uuid.uuid4().int:039d}=="
    head.append(f'Content-Type: multipart/alternative;\n boundary="{boundary}"\n\n')
    start = f"--{boundary}\n".encode()
    return b"".join(
        [
            "".join(head).encode("ascii"),
            start, plain_head.encode(), b"\n", plain_body,
            b"\n", start, html_head.encode(), b"\n", html_body,
            f"\n--{boundary}--\n".encode(),
        ]
    )  # fmt: skip


def _references(in_reply_to: str | None, references: list[str] | None) -> list[str]:
    refs = [r for r in (references or []) if r]
    if in_reply_to and in_reply_to not in refs:
        refs.append(in_reply_to)
    return refs[-20:]  # RFC 5322 §3.6.4; kept short


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
    counter = _counter(session, to, now) if automatic else None
    if automatic and daily_cap is not None and (counter.count if counter else 0) >= daily_cap:
        return None
    message_id = new_message_id(sender)
    raw = render_bytes(
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
        if counter is None:
            counter = MailCounter(address=to.lower(), day=now.date(), count=0)
        counter.count += 1
        session.add(counter)
    session.flush()
    notify(session, OUTBOX_CHANNEL)
    return row
