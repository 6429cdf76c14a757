"""Each right carried out against the register, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from cases import code_check, identity
from cases import operations as ops
from cases.errors import UserError
from cases.fulfilment.access import fulfil_access
from cases.fulfilment.erasure import fulfil_erasure
from cases.fulfilment.lifting import lift_restriction
from cases.fulfilment.portability import fulfil_portability
from cases.fulfilment.rectification import fulfil_rectification
from cases.fulfilment.restriction import fulfil_restriction
from cases.fulfilment.retention import sweep
from cases.fulfilment.runner import fulfil
from cases.fulfilment.suppression import audience, fulfil_suppression, is_suppressed
from cases.register_lookup import AmbiguousSubject, find_subject, link_customer, subject_for_case
from cases.replies import approve_draft, draft_attachments, pending_drafts
from cases.retention_schedule import run_daily
from mail_intake.compose import outbox_bytes
from mail_intake.outbox_sender import MaildirTransport, deliver_pending
from store.audit import verify_chain
from store.engine import new_session
from store.models import (
    Attachment,
    Case,
    CaseEvent,
    Customer,
    Disclosure,
    Invoice,
    Message,
    Order,
    Outbox,
    Suppression,
    VerificationCode,
)
from tests.replies_support import (
    ACTOR,
    SENDER,
    T0,
    controller,
    open_case,
    verified_case,
)

CONTROLLER = controller()


def _events(session: Session, case: Case, action: str) -> list[CaseEvent]:
    return list(
        session.exec(
            select(CaseEvent)
            .where(CaseEvent.case_id == case.id, CaseEvent.action == action)
            .order_by(col(CaseEvent.id))
        ).all()
    )


# --- finding the person --------------------------------------------------------------------


def test_the_register_is_searched_by_email_regardless_of_case(
    session: Session, people: dict[str, Customer]
) -> None:
    found = find_subject(session, email="Maija.Virtanen@EXAMPLE.com")
    assert found.customer is not None and found.customer.customer_number == "C-1001"
    assert found.matched_by == "email"


def test_without_an_email_match_the_name_and_organisation_together_identify_the_person(
    session: Session, people: dict[str, Customer]
) -> None:
    found = find_subject(
        session, email="anna.home@example.org", name="anna  korhonen", organisation="Beta Oy"
    )
    assert found.customer is not None and found.customer.customer_number == "C-2002"
    assert found.matched_by == "name_organisation"


def test_a_name_shared_by_two_customers_goes_to_the_contact_person_not_to_a_guess(
    session: Session, people: dict[str, Customer]
) -> None:
    case = open_case(session, kinds=["access"], email="anna@home.example", name="Anna Korhonen")
    found = find_subject(session, email=case.requester_email, name="Anna Korhonen")
    assert found.ambiguous and found.customer is None
    assert {c.customer_number for c in found.candidates} == {"C-2001", "C-2002"}
    with pytest.raises(AmbiguousSubject, match="C-2001, C-2002"):
        subject_for_case(session, case)
    link_customer(session, case=case, customer_number="C-2001", actor=ACTOR, now=T0)
    customer = subject_for_case(session, case)
    assert customer is not None and customer.customer_number == "C-2001"
    assert _events(session, case, "link_customer")[0].full_detail == {"customer_number": "C-2001"}


# --- access and portability ------------------------------------------------------------------


def test_access_attaches_every_register_row_about_the_person_as_json_and_csv(
    session: Session, people: dict[str, Customer]
) -> None:
    case = verified_case(
        session, kinds=["access"], email="maija.virtanen@example.com", name="Maija Virtanen"
    )
    draft = fulfil_access(
        session, reference=case.reference, actor=ACTOR, now=T0, controller=CONTROLLER
    )

    files = {a.filename: a.data for a in draft_attachments(draft)}
    assert sorted(files) == [
        "dsr-2026-0001-correspondence.csv",
        "dsr-2026-0001-customer.csv",
        "dsr-2026-0001-disclosures.csv",
        "dsr-2026-0001-invoices.csv",
        "dsr-2026-0001-orders.csv",
        "dsr-2026-0001-requests.csv",
        "dsr-2026-0001.json",
    ]
    data = json.loads(files["dsr-2026-0001.json"])
    register = data["sources"]["register"]
    assert register["name"] == "Asiakasrekisteri"
    assert register["customer"]["email"] == "maija.virtanen@example.com"
    assert [o["order_number"] for o in register["orders"]] == ["T-2015-0007", "T-2025-0042"]
    assert [i["number"] for i in register["invoices"]] == ["2015-0007", "2025-0042"]
    # Recipients by name (CJEU C-154/21), including one without a mail address.
    assert sorted(d["recipient"] for d in register["disclosures"]) == [
        "Luottotieto Esimerkki Oy",
        "Tilitoimisto Esimerkki Oy",
    ]
    # Art. 15(3) covers the desk's own records of the person too: this very request.
    desk = data["sources"]["desk"]
    assert [c["reference"] for c in desk["cases"]] == [case.reference]
    assert data["labels"]["fi"]["number"] == "laskun numero"
    rows = list(
        csv.DictReader(io.StringIO(files["dsr-2026-0001-invoices.csv"].decode("utf-8-sig")))
    )
    assert [r["laskun numero"] for r in rows] == ["2015-0007", "2025-0042"]  # fi headers
    csv_types = {a.filename: a.content_type for a in draft_attachments(draft)}
    assert csv_types["dsr-2026-0001-invoices.csv"] == "text/csv; charset=utf-8; header=present"
    assert "Tilitoimisto Esimerkki Oy" in draft.body_text
    assert "T-2025-0042" in draft.body_text
    assert draft.template == "access_response" and draft.language == "fi"


def test_access_for_someone_not_in_the_register_says_no_data_is_held(
    session: Session, people: dict[str, Customer]
) -> None:
    case = verified_case(session, kinds=["access"], email="nobody@example.com", name="Ei Ketään")
    draft = fulfil_access(
        session, reference=case.reference, actor=ACTOR, now=T0, controller=CONTROLLER
    )
    assert draft.attachments == []
    assert "eikä siinä ole sinua koskevia henkilötietoja" in draft.body_text


def test_no_data_is_compiled_before_the_requester_is_verified(
    session: Session, people: dict[str, Customer]
) -> None:
    case = open_case(session, kinds=["access"], email="maija.virtanen@example.com", name="Maija")
    with pytest.raises(UserError, match=r"Art\. 12\(6\)"):
        fulfil_access(session, reference=case.reference, actor=ACTOR, now=T0, controller=CONTROLLER)
    assert pending_drafts(session, reference=case.reference) == []


def test_portability_exports_only_what_the_person_provided(
    session: Session, people: dict[str, Customer]
) -> None:
    case = verified_case(
        session,
        kinds=["portability"],
        email="maija.virtanen@example.com",
        name="Maija",
        language="en",
    )
    draft = fulfil_portability(
        session, reference=case.reference, actor=ACTOR, now=T0, controller=CONTROLLER
    )
    files = {a.filename: a.data for a in draft_attachments(draft)}
    assert sorted(files) == [
        "dsr-2026-0001-customer.csv",
        "dsr-2026-0001-orders.csv",
        "dsr-2026-0001.json",
    ]
    data = json.loads(files["dsr-2026-0001.json"])
    assert "invoices" not in data and "customer_number" not in data["customer"]
    assert data["customer"]["postal_address"] == "Esimerkkikatu 1 A, 00100 Helsinki"
    assert draft.language == "en"


# --- rectification ------------------------------------------------------------------------------


def test_rectification_records_before_and_after_and_drafts_notices_to_the_recipients(
    session: Session, people: dict[str, Customer]
) -> None:
    case = verified_case(
        session,
        kinds=["rectification"],
        email="elin.lindqvist@example.com",
        name="Elin",
        language="sv",
    )
    reply = fulfil_rectification(
        session,
        reference=case.reference,
        corrections={"postal_address": "Nygatan 3, 65100 Vasa", "phone": "+358 40 000 0002"},
        actor=ACTOR,
        now=T0,
        controller=CONTROLLER,
    )
    elin = session.get(Customer, people["elin"].id)
    assert elin is not None and elin.postal_address == "Nygatan 3, 65100 Vasa"
    (event,) = _events(session, case, "fulfil")
    assert event.full_detail["reply_context"]["changes"] == [
        {
            "field": "postal_address",
            "before": "Exempelgatan 2, 65100 Vasa",
            "after": "Nygatan 3, 65100 Vasa",
        }
    ]  # the unchanged phone is not a change
    notices = [
        d
        for d in pending_drafts(session, reference=case.reference)
        if d.template == "recipient_notice"
    ]
    assert sorted(d.to_addr or "" for d in notices) == [
        "kirjanpito@tilitoimisto.example",
        "perinta@perinta.example",
    ]
    assert all("Nygatan 3" in d.body_text for d in notices)
    assert "Nygatan 3, 65100 Vasa" in reply.body_text and "Perintä Esimerkki Oy" in reply.body_text


def test_a_correction_of_a_field_the_person_does_not_own_is_refused(
    session: Session, people: dict[str, Customer]
) -> None:
    case = verified_case(
        session, kinds=["rectification"], email="elin.lindqvist@example.com", name="Elin"
    )
    with pytest.raises(UserError, match="customer_number"):
        fulfil_rectification(
            session,
            reference=case.reference,
            corrections={"customer_number": "X"},
            actor=ACTOR,
            now=T0,
            controller=CONTROLLER,
        )


# --- erasure ---------------------------------------------------------------------------------


def test_erasure_keeps_the_debt_in_collection_and_who_owes_it_and_erases_the_rest(
    session: Session, people: dict[str, Customer]
) -> None:
    elin_id = people["elin"].id
    case = verified_case(
        session,
        kinds=["erasure"],
        email="elin.lindqvist@example.com",
        name="Elin",
        language="sv",
    )
    reply = fulfil_erasure(
        session, reference=case.reference, actor=ACTOR, now=T0, controller=CONTROLLER
    )

    elin = session.get(Customer, elin_id)
    assert elin is not None and elin.name == "Elin Lindqvist"
    assert elin.phone is None and elin.ip_address is None
    # The order behind the claim is its evidence; the disclosure log serves Art. 19.
    orders = session.exec(select(Order).where(Order.customer_id == elin_id)).all()
    assert [o.order_number for o in orders] == ["T-2025-0311"]
    assert session.exec(select(Disclosure).where(Disclosure.customer_id == elin_id)).all()
    kept = session.exec(select(Invoice).where(Invoice.customer_id == elin_id)).all()
    assert [i.number for i in kept] == ["2025-0311"]
    assert "faktura 2025-0311" in reply.body_text
    assert "728/2003" in reply.body_text  # the limitation act behind the claim
    assert "tills fordran är betald eller preskriberad" in reply.body_text
    assert "bevaras till och med 31 december 2031\n" in reply.body_text  # also a voucher (KPL 2:10)
    assert "Perintä Esimerkki Oy" in reply.body_text  # told under Art. 19
    with pytest.raises(UserError, match="already erased"):
        fulfil_erasure(
            session, reference=case.reference, actor=ACTOR, now=T0, controller=CONTROLLER
        )


def test_every_art_19_notice_of_an_erasure_names_the_invoice_in_collection_as_kept(
    session: Session, people: dict[str, Customer]
) -> None:
    case = verified_case(
        session, kinds=["erasure"], email="elin.lindqvist@example.com", name="Elin"
    )
    reply = fulfil_erasure(
        session, reference=case.reference, actor=ACTOR, now=T0, controller=CONTROLLER
    )
    notices = [d for d in pending_drafts(session, reference=case.reference) if d.id != reply.id]
    assert notices, "the recipients of Elin's data are told"
    for notice in notices:
        text = notice.body_text
        assert "lasku 2025-0311" in text and "säilytetään" in text  # kept, and until when
        assert "kunnes saatava on maksettu tai vanhentunut" in text
        assert "älkää poistako näitä tietoja" in text
        # Never "we erased everything, erase it too" while an invoice stays.
        assert "olemme poistaneet tiedot omista järjestelmistämme" not in text
        assert "tämä viesti on ohjeemme teille" not in text


def test_erasure_anonymises_a_customer_whose_recent_invoice_is_a_voucher_and_keeps_the_opt_out(
    session: Session, people: dict[str, Customer]
) -> None:
    maija_id = people["maija"].id
    session.add(Suppression(email="maija.virtanen@example.com", scope="marketing", created_at=T0))
    session.commit()
    case = verified_case(
        session, kinds=["erasure"], email="maija.virtanen@example.com", name="Maija"
    )
    reply = fulfil_erasure(
        session, reference=case.reference, actor=ACTOR, now=T0, controller=CONTROLLER
    )

    maija = session.get(Customer, maija_id)
    assert maija is not None and maija.anonymised_at is not None
    assert (maija.name, maija.email, maija.postal_address, maija.phone) == (None, None, None, None)
    assert maija.customer_number == f"ANON-{maija_id}"
    invoices = session.exec(select(Invoice).where(Invoice.customer_id == maija_id)).all()
    assert [i.number for i in invoices] == ["2025-0042"]  # 2015-0007 is past 10 years: gone
    assert "lasku 2025-0042" in reply.body_text and "6 vuotta" in reply.body_text
    assert "lasku 2015-0007" in reply.body_text  # named among the erased
    assert is_suppressed(session, "maija.virtanen@example.com") == ["marketing"]
    assert "markkinointikieltoluettelossa" in reply.body_text


def test_erasure_deletes_a_customer_nothing_holds_and_unlinks_the_case(
    session: Session, people: dict[str, Customer]
) -> None:
    matti_id = people["matti"].id
    case = verified_case(
        session, kinds=["erasure"], email="matti.meikalainen@example.com", name="Matti"
    )
    fulfil_erasure(session, reference=case.reference, actor=ACTOR, now=T0, controller=CONTROLLER)
    assert session.get(Customer, matti_id) is None
    assert session.exec(select(Invoice).where(Invoice.customer_id == matti_id)).all() == []
    assert ops.get_case(session, case.reference).customer_id is None
    (event,) = _events(session, case, "fulfil")
    assert event.detail["customer_outcome"] == "deleted"


# --- restriction and opt-outs -------------------------------------------------------------------


def test_a_restricted_customer_is_left_off_every_marketing_and_publication_list(
    session: Session, engine: Engine, people: dict[str, Customer], tmp_path: Path
) -> None:
    assert "C-1003" in [c.customer_number for c in audience(session, purpose="marketing")]
    case = verified_case(
        session,
        kinds=["restriction"],
        email="john.smith@example.com",
        name="John",
        language="en",
    )
    draft = fulfil_restriction(
        session,
        reference=case.reference,
        actor=ACTOR,
        now=T0,
        controller=CONTROLLER,
        reason="accuracy contested",
    )
    assert draft.template == "restriction_confirmation"
    assert "C-1003" not in [c.customer_number for c in audience(session, purpose="marketing")]
    assert "C-1003" not in [c.customer_number for c in audience(session, purpose="publication")]

    approve_draft(session, reference=case.reference, actor=ACTOR, now=T0, sender=SENDER)
    session.commit()  # its read of the queued row ends, as a command's session would
    # The confirmation goes out first (Art. 18(3)), as the outbox sends it, to a local Maildir.
    sent = deliver_pending(
        lambda: new_session(engine), MaildirTransport(tmp_path / "outbox"), lambda: T0
    )
    assert sent["sent"] == 1
    with pytest.raises(UserError, match=r"18\(3\)"):
        lift_restriction(
            session,
            customer_number="C-1003",
            reason="checked",
            informed_at=T0 + timedelta(days=2),
            actor=ACTOR,
            now=T0,
            controller=CONTROLLER,
        )
    lift_restriction(
        session,
        customer_number="C-1003",
        reason="accuracy checked",
        informed_at=T0,
        actor=ACTOR,
        now=T0 + timedelta(days=1),
        controller=CONTROLLER,
    )
    assert "C-1003" in [c.customer_number for c in audience(session, purpose="marketing")]


def test_a_marketing_opt_out_is_recorded_at_once_even_from_an_address_not_in_the_register(
    session: Session, people: dict[str, Customer]
) -> None:
    case = open_case(session, kinds=["marketing_opt_out"], email="someone@example.net", name="Joku")
    draft = fulfil_suppression(
        session, reference=case.reference, actor=ACTOR, now=T0, controller=CONTROLLER
    )
    assert is_suppressed(session, "SOMEONE@example.net") == ["marketing"]
    assert draft.template == "objection_confirmation"
    assert ops.get_case(session, case.reference).identity_method == "sender_match"


def test_a_verified_objection_suppresses_the_register_address_for_the_objected_processing(
    session: Session, people: dict[str, Customer]
) -> None:
    case = verified_case(
        session,
        kinds=["objection", "publication_opt_out"],
        email="maija.virtanen@example.com",
        name="Maija",
    )
    fulfil(session, reference=case.reference, actor=ACTOR, now=T0, controller=CONTROLLER)
    assert is_suppressed(session, "maija.virtanen@example.com") == ["processing", "publication"]
    assert "C-1001" not in [c.customer_number for c in audience(session, purpose="marketing")]
    approve_draft(session, reference=case.reference, actor=ACTOR, now=T0, sender=SENDER)
    # The second confirmation comes from the record, not from recording the opt-out again.
    draft = fulfil(session, reference=case.reference, actor=ACTOR, now=T0, controller=CONTROLLER)
    assert draft.template == "publication_opt_out_confirmation"
    assert len(session.exec(select(Suppression)).all()) == 2


# --- identity -------------------------------------------------------------------------------


def test_a_sender_address_that_matches_the_register_verifies_the_requester(
    session: Session, people: dict[str, Customer]
) -> None:
    case = open_case(session, kinds=["access"], email="john.smith@example.com", name="John")
    # Intake's verdict on the mail: the receiving server authenticated the From domain.
    verified = identity.verify_sender_match(
        session, reference=case.reference, actor=ACTOR, now=T0, authenticated=True
    )
    assert verified is not None and verified.identity_method == "sender_match"
    assert verified.status == "in_progress" and verified.customer_id == people["john"].id


def test_a_stranger_address_gets_a_code_sent_to_the_registers_address_and_only_its_hash_is_kept(
    session: Session, people: dict[str, Customer]
) -> None:
    case = open_case(
        session,
        kinds=["access"],
        email="j.smith@example.org",
        name="John Smith",
        language="en",
        organisation="Example Ltd",
    )
    assert (
        identity.verify_sender_match(session, reference=case.reference, actor=ACTOR, now=T0) is None
    )
    row = identity.send_code(
        session, reference=case.reference, sender=SENDER, controller=CONTROLLER, actor=ACTOR, now=T0
    )
    assert row is not None and row.to_addr == "john.smith@example.com" and row.automatic
    code = outbox_bytes(session, row).decode("utf-8", "replace").split("code", 1)[1]
    sent = next(t for t in code.replace("\n", " ").split() if len(t) == 9 and t[4] == "-")
    stored = session.exec(select(VerificationCode)).one()
    assert sent not in stored.code_hash and stored.sent_to == "john.smith@example.com"
    assert ops.get_case(session, case.reference).status == "awaiting_identity"

    later = T0 + timedelta(days=2)
    wrong = code_check.check_code_reply(session, case, "my code is ABCD-EFGH", later)
    assert wrong == code_check.CodeCheck.WRONG
    typed = code_check.check_code_reply(session, case, f"Here it is: {sent.lower()}", later)
    assert typed == code_check.CodeCheck.VERIFIED
    case = ops.get_case(session, case.reference)
    assert (case.identity_status, case.identity_method, case.status) == (
        "verified",
        "code",
        "in_progress",
    )
    assert case.paused_days == 2
    used = code_check.check_code_reply(session, case, sent, later)
    assert used == code_check.CodeCheck.NO_CODE  # used once: the case is verified


def test_an_expired_code_does_not_verify(session: Session, people: dict[str, Customer]) -> None:
    case = open_case(
        session,
        kinds=["access"],
        email="j.smith@example.org",
        name="John Smith",
        organisation="Example Ltd",
    )
    row = identity.send_code(
        session,
        reference=case.reference,
        sender=SENDER,
        controller=CONTROLLER,
        actor=ACTOR,
        now=T0,
        valid_for=timedelta(days=1),
    )
    assert row is not None
    text = outbox_bytes(session, row).decode("utf-8", "replace")
    sent = next(t for t in text.split() if len(t) == 9 and t[4] == "-")
    late = code_check.check_code_reply(session, case, sent, T0 + timedelta(days=2))
    assert late == code_check.CodeCheck.EXPIRED
    assert ops.get_case(session, case.reference).identity_status == "unverified"


def test_identity_documents_are_deleted_once_the_requester_is_verified(
    session: Session, people: dict[str, Customer]
) -> None:
    scan = b"\x89PNG fictional passport of Maija Virtanen"
    case = open_case(
        session,
        kinds=["access"],
        email="maija.virtanen@example.com",
        name="Maija",
        attachments=[("passport_maija.png", "image/png", scan)],
        identity_documents=True,
    )
    identity.verify_manually(
        session,
        reference=case.reference,
        method="document",
        reason="passport photo matches",
        actor="pasi",
        now=T0,
    )

    attachment = session.exec(select(Attachment)).one()
    assert (
        attachment.data is None
        and attachment.filename is None
        and attachment.deleted_at is not None
    )
    message = session.exec(select(Message).where(Message.case_id == case.id)).one()
    assert (
        message.raw is not None and scan not in message.raw and b"passport_maija" not in message.raw
    )
    (event,) = _events(session, case, "identity_documents_deleted")
    assert event.full_detail["note"] == "identity checked by pasi on 2026-03-05"


# --- retention -------------------------------------------------------------------------------


def test_the_retention_sweep_anonymises_expired_customers_unless_an_open_invoice_holds_them(
    session: Session, people: dict[str, Customer]
) -> None:
    # 2026: Matti ended 2012 (over 10 years); John ended 2023 but has an open invoice anyway.
    john = session.get(Customer, people["john"].id)
    assert john is not None
    john.relationship_end = date(2014, 1, 1)
    session.commit()
    dry = sweep(session, now=T0, controller=CONTROLLER, dry_run=True)
    assert dry.anonymised == ["C-1004"]
    assert dry.held == [("C-1003", "open invoice (Art. 17(3)(e))")]
    assert session.get(Customer, people["matti"].id).anonymised_at is None  # type: ignore[union-attr]

    report = sweep(session, now=T0, controller=CONTROLLER)
    assert report.anonymised == ["C-1004"]
    matti = session.get(Customer, people["matti"].id)
    assert matti is not None and matti.anonymised_at is not None and matti.name is None
    assert session.exec(select(Invoice).where(Invoice.customer_id == matti.id)).all() == []
    assert sweep(session, now=T0, controller=CONTROLLER).anonymised == []  # nothing twice


def test_an_open_request_from_the_customers_address_holds_the_sweep_before_it_is_linked(
    session: Session, people: dict[str, Customer]
) -> None:
    # Matti is past retention, but has just asked for his data; the case is not yet linked
    # to his register row. Anonymising him now would leave nothing to answer (Art. 15).
    case = open_case(session, kinds=["access"], email="Matti.Meikalainen@example.com", name="Matti")
    assert case.customer_id is None
    report = sweep(session, now=T0, controller=CONTROLLER)
    assert report.anonymised == []
    assert ("C-1004", f"open case {case.reference}") in report.held
    matti = session.get(Customer, people["matti"].id)
    assert matti is not None and matti.anonymised_at is None and matti.name is not None


def test_the_scheduler_sweeps_once_a_day_after_three_in_the_morning_helsinki_time(
    session: Session, people: dict[str, Customer]
) -> None:
    night = datetime(2026, 3, 5, 0, 59, tzinfo=UTC)  # 02:59 in Helsinki
    assert run_daily(session, now=night, controller=CONTROLLER) is None
    morning = night + timedelta(minutes=31)
    first = run_daily(session, now=morning, controller=CONTROLLER)
    assert first is not None and first.anonymised == ["C-1004"]
    assert run_daily(session, now=morning + timedelta(hours=5), controller=CONTROLLER) is None
    tomorrow = run_daily(session, now=morning + timedelta(days=1), controller=CONTROLLER)
    assert tomorrow is not None and tomorrow.anonymised == []
    manual = CONTROLLER.model_copy(update={"retention_sweep_daily": False})
    assert run_daily(session, now=morning + timedelta(days=2), controller=manual) is None


def test_the_sweep_purges_closed_case_records_after_their_retention_and_keeps_the_opt_out(
    session: Session, people: dict[str, Customer]
) -> None:
    case = open_case(session, kinds=["marketing_opt_out"], email="old@example.net", name="Vanha")
    fulfil(session, reference=case.reference, actor=ACTOR, now=T0, controller=CONTROLLER)
    approve_draft(session, reference=case.reference, actor=ACTOR, now=T0, sender=SENDER)
    ops.close(session, reference=case.reference, actor=ACTOR, now=T0)

    assert (
        sweep(session, now=T0 + timedelta(days=365 * 3), controller=CONTROLLER).purged_cases == []
    )
    later = T0 + timedelta(days=365 * 3 + 2)
    report = sweep(session, now=later, controller=CONTROLLER)

    assert report.purged_cases == [case.reference]
    purged = ops.get_case(session, case.reference)
    assert purged.requester_email is None and purged.requester_name is None
    assert session.exec(select(Message).where(Message.case_id == case.id)).all() == []
    assert session.exec(select(Outbox).where(Outbox.case_id == case.id)).all() == []
    assert is_suppressed(session, "old@example.net") == ["marketing"]
    assert verify_chain(session).ok


def test_the_purge_erases_what_the_audit_trail_said_about_the_person_and_the_chain_holds(
    session: Session, people: dict[str, Customer]
) -> None:
    case = open_case(session, kinds=["marketing_opt_out"], email="old@example.net", name="Vanha")
    ops.note(session, reference=case.reference, text="soitti Vanhalle 040", actor=ACTOR, now=T0)
    fulfil(session, reference=case.reference, actor=ACTOR, now=T0, controller=CONTROLLER)
    approve_draft(session, reference=case.reference, actor=ACTOR, now=T0, sender=SENDER)
    ops.close(session, reference=case.reference, actor=ACTOR, now=T0)
    sent = _events(session, case, "reply_approved")[0]
    assert sent.full_detail["to"] == "old@example.net" and sent.personal_sha256
    assert "to" not in sent.detail  # only the salted hash of the personal part is chained

    sweep(session, now=T0 + timedelta(days=365 * 3 + 2), controller=CONTROLLER)

    events = _events(session, case, "reply_approved") + _events(session, case, "note")
    for event in events:
        session.refresh(event)
        assert event.personal is None and event.personal_salt is None
        assert event.personal_sha256  # what was chained stays: the chain still verifies
    assert events[0].full_detail["template"] and "body_text" not in events[0].full_detail
    dump = json.dumps(
        [e.full_detail for e in session.exec(select(CaseEvent)).all()], ensure_ascii=False
    )
    assert "old@example.net" not in dump and "Vanha" not in dump
    purge = _events(session, case, "retention_purge")[0]
    assert purge.detail["events_redacted"] >= 2
    assert verify_chain(session).ok
