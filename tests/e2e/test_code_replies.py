"""A returned one-time code verifies through intake alone (Art. 12(6)); guesses, quotes and
outsiders do not, and the contact person reads each outcome in the case's Slack thread.

Each journey: a request from an address the register does not know reaches the Maildir and
intake opens the case; the contact person links the register row and sends the code; the
code mail is delivered; the customer's reply reaches the Maildir and intake takes it in.
"""

from __future__ import annotations

import json
import mailbox
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlmodel import col, select

from store.engine import make_engine, new_session
from store.models import Attachment, Case, CaseEvent, Message
from tests.e2e.code_desk import (
    ANSWERED,
    CODE_SENT,
    SCAN,
    CodeDesk,
    code_desk,
    code_of,
    open_awaiting_code,
    reply,
    wrong_codes,
)
from tests.replies_support import T0, request_mail
from tests.servers.slack_fake import FakeSlack

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def desk(db_url: str, tmp_path: Path, fake_slack: FakeSlack) -> Iterator[CodeDesk]:
    yield from code_desk(db_url, tmp_path / "mail", fake_slack)


def _actions(desk: CodeDesk, reference: str) -> list[str]:
    return [e.action for e in desk.events(reference)]


def test_the_right_code_in_a_reply_verifies_the_case_and_deletes_the_passport_copy(
    desk: CodeDesk,
) -> None:
    reference, code_mail = open_awaiting_code(desk)
    desk.sync_slack(ANSWERED)  # the case's root message, before the reply
    desk.mail_in(reply(code_mail, f"Hello, here is the code: {code_of(code_mail)}\n\nJohn"))

    # The passport copy goes from the original in the mail server's Processed folder too.
    assert desk.poll(ANSWERED) == {"follow_up": 1, "originals_redacted": 1}

    case = desk.case(reference)
    assert (case.identity_status, case.identity_method) == ("verified", "code")
    assert case.status == "in_progress" and case.paused_days == 1
    assert desk.code_row(reference).used_at is not None
    with desk.session() as session:
        document = session.exec(select(Attachment)).one()
        assert document.data is None and document.deleted_at is not None
        request = session.exec(select(Message).order_by(col(Message.id))).first()
        assert request is not None and request.raw is not None and SCAN not in request.raw
    actions = _actions(desk, reference)
    assert actions[-4:] == [
        "message_received",
        "verify",
        "identity_documents_deleted",
        "mail_original_redacted",
    ]
    assert "resume" not in actions  # verifying ended the pause itself
    lines = desk.sync_slack(ANSWERED)
    assert "verify by intake (method code)" in lines
    assert "identity documents deleted by intake" in lines


def test_a_wrong_code_leaves_the_case_unverified_says_so_and_the_right_one_still_verifies(
    desk: CodeDesk,
) -> None:
    reference, code_mail = open_awaiting_code(desk)
    desk.sync_slack(ANSWERED)
    (wrong,) = wrong_codes(code_of(code_mail), 1)
    desk.mail_in(reply(code_mail, f"My code is {wrong}"))

    desk.poll(ANSWERED)

    case = desk.case(reference)
    assert case.identity_status == "unverified" and case.identity_method is None
    (rejected,) = [e for e in desk.events(reference) if e.action == "code_reply_rejected"]
    assert rejected.full_detail["result"] == "wrong code"
    assert rejected.full_detail["attempts_left"] == 4
    assert desk.sync_slack(ANSWERED) == [
        "message received by intake",
        "code reply rejected by intake (result wrong code; attempts left 4)",
        "resume by intake (due date 2026-04-07)",
    ]
    # The contact person decides; meanwhile John tries again with the code in the mail.
    later = ANSWERED + timedelta(hours=1)
    desk.mail_in(reply(code_mail, code_of(code_mail).lower(), at=later))
    desk.poll(later)
    assert desk.case(reference).identity_method == "code"
    assert desk.code_row(reference).attempts == 2


def test_an_expired_code_leaves_the_case_unverified_and_says_so_in_the_thread(
    desk: CodeDesk,
) -> None:
    reference, code_mail = open_awaiting_code(desk)
    desk.sync_slack(ANSWERED)
    late = CODE_SENT + timedelta(days=15)  # a code is valid for 14 days
    desk.mail_in(reply(code_mail, f"Back from holiday: {code_of(code_mail)}", at=late))

    desk.poll(late)

    assert desk.case(reference).identity_status == "unverified"
    assert desk.code_row(reference).used_at is None
    lines = desk.sync_slack(late)
    assert "code reply rejected by intake (result expired code)" in lines


@pytest.mark.parametrize(
    "style",
    ["angle-quoted", "only-quoted", "outlook"],
)
def test_a_code_that_is_only_in_the_quoted_code_mail_does_not_verify(
    desk: CodeDesk, style: str
) -> None:
    reference, code_mail = open_awaiting_code(desk)
    code = code_of(code_mail)
    if style == "angle-quoted":
        raw = reply(code_mail, "Yes, that request was mine.")
    elif style == "only-quoted":
        raw = reply(code_mail, "")
    else:  # Outlook quotes without ">": a separator, then the headers and the text
        raw = reply(
            code_mail,
            "Yes, that was me.\n\n-----Original Message-----\nFrom: Target Partners"
            f" <privacy@targetpartners.example>\nSubject: code\n\nYour code: {code}\n",
            quote=False,
        )
    assert code.encode() in raw
    desk.mail_in(raw)

    desk.poll(ANSWERED)

    assert desk.case(reference).identity_status == "unverified"
    assert desk.code_row(reference).attempts == 0  # nothing of John's own was a code
    assert "code_reply_rejected" not in _actions(desk, reference)


def test_the_sixth_attempt_is_refused_the_code_is_void_and_the_contact_person_is_told(
    desk: CodeDesk,
) -> None:
    reference, code_mail = open_awaiting_code(desk)
    desk.sync_slack(ANSWERED)
    right = code_of(code_mail)
    guesses = wrong_codes(right, 5)
    desk.mail_in(reply(code_mail, f"Maybe {guesses[0]} or {guesses[1]}?"))
    desk.poll(ANSWERED)
    assert desk.code_row(reference).attempts == 2
    later = ANSWERED + timedelta(hours=1)
    desk.mail_in(reply(code_mail, " ".join(guesses[2:]), at=later))
    desk.poll(later)
    assert desk.code_row(reference).attempts == 5
    assert "code_voided" in _actions(desk, reference)

    last = ANSWERED + timedelta(hours=2)
    desk.mail_in(reply(code_mail, f"Sorry, this is it: {right}", at=last))
    desk.poll(last)

    assert desk.case(reference).identity_status == "unverified"
    assert desk.code_row(reference).used_at is None
    rejected = [e for e in desk.events(reference) if e.action == "code_reply_rejected"]
    assert rejected[-1].full_detail["result"] == "void code"
    lines = desk.sync_slack(last)
    assert (
        "code voided by intake (result attempt budget spent; send a new code or verify by hand)"
        in lines
    )
    assert "code reply rejected by intake (result void code)" in lines


def test_one_reply_with_200000_guesses_and_the_right_code_does_not_verify(
    desk: CodeDesk,
) -> None:
    reference, code_mail = open_awaiting_code(desk)
    right = code_of(code_mail)
    guesses = " ".join(wrong_codes(right, 200_000))
    desk.mail_in(reply(code_mail, f"{guesses} {right}", quote=False))

    desk.poll(ANSWERED)

    assert desk.case(reference).identity_status == "unverified"
    assert desk.code_row(reference).attempts == 5
    assert "code_voided" in _actions(desk, reference)


def test_an_outsider_writing_into_the_case_leaves_it_paused_and_is_attached_as_a_third_party(
    desk: CodeDesk,
) -> None:
    reference, code_mail = open_awaiting_code(desk)
    desk.sync_slack(ANSWERED)
    paused = desk.case(reference)
    desk.mail_in(
        reply(
            code_mail,
            f"Here is my passport and the code {code_of(code_mail)}.",
            sender="mallory@evil.invalid",
            name="John Smith",
            attachments=[("passport.jpg", "image/jpeg", b"\xff\xd8\xff forged scan")],
        )
    )

    assert desk.poll(ANSWERED) == {"follow_up": 1}

    case = desk.case(reference)
    assert case.status == "awaiting_identity" and case.paused_since == paused.paused_since
    assert case.identity_status == "unverified"
    assert desk.code_row(reference).attempts == 0  # not even checked
    actions = _actions(desk, reference)
    assert actions[-1] == "third_party_message"
    assert "message_received" not in actions and "resume" not in actions
    with desk.session() as session:
        outsider = session.exec(
            select(Message).where(Message.from_addr == "mallory@evil.invalid")
        ).one()
        assert outsider.case_id == case.id and outsider.category == "third_party"
        (forged,) = session.exec(
            select(Attachment).where(Attachment.message_id == outsider.id)
        ).all()
        assert not forged.is_identity_document
    assert desk.sync_slack(ANSWERED) == [
        "third party message by intake (result not from the requester or the register's"
        " address; clock and identity unchanged)"
    ]


def test_a_colleague_forwarding_the_customers_code_restarts_the_clock_but_verifies_nobody(
    desk: CodeDesk,
) -> None:
    """The code proves control of the register's mailbox only when it comes back from it: in
    a colleague's forward (and in the colleague's own words) it is not checked. The answer
    still reached the controller, so the clock runs again (EDPB 01/2022 §159)."""
    reference, code_mail = open_awaiting_code(desk)
    code = code_of(code_mail)
    desk.mail_in(
        reply(
            code_mail,
            f"John mailed me the code {code}, forwarding.\n\nPasi\n\n"
            "---------- Forwarded message ---------\n"
            "From: John Smith <john.smith@example.com>\n"
            "Date: Thu, 5 Mar 2026 16:00:00 +0200\n"
            "Subject: Re: your request\n"
            "To: Pasi Tietosuoja <pasi@targetpartners.example>\n\n"
            f"Hello, here is the code: {code}\n\nJohn\n",
            sender="pasi@targetpartners.example",  # the privacy mailbox's own domain
            name="Pasi Tietosuoja",
            quote=False,
        )
    )

    assert desk.poll(ANSWERED) == {"follow_up": 1}

    case = desk.case(reference)
    assert case.identity_status == "unverified" and case.status == "received"
    assert case.paused_since is None
    assert desk.code_row(reference).attempts == 0 and desk.code_row(reference).used_at is None
    actions = _actions(desk, reference)
    assert actions[-4:] == [
        "colleague_message",
        "forwarded_request",
        "message_received",
        "resume",
    ]
    assert "verify" not in actions
    # John's own reply with the same code still verifies.
    desk.mail_in(reply(code_mail, f"Here is the code: {code}\n\nJohn", at=ANSWERED))
    assert desk.poll(ANSWERED)["follow_up"] == 1
    assert desk.case(reference).identity_method == "code"


def test_the_demo_customer_returns_the_code_by_mail_before_the_reply_it_unlocks(
    tmp_path: Path,
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RIGHTSDESK_", "SLACK_"))}
    result = subprocess.run(
        [sys.executable, "-m", "rightsdesk", "demo", "--dir", str(tmp_path / "demo")],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "restriction (en): responded (identity: the code came back by mail)" in result.stdout

    engine = make_engine(f"sqlite:///{tmp_path / 'demo' / 'rightsdesk.db'}")
    with new_session(engine) as session:
        (case,) = session.exec(select(Case).where(Case.identity_method == "code")).all()
        events = session.exec(
            select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(col(CaseEvent.id))
        ).all()
        answer = session.exec(
            select(Message).where(Message.case_id == case.id, Message.category == "follow_up")
        ).one()
    engine.dispose()
    assert [e.at for e in events] == sorted(e.at for e in events)  # the record in time order
    actions = [e.action for e in events]
    assert actions[:6] == [
        "open",
        "verification_code_sent",
        "pause",
        "message_received",  # the customer's answer, taken in from the demo Maildir
        "verify",
        "fulfil",
    ]
    assert actions[-2:] == ["reply_approved", "respond"]
    verify = events[actions.index("verify")]
    assert verify.actor == "intake" and verify.full_detail["method"] == "code"
    assert answer.from_addr == "john.smith@example.com" and answer.source == "maildir"
    assert answer.received_at == verify.at


def _cli(env: dict[str, str], now: datetime, *args: str) -> str:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("RIGHTSDESK_", "SLACK_"))}
    result = subprocess.run(
        [sys.executable, "-m", "rightsdesk", *args],
        env={**base, **env, "RIGHTSDESK_NOW": now.isoformat()},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_at_the_terminal_identify_then_the_customers_reply_verifies_through_poll_once(
    db_url: str, tmp_path: Path
) -> None:
    maildir = tmp_path / "mail"
    maildir.mkdir()
    env = {
        "RIGHTSDESK_DATABASE_URL": db_url,
        "RIGHTSDESK_CONFIG": str(ROOT / "rightsdesk.example.toml"),
        "RIGHTSDESK_MAILDIR": str(maildir),
    }
    _cli(env, T0, "db", "upgrade")
    _cli(env, T0, "register", "import", str(ROOT / "rightsdesk" / "demo_data" / "customers.csv"))
    _, request = request_mail(
        sender_name="John Smith",
        sender="j.smith.home@example.org",
        subject="Subject access request",
        body="Hello,\n\nunder Article 15 GDPR please send me a copy of my personal data.\n\nJohn\n",
        at=T0,
    )
    mailbox.Maildir(maildir / "inbox", factory=None, create=True).add(request)
    assert "1 case_opened" in _cli(env, T0, "poll", "--once")
    _cli(env, CODE_SENT, "cases", "link", "DSR-2026-0001", "C-1003")
    assert "code queued" in _cli(env, CODE_SENT, "cases", "identify", "DSR-2026-0001")
    _cli(env, CODE_SENT, "poll", "--once")  # the outbox sender delivers the code mail
    outbox = mailbox.Maildir(maildir / "outbox", factory=None, create=False)
    sent = [
        message_from_bytes(outbox.get_bytes(k), policy=policy.default) for k in outbox.iterkeys()
    ]
    (code_mail,) = [m for m in sent if str(m["To"]) == "john.smith@example.com"]
    assert isinstance(code_mail, EmailMessage)

    answer = reply(code_mail, f"The code is {code_of(code_mail)}")
    mailbox.Maildir(maildir / "inbox", factory=None, create=True).add(answer)
    assert "1 follow_up" in _cli(env, ANSWERED, "poll", "--once")

    shown = json.loads(_cli(env, ANSWERED, "cases", "show", "DSR-2026-0001", "--json"))
    assert (shown["identity_status"], shown["identity_method"]) == ("verified", "code")
    assert shown["status"] == "in_progress" and shown["identity_verified_by"] == "intake"
    assert [e["action"] for e in shown["events"]][-2:] == ["message_received", "verify"]
