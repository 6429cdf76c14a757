"""What every fulfilment shares: preconditions, register rows as data, exports, Art. 19 notices."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from cases import operations as ops
from cases.controller import ControllerConfig
from cases.drafts import RECIPIENT_NOTICE, _apply_draft
from cases.errors import UserError
from cases.lifecycle import check_transition
from cases.outbox import MailAttachment
from store.actions import AuditAction
from store.models import (
    Case,
    Customer,
    Disclosure,
    Fulfilment,
    Invoice,
    Order,
    Recipient,
    RecipientNoticeNeeded,
)
from templates.labels import field_label

CUSTOMER_FIELDS = (
    "customer_number",
    "name",
    "organisation",
    "email",
    "postal_address",
    "phone",
    "www",
    "ip_address",
    "relationship_start",
    "relationship_end",
    "restricted",
)
ORDER_FIELDS = ("order_number", "ordered_on", "description", "amount")
INVOICE_FIELDS = ("number", "issued_on", "due_on", "amount", "status", "paid_on")
DISCLOSURE_FIELDS = ("recipient", "disclosed_on", "purpose")


def require_ready(case: Case) -> None:
    """Fulfil only open cases whose requester is verified (Art. 12(6); design §2.11)."""
    check_transition("draft", case.status)
    if case.identity_status != "verified":
        raise UserError(
            f"{case.reference}: verify the requester's identity first (GDPR Art. 12(6))"
        )


def already_done(session: Session, case: Case, kind: str) -> Fulfilment | None:
    """The latest time the right `kind` was carried out for the case, if it was."""
    return session.exec(
        select(Fulfilment)
        .where(Fulfilment.case_id == case.id, Fulfilment.kind == kind)
        .order_by(col(Fulfilment.id).desc())
    ).first()


def pick(row: Any, fields: Sequence[str]) -> dict[str, Any]:
    """The named columns of a row, in order."""
    return {name: getattr(row, name) for name in fields}


def orders_of(session: Session, customer: Customer) -> list[Order]:
    """The customer's orders, oldest first."""
    return list(
        session.exec(
            select(Order)
            .where(Order.customer_id == customer.id)
            .order_by(col(Order.ordered_on), col(Order.id))
        ).all()
    )


def invoices_of(session: Session, customer: Customer) -> list[Invoice]:
    """The customer's invoices, oldest first."""
    return list(
        session.exec(
            select(Invoice)
            .where(Invoice.customer_id == customer.id)
            .order_by(col(Invoice.issued_on), col(Invoice.id))
        ).all()
    )


def disclosures_of(session: Session, customer: Customer) -> list[tuple[Disclosure, Recipient]]:
    """The customer's disclosures with their recipients, oldest first."""
    return list(
        session.exec(
            select(Disclosure, Recipient)
            .join(Recipient, col(Disclosure.recipient_id) == col(Recipient.id))
            .where(Disclosure.customer_id == customer.id)
            .order_by(col(Disclosure.disclosed_on), col(Disclosure.id))
        ).all()
    )


def recipients_of(session: Session, customer: Customer) -> list[Recipient]:
    """Each recipient the customer's data was disclosed to, once, by name."""
    seen: dict[str, Recipient] = {}
    for _, recipient in disclosures_of(session, customer):
        seen.setdefault(recipient.name, recipient)
    return [seen[name] for name in sorted(seen)]


def _plain(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def export_json(payload: Mapping[str, Any]) -> bytes:
    """UTF-8 JSON, dates as ISO 8601, readable by people and programs alike."""
    return (
        json.dumps(payload, ensure_ascii=False, indent=2, default=_plain, sort_keys=False) + "\n"
    ).encode("utf-8")


CSV_TYPE = "text/csv; charset=utf-8; header=present"  # RFC 7111 §5.1 (charset, header)


def export_csv(
    rows: Sequence[Mapping[str, Any]], fields: Sequence[str], lang: str | None = None
) -> bytes:
    """One table as CSV; UTF-8 with a byte-order mark so spreadsheets read ä and å right.

    The header row is in the reply's language when `lang` is given (the JSON keeps the
    stable field names for programs, with the same labels in its `labels` block).
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180
    writer.writerow([field_label(f, lang) for f in fields] if lang else list(fields))
    for row in rows:
        cells = []
        for name in fields:
            value = row.get(name)
            if isinstance(value, bool):
                cells.append("true" if value else "false")
            else:
                cells.append("" if value is None else str(_plain(value)))
        writer.writerow(cells)
    return buffer.getvalue().encode("utf-8-sig")


def exports(
    reference: str,
    payload: Mapping[str, Any],
    tables: Mapping[str, tuple[list[Any], Sequence[str]]],
    lang: str | None = None,
) -> list[MailAttachment]:
    """The JSON of everything, and one CSV per table that has rows."""
    stem = reference.lower()
    if lang:
        names = {f for _, fields in tables.values() for f in fields}
        payload = {**payload, "labels": {lang: {f: field_label(f, lang) for f in sorted(names)}}}
    files = [MailAttachment(f"{stem}.json", "application/json", export_json(payload))]
    for name, (rows, fields) in tables.items():
        if rows:
            data = export_csv(rows, fields, lang)
            files.append(MailAttachment(f"{stem}-{name}.csv", CSV_TYPE, data))
    return files


def identify(customer: Customer) -> dict[str, Any]:
    """How a recipient recognises the person in its own records."""
    return pick(customer, ("customer_number", "name", "organisation", "email"))


def draft_notices(
    session: Session,
    *,
    case: Case,
    recipients: Sequence[Recipient],
    person: Mapping[str, Any],
    action: str,
    actor: str,
    now: datetime,
    controller: ControllerConfig,
    changes: Sequence[Mapping[str, Any]] | None = None,
    decision: Mapping[str, Any] | None = None,
) -> tuple[list[str], list[str]]:
    """Draft an Art. 19 notice to each recipient; returns (drafted, without an address)."""
    drafted: list[str] = []
    unaddressed: list[str] = []
    for recipient in recipients:
        if not recipient.contact_email:
            unaddressed.append(recipient.name)
            continue
        _apply_draft(
            session,
            case,
            template=RECIPIENT_NOTICE,
            extra_context={
                "recipient": {"name": recipient.name, "email": recipient.contact_email},
                "action": action,
                "subject_data": {"customer": dict(person)},
                "changes": [dict(c) for c in changes or []],
                # The erasure decision (what went, what stays and until when), in the
                # notice's language: the reply is written from the same record.
                "erased": list((decision or {}).get("erased", [])),
                "kept": list((decision or {}).get("kept", [])),
                # The restriction decision: what is restricted, and the accuracy check's
                # date when the person contests accuracy (Art. 18(1)(a)).
                "restricted": list((decision or {}).get("restricted", [])),
                "accuracy_check_until": (decision or {}).get("accuracy_check_until"),
            },
            actor=actor,
            now=now,
            controller=controller,
            to_addr=recipient.contact_email,
            language=controller.fallback_language,
        )
        drafted.append(recipient.name)
    if unaddressed:
        # Art. 19 still applies: the contact person must tell these by other means.
        ops.record(
            session,
            case,
            actor=actor,
            action=AuditAction.RECIPIENT_NOTICE_NEEDED,
            now=now,
            recipients=unaddressed,
            reason="no contact address in the register",
            reason_code="no_contact_address",
        )
        # The approver is warned from this row (cases.drafts.notice_warnings), not the trail.
        session.add(
            RecipientNoticeNeeded(
                case_id=case.id or 0,
                recipients=list(unaddressed),
                reason="no contact address in the register",
                created_at=now,
            )
        )
    return drafted, unaddressed


def record_fulfilment(
    session: Session,
    case: Case,
    *,
    kind: str,
    actor: str,
    now: datetime,
    customer_number: str | None,
    reply_context: Mapping[str, Any],
    **facts: Any,
) -> None:
    """Record a carried-out right, with what its reply needs to be drafted again."""
    session.add(
        Fulfilment(
            case_id=case.id or 0,
            kind=kind,
            done_at=now,
            done_by=actor,
            reply_context=dict(reply_context),
        )
    )
    ops.record(
        session,
        case,
        actor=actor,
        action=AuditAction.FULFIL,
        now=now,
        kind=kind,
        customer_number=customer_number,
        reply_context=dict(reply_context),
        **facts,
    )
