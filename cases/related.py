"""Other cases of the same person (issue 14.4): by address or by the linked register row."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, false, func, or_
from sqlmodel import Session, col, select

from store.models import Case, Customer


def about_person(customer_id: int | None, addresses: Iterable[str]) -> ColumnElement[bool]:
    """Cases about one person: linked to the register row or sent from one of its addresses."""
    lowered = sorted({a.lower() for a in addresses if a})
    conditions: list[ColumnElement[bool]] = []
    if lowered:
        conditions.append(func.lower(col(Case.requester_email)).in_(lowered))
    if customer_id is not None:
        conditions.append(col(Case.customer_id) == customer_id)
    return or_(false(), *conditions)  # no address and no row: about no one


def related_cases(session: Session, case: Case) -> list[Case]:
    """The person's other cases, oldest first: same address or same customer in the register."""
    customer = session.get(Customer, case.customer_id) if case.customer_id else None
    addresses = [case.requester_email or "", (customer.email or "") if customer else ""]
    query = select(Case).where(about_person(case.customer_id, addresses), col(Case.id) != case.id)
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
