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

from collections.abc import Mapping, Sequence
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
from cases.fulfilment.systems import erase_in_systems, person_for
from cases.register_lookup import subject_for_case
from store.models import Case, Customer, Draft, Invoice
from templates.labels import LANGUAGES, field_label, kept_reason
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
    "sql_deleted": (
        "{system}: taulun {table} rivit ({count})",
        "{system}: raderna i tabellen {table} ({count})",
        "{system}: the rows of table {table} ({count})",
    ),
    "sql_columns": (
        "{system}: taulun {table} tiedot {columns} (rivejä: {count})",
        "{system}: uppgifterna {columns} i tabellen {table} (rader: {count})",
        "{system}: {columns} in table {table} (rows: {count})",
    ),
    "sql_kept": (
        "{system}: taulun {table} rivit ({count})",
        "{system}: raderna i tabellen {table} ({count})",
        "{system}: the rows of table {table} ({count})",
    ),
    "until_condition": (
        "niin kauan kuin säilyttämisen peruste on voimassa",
        "så länge grunden för att bevara dem gäller",
        "for as long as the reason for keeping them applies",
    ),
    "until_day": ("{day} asti", "till och med {day}", "until {day}"),
    "until_claim": (
        "kunnes saatava on maksettu tai vanhentunut",
        "tills fordran är betald eller preskriberad",
        "until the claim is paid or time-barred",
    ),
    "until_opt_out": (
        "niin kauan kuin kieltosi on voimassa",
        "så länge ditt förbud gäller",
        "for as long as your objection stands",
    ),
}


def phrase(key: str, lang: str, **values: Any) -> str:
    """A localised item of the erasure reply."""
    texts = _PHRASES[key]
    return texts[LANGUAGES.index(lang) if lang in LANGUAGES else 0].format(**values)


def _day(value: date | None, lang: str) -> str:
    return date_local(value, lang) if value is not None else "–"


def _booked_year(invoice: Invoice) -> int:
    # The financial year is taken to be the calendar year of the last entry on the invoice.
    return max(invoice.issued_on.year, invoice.paid_on.year if invoice.paid_on else 0)


def voucher_until(invoice: Invoice) -> date:
    """The last day the invoice must be kept as a voucher (Accounting Act 2:10: 6 years)."""
    return date(_booked_year(invoice) + VOUCHER_YEARS, 12, 31)


def invoice_hold(invoice: Invoice, today: date) -> str | None:
    """Why an invoice must be kept on `today` (a KEPT_REASONS code), or None."""
    if invoice.status == "open":
        return "open_invoice"
    if invoice.status == "in_collection":
        return "debt_collection"
    if today <= voucher_until(invoice):
        return "voucher"
    if today <= date(_booked_year(invoice) + LEDGER_YEARS, 12, 31):
        return "bookkeeping"
    return None


def _hold_until(invoice: Invoice, reason: str) -> tuple[str, dict[str, Any]]:
    if reason in CLAIM_REASONS:
        return ("until_claim", {})
    if reason == "voucher":
        return ("until_day", {"day": voucher_until(invoice)})
    return ("until_day", {"day": date(_booked_year(invoice) + LEDGER_YEARS, 12, 31)})


@dataclass(frozen=True)
class Entry:
    """One item of the decision: a phrase key and its values, with why and until when kept."""

    key: str
    values: dict[str, Any]
    reason: str | None = None
    until: tuple[str, dict[str, Any]] | None = None

    def text(self, lang: str) -> str:
        """The item in `lang` (dates and sums written as that language writes them)."""
        return _render(self.key, self.values, lang)


def _render(key: str, values: dict[str, Any], lang: str) -> str:
    if key in FIELD_KEYS:
        return field_label(key, lang)
    shown = {
        k: _day(v, lang) if isinstance(v, date) else money(v, lang) if k == "amount" else v
        for k, v in values.items()
    }
    if "status" in shown:
        shown["status"] = field_label(str(shown["status"]), lang)
    return phrase(key, lang, **shown)


FIELD_KEYS = frozenset(PERSONAL_FIELDS)


@dataclass
class ErasureOutcome:
    """The erasure decision for one customer: what went, what stays, why and until when.

    The reply and every Art. 19 notice are written from this one record, each in its own
    language, so that they can never say different things.
    """

    erased_entries: list[Entry] = field(default_factory=list)
    kept_entries: list[Entry] = field(default_factory=list)
    customer: str = "deleted"  # deleted, anonymised, kept_for_claim

    def erased(self, lang: str) -> list[str]:
        """What was erased, in `lang`."""
        return [e.text(lang) for e in self.erased_entries]

    def kept(self, lang: str) -> list[dict[str, str]]:
        """What is kept, with the reason code and until when, in `lang`."""
        return [_kept(e, lang) for e in self.kept_entries]

    def by_system(
        self, lang: str, register: str, systems: Sequence[str] = ()
    ) -> list[dict[str, Any]]:
        """The same record cut per system of the data map: name, erased, kept (in `lang`).

        Entries without a `system` value are the built-in register's; every name in
        `systems` gets its section, empty until something is recorded for it (a task).
        """
        named = [str(e.values["system"]) for e in self._all() if "system" in e.values]
        names = [register, *systems, *named]
        sections: dict[str, dict[str, Any]] = {
            n: {"system": n, "erased": [], "kept": []} for n in dict.fromkeys(names)
        }
        for e in self.erased_entries:
            sections[str(e.values.get("system", register))]["erased"].append(e.text(lang))
        for e in self.kept_entries:
            sections[str(e.values.get("system", register))]["kept"].append(_kept(e, lang))
        return list(sections.values())

    def _all(self) -> list[Entry]:
        return [*self.erased_entries, *self.kept_entries]


def _kept(e: Entry, lang: str) -> dict[str, str]:
    # A hold of a company system names its law beside the reason (Art. 17(3)(b)).
    law = e.values.get("law")
    reason = e.reason or ""
    return {
        "item": e.text(lang),
        "reason": f"{kept_reason(reason, lang)} ({law})" if law else reason,
        "until": _render(e.until[0], e.until[1], lang) if e.until else "",
    }


def _invoice(invoice: Invoice) -> dict[str, Any]:
    return {
        "number": invoice.number,
        "day": invoice.issued_on,
        "amount": invoice.amount,
        "status": invoice.status,
    }


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
    disclosure_log_until: date | None = None,
) -> ErasureOutcome:
    """Erase one customer's rows, keeping what the law requires; the caller commits.

    `disclosure_log_until`: keep the record of disclosures (to whom, when) until then, as
    Art. 19 needs it to tell the recipients and to show that they were told.
    """
    del lang  # the outcome is written out later, in each reader's language
    today = deadlines.receipt_date(now)
    out = ErasureOutcome()
    holds: list[str] = []
    claim_days: list[date] = []
    for invoice in invoices_of(session, customer):
        hold = invoice_hold(invoice, today)
        if hold:
            holds.append(hold)
            out.kept_entries.append(
                Entry("invoice", _invoice(invoice), hold, _hold_until(invoice, hold))
            )
            if hold in CLAIM_REASONS:
                claim_days.append(invoice.issued_on)
                # A claim is also a voucher: after it is settled the bookkeeping keeps it.
                out.kept_entries.append(
                    Entry("invoice", _invoice(invoice), "voucher", _hold_until(invoice, "voucher"))
                )
        else:
            out.erased_entries.append(Entry("invoice", _invoice(invoice)))
            session.delete(invoice)
    evidence_until = max(claim_days) if claim_days else None
    for order in orders_of(session, customer):
        values = {"number": order.order_number or "–", "day": order.ordered_on}
        if evidence_until is not None and order.ordered_on and order.ordered_on <= evidence_until:
            # The orders behind a live claim are its evidence (Art. 17(3)(e)).
            out.kept_entries.append(Entry("order", values, "claim_evidence", ("until_claim", {})))
            continue
        out.erased_entries.append(Entry("order", values))
        session.delete(order)
    for disclosure, recipient in disclosures_of(session, customer):
        values = {"recipient": recipient.name, "day": disclosure.disclosed_on}
        if disclosure_log_until is not None:
            out.kept_entries.append(
                Entry(
                    "disclosure",
                    values,
                    "disclosure_log",
                    ("until_day", {"day": disclosure_log_until}),
                )
            )
            continue
        out.erased_entries.append(Entry("disclosure", values))
        session.delete(disclosure)
    session.flush()  # children first: no ORM relationships tell SQLAlchemy the order
    claims = [h for h in holds if h in CLAIM_REASONS]
    if claims:
        for name in CLAIM_FIELDS_ERASED:
            if getattr(customer, name) is not None:
                out.erased_entries.append(Entry(name, {}))
                setattr(customer, name, None)
        customer.updated_at = now
        reason = "debt_collection" if "debt_collection" in claims else "open_invoice"
        out.kept_entries.append(Entry("claim_details", {}, reason, ("until_claim", {})))
        out.customer = "kept_for_claim"
        session.add(customer)
    elif holds or keep_stub or (disclosure_log_until is not None and out.kept_entries):
        anonymise(customer, now=now)
        out.erased_entries.append(Entry("customer_anonymised", {}))
        out.customer = "anonymised"
        session.add(customer)
    else:
        for linked in session.exec(select(Case).where(Case.customer_id == customer.id)).all():
            linked.customer_id = None
            session.add(linked)
        session.flush()
        out.erased_entries.append(Entry("customer_deleted", {}))
        session.delete(customer)
    session.flush()
    return out


def system_entries(detail: Mapping[str, Any]) -> tuple[list[Entry], list[Entry]]:
    """The erased and kept items of one system's outcome, as the decision record has them."""
    system = str(detail["system"])
    groups: dict[tuple[str, str, str], int] = {}
    for change in detail.get("changes", []):
        columns = "" if change["action"] == "delete" else ", ".join(change["columns"])
        group = (change["table"], change["action"], columns)
        groups[group] = groups.get(group, 0) + 1
    erased = [
        Entry(
            "sql_deleted" if action == "delete" else "sql_columns",
            {"system": system, "table": table, "count": count, "columns": columns},
        )
        for (table, action, columns), count in groups.items()
    ]
    kept: list[Entry] = []
    for hold in detail.get("kept", []):
        until: tuple[str, dict[str, Any]]
        if hold["until"]:
            until = ("until_day", {"day": date.fromisoformat(hold["until"])})
        else:
            until = ("until_condition", {})
        reason = "kept_with_row" if hold["reason"] == "kept_with" else hold["reason"]
        values = {"system": system, "table": hold["table"], "count": hold["rows"]}
        if hold["reason"] != "kept_with":
            values["law"] = hold["law"]
        kept.append(Entry("sql_kept", values, reason, until))
    return erased, kept


def fulfil_erasure(
    session: Session,
    *,
    reference: str,
    actor: str,
    now: datetime,
    controller: ControllerConfig,
    env: Mapping[str, str] | None = None,
) -> Draft:
    """Erase the person's data in every system and the register; draft notices and reply.

    The company's `sql` systems go first, each in its own transaction and each recorded as
    it is done (cases.fulfilment.systems); the register and the reply are the last step.
    """
    case = ops.get_case(session, reference)
    require_ready(case)
    if already_done(session, case, "erasure") is not None:
        raise UserError(
            f"{case.reference}: already erased; `rightsdesk cases draft` shows the reply"
        )
    lang = case.language
    customer = subject_for_case(session, case)
    outcome = ErasureOutcome()
    mapped = controller.systems_or_register()
    searched = [s.name for s in mapped]
    subject = person_for(case, customer)
    for detail in erase_in_systems(
        session,
        case,
        systems=mapped,
        env=env or {},
        person=subject,
        actor=actor,
        now=now,
        today=deadlines.receipt_date(now),
    ):
        erased, kept = system_entries(detail)
        outcome.erased_entries.extend(erased)
        outcome.kept_entries.extend(kept)
    customer = subject_for_case(session, case)  # the session was committed meanwhile
    notified: list[str] = []
    customer_number = None
    emails = {case.requester_email or ""}
    today = deadlines.receipt_date(now)
    log_until = date(today.year + controller.case_retention_years, 12, 31)
    if customer is not None:
        customer_number = customer.customer_number
        emails.add(customer.email or "")
        person = identify(customer)  # before the erasure: the notices must say whose data
        recipients = recipients_of(session, customer)
        register = erase_customer(
            session, customer, now=now, lang=lang, disclosure_log_until=log_until
        )
        outcome.erased_entries[:0] = register.erased_entries
        outcome.kept_entries[:0] = register.kept_entries
        outcome.customer = register.customer
    for email in sorted(e for e in emails if e):
        if "marketing" in is_suppressed(session, email):
            # The opt-out outlives the erasure, or we could market to the address again.
            outcome.kept_entries.append(
                Entry(
                    "suppression",
                    {"email": email},
                    "marketing_suppression",
                    ("until_opt_out", {}),
                )
            )
    if customer is not None:
        notice_lang = controller.fallback_language
        drafted, unaddressed = draft_notices(
            session,
            case=case,
            recipients=recipients,
            person=person,
            action="erasure",
            actor=actor,
            now=now,
            controller=controller,
            decision={
                "erased": outcome.erased(notice_lang),
                "kept": outcome.kept(notice_lang),
            },
        )
        notified = drafted + unaddressed
    reply = {
        "erased": outcome.erased(lang),
        "kept": outcome.kept(lang),
        "notified_recipients": notified,
        # The register's disclosures are all the desk knows of (Art. 19): none claimed without.
        "disclosures_known": customer is not None,
        # The same record per system of the data map (manual systems add their tasks' part).
        "systems": outcome.by_system(
            lang,
            controller.register_name.get(lang),
            [s.name for s in mapped if s.kind != "register"],
        ),
    }
    record_fulfilment(
        session,
        case,
        kind="erasure",
        actor=actor,
        now=now,
        customer_number=customer_number,
        reply_context=reply,
        customer_outcome=outcome.customer if customer is not None else "not_found",
        systems_searched=searched,
        # The same decision in every language, for the dossier's versions (issue 14.9).
        decision={
            code: {"erased": outcome.erased(code), "kept": outcome.kept(code)} for code in LANGUAGES
        },
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
