"""Shared test data for replies and fulfilment: a small fictional register and request mail."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

from sqlmodel import Session

from cases import operations as ops
from cases.controller import ControllerConfig, load_controller_toml
from cases.outbox import Sender
from store.models import (
    Attachment,
    Case,
    Customer,
    Disclosure,
    Invoice,
    Message,
    Order,
    Recipient,
)

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_CONFIG = ROOT / "rightsdesk.example.toml"
# Thursday 5 March 2026, noon in Helsinki: the one-month due date is Tue 7 April (Easter).
T0 = datetime(2026, 3, 5, 10, 0, tzinfo=UTC)
SENDER = Sender(address="privacy@targetpartners.example", name="Target Partners Finland Oy")
ACTOR = "test:contact-person"
# The receiving server the tests trust (RIGHTSDESK_TRUSTED_AUTHSERV_IDS); request mails carry
# its RFC 8601 verdict, so sender match verifies as it would on an authenticated mailbox.
TRUSTED_AUTHSERV_ID = "mx.rightsdesk-test.invalid"


def controller() -> ControllerConfig:
    """The example controller configuration."""
    return load_controller_toml(EXAMPLE_CONFIG.read_text(encoding="utf-8"))


def _customer(session: Session, number: str, **fields: object) -> Customer:
    row = Customer(customer_number=number, created_at=T0, updated_at=T0, **fields)  # type: ignore[arg-type]
    session.add(row)
    session.flush()
    return row


def seed_register(session: Session) -> dict[str, Customer]:
    """Four fictional customers, their orders, invoices and disclosures; two namesakes."""
    books = Recipient(
        name="Tilitoimisto Esimerkki Oy",
        category="financial administration",
        contact_email="kirjanpito@tilitoimisto.example",
    )
    collector = Recipient(
        name="Perintä Esimerkki Oy",
        category="debt collection",
        contact_email="perinta@perinta.example",
    )
    credit = Recipient(name="Luottotieto Esimerkki Oy", category="credit information")
    session.add_all([books, collector, credit])
    session.flush()
    maija = _customer(
        session,
        "C-1001",
        name="Maija Virtanen",
        organisation="Esimerkki Oy",
        email="maija.virtanen@example.com",
        postal_address="Esimerkkikatu 1 A, 00100 Helsinki",
        phone="+358 40 000 0001",
        ip_address="192.0.2.10",
        relationship_start=date(2014, 4, 1),
    )
    elin = _customer(
        session,
        "C-1002",
        name="Elin Lindqvist",
        organisation="Exempel Ab",
        email="elin.lindqvist@example.com",
        postal_address="Exempelgatan 2, 65100 Vasa",
        phone="+358 40 000 0002",
        ip_address="192.0.2.11",
        relationship_start=date(2021, 9, 15),
    )
    john = _customer(
        session,
        "C-1003",
        name="John Smith",
        organisation="Example Ltd",
        email="john.smith@example.com",
        postal_address="1 Example Road, London",
        relationship_start=date(2020, 1, 10),
        relationship_end=date(2023, 6, 30),
    )
    matti = _customer(
        session,
        "C-1004",
        name="Matti Meikäläinen",
        email="matti.meikalainen@example.com",
        postal_address="Testitie 4, 33100 Tampere",
        relationship_start=date(2008, 2, 1),
        relationship_end=date(2012, 12, 31),
    )
    anna_a = _customer(
        session, "C-2001", name="Anna Korhonen", organisation="Alfa Oy", email="anna@alfa.example"
    )
    anna_b = _customer(
        session, "C-2002", name="Anna Korhonen", organisation="Beta Oy", email="anna@beta.example"
    )
    for who, number, day, what, amount in (
        (maija, "T-2015-0007", date(2015, 5, 4), "Workshop", "800.00"),
        (maija, "T-2025-0042", date(2025, 2, 3), "Strategy sprint", "3200.00"),
        (elin, "T-2025-0311", date(2025, 10, 20), "Training day", "980.00"),
        (matti, "T-2010-0001", date(2010, 3, 1), "Study", "100.00"),
    ):
        session.add(
            Order(
                customer_id=who.id or 0,
                order_number=number,
                ordered_on=day,
                description=what,
                amount=amount,
            )
        )
    for who, number, issued, amount, status, paid in (
        # Paid in 2015: past the voucher (end of 2021) and ledger (end of 2025) periods.
        (maija, "2015-0007", date(2015, 5, 6), "800.00", "paid", date(2015, 5, 20)),
        (maija, "2025-0042", date(2025, 2, 5), "3200.00", "paid", date(2025, 2, 18)),
        (elin, "2025-0311", date(2025, 10, 22), "980.00", "in_collection", None),
        (john, "2022-0900", date(2022, 11, 4), "5400.00", "open", None),
        (matti, "2010-0001", date(2010, 3, 2), "100.00", "paid", date(2010, 3, 10)),
    ):
        session.add(
            Invoice(
                customer_id=who.id or 0,
                number=number,
                issued_on=issued,
                amount=amount,
                status=status,
                paid_on=paid,
            )
        )
    for who, recipient, day, purpose in (
        (maija, books, date(2025, 2, 5), "Invoicing"),
        (maija, credit, date(2024, 1, 9), "Credit check"),
        (elin, books, date(2025, 10, 22), "Invoicing"),
        (elin, collector, date(2025, 12, 1), "Collection"),
    ):
        session.add(
            Disclosure(
                customer_id=who.id or 0,
                recipient_id=recipient.id or 0,
                disclosed_on=day,
                purpose=purpose,
            )
        )
    session.commit()
    return {
        "maija": maija,
        "elin": elin,
        "john": john,
        "matti": matti,
        "anna_a": anna_a,
        "anna_b": anna_b,
    }


def request_mail(
    *,
    sender_name: str,
    sender: str,
    subject: str,
    body: str,
    at: datetime,
    attachments: list[tuple[str, str, bytes]] | None = None,
    in_reply_to: str | None = None,
    authenticated: bool = True,
) -> tuple[str, bytes]:
    """An RFC 5322 request (Message-ID without brackets, raw bytes), DMARC-passed by default."""
    mail = EmailMessage()
    message_id = make_msgid(domain="example.com").strip("<>")
    if authenticated:
        domain = sender.rpartition("@")[2]
        mail["Authentication-Results"] = (
            f"{TRUSTED_AUTHSERV_ID}; dmarc=pass (p=reject) header.from={domain}"
        )
    mail["From"] = f"{sender_name} <{sender}>"
    mail["To"] = SENDER.address
    mail["Subject"] = subject
    mail["Date"] = format_datetime(at)
    mail["Message-ID"] = f"<{message_id}>"
    if in_reply_to:
        mail["In-Reply-To"] = f"<{in_reply_to}>"
        mail["References"] = f"<{in_reply_to}>"
    mail.set_content(body)
    for filename, content_type, data in attachments or []:
        maintype, _, subtype = content_type.partition("/")
        mail.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message_id, mail.as_bytes()


def open_case(
    session: Session,
    *,
    kinds: list[str],
    email: str,
    name: str,
    language: str = "fi",
    body: str = "Pyyntö.",
    at: datetime = T0,
    attachments: list[tuple[str, str, bytes]] | None = None,
    identity_documents: bool = False,
    organisation: str | None = None,
) -> Case:
    """Open a case as intake would: the stored request message, then the case."""
    message_id, raw = request_mail(
        sender_name=name, sender=email, subject="Request", body=body, at=at, attachments=attachments
    )
    case = ops.open_case(
        session,
        kinds=kinds,
        received_at=at,
        now=at,
        actor="intake",
        requester_email=email,
        requester_name=name,
        language=language,
        evidence={"organisation": organisation} if organisation else None,
    )
    message = Message(
        case_id=case.id,
        direction="in",
        message_id=message_id,
        raw_sha256=hashlib.sha256(raw).hexdigest(),
        subject="Request",
        from_addr=email,
        to_addrs=SENDER.address,
        received_at=at,
        size=len(raw),
        raw=raw,
        body_text=body,
        category="request",
        source="test",
    )
    session.add(message)
    session.flush()
    for filename, content_type, data in attachments or []:
        session.add(
            Attachment(
                message_id=message.id or 0,
                filename=filename,
                content_type=content_type,
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                data=data,
                is_identity_document=identity_documents,
            )
        )
    session.commit()
    session.refresh(case)
    return case


def verify(session: Session, case: Case, at: datetime = T0) -> Case:
    """The contact person's sender-match check."""
    return ops.verify(
        session,
        reference=case.reference,
        method="sender_match",
        reason="sender address matches the register",
        actor=ACTOR,
        now=at,
    )


def verified_case(session: Session, **request: Any) -> Case:
    """A case opened as intake would (see `open_case`) whose sender the register vouches for."""
    return verify(session, open_case(session, **request))
