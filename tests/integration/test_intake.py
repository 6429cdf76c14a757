"""Intake from a local Maildir into the store: cases, threading, machine mail, quarantine."""

from __future__ import annotations

import dataclasses
import logging
import mailbox
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from cases import identity
from cases import operations as ops
from cases.controller import load_controller_toml
from cases.outbox import Sender
from cases.policy import DeskPolicy
from mail_intake.intake import process_message
from mail_intake.intake_types import IntakeDeps
from mail_intake.maildir_source import MaildirSource
from mail_intake.outbox_sender import MaildirTransport, SmtpTransport, deliver_pending
from mail_intake.poller import poll_once
from store.audit import verify_chain
from store.engine import new_session
from store.models import Case, CaseEvent, MailRedaction, Message, Outbox, Quarantine
from tests.mailgen import request_mail
from tests.servers.smtp import SmtpSink

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
US = "privacy@targetpartners.example"


@pytest.fixture
def deps() -> IntakeDeps:
    controller = load_controller_toml((ROOT / "rightsdesk.example.toml").read_text("utf-8"))
    return IntakeDeps(
        controller=controller,
        policy=DeskPolicy(),
        sender=Sender(US, "Target"),
        own_addresses={US},
        daily_cap=3,
    )


@pytest.fixture
def maildir(tmp_path: Path) -> MaildirSource:
    source = MaildirSource(tmp_path / "mail")
    source.connect()
    return source


def _factory(engine: Engine) -> Callable[[], Session]:
    return lambda: new_session(engine)


def _mail(sender: str, subject: str, body: str, **headers: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = US
    msg["Subject"] = subject
    msg["Message-ID"] = headers.pop(
        "message_id", f"<{abs(hash((sender, subject, body)))}@example.com>"
    )
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg.as_bytes()


def _count(session: Session, model: type) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def test_a_finnish_request_becomes_a_case_and_an_acknowledgement_in_finnish(
    engine: Engine, session: Session, deps: IntakeDeps, maildir: MaildirSource, tmp_path: Path
) -> None:
    raw, _, _ = request_mail(1, language="fi")
    maildir.inbox.add(raw)
    stats = poll_once(maildir, _factory(engine), deps, lambda: NOW)
    assert stats.counts == {"case_opened": 1}
    sent = deliver_pending(
        _factory(engine), MaildirTransport(tmp_path / "mail" / "outbox"), lambda: NOW
    )
    assert sent["sent"] == 1
    # (On SQLite every transaction takes the write lock, so the test reads after the writers.)
    case = session.exec(select(Case)).one()
    assert case.kinds == ["access"] and case.language == "fi" and case.channel == "email"
    assert case.requester_email == "person1@example.com"
    assert case.evidence["triggers"]["access"]
    outbox = mailbox.Maildir(tmp_path / "mail" / "outbox", factory=None)
    ack = message_from_bytes(outbox.get_bytes(next(iter(outbox.keys()))), policy=default_policy)
    assert f"[{case.reference}]" in ack["Subject"]
    assert ack["Auto-Submitted"] == "auto-replied"
    assert ack["In-Reply-To"] == "<gen-0-1@example.com>"
    assert "2026-12-28" in ack.get_body(("plain",)).get_content() or "28.12.2026" in str(ack)
    assert len(list(maildir.inbox.keys())) == 0  # moved to processed/ after the commit
    assert len(list(mailbox.Maildir(tmp_path / "mail" / "processed", factory=None).keys())) == 1


def test_the_same_message_twice_makes_one_case(
    engine: Engine, session: Session, deps: IntakeDeps, maildir: MaildirSource
) -> None:
    raw, _, _ = request_mail(2, language="en")
    maildir.inbox.add(raw)
    maildir.inbox.add(raw)
    stats = poll_once(maildir, _factory(engine), deps, lambda: NOW)
    assert stats.counts == {"case_opened": 1, "duplicate": 1}
    assert _count(session, Case) == 1 and _count(session, Message) == 2  # the request + the ack


def test_one_message_id_twice_in_a_batch_with_other_bytes_makes_one_case(
    engine: Engine, session: Session, deps: IntakeDeps, maildir: MaildirSource
) -> None:
    # The same request delivered twice (another Received line): the batch's one look-up
    # cannot know the second copy, the first copy's storing must.
    raw, _, _ = request_mail(3, language="sv")
    maildir.inbox.add(raw)
    maildir.inbox.add(
        b"Received: from relay.example.com; Tue, 24 Nov 2026 09:00:00 +0000\r\n" + raw
    )
    other, _, _ = request_mail(6, language="en")
    maildir.inbox.add(other)
    stats = poll_once(maildir, _factory(engine), deps, lambda: NOW)
    assert stats.counts == {"case_opened": 2, "duplicate": 1}
    # Known before any work: the copy opened no case that was then undone (a lost number).
    references = session.exec(select(Case.reference).order_by(Case.id)).all()
    assert references == ["DSR-2026-0001", "DSR-2026-0002"]


def test_a_message_stored_by_an_earlier_pass_is_a_duplicate_in_a_later_batch(
    engine: Engine, session: Session, deps: IntakeDeps, maildir: MaildirSource
) -> None:
    # A crash between the commit and the move leaves stored mail in the inbox: the next
    # pass's batch look-up finds it among new mail, by its bytes and by its Message-ID.
    first, _, _ = request_mail(4, language="fi")
    poll_once_with = (maildir, _factory(engine), deps, lambda: NOW)
    maildir.inbox.add(first)
    assert poll_once(*poll_once_with).counts == {"case_opened": 1}
    second, _, _ = request_mail(5, language="en")
    maildir.inbox.add(first)
    maildir.inbox.add(b"X-Relayed: again\r\n" + first)
    maildir.inbox.add(second)
    stats = poll_once(*poll_once_with)
    assert stats.counts == {"duplicate": 2, "case_opened": 1}
    assert _count(session, Case) == 2


@pytest.mark.parametrize(
    ("fault", "commit_every_mail", "broken"),
    [
        ("raises", False, 13),  # an exception in the middle of the mail's work
        # A change left to the flush, refused by the store, in the chunk's last mail: its
        # write comes with the batch's commit unless the mail's own processing flushes it.
        ("fails_when_written", False, 16),
        ("raises", True, 13),  # after earlier mails of the chunk were committed
    ],
)
def test_a_mail_that_hits_our_bug_mid_batch_is_quarantined_alone_and_the_batch_goes_in(
    engine: Engine,
    session: Session,
    deps: IntakeDeps,
    maildir: MaildirSource,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    fault: str,
    commit_every_mail: bool,
    broken: int,
) -> None:
    # A batch runs without a savepoint per mail; a failure undoes what it has not committed
    # and takes those mails in again one by one, so only the failing one is quarantined,
    # nothing is doubled, and only what was committed is logged.
    from mail_intake import new_case, poller

    real = new_case.queue_acknowledgement

    def broken_for_one(session: Session, **kwargs: object) -> object:
        case = kwargs["case"]
        assert isinstance(case, Case)
        if case.requester_email != f"person{broken}@example.com":
            return real(session, **kwargs)  # type: ignore[arg-type]
        if fault == "raises":
            raise KeyError("our bug")
        other = session.exec(select(Case.reference).where(Case.id != case.id).limit(1)).one()
        queued = real(session, **kwargs)  # type: ignore[arg-type]
        # Another case's reference, after the mail's last statement: only the write of the
        # change (the flush) meets the UNIQUE index that refuses it.
        case.reference = other
        return queued

    monkeypatch.setattr(new_case, "queue_acknowledgement", broken_for_one)
    if commit_every_mail:
        monkeypatch.setattr(poller, "BATCH_SECONDS", 0.0)
    for i in range(10, 17):
        maildir.inbox.add(request_mail(i, language="fi")[0])
    with caplog.at_level(logging.INFO, logger="mail_intake"):
        stats = poll_once(maildir, _factory(engine), deps, lambda: NOW)
    assert stats.counts == {"case_opened": 6, "quarantined": 1}
    emails = session.exec(select(Case.requester_email).order_by(Case.id)).all()
    assert sorted(e or "" for e in emails) == [
        f"person{i}@example.com" for i in range(10, 17) if i != broken
    ]
    q = session.exec(select(Quarantine)).one()
    assert q.reason.startswith("internal error (")
    assert _count(session, Outbox) == 6
    assert verify_chain(session).ok
    assert len(list(maildir.inbox.keys())) == 0  # six to processed/, one to failed/
    messages = [r.getMessage() for r in caplog.records]
    assert "a batch was undone after a failure; taken in mail by mail" in messages
    logged = sorted(m.split()[-1] for m in messages if m.startswith("intake case_opened"))
    stored = sorted(session.exec(select(Case.reference)).all())
    assert logged == stored  # no line for a case that was undone


def test_each_hand_over_commits_its_mark_and_confirms_the_mail_before_it_in_one_commit(
    engine: Engine, deps: IntakeDeps, maildir: MaildirSource, smtp_sink: SmtpSink
) -> None:
    # The commit before each final dot (RFC 5321 §4.1.1.4) is one statement: it records this
    # mail as handed over and the one before it, already answered 250, as sent.
    for i in range(20, 23):
        maildir.inbox.add(request_mail(i, language="en")[0])
    assert poll_once(maildir, _factory(engine), deps, lambda: NOW).counts == {"case_opened": 3}
    seen: list[list[tuple[str, datetime | None]]] = []

    class Watched(SmtpTransport):
        def send(
            self, raw: bytes, *, to: str, handed_over: Callable[[], None] | None = None
        ) -> None:
            def look() -> None:
                assert handed_over is not None
                handed_over()
                with new_session(engine) as other:  # what the commit made durable
                    rows = other.exec(select(Outbox).order_by(col(Outbox.id))).all()
                    seen.append([(r.status, r.sent_at) for r in rows])

            super().send(raw, to=to, handed_over=look)

    transport = Watched(
        host="127.0.0.1", port=smtp_sink.port, sender=US, security="plain", timeout=10
    )
    sent_at = NOW + timedelta(minutes=1)
    assert deliver_pending(_factory(engine), transport, lambda: sent_at)["sent"] == 3
    assert [[status for status, _ in rows] for rows in seen] == [
        ["sending", "sending", "sending"],
        ["sent", "sending", "sending"],
        ["sent", "sent", "sending"],
    ]
    marked = [at for rows in seen for status, at in rows if status == "sending" and at]
    assert marked == [sent_at, sent_at, sent_at]  # aware UTC, as the clock gave it
    assert all(at is not None and at.utcoffset() == timedelta(0) for at in marked)


def test_each_mail_over_the_size_limit_is_shown_to_the_contact_person_on_a_row_of_its_own(
    engine: Engine, session: Session, deps: IntakeDeps, tmp_path: Path
) -> None:
    # Their bytes are not kept, so they cannot be told apart by them: two requests over the
    # limit were one quarantine row, and the second was out of sight in the Failed folder.
    small = MaildirSource(tmp_path / "mail", max_size=200)
    small.connect()
    for i in (30, 31):
        small.inbox.add(request_mail(i, language="fi")[0])
    limited = dataclasses.replace(deps, max_size=200)  # as the wiring sets both
    stats = poll_once(small, _factory(engine), limited, lambda: NOW)
    assert stats.counts == {"quarantined": 2}
    rows = session.exec(select(Quarantine).order_by(col(Quarantine.id))).all()
    assert len(rows) == 2 and all(r.size > 200 and r.attempts == 1 for r in rows)
    assert all("over the 200-byte limit" in r.reason for r in rows)
    assert len(list(mailbox.Maildir(tmp_path / "mail" / "failed", factory=None).keys())) == 2


def test_an_auto_reply_is_stored_and_never_answered(session: Session, deps: IntakeDeps) -> None:
    raw = _mail(
        "Aino <aino@example.com>",
        "Automaattinen vastaus: poissa",
        "Olen lomalla.",
        Auto_Submitted="auto-replied",
    )
    result = process_message(session, raw, source="test", folder=None, uid=None, now=NOW, deps=deps)
    assert result.outcome == "machine"
    assert _count(session, Case) == 0 and _count(session, Outbox) == 0


def test_an_invoice_question_opens_no_case_but_is_recorded(
    session: Session, deps: IntakeDeps
) -> None:
    raw = _mail(
        "Eero <eero@example.com>",
        "Lasku 2025-0311",
        "Hei, milloin laskun 2025-0311 eräpäivä on? Voinko maksaa osissa?",
    )
    result = process_message(session, raw, source="test", folder=None, uid=None, now=NOW, deps=deps)
    assert result.outcome == "non_request"
    assert _count(session, Case) == 0
    assert session.exec(select(CaseEvent).where(CaseEvent.action == "non_request")).first()


def test_a_tagged_reply_joins_its_case_and_restarts_the_paused_clock(
    session: Session, deps: IntakeDeps
) -> None:
    first, _, _ = request_mail(3, language="sv")
    opened = process_message(
        session, first, source="test", folder=None, uid=None, now=NOW, deps=deps
    )
    assert opened.reference
    ops.pause(
        session,
        reference=opened.reference,
        waiting_for="clarification",
        reason="which customer number?",
        actor="pasi",
        now=NOW,
    )
    reply = _mail(
        "person3@example.com", f"Sv: [{opened.reference}] Radering", "Mitt kundnummer är C-1002."
    )
    later = NOW + timedelta(days=4)
    result = process_message(
        session, reply, source="test", folder=None, uid=None, now=later, deps=deps
    )
    assert result.outcome == "follow_up" and result.reference == opened.reference
    case = ops.get_case(session, opened.reference)
    assert case.status == "received" and case.paused_days == 4
    assert _count(session, Case) == 1


def test_a_reply_by_headers_alone_threads_onto_the_case_of_our_acknowledgement(
    session: Session, deps: IntakeDeps
) -> None:
    first, _, _ = request_mail(4, language="en")
    opened = process_message(
        session, first, source="test", folder=None, uid=None, now=NOW, deps=deps
    )
    ack = session.exec(select(Outbox)).one()
    reply = _mail(
        "person4@example.com",
        "Re: thanks",
        "Thanks, one more thing: my order number is T-2025-0042.",
        In_Reply_To=f"<{ack.message_id}>",
    )
    result = process_message(
        session, reply, source="test", folder=None, uid=None, now=NOW, deps=deps
    )
    assert result.outcome == "follow_up" and result.reference == opened.reference


def _dsn(message_id: str, recipient: str) -> bytes:
    """The RFC 3464 report that our mail `message_id` to `recipient` could not be delivered."""
    return (
        "From: MAILER-DAEMON@example.com\nTo: " + US + "\nSubject: Undelivered Mail\n"
        "Message-ID: <bounce-1@example.com>\nMIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\n\n'
        "--b\nContent-Type: text/plain\n\nDelivery failed.\n\n"
        "--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.com\n\n"
        f"Final-Recipient: rfc822; {recipient}\nAction: failed\nStatus: 5.1.1\n\n"
        "--b\nContent-Type: text/rfc822-headers\n\n"
        f"Message-ID: <{message_id}>\nTo: {recipient}\nSubject: ack\n\n--b--\n"
    ).encode()


def test_a_bounce_joins_the_case_and_marks_the_address_undeliverable(
    session: Session, deps: IntakeDeps
) -> None:
    first, _, _ = request_mail(5, language="fi")
    opened = process_message(
        session, first, source="test", folder=None, uid=None, now=NOW, deps=deps
    )
    ack = session.exec(select(Outbox)).one()
    dsn = _dsn(ack.message_id, "person5@example.com")
    result = process_message(session, dsn, source="test", folder=None, uid=None, now=NOW, deps=deps)
    assert result.outcome == "bounce" and result.reference == opened.reference
    assert ops.get_case(session, opened.reference).requester_undeliverable
    assert _count(session, Outbox) == 1  # nothing answered the bounce


def _more_in_thread(
    session: Session, deps: IntakeDeps, sender: str, answered: str, asks: list[str]
) -> None:
    """The requester's replies to our mail `answered`, each asking for one more right."""
    for i, ask in enumerate(asks):
        raw = _mail(
            sender,
            "Re: request",
            ask,
            message_id=f"<more-{i}@example.com>",
            In_Reply_To=f"<{answered}>",
        )
        result = process_message(
            session, raw, source="t", folder=None, uid=None, now=NOW, deps=deps
        )
        assert result.outcome == "follow_up"


def test_rights_added_in_the_thread_are_acknowledged_only_up_to_the_daily_cap(
    session: Session, deps: IntakeDeps
) -> None:
    sender = "aino.aaltonen@example.com"
    access = "Please send me a copy of all personal data you hold about me."
    opened = process_message(
        session,
        _mail(sender, "Access", access),
        source="t",
        folder=None,
        uid=None,
        now=NOW,
        deps=deps,
    )
    first = session.exec(select(Outbox)).one()
    asks = [
        "Please also erase all my personal data.",
        "Please also correct my address in your records, it is wrong.",
        "Please also restrict the processing of my personal data.",
    ]
    _more_in_thread(session, deps, sender, first.message_id, asks)

    case = ops.get_case(session, opened.reference)
    assert case.kinds == ["access", "erasure", "rectification", "restriction"]
    acks = session.exec(select(Outbox).order_by(col(Outbox.id))).all()
    # The cap (3 a day, design.md §2.6) holds the third reply's acknowledgement back.
    assert [a.in_reply_to for a in acks][1:] == ["more-0@example.com", "more-1@example.com"]
    assert {a.purpose for a in acks} == {"acknowledgement"} and all(a.automatic for a in acks)


def test_a_right_added_in_the_thread_of_a_bounced_address_is_not_acknowledged(
    session: Session, deps: IntakeDeps
) -> None:
    sender = "aino.aaltonen@example.com"
    access = "Please send me a copy of all personal data you hold about me."
    opened = process_message(
        session,
        _mail(sender, "Access", access),
        source="t",
        folder=None,
        uid=None,
        now=NOW,
        deps=deps,
    )
    ack = session.exec(select(Outbox)).one()
    bounce = _dsn(ack.message_id, sender)
    process_message(session, bounce, source="t", folder=None, uid=None, now=NOW, deps=deps)
    assert ops.get_case(session, opened.reference).requester_undeliverable

    _more_in_thread(session, deps, sender, ack.message_id, ["Please also erase all my data."])

    assert ops.get_case(session, opened.reference).kinds == ["access", "erasure"]
    assert _count(session, Outbox) == 1


def test_broken_mail_is_quarantined_with_a_reason_and_the_poller_goes_on(
    engine: Engine, session: Session, deps: IntakeDeps, maildir: MaildirSource
) -> None:
    maildir.inbox.add(b"\x00\x01\x02 not a mail at all \xff\xfe" * 50)
    good, _, _ = request_mail(6, language="en")
    maildir.inbox.add(good)
    stats = poll_once(maildir, _factory(engine), deps, lambda: NOW)
    assert stats.counts == {"case_opened": 1, "quarantined": 1}
    q = session.exec(select(Quarantine)).one()
    assert q.reason and q.raw
    assert len(list(mailbox.Maildir(maildir.root / "failed", factory=None).keys())) == 1


def test_a_reply_to_a_closed_case_is_attached_and_a_new_request_opens_a_new_case(
    session: Session, deps: IntakeDeps
) -> None:
    first, _, _ = request_mail(7, language="en")
    ref = process_message(
        session, first, source="test", folder=None, uid=None, now=NOW, deps=deps
    ).reference
    assert ref
    ops.refuse(
        session, reference=ref, reasons="identity could not be confirmed", actor="p", now=NOW
    )
    ops.close(session, reference=ref, actor="p", now=NOW)
    thanks = _mail("person7@example.com", f"Re: [{ref}]", "Thank you for letting me know.")
    assert (
        process_message(
            session, thanks, source="t", folder=None, uid=None, now=NOW, deps=deps
        ).reference
        == ref
    )
    again = _mail(
        "person7@example.com", f"Re: [{ref}]", "Then please delete all my personal data instead."
    )
    result = process_message(session, again, source="t", folder=None, uid=None, now=NOW, deps=deps)
    assert result.outcome == "case_opened" and result.reference != ref
    new = ops.get_case(session, result.reference or "")
    assert new.evidence["follows_closed_case"] == ref


# language: the request, our erasure reply's subject, a thank-you, a new request for access
OUR_SUBJECT_REPLIES = {
    "fi": (
        "Poistakaa tietoni.",
        "Tietojesi poistaminen",
        "Kiitos!",
        "Lähettäkää minulle kopio tiedoistani.",
    ),
    "sv": (
        "Radera mina uppgifter.",
        "Radering av dina uppgifter",
        "Tack!",
        "Vad har ni för uppgifter om mig?",
    ),
    "en": (
        "Please delete my data.",
        "Erasure of your data",
        "Thank you.",
        "Please send me a copy of my personal data.",
    ),
}


@pytest.mark.parametrize("lang", sorted(OUR_SUBJECT_REPLIES))
def test_our_own_subject_quoted_in_a_reply_asks_for_no_right(
    engine: Engine, session: Session, deps: IntakeDeps, maildir: MaildirSource, lang: str
) -> None:
    request, ours, thanks, access = OUR_SUBJECT_REPLIES[lang]
    sender = f"quoter-{lang}@example.com"
    maildir.inbox.add(_mail(sender, "GDPR", request))
    poll_once(maildir, _factory(engine), deps, lambda: NOW)
    (case,) = session.exec(select(Case)).all()
    assert case.kinds == ["erasure"]
    ops.refuse(session, reference=case.reference, reasons="no data", actor="p", now=NOW)
    ops.close(session, reference=case.reference, actor="p", now=NOW)
    session.commit()

    maildir.inbox.add(_mail(sender, f"Re: [{case.reference}] {ours}", thanks))
    stats = poll_once(maildir, _factory(engine), deps, lambda: NOW)
    # A thank-you under our subject joins the closed case: it asks for erasure again no more
    # than the subject of our reply did.
    assert stats.counts == {"follow_up": 1}

    maildir.inbox.add(_mail(sender, f"Re: [{case.reference}] {ours}", access))
    stats = poll_once(maildir, _factory(engine), deps, lambda: NOW)
    assert stats.counts == {"case_opened": 1}
    session.expire_all()
    new = session.exec(select(Case).where(Case.reference != case.reference)).one()
    assert (new.kinds, new.evidence["follows_closed_case"]) == (["access"], case.reference)


def test_the_daily_cap_stops_a_loop_of_acknowledgements(session: Session, deps: IntakeDeps) -> None:
    for i in range(5):
        raw = _mail("loop@example.com", f"Delete my data {i}", "Please delete my personal data.")
        process_message(session, raw, source="t", folder=None, uid=None, now=NOW, deps=deps)
    assert _count(session, Case) == 5
    assert _count(session, Outbox) == deps.daily_cap


def test_a_verified_identity_document_is_removed_from_the_processed_maildir_at_the_next_pass(
    engine: Engine, session: Session, deps: IntakeDeps, maildir: MaildirSource
) -> None:
    msg = message_from_bytes(
        _mail("Aino <aino@example.com>", "Tietopyyntö", "Pyydän kopion tiedoistani."),
        policy=default_policy,
    )
    assert isinstance(msg, EmailMessage)
    msg.add_attachment(
        b"fictional passport scan", maintype="image", subtype="png", filename="passport.png"
    )
    maildir.inbox.add(msg.as_bytes())
    maildir.inbox.add(_mail("Eino <eino@example.com>", "Poisto", "Poistakaa tietoni."))
    poll_once(maildir, _factory(engine), deps, lambda: NOW)
    case = session.exec(select(Case).where(Case.requester_email == "aino@example.com")).one()
    identity.verify_manually(
        session, reference=case.reference, method="document", reason="ok", actor="pasi", now=NOW
    )
    session.commit()  # end the read the refresh began: SQLite has one writer at a time

    stats = poll_once(maildir, _factory(engine), deps, lambda: NOW)

    assert stats.counts == {"originals_redacted": 1}
    processed = mailbox.Maildir(maildir.root / "processed", factory=None)
    kept = [processed.get_bytes(k) for k in processed.iterkeys()]
    assert len(kept) == 2 and not any(b"fictional passport" in raw for raw in kept)
    row = session.exec(select(MailRedaction)).one()
    assert (row.outcome, row.replacement, row.attempts) == ("replaced", b"", 1)
    event = session.exec(
        select(CaseEvent).where(CaseEvent.action == "mail_original_redacted")
    ).one()
    assert (event.case_id, event.detail["result"]) == (case.id, "replaced")
