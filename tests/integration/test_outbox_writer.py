"""A queued mail is its parts until the outbox sender claims it; then its bytes are kept."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from cases.fulfilment.runner import fulfil
from cases.replies import approve_draft
from mail_intake.outbox_sender import SmtpTransport, deliver_pending
from store.engine import new_session
from store.models import Customer, Message, Outbox, OutboxAttachment
from tests.replies_support import ACTOR, SENDER, T0, controller, verified_case
from tests.servers.smtp import SmtpSink

CONTROLLER = controller()


def _wire(raw: bytes) -> bytes:
    """The bytes as stored: SMTP carries CRLF line ends (RFC 5321 §2.3.8), we store LF."""
    return raw.replace(b"\r\n", b"\n")


def _transport(sink: SmtpSink) -> SmtpTransport:
    return SmtpTransport(
        host="127.0.0.1", port=sink.port, sender=SENDER.address, security="plain", timeout=10
    )


def test_a_queued_reply_has_no_bytes_until_the_sender_claims_it_and_then_keeps_what_was_sent(
    engine: Engine, session: Session, people: dict[str, Customer], smtp_sink: SmtpSink
) -> None:
    case = verified_case(
        session, kinds=["access"], email="maija.virtanen@example.com", name="Maija"
    )
    fulfil(session, reference=case.reference, actor=ACTOR, now=T0, controller=CONTROLLER)
    queued = approve_draft(
        session, reference=case.reference, actor="pasi", now=T0 + timedelta(hours=1), sender=SENDER
    )
    session.commit()
    row_id, message_id = queued.id, queued.message_id

    with new_session(engine) as look:
        row = look.get(Outbox, row_id)
        assert row is not None and row.raw is None and row.status == "pending"
        files = look.exec(
            select(OutboxAttachment).where(OutboxAttachment.outbox_id == row_id)
        ).all()
        assert files and [f.position for f in files] == list(range(len(files)))
        ours = look.exec(select(Message).where(Message.message_id == message_id)).one()
        assert ours.direction == "out" and ours.raw_sha256 is None and ours.size == 0

    copies: list[bytes] = []
    transport = _transport(smtp_sink)
    counts = deliver_pending(
        lambda: new_session(engine),
        transport,
        lambda: T0 + timedelta(hours=1, minutes=1),
        on_sent=copies.append,
    )
    assert counts["sent"] >= 1 and counts["failed"] == 0

    received = next(m for m in smtp_sink.messages if m.message["Message-ID"] == f"<{message_id}>")
    with new_session(engine) as look:
        row = look.get(Outbox, row_id)
        assert row is not None and row.status == "sent" and row.raw is not None
        assert _wire(received.raw) == row.raw  # the stored bytes are the bytes on the wire
        assert row.raw in copies  # and the copy for the Sent folder
        ours = look.exec(select(Message).where(Message.message_id == message_id)).one()
        assert ours.raw_sha256 == hashlib.sha256(row.raw).hexdigest()
        assert ours.size == len(row.raw)
        names = sorted(f.filename for f in files)
    assert received.rcpt_tos == ("maija.virtanen@example.com",)
    assert sorted(p.get_filename() or "" for p in received.message.iter_attachments()) == names
    assert f"[{case.reference}]" in received.message["Subject"]
    assert received.message["In-Reply-To"] is not None


def test_every_queued_mail_of_a_pass_is_written_and_sent_once(
    engine: Engine, session: Session, people: dict[str, Customer], smtp_sink: SmtpSink
) -> None:
    for email, name in [
        ("maija.virtanen@example.com", "Maija"),
        ("erik.lindqvist@example.com", "Erik"),
    ]:
        case = verified_case(session, kinds=["access"], email=email, name=name)
        fulfil(session, reference=case.reference, actor=ACTOR, now=T0, controller=CONTROLLER)
        approve_draft(session, reference=case.reference, actor="pasi", now=T0, sender=SENDER)
    session.commit()
    transport = _transport(smtp_sink)
    first = deliver_pending(lambda: new_session(engine), transport, lambda: T0)
    again = deliver_pending(lambda: new_session(engine), transport, lambda: T0)

    with new_session(engine) as look:
        rows = look.exec(select(Outbox).order_by(col(Outbox.id))).all()
    assert first["sent"] == len(rows) >= 2 and again["sent"] == 0
    assert all(r.status == "sent" and r.raw is not None for r in rows)
    wire = sorted(_wire(m.raw) for m in smtp_sink.messages)
    assert wire == sorted(r.raw or b"" for r in rows)


def test_a_row_whose_parts_cannot_be_written_fails_alone_and_the_others_go_out(
    engine: Engine, session: Session, smtp_sink: SmtpSink
) -> None:
    """A row queued by older or foreign code with a line break in a header never goes out."""
    for index, subject in enumerate(["Hei\r\nBcc: victim@example.com", "Hei Aino"]):
        session.add(
            Outbox(
                message_id=f"rd.{index}@targetpartners.example",
                purpose="reply",
                from_addr=SENDER.address,
                from_name=SENDER.name,
                to_addr="aino@example.com",
                subject=subject,
                body_text="Hei\n",
                created_at=T0,
                next_attempt_at=T0,
            )
        )
    session.commit()
    counts = deliver_pending(lambda: new_session(engine), _transport(smtp_sink), lambda: T0)

    assert counts == {"sent": 1, "failed": 1, "deferred": 0}  # `poll` prints the failure
    with new_session(engine) as look:
        bad, good = look.exec(select(Outbox).order_by(col(Outbox.id))).all()
    assert (bad.status, bad.raw) == ("failed", None) and "linefeed" in (bad.last_error or "")
    assert good.status == "sent" and good.raw is not None
    assert [m.message["Subject"] for m in smtp_sink.messages] == ["Hei Aino"]
    assert b"victim" not in b"".join(m.raw for m in smtp_sink.messages)
