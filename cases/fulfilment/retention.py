"""The retention sweep: storage limitation (GDPR Art. 5(1)(e)) for customers and case records.

Customers whose relationship ended more than `retention_years` ago (the privacy notice: 10)
are anonymised, unless an open invoice or a debt in collection still holds them, the data
is restricted (Art. 18), or an open case concerns them. Closed case records are purged
after `case_retention_years` (design §1.4), unless a task of theirs is still open or the
restriction they made is still in force; suppression entries are never purged here,
since an opt-out must outlive everything else (Art. 21(3)).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import delete
from sqlmodel import Session, col, select

from cases import deadlines
from cases import operations as ops
from cases.controller import ControllerConfig
from cases.fulfilment.common import already_done
from cases.fulfilment.erasure import erase_customer
from cases.fulfilment.restriction_state import restriction_in_force
from cases.related import about_person
from store import audit
from store.actions import AuditAction
from store.models import (
    Attachment,
    Case,
    CasePause,
    Customer,
    Draft,
    Fulfilment,
    Invoice,
    Message,
    Outbox,
    OutboxAttachment,
    RecipientNoticeNeeded,
    Suppression,
    Task,
    VerificationCode,
)


def add_years(day: date, years: int) -> date:
    """The same date `years` later; 29 February becomes 28 February in a common year."""
    year = day.year + years
    return day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))


@dataclass
class SweepReport:
    """What the sweep did, or would do with --dry-run."""

    dry_run: bool
    anonymised: list[str] = field(default_factory=list)  # customer numbers, as they were
    held: list[tuple[str, str]] = field(default_factory=list)  # (customer number, why)
    purged_cases: list[str] = field(default_factory=list)
    held_cases: list[tuple[str, str]] = field(default_factory=list)  # (reference, why)


def _hold(session: Session, customer: Customer) -> str | None:
    statuses = set(
        session.exec(select(Invoice.status).where(Invoice.customer_id == customer.id)).all()
    )
    if "in_collection" in statuses:
        return "debt in collection (Art. 17(3)(e), Act 728/2003)"
    if "open" in statuses:
        return "open invoice (Art. 17(3)(e))"
    if customer.restricted:
        return "restricted (Art. 18)"
    # An open request concerns the customer whether it was linked or came from their address.
    concerns = about_person(customer.id, [customer.email or ""])
    active = session.exec(select(Case.reference).where(concerns, col(Case.is_active))).first()
    if active is not None:
        return f"open case {active}"
    return None


def _expired_customers(session: Session, today: date, years: int) -> list[Customer]:
    rows = session.exec(
        select(Customer)
        .where(col(Customer.anonymised_at).is_(None), col(Customer.relationship_end).is_not(None))
        .order_by(col(Customer.customer_number))
    ).all()
    return [c for c in rows if c.relationship_end and add_years(c.relationship_end, years) < today]


def _expired_cases(session: Session, today: date, years: int) -> list[Case]:
    rows = session.exec(
        select(Case).where(col(Case.closed_at).is_not(None)).order_by(col(Case.id))
    ).all()
    return [
        c
        for c in rows
        if c.closed_at is not None
        and "purged_at" not in c.evidence
        and add_years(deadlines.receipt_date(c.closed_at), years) < today
    ]


def _case_hold(session: Session, case: Case) -> str | None:
    """Why a closed case's record must outlive its retention period, if it must."""
    task = session.exec(
        select(Task.id).where(Task.case_id == case.id, Task.status == "open").order_by(col(Task.id))
    ).first()
    if task is not None:  # its owner still reports there, and the reminders chase it
        return f"open task {task}"
    if already_done(session, case, "restriction") is not None and restriction_in_force(
        session, case
    ):
        # Art. 18(3): lifting puts back the values the restriction replaced, which only this
        # record holds (also after its own lift, while another case's restriction of the
        # person stands); purging it would leave the person restricted for good.
        return "restriction in force (Art. 18)"
    return None


def purge_case(session: Session, case: Case, *, actor: str, now: datetime) -> None:
    """Delete a closed case's mail, drafts and codes; keep the bare facts of the procedure."""
    message_ids = list(session.exec(select(Message.id).where(Message.case_id == case.id)).all())
    if message_ids:
        session.exec(delete(Attachment).where(col(Attachment.message_id).in_(message_ids)))
    session.exec(delete(Draft).where(col(Draft.case_id) == case.id))
    case_mail = select(Outbox.id).where(col(Outbox.case_id) == case.id)
    session.exec(delete(OutboxAttachment).where(col(OutboxAttachment.outbox_id).in_(case_mail)))
    session.exec(delete(Outbox).where(col(Outbox.case_id) == case.id))
    session.exec(delete(Message).where(col(Message.case_id) == case.id))
    session.exec(delete(VerificationCode).where(col(VerificationCode.case_id) == case.id))
    session.exec(delete(Task).where(col(Task.case_id) == case.id))  # owners' notes and files
    # Its events' personal part held these names too; the purge erases both.
    session.exec(delete(RecipientNoticeNeeded).where(col(RecipientNoticeNeeded.case_id) == case.id))
    for pause in session.exec(select(CasePause).where(CasePause.case_id == case.id)).all():
        pause.reason = None  # the interval stays (it moved the deadline); the free text goes
        session.add(pause)
    for done in session.exec(select(Fulfilment).where(Fulfilment.case_id == case.id)).all():
        done.reply_context = None  # which right was carried out, and when, stays; the data goes
        session.add(done)
    for row in session.exec(select(Suppression).where(Suppression.case_id == case.id)).all():
        row.case_id = None  # the opt-out stays; only its link to the purged case goes
        session.add(row)
    case.requester_name = None
    case.requester_email = None
    case.summary = None
    case.identity_reason = None
    case.customer_id = None
    case.extension_reason = None
    if case.outcome:  # "refused: <reasons>" keeps only the decision
        case.outcome = case.outcome.split(":", 1)[0]
    case.evidence = {"purged_at": now.isoformat()}
    case.updated_at = now
    session.add(case)
    assert case.id is not None
    # The events' personal parts (texts sent, addresses, reasons) go too; their salted
    # hashes stay in the chain, which the purge event below accounts for.
    redacted = audit.redact_case(session, case.id)
    ops.record(
        session,
        case,
        actor=actor,
        action=audit.PURGE_ACTION,
        now=now,
        messages=len(message_ids),
        events_redacted=redacted,
    )


def sweep(
    session: Session,
    *,
    now: datetime,
    controller: ControllerConfig,
    actor: str = "retention",
    dry_run: bool = False,
) -> SweepReport:
    """Anonymise expired customers and purge expired case records; --dry-run only reports."""
    today = deadlines.receipt_date(now)
    report = SweepReport(dry_run=dry_run)
    for customer in _expired_customers(session, today, controller.retention_years):
        why = _hold(session, customer)
        if why is not None:
            report.held.append((customer.customer_number, why))
            continue
        number = customer.customer_number
        report.anonymised.append(number)
        if not dry_run:
            ended = customer.relationship_end.isoformat() if customer.relationship_end else None
            erase_customer(
                session, customer, now=now, lang=controller.fallback_language, keep_stub=True
            )
            ops.record(
                session,
                None,
                actor=actor,
                action=AuditAction.RETENTION_ANONYMISE,
                now=now,
                customer_number=number,
                relationship_end=ended,
                retention_years=controller.retention_years,
            )
    for case in _expired_cases(session, today, controller.case_retention_years):
        why = _case_hold(session, case)
        if why is not None:
            report.held_cases.append((case.reference, why))
            continue
        report.purged_cases.append(case.reference)
        if not dry_run:
            purge_case(session, case, actor=actor, now=now)
    if dry_run:
        session.rollback()
    else:
        session.commit()
    return report
