"""Right to restriction (GDPR Art. 18): marked wherever the data map holds the person.

In the register, a flag on the customer that every export honours: while restricted, the
data is only stored (Art. 18(2)): `suppression.audience` leaves the customer off marketing
and publication lists and the retention sweep holds the row rather than anonymising it. In a
`sql` system, the columns its mapping's `restrict` names are set on the person's rows; one
that holds the person but maps no `restrict` becomes a task for the contact person, so the
reply never claims a restriction nobody made. The person's own requests (access,
portability, rectification, erasure) still run: they are the person's choice, not
processing against it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from sqlmodel import Session

from cases import deadlines
from cases import operations as ops
from cases.controller import ControllerConfig
from cases.drafts import draft_reply
from cases.errors import UserError
from cases.fulfilment.common import (
    already_done,
    draft_notices,
    identify,
    invoices_of,
    orders_of,
    recipients_of,
    record_fulfilment,
    require_ready,
)
from cases.fulfilment.systems import SystemRestriction, person_for, restrict_in_systems
from cases.outbox import Sender
from cases.register_lookup import subject_for_case
from cases.tasks import open_task
from store.models import Case, Draft
from templates.labels import LANGUAGES

# A system's restricted rows as the reply names them (fi, sv, en).
_IN_TABLE = (
    "{system}: tietosi taulussa {table} (rivejä: {count})",
    "{system}: dina uppgifter i tabellen {table} (rader: {count})",
    "{system}: your data in table {table} (rows: {count})",
)


def system_items(done: list[SystemRestriction], lang: str) -> list[str]:
    """The restricted rows of each `sql` system, one item per table, in `lang`."""
    text = _IN_TABLE[LANGUAGES.index(lang) if lang in LANGUAGES else 0]
    return [
        text.format(system=d.system, table=table, count=count)
        for d in done
        for table, count in d.restricted.items()
    ]


def _by_hand(system: SystemRestriction) -> str:
    """The contact person's task: where the person was found and what would automate it."""
    tables = ", ".join(f"{t} ({n} rows)" for t, n in system.unmapped.items())
    return (
        f"rightsdesk found this person in {system.system} ({tables}), but its mapping has no"
        " `restrict`, so nothing was changed there. Mark the processing restricted in"
        f" {system.system} by hand (Art. 18(2): the data may only be stored), then record"
        " what you did. To have rightsdesk do it, add `restrict = { COLUMN = VALUE }` to the"
        " table in the data map."
    )


def fulfil_restriction(
    session: Session,
    *,
    reference: str,
    actor: str,
    now: datetime,
    controller: ControllerConfig,
    reason: str | None = None,
    accuracy_check_until: date | None = None,
    env: Mapping[str, str] | None = None,
    sender: Sender | None = None,
) -> Draft:
    """Restrict the person's data in every system, draft the Art. 19 notices and the reply.

    With `accuracy_check_until` the person contests the data's accuracy (Art. 18(1)(a)):
    the restriction lasts while we check, and the reply says by when.
    """
    case = ops.get_case(session, reference)
    require_ready(case)
    if already_done(session, case, "restriction") is not None:
        raise UserError(
            f"{case.reference}: already restricted; `rightsdesk cases draft` shows the reply"
        )
    if accuracy_check_until is not None and accuracy_check_until <= deadlines.receipt_date(now):
        raise UserError("the accuracy check's date must be in the future (Art. 18(1)(a))")
    # The company's `sql` systems first, each in its own transaction, recorded as it is done.
    in_systems = restrict_in_systems(
        session,
        case,
        systems=controller.systems_or_register(),
        env=env or {},
        person=person_for(case, subject_for_case(session, case)),
        actor=actor,
        now=now,
    )
    customer = subject_for_case(session, case)  # the session was committed meanwhile
    if customer is None and not in_systems:
        raise UserError(
            f"{case.reference}: the register holds no data about the requester, nor does any"
            " system of the data map"
        )
    why = (reason or "").strip() or f"requested by the data subject ({case.reference})"
    _tasks_by_hand(session, case, in_systems, controller, sender, actor, now)
    # What is restricted, as register parts the reply and the notices name.
    restricted: list[str] = []
    notified: list[str] = []
    unaddressed: list[str] = []
    until = accuracy_check_until.isoformat() if accuracy_check_until else None
    if customer is not None:
        restricted = ["customer"]
        restricted += ["orders"] if orders_of(session, customer) else []
        restricted += ["invoices"] if invoices_of(session, customer) else []
        customer.restricted = True
        customer.restriction_reason = why
        customer.updated_at = now
        session.add(customer)
        # The register's recipients are told of the register's restriction (Art. 19).
        notified, unaddressed = draft_notices(
            session,
            case=case,
            recipients=recipients_of(session, customer),
            person=identify(customer),
            action="restriction",
            actor=actor,
            now=now,
            controller=controller,
            decision={"restricted": restricted, "accuracy_check_until": until},
        )
    reply = {
        "notified_recipients": notified + unaddressed,
        # The register's disclosures are all the desk knows of (Art. 19): none claimed without.
        "disclosures_known": customer is not None,
        # The register's parts, then each system's restricted rows (Art. 12(3)).
        "restricted": restricted + system_items(in_systems, case.language),
        "accuracy_check_until": until,
    }
    record_fulfilment(
        session,
        case,
        kind="restriction",
        actor=actor,
        now=now,
        customer_number=customer.customer_number if customer is not None else None,
        reply_context=reply,
        reason=why,
        # The desk's own words when none were typed: a code, so the dossier names it per language.
        reason_code=None if (reason or "").strip() else "restriction_requested",
        reason_params={"reference": case.reference},
        systems_restricted=[s.system for s in in_systems if s.restricted] or None,
        systems_by_hand=[s.system for s in in_systems if s.unmapped] or None,
    )
    return draft_reply(
        session,
        reference=case.reference,
        template="restriction_confirmation",
        extra_context=reply,
        actor=actor,
        now=now,
        controller=controller,
    )


def _tasks_by_hand(
    session: Session,
    case: Case,
    in_systems: list[SystemRestriction],
    controller: ControllerConfig,
    sender: Sender | None,
    actor: str,
    now: datetime,
) -> None:
    """A task for the contact person per system that holds the person but maps no `restrict`.

    The reply names the system with what the contact person reports, and cannot be approved
    before they do (cases.tasks.require_no_open_tasks), so it never claims a restriction
    that was not made (Art. 12(3), 18).
    """
    for system in in_systems:
        if system.unmapped:
            open_task(
                session,
                case,
                system=system.system,
                right="restriction",
                owner=controller.contact_person.email,
                instructions=_by_hand(system),
                by_mail=True,
                sender=sender or Sender(controller.privacy_email, controller.name),
                actor=actor,
                now=now,
            )
