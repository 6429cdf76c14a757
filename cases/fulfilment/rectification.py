"""Right to rectification (GDPR Art. 16), with the Art. 19 notices to the recipients."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session

from cases import operations as ops
from cases.controller import ControllerConfig
from cases.drafts import draft_reply
from cases.errors import UserError
from cases.fulfilment.common import (
    already_done,
    draft_notices,
    identify,
    recipients_of,
    record_fulfilment,
    require_ready,
)
from cases.fulfilment.systems import person_for, rectify_in_systems
from cases.register_lookup import subject_for_case
from cases.systems import SqlSystem
from store.models import Case, Customer, Draft

# What a person can correct about themselves; the rest is the controller's own bookkeeping.
EDITABLE_FIELDS = ("name", "organisation", "email", "postal_address", "phone", "www")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def parse_corrections(pairs: Sequence[str]) -> dict[str, str | None]:
    """`field=value` pairs; an empty value removes the field (Art. 16: completing or clearing)."""
    corrections: dict[str, str | None] = {}
    for pair in pairs:
        field, sep, value = pair.partition("=")
        field = field.strip()
        if not sep or not field:
            raise UserError(f"not a correction: {pair!r}; write FIELD=VALUE")
        corrections[field] = value.strip() or None
    return corrections


def check_corrections(corrections: Mapping[str, str | None]) -> dict[str, str | None]:
    """The corrections, if each names a correctable field (an e-mail must be one)."""
    unknown = sorted(set(corrections) - set(EDITABLE_FIELDS))
    if unknown:
        raise UserError(
            f"cannot correct {', '.join(unknown)}; correctable: {', '.join(EDITABLE_FIELDS)}"
        )
    if not corrections:
        raise UserError("say what to correct: FIELD=VALUE, e.g. postal_address='Uusi katu 1'")
    clean = dict(corrections)
    if clean.get("email") is not None:
        address = str(clean["email"]).lower()
        if not _EMAIL.match(address):
            raise UserError(f"{clean['email']!r} is not an email address")
        clean["email"] = address
    return clean


def require_placed(
    case: Case,
    wanted: Mapping[str, str | None],
    customer: Customer | None,
    controller: ControllerConfig,
) -> None:
    """Refuse, before anything changes, corrections that no store of the data map can hold.

    The register holds every correctable field; without the person in it, a field goes only
    where a system's `rectify` maps it. One left out would be reported done (Art. 16) while
    nothing was corrected.
    """
    if customer is not None:
        return
    mapped = {
        field
        for system in controller.systems_or_register()
        if isinstance(system, SqlSystem)
        for table in system.tables
        for field in table.rectify
    }
    unplaced = sorted(set(wanted) - mapped)
    if unplaced:
        raise UserError(
            f"{case.reference}: cannot correct {', '.join(unplaced)}: the requester is not in"
            " the register and no system maps it; correct it by hand and leave it out here"
        )


def fulfil_rectification(
    session: Session,
    *,
    reference: str,
    corrections: Mapping[str, str | None],
    actor: str,
    now: datetime,
    controller: ControllerConfig,
    env: Mapping[str, str] | None = None,
) -> Draft:
    """Apply the corrections in every system (before and after in the trail); draft the reply."""
    case = ops.get_case(session, reference)
    require_ready(case)
    if already_done(session, case, "rectification") is not None:
        raise UserError(
            f"{case.reference}: already rectified; `rightsdesk cases draft` shows the reply"
        )
    wanted = check_corrections(corrections)
    customer = subject_for_case(session, case)
    require_placed(case, wanted, customer, controller)
    elsewhere = rectify_in_systems(
        session,
        case,
        systems=controller.systems_or_register(),
        env=env or {},
        person=person_for(case, customer),
        corrections=wanted,
        actor=actor,
        now=now,
    )
    customer = subject_for_case(session, case)  # the session was committed meanwhile
    if customer is None and not elsewhere:
        raise UserError(f"{case.reference}: the register holds no data about the requester")
    changes: list[dict[str, Any]] = [
        {"field": field, "before": getattr(customer, field), "after": value}
        for field, value in wanted.items()
        if customer is not None and getattr(customer, field) != value
    ]
    if not changes and not elsewhere:
        raise UserError(f"{case.reference}: the register already holds these values")
    notified: list[str] = []
    unaddressed: list[str] = []
    if customer is not None:
        # Recipients find the person by what they were given, i.e. the values before the change.
        person = identify(customer)
        for change in changes:
            setattr(customer, change["field"], change["after"])
        customer.updated_at = now
        session.add(customer)
        # The register's recipients are told of the register's changes (Art. 19).
        notified, unaddressed = draft_notices(
            session,
            case=case,
            recipients=recipients_of(session, customer),
            person=person,
            action="rectification",
            actor=actor,
            now=now,
            controller=controller,
            changes=changes,
        )
    # Those without an address are told by other means before approval (recorded event).
    # The reply lists every system's corrections, the register's first.
    reply = {
        "changes": changes + elsewhere,
        "notified_recipients": notified + unaddressed,
        # The register's disclosures are all the desk knows of (Art. 19): none claimed without.
        "disclosures_known": customer is not None,
    }
    record_fulfilment(
        session,
        case,
        kind="rectification",
        actor=actor,
        now=now,
        customer_number=customer.customer_number if customer is not None else None,
        reply_context=reply,
        unaddressed_recipients=unaddressed or None,
    )
    return draft_reply(
        session,
        reference=case.reference,
        template="rectification_done",
        extra_context=reply,
        actor=actor,
        now=now,
        controller=controller,
    )
