"""From the request email to the approved reply, through intake and a real SMTP server (aiosmtpd).

Each test mails a request into intake, verifies the requester, carries out the right,
approves the reply, lets the outbox sender deliver it over SMTP, and checks what the
server received and what the register holds afterwards.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from cases import identity
from cases import operations as ops
from cases.fulfilment.runner import fulfil
from cases.fulfilment.suppression import audience, is_suppressed
from cases.policy import DEFAULT_POLICY
from cases.register_lookup import link_customer
from cases.replies import approve_draft, pending_draft, unanswered_kinds
from mail_intake.intake import process_message
from mail_intake.intake_types import IntakeDeps
from mail_intake.outbox_sender import SmtpTransport, deliver_pending
from store import migrate
from store.engine import make_engine, new_session
from store.models import Attachment, Customer, Disclosure, Invoice, Message, Order
from tests.replies_support import (
    ACTOR,
    SENDER,
    T0,
    TRUSTED_AUTHSERV_ID,
    controller,
    request_mail,
    seed_register,
)
from tests.servers.smtp import ReceivedMail, SmtpSink

CONTROLLER = controller()
DEPS = IntakeDeps(
    controller=CONTROLLER,
    policy=DEFAULT_POLICY,
    sender=SENDER,
    own_addresses=frozenset({SENDER.address}),
    trusted_authserv_ids=frozenset({TRUSTED_AUTHSERV_ID}),
)


@dataclass
class Desk:
    """The store and the SMTP server of one test."""

    engine: Engine
    sink: SmtpSink
    people: dict[str, int]

    def session(self) -> Session:
        return new_session(self.engine)

    def deliver(self, at: datetime) -> None:
        transport = SmtpTransport(
            host=self.sink.host, port=self.sink.port, sender=SENDER.address, security="plain"
        )
        counts = deliver_pending(self.session, transport, lambda: at)
        assert counts["failed"] == counts["deferred"] == 0


@pytest.fixture
def desk(tmp_path: Path, smtp_sink: SmtpSink) -> Iterator[Desk]:
    engine = make_engine(f"sqlite:///{tmp_path / 'rightsdesk.db'}")
    migrate.upgrade(engine)
    with new_session(engine) as session:
        people = {name: c.id or 0 for name, c in seed_register(session).items()}
    yield Desk(engine, smtp_sink, people)
    engine.dispose()


def _intake(
    desk: Desk,
    *,
    name: str,
    sender: str,
    subject: str,
    body: str,
    at: datetime,
    attachments: list[tuple[str, str, bytes]] | None = None,
    in_reply_to: str | None = None,
) -> str:
    _, raw = request_mail(
        sender_name=name,
        sender=sender,
        subject=subject,
        body=body,
        at=at,
        attachments=attachments,
        in_reply_to=in_reply_to,
    )
    with desk.session() as session:
        result = process_message(
            session, raw, source="smtp", folder=None, uid=None, now=at, deps=DEPS
        )
    assert result.reference is not None, result
    return result.reference


def _replies_to(desk: Desk, address: str, reference: str) -> list[ReceivedMail]:
    """The human-approved mail the server received for `address` (not the automatic ones)."""
    return [
        m
        for m in desk.sink.messages
        if address in m.rcpt_tos
        and f"[{reference}]" in str(m.message["Subject"])
        and m.message["Auto-Submitted"] is None
    ]


def _carry(
    desk: Desk,
    *,
    kind: str,
    name: str,
    sender: str,
    subject: str,
    body: str,
    corrections: dict[str, str | None] | None = None,
) -> tuple[str, ReceivedMail]:
    """Request mail in, identity, fulfilment, approval, SMTP out: the reply to the requester."""
    reference = _intake(desk, name=name, sender=sender, subject=subject, body=body, at=T0)
    at = T0 + timedelta(hours=2)
    with desk.session() as session:
        case = ops.get_case(session, reference)
        assert case.kinds == [kind]  # the classifier read the request right
        # Intake verified the sender against the register as it opened the case (Art. 12(6)).
        assert case.identity_status == "verified" and case.identity_method == "sender_match"
        while unanswered_kinds(session, case):
            fulfil(
                session,
                reference=reference,
                actor=ACTOR,
                now=at,
                controller=CONTROLLER,
                corrections=corrections,
            )
            while pending_draft(session, reference=reference) is not None:
                approve_draft(session, reference=reference, actor="pasi", now=at, sender=SENDER)
            session.refresh(case)
        assert case.status == "responded"
    desk.deliver(at + timedelta(minutes=1))
    desk.sink.wait_for(1)
    (reply,) = _replies_to(desk, sender, reference)
    return reference, reply


def _text(mail: ReceivedMail) -> str:
    body = mail.message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def _files(mail: ReceivedMail) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for part in mail.message.iter_attachments():
        data = part.get_payload(decode=True)
        assert isinstance(data, bytes)
        files[part.get_filename() or ""] = data
    return files


def _with(desk: Desk, read: Callable[[Session], object]) -> object:
    with desk.session() as session:
        return read(session)


ARTICLE_15_FI = (
    "Vahvistamme, että käsittelemme sinua koskevia henkilötietoja",  # confirmation
    "15 artiklan 1 kohdan a alakohta",
    "15 artiklan 1 kohdan b alakohta",
    "15 artiklan 1 kohdan c alakohta",
    "15 artiklan 1 kohdan d alakohta",
    "15 artiklan 1 kohdan e alakohta",
    "15 artiklan 1 kohdan f alakohta",
    "15 artiklan 1 kohdan g alakohta",
    "15 artiklan 1 kohdan h alakohta",
    "15 artiklan 2 kohta",
    "15 artiklan 3 kohta",
    "Tietosuojavaltuutetun toimisto",
    "Tilitoimisto Esimerkki Oy",
)


def test_an_access_request_is_answered_in_finnish_with_every_article_15_item_and_the_data_attached(
    desk: Desk,
) -> None:
    reference, reply = _carry(
        desk,
        kind="access",
        name="Maija Virtanen",
        sender="maija.virtanen@example.com",
        subject="Tietopyyntö",
        body="Hei,\n\npyydän tietosuoja-asetuksen 15 artiklan nojalla kopion kaikista minua"
        " koskevista henkilötiedoista.\n\nTerveisin\nMaija Virtanen\n",
    )
    text = _text(reply)
    assert text.startswith("Hei Maija Virtanen,")
    for item in ARTICLE_15_FI:
        assert item in text, item
    files = _files(reply)
    stem = reference.lower()
    data = json.loads(files[f"{stem}.json"])
    register = data["sources"]["register"]  # each part labelled by where it comes from
    assert register["customer"]["customer_number"] == "C-1001"
    assert {d["recipient"] for d in register["disclosures"]} == {
        "Tilitoimisto Esimerkki Oy",
        "Luottotieto Esimerkki Oy",
    }
    assert reference in [c["reference"] for c in data["sources"]["desk"]["cases"]]
    orders = list(csv.DictReader(io.StringIO(files[f"{stem}-orders.csv"].decode("utf-8-sig"))))
    assert [o["tilausnumero"] for o in orders] == ["T-2015-0007", "T-2025-0042"]  # fi headers
    assert reply.message["In-Reply-To"] is not None  # threaded to the request
    count = _with(desk, lambda s: len(s.exec(select(Order)).all()))
    assert count == 4  # access reads, never changes


def test_a_portability_request_gets_json_and_csv_of_what_the_person_provided_in_english(
    desk: Desk,
) -> None:
    reference, reply = _carry(
        desk,
        kind="portability",
        name="John Smith",
        sender="john.smith@example.com",
        subject="Data portability",
        body="Hello,\n\nunder Article 20 GDPR please send me the data I have provided to you in a"
        " machine-readable format so that I can move it to another provider.\n\nJohn Smith\n",
    )
    assert "machine-readable" in _text(reply) and _text(reply).startswith("Dear John Smith")
    files = _files(reply)
    stem = reference.lower()
    assert sorted(files) == [f"{stem}-customer.csv", f"{stem}.json"]  # no orders for John
    data = json.loads(files[f"{stem}.json"])
    assert data["customer"]["email"] == "john.smith@example.com" and "invoices" not in data
    rows = list(csv.DictReader(io.StringIO(files[f"{stem}-customer.csv"].decode("utf-8-sig"))))
    assert rows[0]["name"] == "John Smith"


def test_a_rectification_is_applied_and_the_reply_shows_before_and_after(desk: Desk) -> None:
    _, reply = _carry(
        desk,
        kind="rectification",
        name="Matti Meikäläinen",
        sender="matti.meikalainen@example.com",
        subject="Osoitteen korjaus",
        body="Hei,\n\nosoitteeni rekisterissänne on väärä. Pyydän oikaisemaan sen: uusi osoite on"
        " Uusitie 5, 33200 Tampere.\n\nMatti Meikäläinen\n",
        corrections={"postal_address": "Uusitie 5, 33200 Tampere"},
    )
    text = _text(reply)
    assert "Testitie 4, 33100 Tampere → Uusitie 5, 33200 Tampere" in text
    matti = _with(desk, lambda s: s.get(Customer, desk.people["matti"]))
    assert isinstance(matti, Customer) and matti.postal_address == "Uusitie 5, 33200 Tampere"


def test_an_erasure_removes_the_rows_keeps_the_debt_in_collection_and_names_it_in_swedish(
    desk: Desk,
) -> None:
    reference, reply = _carry(
        desk,
        kind="erasure",
        name="Elin Lindqvist",
        sender="elin.lindqvist@example.com",
        subject="Radering",
        body="Hej,\n\njag vill att ni raderar alla mina personuppgifter.\n\nElin Lindqvist\n",
    )
    text = _text(reply)
    assert text.startswith("Hej Elin Lindqvist,")
    assert "faktura 2025-0311" in text and "under indrivning" in text
    assert "728/2003" in text and "artikel 17.3 e" in text
    # The order behind the claim is its evidence, kept until the claim is settled.
    assert "beställning T-2025-0311" in text and "tills fordran är betald" in text
    elin = desk.people["elin"]
    with desk.session() as session:
        customer = session.get(Customer, elin)
        assert customer is not None and customer.phone is None and customer.ip_address is None
        orders = session.exec(select(Order).where(Order.customer_id == elin)).all()
        assert [o.order_number for o in orders] == ["T-2025-0311"]
        # The disclosure log stays while Art. 19 needs it (the notices below).
        assert session.exec(select(Disclosure).where(Disclosure.customer_id == elin)).all()
        kept = session.exec(select(Invoice).where(Invoice.customer_id == elin)).all()
        assert [(i.number, i.status) for i in kept] == [("2025-0311", "in_collection")]
    notices = [
        m
        for m in desk.sink.messages
        if f"[{reference}]" in str(m.message["Subject"]) and "19" in str(m.message["Subject"])
    ]
    assert sorted(r for m in notices for r in m.rcpt_tos) == [
        "kirjanpito@tilitoimisto.example",
        "perinta@perinta.example",
    ]
    for notice in notices:  # each names the invoice in collection as kept
        body = notice.message.get_body(("plain",))
        assert body is not None and "2025-0311" in body.get_content()


def test_a_restriction_flags_the_customer_and_keeps_them_off_marketing_lists(desk: Desk) -> None:
    _, reply = _carry(
        desk,
        kind="restriction",
        name="John Smith",
        sender="john.smith@example.com",
        subject="Restriction of processing",
        body="Hello,\n\nI contest the accuracy of my data. Under Article 18 GDPR please restrict"
        " the processing of my personal data until it is checked.\n\nJohn Smith\n",
    )
    assert "Article 18" in _text(reply)
    with desk.session() as session:
        john = session.get(Customer, desk.people["john"])
        assert john is not None and john.restricted
        assert "C-1003" not in [c.customer_number for c in audience(session, purpose="marketing")]


def test_an_objection_is_recorded_at_once_and_confirmed_in_finnish(desk: Desk) -> None:
    _, reply = _carry(
        desk,
        kind="objection",
        name="Matti Meikäläinen",
        sender="matti.meikalainen@example.com",
        subject="Vastustan käsittelyä",
        body="Hei,\n\nvastustan tietosuoja-asetuksen 21 artiklan nojalla henkilötietojeni"
        " käsittelyä profilointiin ja tilastointiin.\n\nMatti Meikäläinen\n",
    )
    assert "21 artiklan 1 kohta" in _text(reply)
    scopes = _with(desk, lambda s: is_suppressed(s, "matti.meikalainen@example.com"))
    assert scopes == ["processing"]


def test_a_marketing_opt_out_takes_effect_at_once_and_outlives_the_reply(desk: Desk) -> None:
    _, reply = _carry(
        desk,
        kind="marketing_opt_out",
        name="Maija Virtanen",
        sender="maija.virtanen@example.com",
        subject="Suoramarkkinointi",
        body="En halua enää suoramarkkinointia. Kiellän tietojeni käytön markkinointiin.\n"
        "Maija Virtanen\n",
    )
    assert "voimassa heti" in _text(reply)
    with desk.session() as session:
        assert is_suppressed(session, "maija.virtanen@example.com") == ["marketing"]
        assert "C-1001" not in [c.customer_number for c in audience(session, purpose="marketing")]


def test_a_publication_opt_out_is_confirmed_in_swedish(desk: Desk) -> None:
    _, reply = _carry(
        desk,
        kind="publication_opt_out",
        name="Elin Lindqvist",
        sender="elin.lindqvist@example.com",
        subject="Förbud mot publicering",
        body="Hej,\n\njag förbjuder att mina uppgifter publiceras i förteckningar eller på"
        " adressetiketter.\n\nElin Lindqvist\n",
    )
    assert _text(reply).startswith("Hej Elin Lindqvist,") and "förteckningar" in _text(reply)
    scopes = _with(desk, lambda s: is_suppressed(s, "elin.lindqvist@example.com"))
    assert scopes == ["publication"]
    listed = _with(desk, lambda s: [c.customer_number for c in audience(s, purpose="publication")])
    assert isinstance(listed, list) and "C-1002" not in listed


def test_a_code_mailed_to_the_registers_address_verifies_and_the_passport_copy_is_deleted(
    desk: Desk,
) -> None:
    scan = b"\xff\xd8\xff fictional passport scan of John Smith"
    reference = _intake(
        desk,
        name="John Smith",
        sender="j.smith.home@example.org",
        subject="Subject access request",
        body="Dear Sir or Madam,\n\nunder Article 15 GDPR I request a copy of all personal data"
        " you hold about me. My passport is attached.\n\nYours faithfully,\nJohn Smith\n",
        at=T0,
        attachments=[("passport.jpg", "image/jpeg", scan)],
    )
    at = T0 + timedelta(hours=1)
    with desk.session() as session:
        case = ops.get_case(session, reference)
        assert (
            identity.verify_sender_match(session, reference=reference, actor=ACTOR, now=at) is None
        )
        # A name alone is not enough to pick the register row: the contact person links it.
        link_customer(session, case=case, customer_number="C-1003", actor="pasi", now=at)
        identity.send_code(
            session, reference=reference, sender=SENDER, controller=CONTROLLER, actor="pasi", now=at
        )
        assert ops.get_case(session, reference).status == "awaiting_identity"
    desk.deliver(at)
    (code_mail,) = [m for m in desk.sink.wait_for(2) if "john.smith@example.com" in m.rcpt_tos]
    code_text = _text(code_mail)
    code = next(w for w in code_text.split() if len(w) == 9 and w[4] == "-")

    answered = T0 + timedelta(days=1)
    _intake(
        desk,
        name="John Smith",
        sender="john.smith@example.com",
        subject=f"Re: {code_mail.message['Subject']}",
        body=f"Here you are: {code}\n",
        at=answered,
        in_reply_to=str(code_mail.message["Message-ID"]).strip("<>"),
    )
    # Intake itself checked the reply's own text for the code, in the transaction that took it in.
    with desk.session() as session:
        case = ops.get_case(session, reference)
        assert (case.identity_status, case.identity_method) == ("verified", "code")
        document = session.exec(select(Attachment)).one()
        assert document.is_identity_document and document.data is None
        assert document.deleted_at is not None and document.filename is None
        request = session.exec(
            select(Message).where(Message.case_id == case.id).order_by(col(Message.id))
        ).first()
        assert request is not None and request.raw is not None and scan not in request.raw
        assert b"identity checked by intake on" in request.raw
