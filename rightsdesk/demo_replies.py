"""The demo's second half: one request of each kind carried through to its approved reply."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from sqlmodel import Session, select

from cases import identity
from cases import operations as ops
from cases.dossier import write_dossier
from cases.fulfilment.runner import fulfil
from cases.replies import approve_draft, pending_draft, unanswered_kinds
from mail_intake.compose import outbox_bytes
from mail_intake.poller import poll_once
from rightsdesk import demo_mail, mail_wiring
from rightsdesk.context import Desk
from rightsdesk.demo import deliver
from rightsdesk.demo_mail import DEMO_AUTHSERV_ID
from store.engine import new_session
from store.models import Case, Message, Outbox

ACTOR = "demo:contact-person"


@dataclass(frozen=True)
class DemoRequest:
    """One request mail of the demo and what the contact person does with it."""

    kind: str
    name: str
    email: str
    language: str
    subject: str
    body: str
    corrections: tuple[tuple[str, str], ...] = ()
    organisation: str | None = None  # given when the sender is not the register's address


REQUESTS = (
    DemoRequest(
        "access",
        "Maija Virtanen",
        "maija.virtanen@example.com",
        "fi",
        "Tietopyyntö",
        "Hei, haluaisin tarkastaa, mitä tietoja minusta on rekisterissänne. Maija Virtanen",
    ),
    DemoRequest(
        "portability",
        "John Smith",
        "john.smith@example.com",
        "en",
        "My data, please",
        "Please send me the data I have given you in a machine-readable format. John Smith",
    ),
    DemoRequest(
        "rectification",
        "Matti Meikäläinen",
        "matti.meikalainen@example.com",
        "fi",
        "Osoitteenmuutos",
        "Osoitteeni on muuttunut: uusi osoite on Uusitie 5, 33200 Tampere. Matti",
        corrections=(("postal_address", "Uusitie 5, 33200 Tampere"),),
    ),
    DemoRequest(
        "erasure",
        "Elin Lindqvist",
        "elin.lindqvist@example.com",
        "sv",
        "Radera mina uppgifter",
        "Hej, jag vill att ni raderar alla mina personuppgifter. Elin Lindqvist",
    ),
    DemoRequest(
        "restriction",
        "John Smith",
        "j.smith.home@example.org",
        "en",
        "Restrict processing",
        "I dispute the accuracy of my data; please restrict its processing. John Smith,"
        " Example Ltd",
        organisation="Example Ltd",
    ),
    DemoRequest(
        "objection",
        "Matti Meikäläinen",
        "matti.meikalainen@example.com",
        "fi",
        "Vastustan käsittelyä",
        "Vastustan tietojeni käyttöä profilointiin ja tilastointiin. Matti",
    ),
    DemoRequest(
        "marketing_opt_out",
        "Maija Virtanen",
        "maija.virtanen@example.com",
        "fi",
        "Ei markkinointia",
        "Kiellän tietojeni käytön suoramarkkinointiin. Maija",
    ),
    DemoRequest(
        "publication_opt_out",
        "Elin Lindqvist",
        "elin.lindqvist@example.com",
        "sv",
        "Förbud mot publicering",
        "Jag förbjuder att mina uppgifter publiceras i förteckningar. Elin",
    ),
)


def _inbound(session: Session, req: DemoRequest, *, to: str, at: datetime) -> Message:
    """Store the request as intake would: the whole RFC 5322 message and its text."""
    mail = EmailMessage()
    message_id = make_msgid(domain="example.com").strip("<>")
    domain = req.email.rpartition("@")[2]
    mail["Authentication-Results"] = f"{DEMO_AUTHSERV_ID}; dmarc=pass header.from={domain}"
    mail["From"] = f"{req.name} <{req.email}>"
    mail["To"] = to
    mail["Subject"] = req.subject
    mail["Date"] = format_datetime(at)
    mail["Message-ID"] = f"<{message_id}>"
    mail.set_content(req.body)
    raw = mail.as_bytes()
    row = Message(
        direction="in",
        message_id=message_id,
        raw_sha256=hashlib.sha256(raw).hexdigest(),
        subject=req.subject,
        from_addr=req.email,
        to_addrs=to,
        sent_at=at,
        received_at=at,
        size=len(raw),
        raw=raw,
        body_text=req.body,
        language=req.language,
        category="request",
        source="demo",
    )
    session.add(row)
    session.flush()
    return row


def _identify(session: Session, desk: Desk, case: Case, at: datetime) -> datetime:
    """Sender match when the address is the register's, else a code to the register's address.

    The customer answers the code mail a couple of hours later; the answer reaches the
    Maildir and intake verifies the case. Returns when the contact person carries on.
    """
    if identity.verify_sender_match(session, reference=case.reference, actor=ACTOR, now=at):
        return at
    row = identity.send_code(
        session,
        reference=case.reference,
        sender=mail_wiring.sender(desk),
        controller=desk.controller,
        actor=ACTOR,
        now=at,
        policy=desk.policy,
    )
    if row is None:
        return at
    deliver(session, desk, at)  # the code leaves before the customer can answer it
    answered = at + timedelta(hours=2)
    _receive(session, desk, demo_mail.code_reply(outbox_bytes(session, row), answered), answered)
    session.refresh(case)
    return answered


def _receive(session: Session, desk: Desk, raw: bytes, at: datetime) -> None:
    """A mail reaches the Maildir at `at` and intake takes it in, as `rightsdesk run` would."""
    demo_mail.drop(desk.settings.maildir, raw)
    session.commit()  # SQLite: end this session's transaction so that intake can write
    source = mail_wiring.mail_source(desk)
    source.connect()
    poll_once(source, lambda: new_session(desk.engine), mail_wiring.intake_deps(desk), lambda: at)


def _confirm_notices(session: Session, desk: Desk, case: Case, at: datetime) -> None:
    """Each recipient answers our Art. 19 notice; intake files the answer under the case."""
    rows = session.exec(
        select(Outbox).where(Outbox.case_id == case.id, Outbox.purpose == "recipient_notice")
    ).all()
    for index, row in enumerate(rows):
        answered = at + timedelta(hours=4, minutes=10 * index)
        _receive(
            session,
            desk,
            demo_mail.notice_confirmation(outbox_bytes(session, row), answered),
            answered,
        )


def _carry(session: Session, desk: Desk, req: DemoRequest, at: datetime) -> tuple[Case, int]:
    """Open, verify, fulfil, approve and send until every part of the request is answered."""
    sent = 0
    inbound = _inbound(session, req, to=desk.controller.privacy_email, at=at)
    case = ops.open_case(
        session,
        kinds=[req.kind],
        received_at=at,
        now=at,
        actor="intake",
        requester_email=req.email,
        requester_name=req.name,
        language=req.language,
        evidence={
            # As intake records it: the demo's receiving server authenticated the From domain.
            "sender": identity.sender_evidence(
                unclear=None,
                authenticated=True,
                detail=f"dmarc=pass for {req.email.rpartition('@')[2]} ({DEMO_AUTHSERV_ID})",
            ),
            **({"organisation": req.organisation} if req.organisation else {}),
        },
        policy=desk.policy,
    )
    inbound.case_id = case.id
    session.add(inbound)
    session.commit()
    at += timedelta(hours=3)
    if req.kind not in ("objection", "marketing_opt_out", "publication_opt_out"):
        at = _identify(session, desk, case, at)
    while unanswered_kinds(session, case):
        at += timedelta(minutes=20)
        fulfil(
            session,
            reference=case.reference,
            actor=ACTOR,
            now=at,
            controller=desk.controller,
            corrections=dict(req.corrections) if req.corrections else None,
        )
        while pending_draft(session, reference=case.reference) is not None:
            approve_draft(
                session,
                reference=case.reference,
                actor=ACTOR,
                now=at + timedelta(minutes=5),
                sender=mail_wiring.sender(desk),
            )
        sent += deliver(session, desk, at + timedelta(minutes=5))
        session.refresh(case)
    if "erasure" in case.kinds:
        _confirm_notices(session, desk, case, at)
    return case, sent


def run_replies(session: Session, desk: Desk, now: datetime, out_dir: Path) -> list[str]:
    """Carry one case of each kind to its approved reply; write the mails and one dossier."""
    lines = ["", "Replies: one request of each kind, verified, fulfilled and approved:"]
    start = now - timedelta(days=2)
    cases = []
    sent = 0
    for offset, req in enumerate(REQUESTS):
        case, count = _carry(session, desk, req, start + timedelta(minutes=7 * offset))
        cases.append(case)
        sent += count
        how = " (identity: the code came back by mail)" if case.identity_method == "code" else ""
        lines.append(f"  {case.reference} {req.kind} ({req.language}): {case.status}{how}")
    lines.append(f"replies and notices written to {out_dir / 'mail' / 'outbox'}/: {sent}")
    erasure = next(c for c in cases if "erasure" in c.kinds)
    path = write_dossier(
        session,
        reference=erasure.reference,
        now=desk.now(),  # after the replies and notices went out: the dossier reports them
        controller=desk.controller,
        path=out_dir / "dossiers" / f"{erasure.reference}.html",
    )
    lines.append(f"dossier of the erasure case {erasure.reference}: {path}")
    return lines
