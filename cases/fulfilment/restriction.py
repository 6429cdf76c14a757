"""Right to restriction (GDPR Art. 18): a flag on the customer that every export honours.

While restricted, the data is only stored (Art. 18(2)): `suppression.audience` leaves the
customer off marketing and publication lists and the retention sweep holds the row rather
than anonymising it. The person's own requests (access, portability, rectification,
erasure) still run: they are the person's choice, not processing against it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session, select

from cases import deadlines
from cases import operations as ops
from cases.controller import ControllerConfig
from cases.drafts import draft_reply
from cases.errors import NotFound, UserError
from cases.fulfilment.common import (
    already_done,
    draft_notices,
    identify,
    invoices_of,
    orders_of,
    recipients_of,
    record_fulfilment,
    require_ready,
)
from cases.register_lookup import subject_for_case
from store.actions import AuditAction
from store.models import Customer, Draft


def fulfil_restriction(
    session: Session,
    *,
    reference: str,
    actor: str,
    now: datetime,
    controller: ControllerConfig,
    reason: str | None = None,
    accuracy_check_until: date | None = None,
) -> Draft:
    """Restrict the customer's data, draft the Art. 19 notices and the confirmation.

    With `accuracy_check_until` the person contests the data's accuracy (Art. 18(1)(a)):
    the restriction lasts while we check, and the reply says by when.
    """
    case = ops.get_case(session, reference)
    require_ready(case)
    if already_done(session, case, "restriction") is not None:
        raise UserError(
            f"{case.reference}: already restricted; `rightsdesk cases draft` shows the reply"
        )
    customer = subject_for_case(session, case)
    if customer is None:
        raise UserError(f"{case.reference}: the register holds no data about the requester")
    if accuracy_check_until is not None and accuracy_check_until <= deadlines.receipt_date(now):
        raise UserError("the accuracy check's date must be in the future (Art. 18(1)(a))")
    why = (reason or "").strip() or f"requested by the data subject ({case.reference})"
    # What is restricted, as register parts the reply and the notices name.
    restricted = ["customer"]
    restricted += ["orders"] if orders_of(session, customer) else []
    restricted += ["invoices"] if invoices_of(session, customer) else []
    decision: dict[str, object] = {
        "restricted": restricted,
        "accuracy_check_until": accuracy_check_until.isoformat() if accuracy_check_until else None,
    }
    customer.restricted = True
    customer.restriction_reason = why
    customer.updated_at = now
    session.add(customer)
    drafted, unaddressed = draft_notices(
        session,
        case=case,
        recipients=recipients_of(session, customer),
        person=identify(customer),
        action="restriction",
        actor=actor,
        now=now,
        controller=controller,
        decision=decision,
    )
    reply = {"notified_recipients": drafted + unaddressed, **decision}
    record_fulfilment(
        session,
        case,
        kind="restriction",
        actor=actor,
        now=now,
        customer_number=customer.customer_number,
        reply_context=reply,
        reason=why,
    )
    return draft_reply(
        session,
        reference=case.reference,
        template="restriction_confirmation",
        extra_context=reply,
        actor=actor,
        now=now,
        controller=controller,
    )


def lift_restriction(
    session: Session,
    *,
    customer_number: str,
    reason: str,
    informed_at: datetime,
    actor: str,
    now: datetime,
) -> Customer:
    """Lift a restriction; Art. 18(3) requires the person to have been told beforehand."""
    customer = session.exec(
        select(Customer).where(Customer.customer_number == customer_number.strip())
    ).first()
    if customer is None:
        raise NotFound(f"no customer {customer_number.strip()!r} in the register")
    if not customer.restricted:
        raise UserError(f"{customer.customer_number} is not restricted")
    if not reason.strip():
        raise UserError("a reason is required")
    if informed_at > now:
        raise UserError("the person must be told before the restriction is lifted (Art. 18(3))")
    customer.restricted = False
    customer.restriction_reason = None
    customer.updated_at = now
    session.add(customer)
    ops.record(
        session,
        None,
        actor=actor,
        action=AuditAction.RESTRICTION_LIFTED,
        now=now,
        customer_number=customer.customer_number,
        reason=reason.strip(),
        informed_at=informed_at.isoformat(),
    )
    session.commit()
    session.refresh(customer)
    return customer
