"""Drafts, approval, the dossier and the CLI around them, on SQLite and PostgreSQL."""

from __future__ import annotations

import email
import json
import re
from datetime import timedelta
from email import policy
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from cases import operations as ops
from cases.dossier import build_dossier
from cases.dossier_text import ACTION, DETAIL
from cases.errors import IllegalTransition, UserError
from cases.fulfilment.runner import draft_next, draft_template, fulfil
from cases.replies import approve_draft, draft_reply, pending_draft, pending_drafts
from mail_intake.compose import outbox_bytes
from rightsdesk.cli import main
from store.actions import AuditAction
from store.models import CaseEvent, Customer, Draft, Message, Outbox
from tests.e2e.outbox_journey import US
from tests.replies_support import (
    ACTOR,
    EXAMPLE_CONFIG,
    SENDER,
    T0,
    controller,
    open_case,
    seed_register,
    verified_case,
    verify,
)
from tests.servers.smtp import SmtpSink

CONTROLLER = controller()


def _approved_event(session: Session, case_id: int | None) -> CaseEvent:
    return session.exec(
        select(CaseEvent)
        .where(CaseEvent.case_id == case_id, CaseEvent.action == "reply_approved")
        .order_by(col(CaseEvent.id).desc())
    ).first()  # type: ignore[return-value]


def test_a_new_draft_supersedes_the_pending_one_and_approval_sends_the_newest(
    session: Session, people: dict[str, Customer]
) -> None:
    case = open_case(session, kinds=["access"], email="maija.virtanen@example.com", name="Maija")
    first = draft_reply(
        session,
        reference=case.reference,
        template="identity_request",
        extra_context={"questions": "Asiakasnumerosi?"},
        actor=ACTOR,
        now=T0,
        controller=CONTROLLER,
    )
    second = draft_reply(
        session,
        reference=case.reference,
        template="identity_request",
        extra_context={"questions": "Viimeisimmän laskusi numero?"},
        actor=ACTOR,
        now=T0,
        controller=CONTROLLER,
    )
    assert session.get(Draft, first.id).status == "superseded"  # type: ignore[union-attr]
    assert pending_draft(session, reference=case.reference) == second
    assert [d.id for d in pending_drafts(session, reference=case.reference)] == [second.id]


def test_approval_queues_the_exact_text_threads_it_and_records_it_in_the_audit_trail(
    session: Session, people: dict[str, Customer]
) -> None:
    case = verified_case(
        session, kinds=["access"], email="maija.virtanen@example.com", name="Maija"
    )
    draft = fulfil(session, reference=case.reference, actor=ACTOR, now=T0, controller=CONTROLLER)
    inbound = session.exec(select(Message).where(Message.case_id == case.id)).one()

    row = approve_draft(
        session, reference=case.reference, actor="pasi", now=T0 + timedelta(hours=1), sender=SENDER
    )

    mail = email.message_from_bytes(outbox_bytes(session, row), policy=policy.default)
    assert mail["In-Reply-To"] == f"<{inbound.message_id}>"
    assert f"[{case.reference}]" in mail["Subject"] and mail["Subject"] == draft.subject
    assert mail.get_body(("plain",)).get_content().rstrip() == draft.body_text.rstrip()  # type: ignore[union-attr]
    assert sorted(p.get_filename() or "" for p in mail.iter_attachments()) == sorted(
        a["filename"] for a in draft.attachments
    )
    event = _approved_event(session, case.id)
    assert event.actor == "pasi" and event.full_detail["body_text"] == draft.body_text
    assert event.full_detail["subject"] == draft.subject
    assert {a["sha256"] for a in event.full_detail["attachments"]} == {
        a["sha256"] for a in draft.attachments
    }
    case = ops.get_case(session, case.reference)
    assert case.status == "responded" and case.outcome == "answered: access_response"
    assert session.get(Draft, draft.id).status == "approved"  # type: ignore[union-attr]
    assert pending_draft(session, reference=case.reference) is None


def test_approving_with_nothing_pending_is_a_clear_error(
    session: Session, people: dict[str, Customer]
) -> None:
    case = open_case(session, kinds=["access"], email="x@example.com", name="X")
    with pytest.raises(UserError, match="no pending draft"):
        approve_draft(session, reference=case.reference, actor=ACTOR, now=T0, sender=SENDER)


def test_a_case_with_two_rights_is_answered_only_when_both_replies_are_approved(
    session: Session, people: dict[str, Customer]
) -> None:
    case = verified_case(
        session,
        kinds=["access", "portability"],
        email="john.smith@example.com",
        name="John",
        language="en",
    )
    assert (
        fulfil(
            session, reference=case.reference, actor=ACTOR, now=T0, controller=CONTROLLER
        ).template
        == "access_response"
    )
    approve_draft(session, reference=case.reference, actor=ACTOR, now=T0, sender=SENDER)
    assert ops.get_case(session, case.reference).status == "in_progress"
    assert (
        draft_next(
            session, reference=case.reference, actor=ACTOR, now=T0, controller=CONTROLLER
        ).template
        == "portability_export"
    )
    approve_draft(session, reference=case.reference, actor=ACTOR, now=T0, sender=SENDER)
    assert ops.get_case(session, case.reference).status == "responded"


def test_a_request_to_see_and_delete_sends_the_copy_before_anything_is_erased(
    session: Session, people: dict[str, Customer]
) -> None:
    case = open_case(
        session, kinds=["erasure", "access"], email="maija.virtanen@example.com", name="Maija"
    )
    case = verify(session, case)
    first = fulfil(session, reference=case.reference, actor=ACTOR, now=T0, controller=CONTROLLER)
    assert first.template == "access_response" and "Esimerkkikatu 1 A" in first.body_text
    approve_draft(session, reference=case.reference, actor=ACTOR, now=T0, sender=SENDER)
    second = fulfil(session, reference=case.reference, actor=ACTOR, now=T0, controller=CONTROLLER)
    assert second.template == "erasure_done"
    approve_draft(session, reference=case.reference, actor=ACTOR, now=T0, sender=SENDER)
    assert ops.get_case(session, case.reference).status == "responded"


def test_recipient_notices_go_out_with_the_reply_that_says_they_were_sent(
    session: Session, people: dict[str, Customer]
) -> None:
    case = verified_case(
        session,
        kinds=["restriction"],
        email="elin.lindqvist@example.com",
        name="Elin",
        language="sv",
    )
    fulfil(session, reference=case.reference, actor=ACTOR, now=T0, controller=CONTROLLER)
    assert len(pending_drafts(session, reference=case.reference)) == 3
    row = approve_draft(session, reference=case.reference, actor=ACTOR, now=T0, sender=SENDER)
    rows = session.exec(
        select(Outbox).where(Outbox.case_id == case.id).order_by(col(Outbox.id))
    ).all()
    assert [r.purpose for r in rows] == ["recipient_notice", "recipient_notice", "reply"]
    assert rows[-1].id == row.id and row.to_addr == "elin.lindqvist@example.com"
    notified = session.exec(
        select(CaseEvent).where(
            CaseEvent.case_id == case.id, CaseEvent.action == "recipient_notified"
        )
    ).all()
    assert sorted(e.full_detail["to"] for e in notified) == [
        "kirjanpito@tilitoimisto.example",
        "perinta@perinta.example",
    ]


def test_approving_a_refusal_refuses_the_case_with_the_same_reasons(
    session: Session, people: dict[str, Customer]
) -> None:
    case = open_case(
        session, kinds=["erasure"], email="john.smith@example.com", name="John", language="en"
    )
    draft_template(
        session,
        reference=case.reference,
        template="refusal",
        extra_context={
            "refusal_reasons": "The same request was answered last week.",
            "partial": False,
        },
        actor=ACTOR,
        now=T0,
        controller=CONTROLLER,
    )
    approve_draft(session, reference=case.reference, actor=ACTOR, now=T0, sender=SENDER)
    case = ops.get_case(session, case.reference)
    assert case.status == "refused"
    assert case.outcome == "refused: The same request was answered last week."


def test_an_approved_extension_notice_records_when_the_requester_was_told(
    session: Session, people: dict[str, Customer]
) -> None:
    case = verified_case(
        session, kinds=["access"], email="john.smith@example.com", name="John", language="en"
    )
    ops.extend(
        session,
        reference=case.reference,
        reason="Ten years of archived orders.",
        ground="complexity",
        actor=ACTOR,
        now=T0,
    )
    draft = draft_next(
        session, reference=case.reference, actor=ACTOR, now=T0, controller=CONTROLLER
    )
    assert (
        draft.template == "extension_notice" and "Ten years of archived orders." in draft.body_text
    )
    approve_draft(
        session, reference=case.reference, actor=ACTOR, now=T0 + timedelta(hours=1), sender=SENDER
    )
    case = ops.get_case(session, case.reference)
    assert case.extension_notified_at == T0 + timedelta(hours=1) and case.status == "in_progress"


def test_an_unverified_case_gets_an_identity_request_whose_approval_stops_the_clock(
    session: Session, people: dict[str, Customer]
) -> None:
    case = open_case(session, kinds=["access"], email="stranger@example.net", name="Outo")
    draft = draft_next(
        session, reference=case.reference, actor=ACTOR, now=T0, controller=CONTROLLER
    )
    assert draft.template == "identity_request"
    approve_draft(session, reference=case.reference, actor=ACTOR, now=T0, sender=SENDER)
    case = ops.get_case(session, case.reference)
    assert case.status == "awaiting_identity" and case.paused_since == T0


def test_drafting_never_changes_the_register_so_an_erasure_reply_waits_for_fulfilment(
    session: Session, people: dict[str, Customer]
) -> None:
    case = verified_case(
        session, kinds=["erasure"], email="elin.lindqvist@example.com", name="Elin"
    )
    with pytest.raises(UserError, match="cases fulfil"):
        draft_next(session, reference=case.reference, actor=ACTOR, now=T0, controller=CONTROLLER)
    fulfil(session, reference=case.reference, actor=ACTOR, now=T0, controller=CONTROLLER)
    # A redraft (e.g. after a correction) comes from the record of what was done.
    again = draft_template(
        session,
        reference=case.reference,
        template="erasure_done",
        actor=ACTOR,
        now=T0,
        controller=CONTROLLER,
    )
    assert "2025-0311" in again.body_text


def test_a_final_reply_cannot_be_approved_for_a_case_that_is_not_in_progress(
    session: Session, people: dict[str, Customer]
) -> None:
    case = verified_case(
        session, kinds=["access"], email="maija.virtanen@example.com", name="Maija"
    )
    fulfil(session, reference=case.reference, actor=ACTOR, now=T0, controller=CONTROLLER)
    ops.pause(
        session,
        reference=case.reference,
        waiting_for="clarification",
        reason="which years?",
        actor=ACTOR,
        now=T0,
    )
    with pytest.raises(IllegalTransition):
        approve_draft(session, reference=case.reference, actor=ACTOR, now=T0, sender=SENDER)
    assert session.exec(select(Outbox)).all() == []  # nothing queued: all or nothing


def test_the_dossier_explains_the_deadline_the_check_the_messages_and_the_chain(
    session: Session, people: dict[str, Customer]
) -> None:
    case = open_case(
        session,
        kinds=["access"],
        email="maija.virtanen@example.com",
        name="Maija",
        body="Haluan tietoni <script>alert(1)</script>",
    )
    ops.pause(
        session,
        reference=case.reference,
        waiting_for="identity",
        reason="asked for the customer number",
        actor=ACTOR,
        now=T0 + timedelta(days=1),
    )
    ops.verify(
        session,
        reference=case.reference,
        method="manual",
        reason="customer number given",
        actor="pasi",
        now=T0 + timedelta(days=2),
    )
    ops.extend(
        session,
        reference=case.reference,
        reason="Archived orders.",
        ground="complexity",
        actor=ACTOR,
        now=T0 + timedelta(days=5),
    )
    fulfil(
        session,
        reference=case.reference,
        actor=ACTOR,
        now=T0 + timedelta(days=6),
        controller=CONTROLLER,
    )
    approve_draft(
        session, reference=case.reference, actor=ACTOR, now=T0 + timedelta(days=6), sender=SENDER
    )

    html = build_dossier(
        session, reference=case.reference, now=T0 + timedelta(days=7), controller=CONTROLLER
    )

    assert html.startswith("<!DOCTYPE html>") and "<link" not in html and "src=" not in html
    assert "Case dossier DSR-2026-0001" in html
    assert "2026-03-05" in html  # receipt date
    assert "Reg. 1182/71" in html or "Regulation 1182/71" in html
    # 5 April + 1 paused day = Easter Monday, so the answer is due on Tuesday 7 April.
    assert "2026-04-06 (Easter Monday)" in html and "2026-04-07" in html
    finnish = html.split('<section lang="en"')[0]  # the case's language: every step in Finnish
    assert "Koska 2026-04-06 (toinen pääsiäispäivä) ei ole työpäivä" in finnish
    assert "Easter" not in finnish and "GDPR Art. 12(3) sets" not in finnish
    assert "asked for the customer number" in html
    assert "Archived orders." in html and "within the first month" in html
    assert "customer number given" in html and "pasi" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    assert "Vastaus tietojen tarkastuspyyntöösi" in html  # the reply sent
    assert "Intact" in html


# --- the CLI -------------------------------------------------------------------------------


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("RIGHTSDESK_DATABASE_URL", url)
    monkeypatch.setenv("RIGHTSDESK_CONFIG", str(EXAMPLE_CONFIG))
    monkeypatch.setenv("RIGHTSDESK_NOW", T0.isoformat())
    monkeypatch.chdir(tmp_path)
    from store import migrate
    from store.engine import make_engine, new_session

    engine = make_engine(url)
    migrate.upgrade(engine)
    with new_session(engine) as session:
        seed_register(session)
        verified_case(session, kinds=["access"], email="maija.virtanen@example.com", name="Maija")
        open_case(
            session,
            kinds=["marketing_opt_out"],
            email="elin.lindqvist@example.com",
            name="Elin",
            language="sv",
        )
    engine.dispose()
    return tmp_path


def test_the_cli_drafts_shows_and_approves_a_reply(
    cli_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["cases", "draft", "DSR-2026-0001"]) == 0
    shown = capsys.readouterr().out
    assert "Subject: [DSR-2026-0001]" in shown and "[attachment] dsr-2026-0001.json" in shown
    assert main(["cases", "approve", "DSR-2026-0001", "--actor", "pasi"]) == 0
    out = capsys.readouterr().out
    assert "queued reply to maija.virtanen@example.com" in out and "responded" in out
    assert main(["cases", "approve", "DSR-2026-0001"]) == 2
    assert "no pending draft" in capsys.readouterr().err


def test_the_cli_fulfils_an_opt_out_and_reports_the_suppression(
    cli_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["register", "suppressed", "elin.lindqvist@example.com"]) == 1
    assert main(["cases", "fulfil", "DSR-2026-0002"]) == 0
    assert "Subject: [DSR-2026-0002]" in capsys.readouterr().out
    assert main(["register", "suppressed", "Elin.Lindqvist@example.com"]) == 0
    assert capsys.readouterr().out.strip().endswith("marketing")


def _mail_through(smtp_sink: SmtpSink, cli_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Intake from the local Maildir, the outbox through the test SMTP server."""
    for name, value in (
        ("RIGHTSDESK_MAILDIR", str(cli_db / "mail")),
        ("RIGHTSDESK_MAIL_FROM", US),
        ("RIGHTSDESK_SMTP_HOST", "127.0.0.1"),
        ("RIGHTSDESK_SMTP_PORT", str(smtp_sink.port)),
        ("RIGHTSDESK_SMTP_SECURITY", "plain"),
    ):
        monkeypatch.setenv(name, value)
    (cli_db / "mail").mkdir()


def _restriction_approved(capsys: pytest.CaptureFixture[str]) -> str:
    """Maija Virtanen's (C-1001) restriction, made and its confirming reply approved."""
    opened = ["cases", "open", "--kinds", "restriction", "--email", "maija.virtanen@example.com"]
    assert main([*opened, "--name", "Maija Virtanen", "--json"]) == 0
    reference = str(json.loads(capsys.readouterr().out)["reference"])
    assert main(["cases", "verify", reference, "--method", "manual", "--reason", "x"]) == 0
    assert main(["cases", "fulfil", reference]) == 0
    assert main(["cases", "approve", reference]) == 0
    capsys.readouterr()
    return reference


def _trail_and_flag(
    cli_db: Path, reference: str, capsys: pytest.CaptureFixture[str]
) -> tuple[list[str], bool]:
    """The case's trail, action by action, and whether C-1001 is flagged restricted."""
    assert main(["cases", "show", reference, "--json"]) == 0
    actions = [e["action"] for e in json.loads(capsys.readouterr().out)["events"]]
    from store.engine import make_engine, new_session

    engine = make_engine(f"sqlite:///{cli_db / 'cli.db'}")
    try:
        with new_session(engine) as session:
            customer = session.exec(
                select(Customer).where(Customer.customer_number == "C-1001")
            ).one()
            return actions, customer.restricted
    finally:
        engine.dispose()


def test_a_restriction_is_not_lifted_while_its_confirmation_waits_in_the_outbox(
    cli_db: Path,
    smtp_sink: SmtpSink,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Approved is not delivered: lifted while the mail server put the confirmation off, the
    person would be told "restricted" after being told it was lifted (Art. 18(3))."""
    _mail_through(smtp_sink, cli_db, monkeypatch)
    reference = _restriction_approved(capsys)
    # 451 to both queued mails (the acknowledgement, the confirmation): the server is busy,
    # the outbox tries again later.
    smtp_sink.fail_next(2)
    assert main(["poll", "--once"]) == 0
    assert "outbox: 0 sent" in capsys.readouterr().out
    before = _trail_and_flag(cli_db, reference, capsys)
    told = ["--reason", "accuracy checked", "--informed-at", "2026-03-05"]

    assert main(["cases", "lift-restriction", reference, *told]) == 2
    refused = capsys.readouterr().err
    assert main(["register", "lift-restriction", "C-1001", *told]) == 2
    assert capsys.readouterr().err == refused

    assert f"{reference}: the reply confirming the restriction is approved but not delivered" in (
        refused
    )
    assert ": pending, 1 attempt(s), last error: SMTPDataError 451)" in refused
    assert "sends it once the mail server answers; lift the restriction after that" in refused
    assert "Traceback" not in refused
    assert _trail_and_flag(cli_db, reference, capsys) == before
    assert before[1] is True and "restriction_lifted" not in before[0]

    # The server answers again; the outbox's next try (its backoff passed) delivers it.
    monkeypatch.setenv("RIGHTSDESK_NOW", (T0 + timedelta(hours=1)).isoformat())
    assert main(["poll", "--once"]) == 0
    assert "2 sent" in capsys.readouterr().out
    assert len(smtp_sink.wait_for(2)) == 2
    assert main(["cases", "lift-restriction", reference, *told]) == 0
    assert capsys.readouterr().out.splitlines()[:2] == [
        f"{reference}: restriction lifted",
        "C-1001: restriction lifted in the register",
    ]
    actions, restricted = _trail_and_flag(cli_db, reference, capsys)
    assert actions.count("restriction_lifted") == 1 and restricted is False


def test_a_person_told_of_the_lifting_before_the_delayed_confirmation_reached_them_is_told_again(
    cli_db: Path,
    smtp_sink: SmtpSink,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Approved on Thursday, delivered on Saturday after an outage: a person told of the
    lifting on Friday then read "restricted" after it; the lift needs a telling after the
    mail reached them (Art. 18(3))."""
    _mail_through(smtp_sink, cli_db, monkeypatch)
    reference = _restriction_approved(capsys)
    smtp_sink.fail_next(2)  # 451: the outbox tries again later
    assert main(["poll", "--once"]) == 0
    monkeypatch.setenv("RIGHTSDESK_NOW", (T0 + timedelta(days=2)).isoformat())
    assert main(["poll", "--once"]) == 0
    assert "2 sent" in capsys.readouterr().out

    lift = ["cases", "lift-restriction", reference, "--reason", "accuracy checked"]
    assert main([*lift, "--informed-at", "2026-03-06"]) == 2
    refused = capsys.readouterr().err
    assert "--informed-at 2026-03-06 is before the restriction was confirmed to the person" in (
        refused
    )
    assert "(2026-03-07)" in refused
    assert main([*lift, "--informed-at", "2026-03-07"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == f"{reference}: restriction lifted"


def test_a_restriction_whose_confirmation_could_not_be_delivered_at_all_is_still_lifted(
    cli_db: Path,
    smtp_sink: SmtpSink,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A delivery given up on is the outbox's alert to the contact person; it must not keep
    the data restricted (cases.fulfilment.restriction_state.check_liftable)."""
    _mail_through(smtp_sink, cli_db, monkeypatch)
    reference = _restriction_approved(capsys)
    smtp_sink.fail_next(2, "550 5.1.1 Mailbox unavailable")  # permanent (RFC 5321 §4.2.1)
    assert main(["poll", "--once"]) == 0
    assert "0 sent, 0 deferred, 2 failed" in capsys.readouterr().out

    told = ["--reason", "accuracy checked", "--informed-at", "2026-03-05"]
    assert main(["cases", "lift-restriction", reference, *told]) == 0
    assert capsys.readouterr().out.splitlines()[0] == f"{reference}: restriction lifted"
    assert _trail_and_flag(cli_db, reference, capsys)[1] is False


def test_the_cli_lifts_a_restriction_only_after_the_person_was_told(
    cli_db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    opened = ["cases", "open", "--kinds", "restriction", "--email", "maija.virtanen@example.com"]
    assert main([*opened, "--name", "Maija Virtanen", "--json"]) == 0
    reference = json.loads(capsys.readouterr().out)["reference"]
    assert main(["cases", "verify", reference, "--method", "manual", "--reason", "x"]) == 0
    assert main(["cases", "fulfil", reference]) == 0
    assert main(["cases", "approve", reference]) == 0  # confirmed to her first (Art. 18(3))
    monkeypatch.setenv("RIGHTSDESK_MAILDIR", str(cli_db / "mail"))
    (cli_db / "mail").mkdir()
    assert main(["poll", "--once"]) == 0  # and delivered (to the local Maildir's outbox)
    capsys.readouterr()
    lift = ["register", "lift-restriction", "C-1001", "--reason", "accuracy checked"]

    # Art. 18(3): told before it ends, not after; and a date a person can type.
    assert main([*lift, "--informed-at", "2099-01-01"]) == 2
    assert "The --informed-at date cannot be in the future" in capsys.readouterr().err
    assert main([*lift, "--informed-at", "2026-03-05T09:00:00"]) == 2
    assert "needs an offset" in capsys.readouterr().err
    assert main([*lift, "--informed-at", "yesterday"]) == 2
    assert "not a date: 'yesterday'" in capsys.readouterr().err
    assert main([*lift, "--informed-at", "2026-03-05"]) == 0
    # The register's line as before, then the case whose restriction it was, lifted with it.
    assert capsys.readouterr().out.strip().splitlines() == [
        "C-1001: restriction lifted",
        f"{reference}: restriction lifted",
    ]
    assert main([*lift, "--informed-at", "2026-03-05"]) == 2
    assert "C-1001 is not restricted" in capsys.readouterr().err


def test_the_cli_sweeps_with_a_dry_run_and_writes_a_dossier(
    cli_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["retention", "sweep", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "would anonymise 1 customers: C-1004" in out and "would purge 0 case records" in out
    assert main(["dossier", "DSR-2026-0001", "--out", "out/d.html"]) == 0
    assert "Case dossier DSR-2026-0001" in (cli_db / "out" / "d.html").read_text(encoding="utf-8")
    assert main(["dossier", "DSR-2099-0001"]) == 2


# How the dossier heads our reply, and says whether it answered, in each language.
QUEUED = {
    "fi": (
        "<h3>Lähtevien jonossa, ei vielä lähetetty; jonoon 2026-03-05 12:00:00",
        "ei vielä vastattu (vastaus on ollut lähtevien jonossa 2026-03-05 12:00:00",
        "ei vielä muodostettu",
    ),
    "sv": (
        "<h3>I utkön, ännu inte skickat; köat 2026-03-05 12:00:00",
        "ännu inte besvarad (svaret har legat i utkön sedan 2026-03-05 12:00:00",
        "inte skapat ännu",
    ),
    "en": (
        "<h3>Queued, not yet sent; queued at 2026-03-05 12:00:00",
        "not yet answered (the reply has been queued since 2026-03-05 12:00:00",
        "not yet made",
    ),
}
SENT = {
    "fi": (
        "<h3>Lähetetty 2026-03-05 12:00:00",
        "Vastattiin määräajassa.",
        "Viestin SHA-256 lähetettynä",
    ),
    "sv": (
        "<h3>Skickat 2026-03-05 12:00:00",
        "Svaret gavs inom tidsfristen.",
        "Meddelandets SHA-256 som skickat",
    ),
    "en": ("<h3>Sent 2026-03-05 12:00:00", "Answered on time.", "SHA-256 of the mail as sent"),
}


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_the_dossier_shows_a_reply_in_the_outbox_as_queued_and_as_sent_once_it_went_out(
    cli_db: Path,
    smtp_sink: SmtpSink,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    lang: str,
) -> None:
    _mail_through(smtp_sink, cli_db, monkeypatch)
    reference = "DSR-2026-0001"  # Maija's request, in Finnish
    if lang == "sv":
        capsys.readouterr()
        opened = ["cases", "open", "--kinds", "access", "--email", "elin.lindqvist@example.com"]
        assert main([*opened, "--name", "Elin", "--language", "sv", "--json"]) == 0
        reference = json.loads(capsys.readouterr().out)["reference"]
        assert main(["cases", "verify", reference, "--method", "manual", "--reason", "x"]) == 0
    assert main(["cases", "draft", reference]) == 0
    assert main(["cases", "approve", reference]) == 0

    def dossier(name: str) -> list[tuple[str, str]]:
        assert main(["dossier", reference, "--out", name]) == 0
        own, english = (cli_db / name).read_text(encoding="utf-8").split('<section lang="en"')
        return [(lang, own), ("en", english)]

    # Approved is not sent: the reply waits in the outbox until the next pass.
    for language, section in dossier("queued.html"):
        for phrase in QUEUED[language]:
            assert phrase in section, phrase
        assert SENT[language][0] not in section and SENT[language][1] not in section
        assert "<code>None</code>" not in section

    assert main(["poll", "--once"]) == 0
    smtp_sink.wait_for(1, timeout=30)
    for language, section in dossier("sent.html"):
        for phrase in SENT[language]:
            assert phrase in section, phrase
        for phrase in QUEUED[language]:
            assert phrase not in section, phrase
    capsys.readouterr()


def test_a_case_is_answered_in_the_dossier_only_once_its_last_right_is_answered(
    cli_db: Path,
    smtp_sink: SmtpSink,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name, value in (
        ("RIGHTSDESK_MAILDIR", str(cli_db / "mail")),
        ("RIGHTSDESK_MAIL_FROM", US),
        ("RIGHTSDESK_SMTP_HOST", "127.0.0.1"),
        ("RIGHTSDESK_SMTP_PORT", str(smtp_sink.port)),
        ("RIGHTSDESK_SMTP_SECURITY", "plain"),
    ):
        monkeypatch.setenv(name, value)
    (cli_db / "mail").mkdir()
    capsys.readouterr()
    opened = ["cases", "open", "--kinds", "access,portability", "--email", "john.smith@example.com"]
    assert main([*opened, "--name", "John Smith", "--language", "en", "--json"]) == 0
    reference = json.loads(capsys.readouterr().out)["reference"]
    assert main(["cases", "verify", reference, "--method", "manual", "--reason", "x"]) == 0

    def compliance(name: str) -> str:
        assert main(["dossier", reference, "--out", name]) == 0
        english = (cli_db / name).read_text(encoding="utf-8").split('<section lang="en"')[1]
        return english[: english.index("</section>")]

    # The copy of the data went out; the export, the other right asked for, is still owed.
    assert main(["cases", "draft", reference]) == 0
    assert main(["cases", "approve", reference]) == 0
    assert main(["poll", "--once"]) == 0
    smtp_sink.wait_for(1, timeout=30)
    first = compliance("part.html")
    assert "Answered on time." not in first and "Not yet answered" in first

    assert main(["cases", "draft", reference]) == 0
    assert main(["cases", "approve", reference]) == 0
    assert main(["poll", "--once"]) == 0
    smtp_sink.wait_for(2, timeout=30)
    assert "Answered on time." in compliance("whole.html")
    capsys.readouterr()


@pytest.mark.parametrize(
    ("lang", "email", "name"),
    [("fi", "john.smith@example.com", "John Smith"), ("sv", "elin.lindqvist@example.com", "Elin")],
)
def test_a_finnish_or_swedish_dossier_names_every_action_and_detail_in_its_language(
    cli_db: Path, capsys: pytest.CaptureFixture[str], lang: str, email: str, name: str
) -> None:
    capsys.readouterr()
    opened = ["cases", "open", "--kinds", "access,erasure", "--email", email, "--name", name]
    assert main([*opened, "--language", lang, "--channel", "letter", "--json"]) == 0
    reference = json.loads(capsys.readouterr().out)["reference"]
    assert main(["cases", "verify", reference, "--method", "manual", "--reason", "called"]) == 0
    for _right in ("access", "erasure"):
        assert main(["cases", "fulfil", reference]) == 0
        assert main(["cases", "approve", reference]) == 0
    assert main(["dossier", reference, "--out", "dossier.html"]) == 0

    html = (cli_db / "dossier.html").read_text(encoding="utf-8")
    section = html.split(f'<section lang="{lang}"')[1].split("</section>")[0]
    timeline = section.split(f'id="timeline-{lang}"')[1].split(f'id="audit-{lang}"')[0]
    index = ("fi", "sv").index(lang)
    actions = re.findall(r"<tr><td>\d+</td><td>[^<]*</td><td>[^<]*</td><td>([^<]*)</td>", timeline)
    assert [a for a in AuditAction if a.value.replace("_", " ") in actions] == []
    named = {code for code, label in ACTION.items() if label[index] in actions}
    assert {"open", "verify", "fulfil", "reply_approved", "access_compiled"} <= named
    assert set(actions) <= {label[index] for label in ACTION.values()}
    names = set(re.findall(r"<strong>([^<]*)</strong>", timeline))
    assert names <= {label[index] for label in DETAIL.values()}, "a detail shown by its code"
    # Tables are named as tables: the register's in words, never as a bare code.
    assert ("tilaukset: " if lang == "fi" else "beställningar: ") in timeline
    assert not re.search(r"\b(orders|invoices|disclosures): ", timeline)
