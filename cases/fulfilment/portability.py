"""Right to data portability (GDPR Art. 20): what the person provided, as JSON and CSV."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session

from cases import operations as ops
from cases.controller import ControllerConfig
from cases.drafts import draft_reply
from cases.errors import UserError
from cases.fulfilment.common import ORDER_FIELDS, exports, orders_of, pick, require_ready
from cases.fulfilment.systems import person_for, read_systems
from cases.register_lookup import subject_for_case
from store.actions import AuditAction
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
    session: Session,
    *,
    reference: str,
    actor: str,
    now: datetime,
    controller: ControllerConfig,
    env: Mapping[str, str] | None = None,
) -> Draft:
    """Export the provided data from every system and draft the reply with the files attached."""
    case = ops.get_case(session, reference)
    require_ready(case)
    customer = subject_for_case(session, case)
    others = [s for s in controller.systems_or_register() if s.kind == "sql"]
    systems = read_systems(others, env or {}, person_for(case, customer), portability=True)
    if customer is None and not any(s.get("tables") for s in systems.values()):
        raise UserError(
            f"{case.reference}: no system holds data about the requester;"
            " answer with `rightsdesk cases draft REF --template refusal`"
        )
    data = (
        provided_data(session, customer) if customer is not None else {"customer": {}, "orders": []}
    )
    payload: dict[str, Any] = {
        "controller": controller.name,
        "reference": case.reference,
        "generated_at": now,
        "legal_basis": "contract, GDPR Art. 6(1)(b)",
        **data,
    }
    tables: dict[str, tuple[list[Any], Sequence[str]]] = {
        "customer": ([data["customer"]] if data["customer"] else [], PROVIDED_FIELDS),
        "orders": (data["orders"], ORDER_FIELDS),
    }
    if systems:
        # One section per system of the data map, and a CSV per table of each.
        payload["systems"] = systems
        for n, section in enumerate(systems.values(), start=1):
            for table, rows in section["tables"].items():
                tables[f"system{n}-{table}"] = (rows, list(rows[0]))
    files = exports(case.reference, payload, tables)
    ops.record(
        session,
        case,
        actor=actor,
        action=AuditAction.PORTABILITY_EXPORTED,
        now=now,
        customer_number=customer.customer_number if customer else None,
        files=[f.filename for f in files],
        systems_searched=[s.name for s in controller.systems_or_register()],
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
