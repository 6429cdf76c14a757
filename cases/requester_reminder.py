"""One reminder mail to a requester who has not answered our identity or clarification request."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from cases import operations as ops
from cases.errors import UserError
from cases.lifecycle import PAUSED_STATUSES, Status
from cases.outbox import Sender, queue_mail
from store.actions import AuditAction
from store.models import CaseEvent, Message, Outbox

ACTION = AuditAction.REQUESTER_REMINDED

_PREFIX = {"fi": "Muistutus", "sv": "Påminnelse", "en": "Reminder"}
_NOTE = {
    "fi": "Muistutamme alla olevasta viestistämme. Pyyntösi käsittely on keskeytetty, kunnes "
    "saamme vastauksesi.",
    "sv": "Vi påminner om vårt meddelande nedan. Behandlingen av din begäran är vilande tills "
    "vi får ditt svar.",
    "en": "This is a reminder of our message below. Your request is on hold until we hear "
    "from you.",
}


def remind_requester(
    session: Session, *, reference: str, actor: str, now: datetime, sender: Sender
) -> Outbox:
    """Send our last question to the requester again, once per wait (EDPB 01/2022 §159).

    The clock stays paused; a second reminder in the same wait is refused, so the
    desk never nags. The mail repeats the exact text asked, with a short note.
    """
    case = ops.get_case(session, reference)
    if Status(case.status) not in PAUSED_STATUSES or case.paused_since is None:
        raise UserError(f"{case.reference} is not waiting for the requester")
    if case.requester_undeliverable:
        raise UserError(f"{case.reference}: the requester's address bounced")
    already = session.exec(
        select(CaseEvent.id).where(
            CaseEvent.case_id == case.id,
            CaseEvent.action == ACTION,
            col(CaseEvent.at) >= case.paused_since,
        )
    ).first()
    if already is not None:
        raise UserError(f"{case.reference}: the requester was already reminded once")
    asked = session.exec(
        select(Message)
        .where(
            Message.case_id == case.id, Message.direction == "out", col(Message.received_at) <= now
        )
        .order_by(col(Message.received_at).desc(), col(Message.id).desc())
    ).first()
    if asked is None or not asked.body_text or not asked.to_addrs:
        raise UserError(f"{case.reference}: nothing was asked of the requester by mail")
    lang = case.language if case.language in _PREFIX else "en"
    subject = f"{_PREFIX[lang]}: {asked.subject or case.reference}"
    if f"[{case.reference}]" not in subject:
        subject = f"[{case.reference}] {subject}"
    row = queue_mail(
        session,
        case=case,
        sender=sender,
        # To the address the question went to: a one-time code goes to the register's
        # address, never to whoever wrote in (Art. 12(6)).
        to=asked.to_addrs,
        subject=subject,
        text=f"{_NOTE[lang]}\n\n{asked.body_text}",
        html=None,
        purpose="reminder",
        now=now,
        in_reply_to=asked.message_id,
        references=[*asked.references, asked.message_id],
    )
    assert row is not None  # not automatic: the daily cap does not apply
    ops.record(session, case, actor=actor, action=ACTION, now=now, message=row.message_id)
    session.commit()
    sent = session.get(Outbox, row.id)
    assert sent is not None
    return sent
