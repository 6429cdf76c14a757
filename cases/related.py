"""Other cases of the same person (issue 14.4): by address or by the linked register row."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func, or_
from sqlmodel import Session, col, select

from store.models import Case, Customer


def related_cases(session: Session, case: Case) -> list[Case]:
    """The person's other cases, oldest first: same address or same customer in the register."""
    addresses = {case.requester_email.lower()} if case.requester_email else set()
    customer = session.get(Customer, case.customer_id) if case.customer_id else None
    if customer is not None and customer.email:
        addresses.add(customer.email.lower())
    conditions: list[ColumnElement[bool]] = []
    if addresses:
        conditions.append(func.lower(col(Case.requester_email)).in_(sorted(addresses)))
    if case.customer_id is not None:
        conditions.append(col(Case.customer_id) == case.customer_id)
    if not conditions:
        return []
    query = select(Case).where(or_(*conditions), col(Case.id) != case.id)
    return list(session.exec(query.order_by(col(Case.received_at), col(Case.id))).all())


def related_summary(cases: list[Case]) -> list[dict[str, Any]]:
    """The related cases as `cases show --json` gives them."""
    return [
        {
            "reference": c.reference,
            "kinds": list(c.kinds),
            "status": c.status,
            "receipt_date": c.receipt_date.isoformat(),
        }
        for c in cases
    ]
