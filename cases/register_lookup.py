"""Find the data subject's rows in the customer register: by email, then name and organisation.

A match must be certain: two candidates go to the contact person, never to a guess, because
answering the wrong person discloses someone else's data (GDPR Art. 5(1)(f), Art. 12(6)).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam
from sqlmodel import Session, col, func, select

from cases.addresses import canonical
from cases.errors import NotFound, UserError
from cases.operations import record
from store.actions import AuditAction
from store.models import Case, Customer


class AmbiguousSubject(UserError):
    """More than one register row could be the requester: the contact person must choose."""


@dataclass(frozen=True)
class Lookup:
    """The outcome of a register search: one customer, none, or candidates for a human."""

    customer: Customer | None = None
    matched_by: str | None = None  # email, name_organisation, linked
    candidates: list[Customer] = field(default_factory=list)
    problem: str | None = None  # set when ambiguous: what the contact person must decide

    @property
    def ambiguous(self) -> bool:
        """True when more than one row fits and nobody has chosen."""
        return self.problem is not None


# Built once, bound per search: intake searches the register for every new case.
_BY_EMAIL = select(Customer).where(
    func.lower(Customer.email) == bindparam("address"), col(Customer.anonymised_at).is_(None)
)


def _norm(text: str | None) -> str:
    return " ".join((text or "").split()).casefold()


def _ambiguous(candidates: list[Customer], what: str) -> Lookup:
    numbers = ", ".join(c.customer_number for c in candidates)
    return Lookup(
        candidates=candidates,
        problem=f"{len(candidates)} customers match by {what} ({numbers}); "
        "choose one with `rightsdesk cases link REF CUSTOMER_NUMBER`",
    )


def find_subject(
    session: Session,
    *,
    email: str | None,
    name: str | None = None,
    organisation: str | None = None,
) -> Lookup:
    """Search by email; if none has it, by name and organisation together; never by name alone."""
    # Anonymised rows are no longer about anyone: never a match.
    address = canonical(email or "")
    if address:
        rows = list(session.execute(_BY_EMAIL, {"address": address}).scalars().all())
        if len(rows) == 1:
            return Lookup(customer=rows[0], matched_by="email")
        if rows:
            return _ambiguous(rows, "email address")
    if not _norm(name):
        return Lookup()
    same_name = [
        c
        for c in session.exec(select(Customer).where(col(Customer.anonymised_at).is_(None))).all()
        if _norm(c.name) == _norm(name)
    ]
    if not same_name:
        return Lookup()
    if not _norm(organisation):
        # A name alone is not enough to tell two people apart: a human decides.
        return _ambiguous(same_name, "name only")
    rows = [c for c in same_name if _norm(c.organisation) == _norm(organisation)]
    if len(rows) == 1:
        return Lookup(customer=rows[0], matched_by="name_organisation")
    if rows:
        return _ambiguous(rows, "name and organisation")
    return Lookup()


def lookup_for_case(session: Session, case: Case) -> Lookup:
    """The case's customer: the one the contact person linked, else a register search."""
    if case.customer_id is not None:
        customer = session.get(Customer, case.customer_id)
        if customer is not None and customer.anonymised_at is None:
            return Lookup(customer=customer, matched_by="linked")
        return Lookup()
    organisation = case.evidence.get("organisation") if case.evidence else None
    return find_subject(
        session,
        email=case.requester_email,
        name=case.requester_name,
        organisation=organisation if isinstance(organisation, str) else None,
    )


def subject_for_case(session: Session, case: Case) -> Customer | None:
    """The case's customer, None when the register holds nothing; AmbiguousSubject if unsure."""
    found = lookup_for_case(session, case)
    if found.ambiguous:
        raise AmbiguousSubject(f"{case.reference}: {found.problem}")
    return found.customer


def link_customer(
    session: Session, *, case: Case, customer_number: str, actor: str, now: datetime
) -> Case:
    """Record the contact person's choice of register row for the case."""
    customer = session.exec(
        select(Customer).where(Customer.customer_number == customer_number.strip())
    ).first()
    if customer is None or customer.anonymised_at is not None:
        raise NotFound(f"no customer {customer_number.strip()!r} in the register")
    case.customer_id = customer.id
    case.updated_at = now
    session.add(case)
    record(
        session,
        case,
        actor=actor,
        action=AuditAction.LINK_CUSTOMER,
        now=now,
        customer_number=customer.customer_number,
    )
    session.commit()
    session.refresh(case)
    return case
