"""Right of access (GDPR Art. 15): every register row about the person, readable and as files."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_
from sqlmodel import Session, col, select

from cases import operations as ops
from cases.controller import ControllerConfig
from cases.drafts import draft_reply
from cases.fulfilment.common import (
    CUSTOMER_FIELDS,
    DISCLOSURE_FIELDS,
    INVOICE_FIELDS,
    ORDER_FIELDS,
    disclosures_of,
    exports,
    invoices_of,
    orders_of,
    pick,
    require_ready,
)
from cases.fulfilment.systems import person_for, read_systems, systems_section
from cases.outbox import MailAttachment
from cases.register_lookup import subject_for_case
from cases.tasks import outcomes
from store.actions import AuditAction
from store.models import Case, Customer, Draft, Message, Outbox

DESK_SOURCE = {
    "fi": "tietosuojapyyntöjen käsittely (pyyntösi ja kirjeenvaihto kanssamme)",
    "sv": "hanteringen av dataskyddsbegäranden (dina begäranden och vår korrespondens)",
    "en": "the handling of data protection requests (your requests and our correspondence)",
}
CASE_FIELDS = ("reference", "kinds", "receipt_date", "status", "outcome")
CORRESPONDENCE_FIELDS = ("case", "direction", "date", "subject")


def desk_records(session: Session, case: Case, customer: Customer | None) -> dict[str, Any]:
    """What this desk itself holds about the person (Art. 15(3)): requests and correspondence.

    Their requests are found by their address and by their register row; the mail is each
    message to and from us in those requests, by date and subject (the full text stays in
    our records and is given on request).
    """
    addresses = {a.lower() for a in (case.requester_email, customer and customer.email) if a}
    conditions: list[ColumnElement[bool]] = []
    if addresses:
        conditions.append(func.lower(col(Case.requester_email)).in_(addresses))
    if customer is not None and customer.id is not None:
        conditions.append(col(Case.customer_id) == customer.id)
    found = session.exec(select(Case).where(or_(*conditions))).all() if conditions else []
    cases = sorted({c.id: c for c in [*found, case]}.values(), key=lambda c: c.received_at)
    ids = [c.id for c in cases]
    refs = {c.id: c.reference for c in cases}
    mail: list[dict[str, Any]] = []
    for m in session.exec(select(Message).where(col(Message.case_id).in_(ids))).all():
        if m.direction == "in":
            mail.append(
                {"case": refs[m.case_id], "direction": "in", "date": m.received_at,
                 "subject": m.subject or ""}
            )  # fmt: skip
    sent = select(Outbox).where(col(Outbox.case_id).in_(ids), col(Outbox.sent_at).is_not(None))
    for o in session.exec(sent).all():
        mail.append(
            {"case": refs[o.case_id], "direction": "out", "date": o.sent_at, "subject": o.subject}
        )
    return {
        "cases": [
            {
                "reference": c.reference,
                "kinds": ",".join(c.kinds),
                "receipt_date": c.receipt_date,
                "status": c.status,
                "outcome": c.outcome,
            }
            for c in cases
        ],
        "correspondence": sorted(mail, key=lambda row: row["date"]),
    }


def collect(session: Session, customer: Customer) -> dict[str, Any]:
    """The person's register data: the `subject_data` of the template context."""
    return {
        "customer": pick(customer, CUSTOMER_FIELDS),
        "orders": [pick(o, ORDER_FIELDS) for o in orders_of(session, customer)],
        "invoices": [pick(i, INVOICE_FIELDS) for i in invoices_of(session, customer)],
        # Recipients by name, not by category (CJEU C-154/21).
        "disclosures": [
            {"recipient": r.name, "disclosed_on": d.disclosed_on, "purpose": d.purpose}
            for d, r in disclosures_of(session, customer)
        ],
    }


def access_files(
    *,
    reference: str,
    data: dict[str, Any] | None,
    controller: ControllerConfig,
    now: datetime,
    lang: str = "fi",
    systems: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[MailAttachment]:
    """The copy of the data (Art. 15(3)): one JSON, and a CSV per table with rows.

    The JSON labels each part by its source: the register, this desk's own records, and one
    section per other system of the data map (its tables, or the task a person does there).
    """
    sources: dict[str, Any] = {}
    tables: dict[str, tuple[list[Any], Sequence[str]]] = {}
    if data is not None:
        register = {
            k: v for k, v in data.items() if k not in ("desk", "systems_searched", "in_register")
        }
        sources["register"] = {"name": controller.register_name.get(lang), **register}
        sources["desk"] = {
            "name": DESK_SOURCE[lang if lang in DESK_SOURCE else "fi"],
            **data["desk"],
        }
        tables = {
            "customer": ([data["customer"]] if data["customer"] else [], CUSTOMER_FIELDS),
            "orders": (data["orders"], ORDER_FIELDS),
            "invoices": (data["invoices"], INVOICE_FIELDS),
            "disclosures": (data["disclosures"], DISCLOSURE_FIELDS),
            "requests": (data["desk"]["cases"], CASE_FIELDS),
            "correspondence": (data["desk"]["correspondence"], CORRESPONDENCE_FIELDS),
        }
    payload: dict[str, Any] = {
        "controller": controller.name,
        "reference": reference,
        "generated_at": now,
        "sources": sources,
        "systems": dict(systems or {}),
    }
    for n, section in enumerate((systems or {}).values(), start=1):
        for table, rows in section.get("tables", {}).items():
            if rows:
                tables[f"system{n}-{table}"] = (rows, list(rows[0]))
    return exports(reference, payload, tables, lang)


def fulfil_access(
    session: Session,
    *,
    reference: str,
    actor: str,
    now: datetime,
    controller: ControllerConfig,
    env: Mapping[str, str] | None = None,
) -> Draft:
    """Compile the access report from every system and draft the reply; nothing is changed."""
    case = ops.get_case(session, reference)
    require_ready(case)
    customer = subject_for_case(session, case)
    data = collect(session, customer) if customer is not None else None
    if data is not None:
        data["desk"] = desk_records(session, case, customer)
    mapped = controller.systems_or_register()
    others = [s for s in mapped if s.kind != "register"]
    systems = read_systems(others, env or {}, person_for(case, customer))
    # What an owner reported finding in a manual system counts as much as a table's rows.
    found_by_owner = any(o["outcome"] == "done" for o in outcomes(session, case, "access"))
    found_elsewhere = any(s.get("tables") for s in systems.values()) or found_by_owner
    if data is None and found_elsewhere:
        # Not in the register, but in another system: the reply confirms processing all the same.
        data = {"customer": {}, "orders": [], "invoices": [], "disclosures": []}
        data["desk"] = desk_records(session, case, None)
        data["in_register"] = False  # the reply names the systems, not the register
    if data is not None and others:
        data["systems_searched"] = [s.name for s in mapped]
    files = (
        access_files(
            reference=case.reference,
            data=data,
            controller=controller,
            now=now,
            lang=case.language,
            systems=systems,
        )
        if data is not None or found_elsewhere
        else []
    )
    ops.record(
        session,
        case,
        actor=actor,
        action=AuditAction.ACCESS_COMPILED,
        now=now,
        customer_number=customer.customer_number if customer else None,
        found=data is not None,
        rows={k: len(v) for k, v in data.items() if isinstance(v, list) and k != "systems_searched"}
        if data
        else None,
        systems_searched=[s.name for s in mapped],
        systems=systems_section(systems),
    )
    # A restricted customer's data is still shown to the person: access is not "processing"
    # Art. 18(2) forbids, and the copy says that processing is restricted.
    return draft_reply(
        session,
        reference=case.reference,
        template="access_response",
        extra_context={"subject_data": data},
        actor=actor,
        now=now,
        controller=controller,
        attachments=files,
    )
