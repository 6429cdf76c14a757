"""Proportionate identity verification (GDPR Art. 12(6), design §1.3).

A sender address that matches the register is enough; otherwise a one-time code goes to the
address in the register (never to the sender's), and the case is verified when the code comes
back. Identity documents are not asked for routinely (the Ombudsman's TSV/224/2023); any that
arrive are deleted once the case is verified, leaving only the note of who checked and when.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

from sqlmodel import Session, col, select

from cases import operations as ops
from cases.addresses import canonical
from cases.controller import ControllerConfig
from cases.drafts import render_for_case
from cases.errors import UserError
from cases.lifecycle import PAUSED_STATUSES, Status
from cases.outbox import Sender, queue_mail
from cases.policy import DEFAULT_POLICY, DeskPolicy
from cases.register_lookup import find_subject, lookup_for_case, subject_for_case
from cases.sender_check import sender_evidence as sender_evidence
from store.actions import AuditAction
from store.models import Attachment, Case, MailRedaction, Message, Outbox, VerificationCode

CODE_VALIDITY = timedelta(days=14)
# No 0/O or 1/I: people copy the code by hand.
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_code() -> str:
    """A one-time code such as K7MQ-2XPA (40 bits from the OS's CSPRNG)."""
    chars = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    return f"{chars[:4]}-{chars[4:]}"


def code_hash(reference: str, code: str) -> str:
    """What is stored instead of the code: a hash bound to the case."""
    plain = code.replace("-", "").replace(" ", "").upper()
    return hashlib.sha256(f"{reference}:{plain}".encode()).hexdigest()


def verify_sender_match(
    session: Session,
    *,
    reference: str,
    actor: str,
    now: datetime,
    policy: DeskPolicy = DEFAULT_POLICY,
    authenticated: bool | None = None,
) -> Case | None:
    """Verify the case if the sender's authenticated address is the register's; else None.

    `authenticated` is intake's verdict on the From domain (mail_intake/authentication.py);
    None reads the one intake recorded with the case. A matching address without it only
    notes "address matches, not authenticated": a forged From matches too (issue 11).
    """
    case = ops.get_case(session, reference)
    verified = _apply_sender_match(
        session, case, actor=actor, now=now, policy=policy, authenticated=authenticated
    )
    session.commit()
    session.refresh(case)
    return case if verified else None


def _apply_sender_match(
    session: Session,
    case: Case,
    *,
    actor: str,
    now: datetime,
    policy: DeskPolicy = DEFAULT_POLICY,
    authenticated: bool | None = None,
) -> bool:
    """The sender-match check in the caller's transaction (intake opens and verifies at once)."""
    # Only the address can match here: the register's name search would be wasted work.
    found = (
        lookup_for_case(session, case)
        if case.customer_id is not None
        else find_subject(session, email=case.requester_email)
    )
    customer = found.customer
    sender = canonical(case.requester_email or "")
    if customer is None or not sender or canonical(customer.email or "") != sender:
        return False
    checked = dict((case.evidence or {}).get("sender") or {})
    if authenticated is None:
        authenticated = checked.get("authenticated") is True
    if not authenticated or checked.get("unclear"):
        if not checked.get("address_matches"):
            # A new dict: the JSON column notices reassignment, not mutation in place.
            case.evidence = {**case.evidence, "sender": {**checked, "address_matches": True}}
            ops.record(
                session,
                case,
                actor=actor,
                action=AuditAction.SENDER_MATCH_UNAUTHENTICATED,
                now=now,
                customer_number=customer.customer_number,
            )
        return False
    case.customer_id = customer.id
    ops._apply_verify(
        session,
        case,
        method="sender_match",
        reason=f"sender address matches customer {customer.customer_number} in the register"
        + (f"; {checked['detail']}" if checked.get("detail") else ""),
        reason_code="sender_matches_customer",
        reason_params={
            "customer_number": str(customer.customer_number),
            "auth": str(checked.get("detail") or ""),
        },
        actor=actor,
        now=now,
        policy=policy,
    )
    delete_identity_documents(session, case, actor=actor, now=now)
    return True


def send_code(
    session: Session,
    *,
    reference: str,
    sender: Sender,
    controller: ControllerConfig,
    actor: str,
    now: datetime,
    policy: DeskPolicy = DEFAULT_POLICY,
    daily_cap: int | None = None,
    valid_for: timedelta = CODE_VALIDITY,
) -> Outbox | None:
    """Mail a one-time code to the register's address and pause the case for identity.

    An automatic mail (no draft): it discloses nothing but the reference. None when the
    per-address daily cap stops it (design §2.6); the case is then left as it was.
    """
    case = ops.get_case(session, reference)
    customer = subject_for_case(session, case)
    if customer is None or not customer.email:
        raise UserError(
            f"{case.reference}: the register has no address for this requester;"
            " draft an identity_request instead"
        )
    code = new_code()
    expires = now + valid_for
    rendered = render_for_case(
        case, "verification_code", controller, {"code": code, "code_expires": expires}
    )
    row = queue_mail(
        session,
        case=case,
        sender=sender,
        to=customer.email,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        purpose="verification_code",
        now=now,
        automatic=True,
        daily_cap=daily_cap,
    )
    if row is None:
        return None
    for old in session.exec(
        select(VerificationCode).where(
            VerificationCode.case_id == case.id, col(VerificationCode.used_at).is_(None)
        )
    ).all():
        old.expires_at = min(old.expires_at, now)  # only the newest code counts
        session.add(old)
    session.add(
        VerificationCode(
            case_id=case.id or 0,
            code_hash=code_hash(case.reference, code),
            sent_to=customer.email,
            created_at=now,
            expires_at=expires,
        )
    )
    case.customer_id = customer.id
    ops.record(
        session,
        case,
        actor=actor,
        action=AuditAction.VERIFICATION_CODE_SENT,
        now=now,
        sent_to=customer.email,
        customer_number=customer.customer_number,
        expires_at=expires.isoformat(),
        message_id=row.message_id,
    )
    if Status(case.status) not in PAUSED_STATUSES:
        ops._apply_pause(
            session,
            case,
            waiting_for="identity",
            reason="one-time code sent to the address in the register",
            reason_code="code_sent",
            actor=actor,
            now=now,
        )
    session.commit()
    return session.get(Outbox, row.id)


def verify_manually(
    session: Session,
    *,
    reference: str,
    method: str,
    reason: str,
    actor: str,
    now: datetime,
    policy: DeskPolicy = DEFAULT_POLICY,
) -> Case:
    """The contact person's own check, with the method and the reason recorded."""
    case = ops.get_case(session, reference)
    ops._apply_verify(
        session, case, method=method, reason=reason, actor=actor, now=now, policy=policy
    )
    delete_identity_documents(session, case, actor=actor, now=now)
    session.commit()
    session.refresh(case)
    return case


def strip_parts(raw: bytes, hashes: set[str], note: str) -> bytes | None:
    """The message with each part whose decoded bytes hash into `hashes` replaced by `note`."""
    try:
        # Read from the header block on, as intake did (mail_intake/parsing.py).
        msg = message_from_bytes(raw.lstrip(b"\r\n"), policy=policy.default)
        for part in msg.walk():
            if part.is_multipart() or not isinstance(part, EmailMessage):
                continue
            data = part.get_payload(decode=True)
            if isinstance(data, bytes) and hashlib.sha256(data).hexdigest() in hashes:
                part.set_content(note, disposition="inline")
        return msg.as_bytes()
    except Exception:  # a message we cannot rewrite must not keep the document either
        return None


def _stub(message: Message, note: str) -> bytes:
    """A mail that stands in for one that could not be rewritten: its headers and the note."""
    stub = EmailMessage()
    stub["Message-ID"] = f"<{message.message_id}>"
    stub["Subject"] = "[identity document removed]"
    stub.set_content(note)
    return stub.as_bytes()


def delete_identity_documents(session: Session, case: Case, *, actor: str, now: datetime) -> int:
    """Delete identity-document attachments of a verified case, from the raw mail too.

    Only the note "identity checked by X on D" stays (design §1.3). The message's
    raw_sha256 keeps the hash of the mail as received, so de-duplication still works.
    Runs inside the caller's transaction; returns how many documents were deleted.
    """
    if case.identity_status != "verified":
        raise UserError(f"{case.reference}: identity documents are kept until verification")
    rows = session.exec(
        select(Attachment, Message)
        .join(Message, col(Attachment.message_id) == col(Message.id))
        .where(
            Message.case_id == case.id,
            col(Attachment.is_identity_document).is_(True),
            col(Attachment.deleted_at).is_(None),
        )
    ).all()
    if not rows:
        return 0
    day = (case.identity_verified_at or now).date().isoformat()
    note_text = f"identity checked by {case.identity_verified_by} on {day}"
    by_message: dict[int, tuple[Message, set[str]]] = {}
    for attachment, message in rows:
        attachment.data = None
        attachment.filename = None  # a file name such as passport_<name>.jpg is personal data
        attachment.deleted_at = now
        session.add(attachment)
        by_message.setdefault(message.id or 0, (message, set()))[1].add(attachment.sha256)
    for message, hashes in by_message.values():
        note = f"[identity document removed: {note_text}]"
        if message.raw is not None:
            message.raw = strip_parts(message.raw, hashes, note)
            session.add(message)
        if message.direction == "in" and message.message_id:
            # The original in the mail server's Processed folder carries the document too.
            session.add(
                MailRedaction(
                    case_id=case.id,
                    message_id=message.message_id,
                    raw_sha256=message.raw_sha256 or "",  # inbound: always set
                    replacement=message.raw or _stub(message, note),
                    requested_at=now,
                )
            )
    ops.record(
        session,
        case,
        actor=actor,
        action=AuditAction.IDENTITY_DOCUMENTS_DELETED,
        now=now,
        count=len(rows),
        note=note_text,
    )
    return len(rows)
