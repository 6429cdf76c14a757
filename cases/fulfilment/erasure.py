"""Right to erasure (GDPR Art. 17): delete or anonymise row by row, keep what the law requires.

Kept, each named with its reason in the reply (Art. 17(3), design §1.3):
- open invoices and debts in collection: legal claims (Art. 17(3)(e); limitation Act 728/2003);
- paid invoices: vouchers for 6 years from the end of the year in which the financial year
  ended, ledger entries for 10 years from the end of the financial year (Accounting Act
  1336/1997 2:10; Art. 17(3)(b)). The financial year is taken to be the calendar year.
A kept invoice keeps its customer row only as an anonymous stub, unless a claim needs to know
who owes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, select

from cases import deadlines
from cases import operations as ops
from cases.controller import ControllerConfig
from cases.drafts import draft_reply
from cases.errors import UserError
from cases.fulfilment.common import (
    already_done,
    disclosures_of,
    draft_notices,
    identify,
    invoices_of,
    orders_of,
    recipients_of,
    record_fulfilment,
    require_ready,
)
from cases.fulfilment.suppression import is_suppressed
from cases.register_lookup import subject_for_case
from store.models import Case, Customer, Draft, Invoice
from templates.labels import LANGUAGES, field_label
from templates.loader import date_local, money

VOUCHER_YEARS = 6  # Kirjanpitolaki 1336/1997 2:10 §: invoices and other vouchers
LEDGER_YEARS = 10  # Kirjanpitolaki 1336/1997 2:10 §: books and financial statements
CLAIM_REASONS = ("open_invoice", "debt_collection")
# Kept for a claim: who owes and where to send the demand. The rest of the row goes.
CLAIM_FIELDS_ERASED = ("phone", "www", "ip_address")
PERSONAL_FIELDS = ("name", "organisation", "email", "postal_address", "phone", "www", "ip_address")

# (fi, sv, en)
_PHRASES: dict[str, tuple[str, str, str]] = {
    "customer_deleted": (
        "asiakastietosi (nimi, organisaatio, yhteystiedot, IP-osoite ja asiakkuuden tiedot)",
        "dina kunduppgifter (namn, organisation, kontaktuppgifter, IP-adress och uppgifter om"
        " kundförhållandet)",
        "your customer details (name, organisation, contact details, IP address and the"
        " details of the customer relationship)",
    ),
    "customer_anonymised": (
        "nimesi, organisaatiosi, yhteystietosi ja IP-osoitteesi; asiakastietueesi on"
        " anonymisoitu, eikä säilytettäviä kirjanpitotietoja voi enää yhdistää sinuun",
        "ditt namn, din organisation, dina kontaktuppgifter och din IP-adress; kundposten har"
        " anonymiserats och de bokföringsuppgifter som bevaras kan inte längre kopplas till dig",
        "your name, organisation, contact details and IP address; your customer record is"
        " anonymised, so the bookkeeping records we keep can no longer be linked to you",
    ),
    "claim_details": (
        "nimesi, edustamasi organisaatio, sähköposti- ja postiosoitteesi sekä asiakasnumerosi",
        "ditt namn, den organisation du företräder, din e-post- och postadress samt ditt"
        " kundnummer",
        "your name, the organisation you represent, your email and postal address and your"
        " customer number",
    ),
    "order": ("tilaus {number} ({day})", "beställning {number} ({day})", "order {number} ({day})"),
    "invoice": (
        "lasku {number} ({day}, {amount}, {status})",
        "faktura {number} ({day}, {amount}, {status})",
        "invoice {number} ({day}, {amount}, {status})",
    ),
    "disclosure": (
        "merkintä tietojesi luovutuksesta vastaanottajalle {recipient} ({day})",
        "uppgiften om att dina uppgifter lämnats ut till {recipient} ({day})",
        "the record that your data was disclosed to {recipient} ({day})",
    ),
    "suppression": (
        "sähköpostiosoitteesi {email} markkinointikieltoluettelossa",
        "din e-postadress {email} i vår spärrlista för marknadsföring",
        "your email address {email} on our marketing suppression list",
    ),
}


def phrase(key: str, lang: str, **values: Any) -> str:
    """A localised item of the erasure reply."""
    texts = _PHRASES[key]
    return texts[LANGUAGES.index(lang) if lang in LANGUAGES else 0].format(**values)


def _day(value: date | None, lang: str) -> str:
    return date_local(value, lang) if value is not None else "–"


def invoice_hold(invoice: Invoice, today: date) -> str | None:
    """Why an invoice must be kept on `today` (a KEPT_REASONS code), or None."""
    if invoice.status == "open":
        return "open_invoice"
    if invoice.status == "in_collection":
        return "debt_collection"
    booked = max(invoice.issued_on.year, invoice.paid_on.year if invoice.paid_on else 0)
    if today <= date(booked + VOUCHER_YEARS, 12, 31):
        return "voucher"
    if today <= date(booked + LEDGER_YEARS, 12, 31):
        return "bookkeeping"
    return None


@dataclass
class ErasureOutcome:
    """What happened to one customer's rows, in the reply's words."""

    erased: list[str] = field(default_factory=list)
    kept: list[dict[str, str]] = field(default_factory=list)
    customer: str = "deleted"  # deleted, anonymised, kept_for_claim


def _invoice_item(invoice: Invoice, lang: str) -> str:
    return phrase(
        "invoice",
        lang,
        number=invoice.number,
        day=_day(invoice.issued_on, lang),
        amount=money(invoice.amount, lang),
        status=field_label(invoice.status, lang),
    )


def anonymise(customer: Customer, *, now: datetime) -> None:
    """Blank every personal field; the row stays only so kept records keep a valid link."""
    for name in PERSONAL_FIELDS:
        setattr(customer, name, None)
    customer.customer_number = f"ANON-{customer.id}"
    customer.restricted = False
    customer.restriction_reason = None
    customer.anonymised_at = now
    customer.updated_at = now


def erase_customer(
    session: Session,
    customer: Customer,
    *,
    now: datetime,
    lang: str,
    keep_stub: bool = False,
) -> ErasureOutcome:
    """Erase one customer's rows, keeping what the law requires; the caller commits."""
    today = deadlines.receipt_date(now)
    out = ErasureOutcome()
    holds: list[str] = []
    for invoice in invoices_of(session, customer):
        hold = invoice_hold(invoice, today)
        if hold:
            holds.append(hold)
            out.kept.append({"item": _invoice_item(invoice, lang), "reason": hold})
        else:
            out.erased.append(_invoice_item(invoice, lang))
            session.delete(invoice)
    for order in orders_of(session, customer):
        out.erased.append(
            phrase(
                "order", lang, number=order.order_number or "–", day=_day(order.ordered_on, lang)
            )
        )
        session.delete(order)
    for disclosure, recipient in disclosures_of(session, customer):
        out.erased.append(
            phrase(
                "disclosure",
                lang,
                recipient=recipient.name,
                day=_day(disclosure.disclosed_on, lang),
            )
        )
        session.delete(disclosure)
    session.flush()  # children first: no ORM relationships tell SQLAlchemy the order
    claims = [h for h in holds if h in CLAIM_REASONS]
    if claims:
        for name in CLAIM_FIELDS_ERASED:
            if getattr(customer, name) is not None:
                out.erased.append(field_label(name, lang))
                setattr(customer, name, None)
        customer.updated_at = now
        reason = "debt_collection" if "debt_collection" in claims else "open_invoice"
        out.kept.append({"item": phrase("claim_details", lang), "reason": reason})
        out.customer = "kept_for_claim"
        session.add(customer)
    elif holds or keep_stub:
        anonymise(customer, now=now)
        out.erased.append(phrase("customer_anonymised", lang))
        out.customer = "anonymised"
        session.add(customer)
    else:
        for linked in session.exec(select(Case).where(Case.customer_id == customer.id)).all():
            linked.customer_id = None
            session.add(linked)
        session.flush()
        out.erased.append(phrase("customer_deleted", lang))
        session.delete(customer)
    session.flush()
    return out


def fulfil_erasure(
    session: Session, *, reference: str, actor: str, now: datetime, controller: ControllerConfig
) -> Draft:
    """Erase the person's register data, draft the Art. 19 notices and the reply."""
    case = ops.get_case(session, reference)
    require_ready(case)
    if already_done(session, case, "erasure") is not None:
        raise UserError(
            f"{case.reference}: already erased; `rightsdesk cases draft` shows the reply"
        )
    lang = case.language
    customer = subject_for_case(session, case)
    outcome = ErasureOutcome()
    notified: list[str] = []
    customer_number = None
    emails = {case.requester_email or ""}
    if customer is not None:
        customer_number = customer.customer_number
        emails.add(customer.email or "")
        drafted, unaddressed = draft_notices(
            session,
            case=case,
            recipients=recipients_of(session, customer),
            person=identify(customer),
            action="erasure",
            actor=actor,
            now=now,
            controller=controller,
        )
        notified = drafted + unaddressed
        outcome = erase_customer(session, customer, now=now, lang=lang)
    for email in sorted(e for e in emails if e):
        if "marketing" in is_suppressed(session, email):
            # The opt-out outlives the erasure, or we could market to the address again.
            item = phrase("suppression", lang, email=email)
            outcome.kept.append({"item": item, "reason": "marketing_suppression"})
    reply = {"erased": outcome.erased, "kept": outcome.kept, "notified_recipients": notified}
    record_fulfilment(
        session,
        case,
        kind="erasure",
        actor=actor,
        now=now,
        customer_number=customer_number,
        reply_context=reply,
        customer_outcome=outcome.customer if customer is not None else "not_found",
    )
    return draft_reply(
        session,
        reference=case.reference,
        template="erasure_done",
        extra_context=reply,
        actor=actor,
        now=now,
        controller=controller,
    )
