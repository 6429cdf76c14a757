"""Right of access (GDPR Art. 15): every register row about the person, readable and as files."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

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
from cases.outbox import MailAttachment
from cases.register_lookup import subject_for_case
from store.models import Customer, Draft


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
    *, reference: str, data: dict[str, Any], controller: ControllerConfig, now: datetime
) -> list[MailAttachment]:
    """The copy of the data (Art. 15(3)): one JSON, and a CSV per table with rows."""
    payload = {
        "controller": controller.name,
        "register": controller.register_name.en,
        "reference": reference,
        "generated_at": now,
        **data,
    }
    tables = {
        "customer": ([data["customer"]], CUSTOMER_FIELDS),
        "orders": (data["orders"], ORDER_FIELDS),
        "invoices": (data["invoices"], INVOICE_FIELDS),
        "disclosures": (data["disclosures"], DISCLOSURE_FIELDS),
    }
    return exports(reference, payload, tables)


def fulfil_access(
    session: Session, *, reference: str, actor: str, now: datetime, controller: ControllerConfig
) -> Draft:
    """Compile the access report and draft the reply; the register is only read."""
    case = ops.get_case(session, reference)
    require_ready(case)
    customer = subject_for_case(session, case)
    data = collect(session, customer) if customer is not None else None
    files = (
        access_files(reference=case.reference, data=data, controller=controller, now=now)
        if data is not None
        else []
    )
    ops.record(
        session,
        case,
        actor=actor,
        action="access_compiled",
        now=now,
        customer_number=customer.customer_number if customer else None,
        found=data is not None,
        rows={k: len(v) for k, v in data.items() if isinstance(v, list)} if data else None,
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
