"""A hundred auto-replies and bounces in a row: stored, attached where they belong, unanswered."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

import pytest

from tests.reliability.support import (
    US,
    append_all,
    env_for,
    rightsdesk,
    rows,
    scalar,
    store,
)

pytestmark = [pytest.mark.slow, pytest.mark.dovecot]

# Each would be a request if read as one: only machine-mail recognition keeps it unanswered.
BODY = "Hello, please delete all my personal data from your records.\n"


def _mail(i: int, sender: str, subject: str, **headers: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = US
    msg["Subject"] = subject
    msg["Message-ID"] = f"<robot-{i}@example.com>"
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(BODY)
    return msg.as_bytes()


def _bounce(i: int, original: str, recipient: str) -> bytes:
    """An RFC 3464 delivery status notification for our acknowledgement."""
    return f"""\
From: Mail Delivery System <MAILER-DAEMON@mx.example.com>
To: {US}
Subject: Undelivered Mail Returned to Sender
Message-ID: <robot-{i}@example.com>
Return-Path: <>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="dsn-{i}"

--dsn-{i}
Content-Type: text/plain

This is the mail system. Your message could not be delivered.

--dsn-{i}
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.com

Final-Recipient: rfc822; {recipient}
Action: failed
Status: 5.1.1

--dsn-{i}
Content-Type: text/rfc822-headers

Message-ID: <{original}>
Subject: ack

--dsn-{i}--
""".encode()


def _robots(ack_id: str, ack_subject: str, requester: str) -> list[Callable[[int], bytes]]:
    reply = f"Re: {ack_subject}"
    return [
        lambda i: _mail(i, requester, f"Out of office: {reply}", Auto_Submitted="auto-replied",
                        In_Reply_To=f"<{ack_id}>"),
        lambda i: _mail(i, f"r{i}@example.com", "Automatic reply", Auto_Submitted="auto-generated"),
        lambda i: _mail(i, f"r{i}@example.com", "Newsletter", Precedence="bulk"),
        lambda i: _mail(i, f"r{i}@example.com", "Digest", Precedence="list"),
        lambda i: _mail(i, f"r{i}@example.com", "List mail", List_Id="<news.example.com>"),
        lambda i: _mail(i, f"r{i}@example.com", "Offer",
                        List_Unsubscribe="<mailto:leave@example.com>"),
        lambda i: _mail(i, f"r{i}@example.com", "Loop", X_Loop="helpdesk@example.com"),
        lambda i: _mail(i, f"r{i}@example.com", reply, X_Rightsdesk_Loop=US),
        lambda i: _mail(i, f"r{i}@example.com", "Away", X_Auto_Response_Suppress="All"),
        lambda i: _mail(i, f"r{i}@example.com", "Vacation", X_Autoreply="yes"),
        lambda i: _mail(i, f"r{i}@example.com", "Null sender", Return_Path="<>"),
        lambda i: _mail(i, "postmaster@example.net", "Postmaster notice"),
        lambda i: _mail(i, "MAILER-DAEMON@example.net", "Returned mail"),
        lambda i: _mail(i, US, "Our own mail"),
        lambda i: _bounce(i, ack_id, requester),
    ]  # fmt: skip


def test_a_hundred_auto_replies_and_bounces_in_a_row_send_no_mail(
    mailbox: Any, smtp_sink: Any, tmp_path: Any
) -> None:
    db_url = f"sqlite:///{tmp_path / 'rightsdesk.db'}"
    env = env_for(mailbox, smtp_sink.port, db_url)
    assert rightsdesk(env, "db", "upgrade").returncode == 0
    requester = "aino@example.com"
    mailbox.deliver_lmtp(_mail(0, requester, "Tietopyyntö"))
    first = rightsdesk(env, "poll", "--once")
    assert first.returncode == 0, first.stderr
    (ack,) = smtp_sink.wait_for(1)
    ack_id, ack_subject = ack.message["Message-ID"].strip("<>"), str(ack.message["Subject"])

    robots = _robots(ack_id, ack_subject, requester)
    append_all(mailbox, [robots[i % len(robots)](i) for i in range(1, 101)])
    second = rightsdesk(env, "poll", "--once")
    assert second.returncode == 0, second.stderr
    time.sleep(0.5)

    assert len(smtp_sink.messages) == 1  # the acknowledgement of the one real request
    db = store(db_url)
    assert scalar(db, "SELECT count(*) FROM outbox") == 1
    assert scalar(db, 'SELECT count(*) FROM "case"') == 1
    categories = dict(
        rows(db, "SELECT category, count(*) FROM message WHERE direction = 'in' GROUP BY category")
    )
    stored_as = ("machine", "bounce", "non_request")
    assert sum(categories.get(c, 0) for c in stored_as) == 100, categories
    # Those that read as a request (this body asks for erasure) and joined no case wait for a
    # person, with why they got no answer; lists, loops and bounces never do.
    listed = json.loads(rightsdesk(env, "non-requests", "list", "--json").stdout)
    assert len(listed) == categories.get("non_request", 0) > 0
    assert all(m["machine"] for m in listed)
    assert not [m for m in listed if m["subject"] in ("Newsletter", "Digest", "List mail", "Loop")]
    assert scalar(db, 'SELECT requester_undeliverable FROM "case"') in (1, True)
    threaded = scalar(
        db, "SELECT count(*) FROM message WHERE direction = 'in' AND case_id IS NOT NULL"
    )
    assert threaded > 1 + 100 // len(robots)  # out-of-office answers and bounces joined the case
    assert mailbox.folder_uids("INBOX") == []
    db.dispose()
