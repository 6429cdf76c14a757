"""Objection, marketing opt-out and publication opt-out: suppression entries, effective at once.

An objection to direct marketing is absolute (GDPR Art. 21(3)): no balancing, no delay. The
entries outlive the customer data; they are kept as long as the company markets (design §1.4).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime

from sqlalchemy import bindparam
from sqlmodel import Session, col, func, select

from cases import operations as ops
from cases.addresses import canonical
from cases.controller import ControllerConfig
from cases.drafts import draft_reply
from cases.errors import UserError
from cases.fulfilment.common import already_done, record_fulfilment
from cases.lifecycle import check_transition
from cases.register_lookup import lookup_for_case
from store.actions import AuditAction
from store.models import Case, Customer, Draft, Suppression

SCOPES = ("marketing", "publication", "processing")
KIND_SCOPES: dict[str, tuple[str, ...]] = {
    "objection": ("processing",),  # Art. 21(1): the legitimate-interest purposes
    "marketing_opt_out": ("marketing",),  # Art. 21(2)-(3) and the notice's wider list
    "publication_opt_out": ("publication",),  # the notice's ban on lists and mailing labels
}
# Which suppressions keep an address off a list made for a purpose. Mailing labels for direct
# advertising are marketing too, and an objection covers targeting advertising.
BLOCKED_BY: dict[str, frozenset[str]] = {
    "marketing": frozenset({"marketing", "processing"}),
    "publication": frozenset({"publication", "marketing", "processing"}),
}


# Built once, bound per address: intake asks for every new case.
_SCOPES = select(Suppression.scope).where(func.lower(Suppression.email) == bindparam("address"))


def _norm(email: str) -> str:
    return canonical(email)


def is_suppressed(session: Session, email: str) -> list[str]:
    """The scopes `email` is suppressed for, sorted; empty when it is not suppressed."""
    rows = session.execute(_SCOPES, {"address": _norm(email)}).scalars().all()
    return sorted(set(rows))


def suppress(
    session: Session, *, email: str, scopes: Iterable[str], case: Case | None, now: datetime
) -> list[str]:
    """Add the missing suppression entries for `email` (caller commits); returns those added."""
    address = _norm(email)
    if not address:
        raise UserError("an email address is needed to suppress")
    have = set(is_suppressed(session, address))
    added = []
    for scope in scopes:
        if scope not in SCOPES:
            raise UserError(f"unknown scope {scope!r}; use one of: {', '.join(SCOPES)}")
        if scope in have:
            continue
        session.add(
            Suppression(
                email=address, scope=scope, case_id=case.id if case else None, created_at=now
            )
        )
        have.add(scope)
        added.append(scope)
    session.flush()
    return added


def audience(session: Session, *, purpose: str) -> list[Customer]:
    """Customers a marketing or publication list may include: live, unrestricted, not suppressed.

    Every export for marketing or publication goes through here, so Art. 18 restrictions
    and Art. 21 objections are honoured in one place.
    """
    if purpose not in BLOCKED_BY:
        raise UserError(f"unknown purpose {purpose!r}; use marketing or publication")
    blocked = {
        row
        for row in session.exec(
            select(func.lower(Suppression.email)).where(
                col(Suppression.scope).in_(sorted(BLOCKED_BY[purpose]))
            )
        ).all()
    }
    rows = session.exec(
        select(Customer)
        .where(
            col(Customer.anonymised_at).is_(None),
            col(Customer.restricted).is_(False),
            col(Customer.email).is_not(None),
        )
        .order_by(col(Customer.customer_number))
    ).all()
    return [c for c in rows if (c.email or "").lower() not in blocked]


INTAKE_SCOPES = {"marketing_opt_out": "marketing", "publication_opt_out": "publication"}


def opt_out_at_intake(
    session: Session,
    case: Case,
    *,
    actor: str,
    now: datetime,
    kinds: Collection[str] | None = None,
) -> list[str]:
    """Put the sender's marketing and publication opt-outs in force as the mail is taken in.

    GDPR Art. 21(3): processing for direct marketing stops once the person objects, with no
    balancing and no wait for identity; stopping mail to the address the request came from
    discloses nothing and harms nobody. `kinds`: what the mail asks, when the case does not
    hold it (a case for triage has none yet); the case's kinds by default. The caller
    commits (in the intake transaction).
    """
    asked = case.kinds if kinds is None else kinds
    scopes = sorted({INTAKE_SCOPES[k] for k in asked if k in INTAKE_SCOPES})
    if not scopes or not case.requester_email:
        return []
    added = suppress(session, email=case.requester_email, scopes=scopes, case=case, now=now)
    ops.record(
        session,
        case,
        actor=actor,
        action=AuditAction.OPT_OUT_IN_FORCE,
        now=now,
        scopes=scopes,
        suppressed=[case.requester_email],  # personal: kept out of the chained facts
    )
    return added


def fulfil_suppression(
    session: Session, *, reference: str, actor: str, now: datetime, controller: ControllerConfig
) -> Draft:
    """Record the opt-outs of the case at once and draft the confirmation(s)."""
    case = ops.get_case(session, reference)
    check_transition("draft", case.status)
    kinds = [k for k in case.kinds if k in KIND_SCOPES]
    if not kinds:
        raise UserError(f"{case.reference} has no objection or opt-out to record")
    if already_done(session, case, "suppression") is not None:
        raise UserError(f"{case.reference}: already recorded; `rightsdesk cases draft` shows it")
    if not case.requester_email:
        raise UserError(f"{case.reference} has no email address to suppress")
    emails = {case.requester_email}
    if case.identity_status == "verified":
        # Only a verified requester may opt out the register's address too; an unverified
        # one can still stop mail to the address they wrote from.
        customer = lookup_for_case(session, case).customer
        if customer is not None and customer.email:
            emails.add(customer.email)
    scopes = sorted({s for k in kinds for s in KIND_SCOPES[k]})
    added = {
        email: suppress(session, email=email, scopes=scopes, case=case, now=now) for email in emails
    }
    if case.identity_status != "verified" and set(case.kinds) <= set(KIND_SCOPES):
        # Art. 12(6) proportionality: an opt-out for the sender's own address discloses
        # nothing and harms nobody, so the address it came from is identity enough.
        ops._apply_verify(
            session,
            case,
            method="sender_match",
            reason="the opt-out concerns only the address the request came from",
            reason_code="opt_out_sender_only",
            actor=actor,
            now=now,
        )
    record_fulfilment(
        session,
        case,
        kind="suppression",
        actor=actor,
        now=now,
        customer_number=None,
        reply_context={},
        scopes=scopes,
        suppressed=sorted(emails),
        added={k: v for k, v in added.items() if v} or None,
    )
    templates = []
    if {"objection", "marketing_opt_out"} & set(kinds):
        templates.append("objection_confirmation")
    if "publication_opt_out" in kinds:
        templates.append("publication_opt_out_confirmation")
    # One pending reply at a time: the first now; the runner drafts the next after approval.
    return draft_reply(
        session,
        reference=case.reference,
        template=templates[0],
        extra_context={},
        actor=actor,
        now=now,
        controller=controller,
    )
