"""A desk for the code-reply journeys: a register, a Maildir, intake, the outbox and Slack."""

from __future__ import annotations

import mailbox
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.app import web_client
from bot.notifier import notifier_calls, sync_notifications
from cases import identity
from cases import operations as ops
from cases.policy import DEFAULT_POLICY
from cases.register_lookup import link_customer
from mail_intake.intake_types import IntakeDeps
from mail_intake.maildir_source import MaildirSource
from mail_intake.outbox_sender import MaildirTransport, deliver_pending
from mail_intake.poller import poll_once
from store import migrate
from store.engine import make_engine, new_session
from store.models import Case, CaseEvent, VerificationCode
from tests.replies_support import SENDER, T0, controller, request_mail, seed_register
from tests.servers.slack_fake import FakeSlack
from tests.unit.test_bot_commands import make_deps

CONTROLLER = controller()
DEPS = IntakeDeps(
    controller=CONTROLLER,
    policy=DEFAULT_POLICY,
    sender=SENDER,
    own_addresses=frozenset({SENDER.address}),
)
CHANNEL = "C0RIGHTS"
SCAN = b"\xff\xd8\xff fictional passport scan of John Smith"
CODE_SENT = T0 + timedelta(hours=1)
ANSWERED = T0 + timedelta(days=1)
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_CODE = re.compile(r"\b[A-Z2-9]{4}-[A-Z2-9]{4}\b")


@dataclass
class CodeDesk:
    """One test's store, Maildir (inbox and outbox) and fake Slack."""

    engine: Engine
    root: Path
    slack: FakeSlack

    def session(self) -> Session:
        return new_session(self.engine)

    def mail_in(self, raw: bytes) -> None:
        """Deliver a mail into the inbox as the mail server would."""
        mailbox.Maildir(self.root / "inbox", factory=None, create=True).add(raw)

    def poll(self, at: datetime) -> dict[str, int]:
        """Intake's pass over the Maildir, as `rightsdesk poll --once` runs it."""
        source = MaildirSource(self.root)
        source.connect()
        stats = poll_once(source, self.session, DEPS, lambda: at)
        return stats.counts

    def send_outbox(self, at: datetime) -> None:
        """The outbox sender writes the queued mail into `outbox/`, where the customer reads it."""
        counts = deliver_pending(self.session, MaildirTransport(self.root / "outbox"), lambda: at)
        assert counts["failed"] == counts["deferred"] == 0

    def sent(self) -> list[EmailMessage]:
        """The mail the outbox sender wrote, as the recipients' mailboxes hold it."""
        box = mailbox.Maildir(self.root / "outbox", factory=None, create=False)
        mails = (
            message_from_bytes(box.get_bytes(k), policy=policy.default) for k in box.iterkeys()
        )
        return [m for m in mails if isinstance(m, EmailMessage)]

    def sync_slack(self, at: datetime) -> list[str]:
        """One notifier round; returns the thread lines it posted."""
        before = len(self.slack.calls("chat.postMessage"))
        calls = notifier_calls(web_client(make_deps(api_url=self.slack.url)))
        with self.session() as session:
            sync_notifications(session, calls, channel=CHANNEL, now=at)
        posts = self.slack.calls("chat.postMessage")[before:]
        return [str(p.body["text"]) for p in posts if p.body.get("thread_ts")]

    def case(self, reference: str) -> Case:
        with self.session() as session:
            case = ops.get_case(session, reference)
            session.expunge(case)
            return case

    def events(self, reference: str) -> list[CaseEvent]:
        with self.session() as session:
            case = ops.get_case(session, reference)
            rows = session.exec(
                select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(col(CaseEvent.id))
            ).all()
            for row in rows:
                session.expunge(row)
            return list(rows)

    def code_row(self, reference: str) -> VerificationCode:
        with self.session() as session:
            case = ops.get_case(session, reference)
            row = session.exec(
                select(VerificationCode).where(VerificationCode.case_id == case.id)
            ).one()
            session.expunge(row)
            return row


def code_desk(db_url: str, root: Path, slack: FakeSlack) -> Iterator[CodeDesk]:
    """A migrated store with the fictional register, and an empty Maildir."""
    root.mkdir(parents=True, exist_ok=True)
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    with new_session(engine) as session:
        seed_register(session)
    yield CodeDesk(engine, root, slack)
    engine.dispose()


def open_awaiting_code(desk: CodeDesk) -> tuple[str, EmailMessage]:
    """John writes from a private address with his passport; a code goes to the register's.

    Returns the case reference and the code mail as John's mailbox holds it.
    """
    _, raw = request_mail(
        sender_name="John Smith",
        sender="j.smith.home@example.org",
        subject="Subject access request",
        body="Dear Sir or Madam,\n\nunder Article 15 GDPR I request a copy of all personal data"
        " you hold about me. My passport is attached.\n\nYours faithfully,\nJohn Smith\n",
        at=T0,
        attachments=[("passport.jpg", "image/jpeg", SCAN)],
    )
    desk.mail_in(raw)
    assert desk.poll(T0) == {"case_opened": 1}
    with desk.session() as session:
        case = session.exec(select(Case)).one()
        assert case.identity_status == "unverified"
        # A name alone does not pick the register row: the contact person links it, then
        # `rightsdesk cases identify` mails the code to the register's address.
        link_customer(session, case=case, customer_number="C-1003", actor="pasi", now=CODE_SENT)
        identity.send_code(
            session,
            reference=case.reference,
            sender=SENDER,
            controller=CONTROLLER,
            actor="pasi",
            now=CODE_SENT,
        )
        reference = case.reference
    desk.send_outbox(CODE_SENT)
    (code_mail,) = [m for m in desk.sent() if "john.smith@example.com" in str(m["To"])]
    assert desk.case(reference).status == "awaiting_identity"
    return reference, code_mail


def code_of(code_mail: EmailMessage) -> str:
    """The code as John reads it in the mail."""
    body = code_mail.get_body(("plain",))
    assert body is not None
    found = _CODE.search(str(body.get_content()))
    assert found is not None
    return found.group(0)


def wrong_codes(right: str, count: int) -> list[str]:
    """`count` distinct codes of the right shape, none of them `right`."""
    rng = random.Random(7)
    found: dict[str, None] = {}
    while len(found) < count:
        guess = "".join(rng.choice(ALPHABET) for _ in range(8))
        if guess != right.replace("-", ""):
            found.setdefault(f"{guess[:4]}-{guess[4:]}", None)
    return list(found)


def reply(
    code_mail: EmailMessage,
    own: str,
    *,
    sender: str = "john.smith@example.com",
    name: str = "John Smith",
    quote: bool = True,
    at: datetime = ANSWERED,
    attachments: list[tuple[str, str, bytes]] | None = None,
) -> bytes:
    """A reply to the code mail: `own` words on top, the code mail quoted below with ">"."""
    mail = EmailMessage()
    mail["From"] = f"{name} <{sender}>"
    mail["To"] = SENDER.address
    mail["Subject"] = f"Re: {code_mail['Subject']}"
    mail["Date"] = format_datetime(at)
    mail["Message-ID"] = make_msgid(domain="example.com")
    mail["In-Reply-To"] = str(code_mail["Message-ID"])
    mail["References"] = str(code_mail["Message-ID"])
    text = own
    if quote:
        body = code_mail.get_body(("plain",))
        assert body is not None
        quoted = "\n".join(f"> {line}" for line in str(body.get_content()).splitlines())
        text = f"{own}\n\nOn Thu, 5 Mar 2026, privacy@targetpartners.example wrote:\n{quoted}\n"
    mail.set_content(text)
    for filename, content_type, data in attachments or []:
        maintype, _, subtype = content_type.partition("/")
        mail.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return mail.as_bytes()
