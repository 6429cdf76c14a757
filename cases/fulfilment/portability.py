"""Right to data portability (GDPR Art. 20): what the person provided, as JSON and CSV."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from cases import operations as ops
from cases.controller import ControllerConfig
from cases.drafts import draft_reply
from cases.errors import UserError
from cases.fulfilment.common import ORDER_FIELDS, exports, orders_of, pick, require_ready
from cases.register_lookup import subject_for_case
from store.models import Customer, Draft

# Provided by the person, or observed from their use of the service (EDPB WP242 rev.01 §2.1.1):
# not the customer number, relationship dates or invoices, which the controller created.
PROVIDED_FIELDS = ("name", "organisation", "email", "postal_address", "phone", "www", "ip_address")


def provided_data(session: Session, customer: Customer) -> dict[str, Any]:
    """The data the person gave us under the contract (Art. 20(1)(a)): details and orders."""
    return {
        "customer": pick(customer, PROVIDED_FIELDS),
        "orders": [pick(o, ORDER_FIELDS) for o in orders_of(session, customer)],
    }


def fulfil_portability(
    session: Session, *, reference: str, actor: str, now: datetime, controller: ControllerConfig
) -> Draft:
    """Export the provided data and draft the reply with the files attached."""
    case = ops.get_case(session, reference)
    require_ready(case)
    customer = subject_for_case(session, case)
    if customer is None:
        raise UserError(
            f"{case.reference}: the register holds no data about the requester;"
            " answer with `rightsdesk cases draft REF --template refusal`"
        )
    data = provided_data(session, customer)
    payload = {
        "controller": controller.name,
        "reference": case.reference,
        "generated_at": now,
        "legal_basis": "contract, GDPR Art. 6(1)(b)",
        **data,
    }
    files = exports(
        case.reference,
        payload,
        {
            "customer": ([data["customer"]], PROVIDED_FIELDS),
            "orders": (data["orders"], ORDER_FIELDS),
        },
    )
    ops.record(
        session,
        case,
        actor=actor,
        action="portability_exported",
        now=now,
        customer_number=customer.customer_number,
        files=[f.filename for f in files],
    )
    return draft_reply(
        session,
        reference=case.reference,
        template="portability_export",
        extra_context={},
        actor=actor,
        now=now,
        controller=controller,
        attachments=files,
    )
