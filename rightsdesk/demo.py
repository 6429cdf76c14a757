"""The offline demo: a small register, cases on different dates and the lifecycle."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlmodel import Session

from cases import operations as ops
from cases.decisions import extend_and_draft_notice
from cases.fulfilment.suppression import opt_out_at_intake
from cases.register_import import import_csv
from cases.replies import approve_draft
from mail_intake.outbox_sender import MaildirTransport, deliver_pending
from rightsdesk import mail_wiring
from rightsdesk.context import Desk
from store.engine import new_session
from store.models import Case

DEMO_ACTOR = "demo:contact-person"
DEMO_DATA = Path(__file__).resolve().parent / "demo_data"


@dataclass(frozen=True)
class DemoCase:
    """One scripted request: who, what, how long ago, and what the contact person did."""

    days_ago: int
    kinds: tuple[str, ...]
    email: str
    name: str
    language: str
    channel: str
    steps: tuple[str, ...] = ()


# People of their own: the requests carried to a reply (demo_replies) and the sample mail
# (demo_mail) are other people's, so no one's cases contradict each other (issue 14.10).
DEMO_CASES = (
    DemoCase(
        1,
        ("access", "portability"),
        "anna.korhonen@example.com",
        "Anna Korhonen",
        "fi",
        "email",
        ("assign", "verify"),
    ),
    DemoCase(
        9,
        ("erasure",),
        "karin.nystrom@example.com",
        "Karin Nyström",
        "sv",
        "email",
        ("assign", "verify"),
    ),
    DemoCase(
        20,
        ("access",),
        "peter.jones@example.com",
        "Peter Jones",
        "en",
        "letter",
        ("assign", "verify", "extend"),
    ),
    DemoCase(
        45,
        ("rectification",),
        "ville.nieminen@example.com",
        "Ville Nieminen",
        "fi",
        "phone",
        ("assign",),
    ),
    DemoCase(
        3,
        ("marketing_opt_out",),
        "liisa.laine@example.com",
        "Liisa Laine",
        "fi",
        "email",
        ("verify", "respond", "close"),
    ),
    DemoCase(
        5,
        ("restriction",),
        "unknown.sender@example.invalid",
        "",
        "en",
        "email",
        ("pause_identity",),
    ),
)


def seed_register(session: Session, now: datetime) -> dict[str, int]:
    """Import the demo register through the same path as `rightsdesk register import`."""
    counts = {}
    for table in ("customers", "orders", "invoices", "recipients", "disclosures"):
        text = (DEMO_DATA / f"{table}.csv").read_text(encoding="utf-8")
        counts[table] = import_csv(session, table=table, text=text, actor=DEMO_ACTOR, now=now)
    return counts


def deliver(session: Session, desk: Desk, at: datetime) -> int:
    """The outbox sends what is queued, a minute after `at`, into the demo's outbox Maildir."""
    session.commit()  # SQLite: end this session's transaction so the sender can write
    sent = deliver_pending(
        lambda: new_session(desk.engine),
        MaildirTransport(desk.settings.maildir / "outbox"),
        lambda: at + timedelta(minutes=1),
    )
    return sent["sent"]


def _extend_and_tell(session: Session, desk: Desk, ref: str, at: datetime) -> Case:
    """Extend on its Art. 12(3) ground and tell the requester the same day, with the reasons."""
    case, notice = extend_and_draft_notice(
        session,
        reference=ref,
        ground="complexity",
        reason="The request covers ten years of orders kept in an archive"
        " that must be searched by hand.",
        actor=DEMO_ACTOR,
        now=at,
        policy=desk.policy,
        controller=desk.controller,
    )
    if notice is not None:
        approve_draft(
            session,
            reference=ref,
            actor=DEMO_ACTOR,
            now=at + timedelta(minutes=5),
            sender=mail_wiring.sender(desk),
        )
        deliver(session, desk, at + timedelta(minutes=5))
        session.refresh(case)
    return case


def run_case(session: Session, spec: DemoCase, now: datetime, desk: Desk) -> Case:
    """Open one demo case as it arrived `days_ago`, then play the contact person's steps."""
    policy = desk.policy
    received = now - timedelta(days=spec.days_ago, hours=2)
    case = ops.open_case(
        session,
        kinds=list(spec.kinds),
        received_at=received,
        now=received,
        actor="intake" if spec.channel == "email" else DEMO_ACTOR,
        requester_email=spec.email,
        requester_name=spec.name or None,
        language=spec.language,
        channel=spec.channel,
        policy=policy,
    )
    # Art. 21(3): an opt-out is in force from intake, before anything else is done.
    opt_out_at_intake(session, case, actor="intake", now=received)
    session.commit()
    ref = case.reference
    at = received + timedelta(hours=3)
    # A letter is checked by hand against the register; a mail by its sender address.
    method, why = (
        ("manual", "signed letter; name and postal address match the register")
        if spec.channel == "letter"
        else ("sender_match", "sender address matches the register")
    )
    steps: dict[str, Callable[[], Case]] = {
        "assign": lambda: ops.assign(
            session, reference=ref, assignee="pasi", actor=DEMO_ACTOR, now=at
        ),
        "verify": lambda: ops.verify(
            session,
            reference=ref,
            method=method,
            reason=why,
            actor=DEMO_ACTOR,
            now=at,
            policy=policy,
        ),
        "extend": lambda: _extend_and_tell(session, desk, ref, at),
        "respond": lambda: ops.respond(
            session, reference=ref, outcome="marketing suppressed", actor=DEMO_ACTOR, now=at
        ),
        "close": lambda: ops.close(session, reference=ref, actor=DEMO_ACTOR, now=at),
        "pause_identity": lambda: ops.pause(
            session,
            reference=ref,
            waiting_for="identity",
            reason="sender not in the register; asked for the customer number",
            actor=DEMO_ACTOR,
            now=at,
        ),
    }
    for step in spec.steps:
        case = steps[step]()
        at += timedelta(minutes=10)
    return case


def prepare_dir(directory: Path) -> Path:
    """Create the demo directory; a previous demo's store, mail and dossiers are replaced."""
    directory.mkdir(parents=True, exist_ok=True)
    for name in ("rightsdesk.db", "rightsdesk.db-wal", "rightsdesk.db-shm"):
        (directory / name).unlink(missing_ok=True)
    shutil.rmtree(directory / "mail", ignore_errors=True)
    shutil.rmtree(directory / "dossiers", ignore_errors=True)
    return directory / "rightsdesk.db"
