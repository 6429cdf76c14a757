"""`rightsdesk poll --once`: one pass of intake and the outbox, then the command ends."""

from __future__ import annotations

import json
import mailbox
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, message_from_string
from email.policy import default
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

from tests.e2e.outbox_journey import CUSTOMERS_HEADER, ROOT, desk_env, rightsdesk
from tests.integration.test_intake import _dsn
from tests.servers.smtp import SmtpSink

FIXTURES = ROOT / "tests" / "fixtures" / "mail"

# The CLI with the outbox's wait slice stretched to an hour: a pass that waited its slice
# out after intake's end would be killed by the timeout below instead of ending.
_STRETCHED = (
    "import sys\n"
    "import rightsdesk.outbox_component as outbox\n"
    "outbox.WAIT_SLICE = 3600.0\n"
    "from rightsdesk.cli import main\n"
    "sys.exit(main(['poll', '--once']))\n"
)


def test_a_single_pass_ends_when_intake_ends_with_or_without_mail_to_send(
    db_url: str, tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    env = desk_env(db_url, tmp_path, smtp_sink.port)
    rightsdesk(env, "db", "upgrade")
    inbox = mailbox.Maildir(tmp_path / "mail" / "inbox", create=True)
    inbox.add(
        b"From: Aino Example <aino@example.com>\r\nTo: privacy@example.com\r\n"
        b"Subject: Tietopyynto\r\nMessage-ID: <once-1@example.com>\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
        + "Hei, haluan tietää mitä tietoja minusta on tallennettu.\r\n".encode()
    )

    def poll_once() -> str:
        run = subprocess.run(
            [sys.executable, "-c", _STRETCHED],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert run.returncode == 0, run.stderr
        return run.stdout.strip()

    assert poll_once() == "intake: 1 case_opened; outbox: 1 sent, 0 deferred, 0 failed"
    smtp_sink.wait_for(1, timeout=30)
    (ack,) = smtp_sink.messages
    assert ack.rcpt_tos == ("aino@example.com",)
    assert ack.message["In-Reply-To"] == "<once-1@example.com>"
    # Nothing new and nothing to send: no mail's commit wakes the outbox, the end must.
    assert poll_once() == "intake: nothing new; outbox: 0 sent, 0 deferred, 0 failed"


def _mail(sender: str, subject: str, date: str, text: str, *, trace: str = "") -> bytes:
    return (
        f"{trace}From: {sender}\r\nTo: privacy@example.com\r\nSubject: {subject}\r\n"
        f"Date: {date}\r\nMessage-ID: <1@localhost>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n" + text + "\r\n"
    ).encode()


def test_two_requests_under_one_reused_message_id_both_open_cases_and_a_redelivery_does_not(
    db_url: str, tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    """Some clients and web forms give every mail the same Message-ID. A different mail under
    an ID already taken is still a request of its own; the same mail delivered again (other
    trace headers, same sender, subject and Date) is the duplicate, across passes and within
    one."""
    env = desk_env(db_url, tmp_path, smtp_sink.port)
    rightsdesk(env, "db", "upgrade")
    inbox = mailbox.Maildir(tmp_path / "mail" / "inbox", create=True)
    kari = _mail(
        "Kari Esimerkki <kari@example.com>", "Tietopyyntö", "Mon, 30 Nov 2026 09:00:00 +0200",
        "Hei, haluan tietää mitä tietoja minusta on tallennettu.",
    )  # fmt: skip
    inbox.add(kari)
    assert "1 case_opened" in rightsdesk(env, "poll", "--once")
    tove = _mail(
        "Tove Exempel <tove@example.com>", "Radering", "Tue, 01 Dec 2026 10:00:00 +0200",
        "Radera alla mina uppgifter.",
    )  # fmt: skip
    inbox.add(tove)
    inbox.add(b"Received: from mx2.example.com by mx.example.com\r\n" + kari)  # again, by MX 2
    inbox.add(b"Received: from mx2.example.com by mx.example.com\r\n" + tove)
    assert rightsdesk(env, "poll", "--once").startswith("intake: 1 case_opened, 2 duplicate")
    cases = json.loads(rightsdesk(env, "cases", "list", "--json"))
    assert sorted((c["requester_email"], c["kinds"]) for c in cases) == [
        ("kari@example.com", ["access"]),
        ("tove@example.com", ["erasure"]),
    ]
    smtp_sink.wait_for(2, timeout=30)
    assert sorted(m.rcpt_tos for m in smtp_sink.messages) == [
        ("kari@example.com",),
        ("tove@example.com",),
    ]


def test_requests_that_look_automatic_go_to_a_person_not_out_of_sight(
    db_url: str, tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    """A person's subject with "out of office" in it and a web form's Auto-Submitted mail
    ask for rights: no automatic answer goes to them, but `non-requests list` shows them and
    a case opens from each. A real out-of-office stays machine mail."""
    env = desk_env(db_url, tmp_path, smtp_sink.port)
    rightsdesk(env, "db", "upgrade")
    inbox = mailbox.Maildir(tmp_path / "mail" / "inbox", create=True)
    head = "To: privacy@example.com\r\nContent-Type: text/plain; charset=utf-8\r\n"
    inbox.add(
        (
            "From: Olli Esimerkki <olli@example.com>\r\n" + head
            + "Subject: Your out of office emails - stop and delete my data\r\n\r\n"
            "Please delete all my personal data from your register.\r\n"
        ).encode()
    )  # fmt: skip
    inbox.add(
        (
            "From: Web form <form@example.com>\r\nAuto-Submitted: auto-generated\r\n" + head
            + "Subject: Yhteydenotto\r\n\r\nHaluan tietää mitä henkilötietoja minusta on"
            " tallennettu. Ville Virtanen, ville@example.com\r\n"
        ).encode()
    )  # fmt: skip
    inbox.add(
        (
            "From: Kim Lomalla <kim@example.com>\r\nAuto-Submitted: auto-replied\r\n" + head
            + "Subject: Automatic reply: Tarjous\r\n\r\nOlen lomalla 14.12. asti.\r\n"
        ).encode()
    )  # fmt: skip
    out = rightsdesk(env, "poll", "--once")
    assert out.startswith("intake: 1 machine, 2 non_request"), out
    listed = json.loads(rightsdesk(env, "non-requests", "list", "--json"))
    assert sorted((m["from"], m["machine"]) for m in listed) == [
        ("form@example.com", "Auto-Submitted: auto-generated"),
        ("olli@example.com", "out-of-office subject"),
    ]
    olli = next(m["id"] for m in listed if m["from"] == "olli@example.com")
    opened = rightsdesk(env, "non-requests", "open", str(olli), "--kinds", "erasure")
    assert "opened from mail" in opened
    assert smtp_sink.messages == []  # nothing automatic went to any of them


def test_a_mail_a_syncing_tool_left_in_new_with_flags_in_its_name_is_taken_in(
    db_url: str, tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    """mbsync and others write `KEY:2,S` into new/ too; such a mail was never read."""
    env = desk_env(db_url, tmp_path, smtp_sink.port)
    rightsdesk(env, "db", "upgrade")
    inbox = mailbox.Maildir(tmp_path / "mail" / "inbox", create=True)
    del inbox  # the folders exist; the file is written as the tool writes it
    name = "1796400000.M1P1.sync.example.com:2,S"
    (tmp_path / "mail" / "inbox" / "new" / name).write_bytes(
        _mail(
            "Kari Esimerkki <kari@example.com>", "Tietopyyntö", "Mon, 30 Nov 2026 09:00:00 +0200",
            "Hei, haluan tietää mitä tietoja minusta on tallennettu.",
        )
    )  # fmt: skip
    assert rightsdesk(env, "poll", "--once").startswith("intake: 1 case_opened")
    assert not list((tmp_path / "mail" / "inbox" / "new").iterdir())
    assert (tmp_path / "mail" / "processed" / "new" / name).is_file()
    assert rightsdesk(env, "poll", "--once").startswith("intake: nothing new")


def test_a_mail_with_an_empty_line_before_its_headers_is_taken_in_and_one_without_is_not(
    db_url: str, tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    """Some gateways write an empty line first; such a mail was quarantined as headerless."""
    env = desk_env(db_url, tmp_path, smtp_sink.port)
    rightsdesk(env, "db", "upgrade")
    inbox = mailbox.Maildir(tmp_path / "mail" / "inbox", create=True)
    raw = (FIXTURES / "fi_leading_blank_line.eml").read_bytes()
    assert raw.startswith(b"\r\nFrom: ")
    inbox.add(raw)
    inbox.add(b"\r\n\r\njust some words without any header\r\n")
    assert rightsdesk(env, "poll", "--once").startswith("intake: 1 case_opened, 1 quarantined")
    (case,) = json.loads(rightsdesk(env, "cases", "list", "--json"))
    assert (case["requester_email"], case["kinds"]) == ("eero.esimerkki@example.com", ["access"])
    assert "no headers found" in rightsdesk(env, "quarantine", "list")
    smtp_sink.wait_for(1, timeout=30)
    (ack,) = smtp_sink.messages
    assert ack.rcpt_tos == ("eero.esimerkki@example.com",)
    assert ack.message["In-Reply-To"] == "<fi-leading-blank-line@mail.example.com>"


def test_a_request_from_a_quoted_local_part_opens_a_case_and_is_acknowledged_to_it(
    db_url: str, tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    """`"john doe"@example.com` is one address (RFC 5322 §3.4.1); it was judged none."""
    env = desk_env(db_url, tmp_path, smtp_sink.port)
    rightsdesk(env, "db", "upgrade")
    inbox = mailbox.Maildir(tmp_path / "mail" / "inbox", create=True)
    inbox.add((FIXTURES / "en_quoted_local_part.eml").read_bytes())
    assert rightsdesk(env, "poll", "--once").startswith("intake: 1 case_opened;")
    (case,) = json.loads(rightsdesk(env, "cases", "list", "--json"))
    assert (case["requester_email"], case["kinds"]) == ('"john doe"@example.com', ["access"])
    smtp_sink.wait_for(1, timeout=30)
    (ack,) = smtp_sink.messages
    assert ack.rcpt_tos == ('"john doe"@example.com',)  # the quotes kept in the envelope
    assert ack.message["To"].addresses[0].addr_spec == '"john doe"@example.com'


def test_requests_from_internationalised_domains_are_acknowledged_to_their_a_labels(
    db_url: str, tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    """An IDN domain (RFC 5890) goes to SMTP and into To as its A-labels, a mail valid without
    SMTPUTF8; the case keeps the address as the person wrote it. The mail could not be written."""
    env = desk_env(db_url, tmp_path, smtp_sink.port)
    rightsdesk(env, "db", "upgrade")
    inbox = mailbox.Maildir(tmp_path / "mail" / "inbox", create=True)
    inbox.add(
        _mail(
            "Aino Asiakas <asiakas@exämple.invalid>", "Tietopyyntö",
            "Mon, 30 Nov 2026 09:00:00 +0200",
            "Hei, haluan tietää mitä tietoja minusta on tallennettu.",
        )
    )  # fmt: skip
    inbox.add(
        _mail(
            "Åsa Kund <kund@EXÄMPEL.example>", "Radering", "Tue, 01 Dec 2026 10:00:00 +0200",
            "Radera alla mina uppgifter.",
        )
    )  # fmt: skip
    assert rightsdesk(env, "poll", "--once").endswith("outbox: 2 sent, 0 deferred, 0 failed\n")
    cases = json.loads(rightsdesk(env, "cases", "list", "--json"))
    assert sorted((c["requester_email"], c["language"]) for c in cases) == [
        ("asiakas@exämple.invalid", "fi"),
        ("kund@exämpel.example", "sv"),
    ]
    smtp_sink.wait_for(2, timeout=30)
    acks = sorted(smtp_sink.messages, key=lambda m: m.rcpt_tos)
    assert [m.rcpt_tos for m in acks] == [
        ("asiakas@xn--exmple-cua.invalid",),
        ("kund@xn--exmpel-cua.example",),
    ]
    for ack in acks:
        assert not ack.smtputf8
        assert ack.raw.split(b"\r\n\r\n")[0].isascii()  # RFC 5322 header section
        assert [a.addr_spec for a in ack.message["To"].addresses] == list(ack.rcpt_tos)
    for case in cases:
        shown = json.loads(rightsdesk(env, "cases", "show", case["reference"], "--json"))
        assert [(m["to"], m["delivery"]) for m in shown["mail"]] == [
            (case["requester_email"], "sent")
        ]


def test_a_request_from_a_non_ascii_local_part_is_acknowledged_with_smtputf8(
    db_url: str, tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    """`äijä@exämple.invalid` has no ASCII form: it goes with SMTPUTF8 (RFC 6531), the domain
    as A-labels in RCPT TO and the To header in UTF-8 as written (RFC 6532 §3.2)."""
    smtp_sink.smtputf8 = True
    smtp_sink.restart()
    env = desk_env(db_url, tmp_path, smtp_sink.port)
    rightsdesk(env, "db", "upgrade")
    inbox = mailbox.Maildir(tmp_path / "mail" / "inbox", create=True)
    inbox.add(
        _mail(
            "Äijä Asiakas <äijä@exämple.invalid>", "Tietopyyntö",
            "Mon, 30 Nov 2026 09:00:00 +0200",
            "Hei, haluan tietää mitä tietoja minusta on tallennettu.",
        )
    )  # fmt: skip
    assert rightsdesk(env, "poll", "--once").endswith("outbox: 1 sent, 0 deferred, 0 failed\n")
    smtp_sink.wait_for(1, timeout=30)
    (ack,) = smtp_sink.messages
    assert ack.smtputf8
    assert ack.body == "8BITMIME"  # RFC 6531 §3.4: the UTF-8 header is 8-bit content
    assert ack.rcpt_tos == ("äijä@xn--exmple-cua.invalid",)
    utf8 = message_from_string(ack.raw.decode("utf-8"), policy=default)
    assert [a.addr_spec for a in utf8["To"].addresses] == ["äijä@exämple.invalid"]
    assert utf8["Subject"].startswith("[DSR-2026-0001]")


def test_the_a_label_form_of_an_idn_address_is_the_requesters_for_register_reply_and_bounce(
    db_url: str, tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    """`kund@xn--exmpel-cua.example` is `kund@exämpel.example` (RFC 5890, RFC 5891): the
    register holding one form matches a request from the other, a DSN naming the A-labels
    marks the case's address undeliverable, and a reply from them answers the paused case.
    Each was a stranger's before: no address match, the address still deliverable, and the
    reply a third party's line that left the clock stopped."""
    env = desk_env(db_url, tmp_path, smtp_sink.port, RIGHTSDESK_NOW="2026-12-01T10:00:00+02:00")
    rightsdesk(env, "db", "upgrade")
    register = tmp_path / "customers.csv"
    register.write_text(
        CUSTOMERS_HEADER + "C-7001,Åsa Kund,kund@xn--exmpel-cua.example,2020-01-01,\n",
        encoding="utf-8",
    )
    rightsdesk(env, "register", "import", str(register))
    inbox = mailbox.Maildir(tmp_path / "mail" / "inbox", create=True)
    inbox.add(
        _mail(
            "Åsa Kund <kund@EXÄMPEL.example>", "Radering", "Tue, 01 Dec 2026 09:00:00 +0200",
            "Radera alla mina uppgifter.",
        )
    )  # fmt: skip
    assert rightsdesk(env, "poll", "--once").startswith("intake: 1 case_opened;")
    (case,) = json.loads(rightsdesk(env, "cases", "list", "--json"))
    reference = case["reference"]
    assert case["requester_email"] == "kund@exämpel.example"
    shown = json.loads(rightsdesk(env, "cases", "show", reference, "--json"))
    assert shown["sender_check"].startswith("address matches, not authenticated")
    smtp_sink.wait_for(1, timeout=30)
    (ack,) = smtp_sink.messages
    assert ack.rcpt_tos == ("kund@xn--exmpel-cua.example",)
    rightsdesk(env, "cases", "pause", reference, "--reason", "Gäller det även nyhetsbrevet?")

    inbox.add(_dsn(str(ack.message["Message-ID"]).strip("<>"), "kund@xn--exmpel-cua.example"))
    assert rightsdesk(env, "poll", "--once").startswith("intake: 1 bounce;")
    with pytest.raises(AssertionError, match="the requester's address bounced"):
        rightsdesk(env, "cases", "remind-requester", reference)

    answer = _mail(
        "Åsa Kund <kund@xn--exmpel-cua.example>", f"Re: {ack.message['Subject']}",
        "Tue, 01 Dec 2026 09:30:00 +0200", "Ja, det gäller allt, tack.",
    )  # fmt: skip
    answer = answer.replace(b"Message-ID: <1@localhost>", b"Message-ID: <2@localhost>")
    inbox.add(
        answer.replace(
            b"\r\n\r\n", f"\r\nIn-Reply-To: {ack.message['Message-ID']}\r\n\r\n".encode(), 1
        )
    )
    assert rightsdesk(env, "poll", "--once").startswith("intake: 1 follow_up;")
    shown = json.loads(rightsdesk(env, "cases", "show", reference, "--json"))
    assert shown["paused"] is False
    actions = [e["action"] for e in shown["events"]]
    assert actions[-2:] == ["message_received", "resume"]
    assert "third_party_message" not in actions
    assert len(json.loads(rightsdesk(env, "cases", "list", "--json"))) == 1


def test_a_non_ascii_local_part_fails_once_saying_the_server_lacks_smtputf8(
    db_url: str, tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    """Without the server's SMTPUTF8 the acknowledgement cannot go: the row fails at once, and
    `cases show` says why, not a Python error; a second pass does not try it again."""
    env = desk_env(db_url, tmp_path, smtp_sink.port)
    rightsdesk(env, "db", "upgrade")
    inbox = mailbox.Maildir(tmp_path / "mail" / "inbox", create=True)
    inbox.add(
        _mail(
            "Åsa Kund <åsa.kund@exämpel.example>", "Radering", "Tue, 01 Dec 2026 10:00:00 +0200",
            "Radera alla mina uppgifter.",
        )
    )  # fmt: skip
    assert rightsdesk(env, "poll", "--once").endswith("outbox: 0 sent, 0 deferred, 1 failed\n")
    shown = json.loads(rightsdesk(env, "cases", "show", "DSR-2026-0001", "--json"))
    (ack,) = shown["mail"]
    assert (ack["to"], ack["delivery"], ack["attempts"]) == (
        "åsa.kund@exämpel.example", "failed", 1,
    )  # fmt: skip
    assert ack["error"] == (
        "not sent: the SMTP server does not offer SMTPUTF8 (RFC 6531), which the "
        "recipient's non-ASCII address needs"
    )
    assert ack["error"] in rightsdesk(env, "cases", "show", "DSR-2026-0001")
    assert rightsdesk(env, "poll", "--once").endswith("outbox: 0 sent, 0 deferred, 0 failed\n")
    assert smtp_sink.messages == []


def test_a_non_ascii_local_part_fails_once_saying_the_server_lacks_8bitmime(
    db_url: str, tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    """SMTPUTF8 without 8BITMIME cannot carry the UTF-8 header (RFC 6531 §3.4): the row fails
    at once with that reason, rather than going as 7-bit content that is not."""
    smtp_sink.smtputf8, smtp_sink.eightbitmime = True, False
    smtp_sink.restart()
    env = desk_env(db_url, tmp_path, smtp_sink.port)
    rightsdesk(env, "db", "upgrade")
    inbox = mailbox.Maildir(tmp_path / "mail" / "inbox", create=True)
    inbox.add(
        _mail(
            "Äijä Asiakas <äijä@exämple.invalid>", "Tietopyyntö",
            "Mon, 30 Nov 2026 09:00:00 +0200", "Hei, mitä tietoja minusta on tallennettu?",
        )
    )  # fmt: skip
    assert rightsdesk(env, "poll", "--once").endswith("outbox: 0 sent, 0 deferred, 1 failed\n")
    shown = json.loads(rightsdesk(env, "cases", "show", "DSR-2026-0001", "--json"))
    (ack,) = shown["mail"]
    assert (ack["delivery"], ack["attempts"]) == ("failed", 1)
    assert ack["error"] == (
        "not sent: the SMTP server offers SMTPUTF8 but not 8BITMIME (RFC 6152), which "
        "the mail's UTF-8 header needs (RFC 6531 §3.4)"
    )
    assert smtp_sink.messages == []


# (fixture, the customer, receipt by the colleague in UTC, due date, how it was forwarded)
FORWARDS = [
    (
        "fi_forwarded_by_colleague.eml",
        "aino.asiakas@example.com",
        "2026-11-23T12:05",
        "2026-12-23",
        "inline",
    ),
    (
        "en_forwarded_by_colleague_outlook.eml",
        "john.customer@example.com",
        "2026-11-20T12:05",
        "2026-12-21",
        "inline",
    ),
    (
        "sv_forwarded_as_attachment.eml",
        "tove.exempel@example.com",
        "2026-11-25T08:00",
        "2026-12-28",
        "attached",
    ),
]
FORWARDED_BY = "mikko.myyja@targetpartners.example"


@pytest.mark.parametrize(("name", "customer", "received", "due", "form"), FORWARDS)
def test_a_request_a_colleague_forwards_opens_the_customers_case_from_its_own_receipt(
    db_url: str,
    tmp_path: Path,
    smtp_sink: SmtpSink,
    name: str,
    customer: str,
    received: str,
    due: str,
    form: str,
) -> None:
    """A colleague of the privacy mailbox's domain forwards a customer's mail: the case is the
    customer's, and its clock runs from when the colleague got it (Art. 12(3)); the case
    records who forwarded it. It was the colleague's case, dated the day of the forward."""
    env = desk_env(db_url, tmp_path, smtp_sink.port, RIGHTSDESK_NOW="2026-11-30T09:00:00+02:00")
    rightsdesk(env, "db", "upgrade")
    inbox = mailbox.Maildir(tmp_path / "mail" / "inbox", create=True)
    inbox.add((FIXTURES / name).read_bytes())
    assert rightsdesk(env, "poll", "--once").startswith("intake: 1 case_opened;")
    (case,) = json.loads(rightsdesk(env, "cases", "list", "--json"))
    assert case["requester_email"] == customer
    assert case["received_at"].startswith(received) and case["due_date"] == due
    shown = json.loads(rightsdesk(env, "cases", "show", case["reference"], "--json"))
    (event,) = [e for e in shown["events"] if e["action"] == "forwarded_request"]
    assert event["detail"]["forwarded_by"] == FORWARDED_BY and event["detail"]["form"] == form
    assert shown["identity_status"] != "verified"  # an address read from text vouches for none
    # The dossier says why the receipt is earlier than the mail's arrival.
    out = tmp_path / "dossier.html"
    rightsdesk(env, "dossier", case["reference"], "--out", str(out))
    assert (
        f"as first received by a colleague ({FORWARDED_BY}), forwarded to the privacy mailbox"
        in out.read_text(encoding="utf-8")
    )
    smtp_sink.wait_for(1, timeout=30)
    (ack,) = smtp_sink.messages
    assert ack.rcpt_tos == (customer,)


def test_a_request_forwarded_by_someone_outside_the_company_stays_theirs(
    db_url: str, tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    """Only a colleague is trusted to name another person as the requester."""
    env = desk_env(db_url, tmp_path, smtp_sink.port, RIGHTSDESK_NOW="2026-11-30T09:00:00+02:00")
    rightsdesk(env, "db", "upgrade")
    inbox = mailbox.Maildir(tmp_path / "mail" / "inbox", create=True)
    raw = (FIXTURES / "fi_forwarded_by_colleague.eml").read_bytes()
    outsider = b"From: Kalle Kumppani <kalle@partner.example.com>\r\n"
    inbox.add(outsider + raw.split(b"\r\n", 1)[1])
    assert rightsdesk(env, "poll", "--once").startswith("intake: 1 case_opened;")
    (case,) = json.loads(rightsdesk(env, "cases", "list", "--json"))
    assert case["requester_email"] == "kalle@partner.example.com"
    assert case["received_at"].startswith("2026-11-30T07:00")
    shown = json.loads(rightsdesk(env, "cases", "show", case["reference"], "--json"))
    assert "forwarded_request" not in [e["action"] for e in shown["events"]]


def test_a_colleagues_forward_of_a_customer_naming_herself_opens_her_erasure_not_triage(
    db_url: str, tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    """The customer's own name before her data is hers, though the colleague sent the mail."""
    env = desk_env(db_url, tmp_path, smtp_sink.port, RIGHTSDESK_NOW="2026-11-30T09:00:00+02:00")
    rightsdesk(env, "db", "upgrade")
    inbox = mailbox.Maildir(tmp_path / "mail" / "inbox", create=True)
    raw = (FIXTURES / "fi_forwarded_by_colleague.eml").read_bytes().decode()
    raw = raw.replace("<aino.asiakas@example.com>", "<maija@example.com>")
    raw = raw.replace(
        "haluan tietää, mitä henkilötietoja minusta on tallennettu rekisteriinne.",
        "poistakaa Maija Virtasen tiedot rekisteristänne.",
    )
    raw = raw.replace("Tietopyyntö", "Tietojen poisto")
    inbox.add(raw.replace("Aino Asiakas", "Maija Virtanen").encode())
    assert rightsdesk(env, "poll", "--once").startswith("intake: 1 case_opened;")
    (case,) = json.loads(rightsdesk(env, "cases", "list", "--json"))
    assert (case["requester_email"], case["kinds"]) == ("maija@example.com", ["erasure"])
    assert case["status"] != "needs_triage"


def test_a_customer_forwarding_her_husbands_mail_and_asking_to_delete_his_data_goes_to_triage(
    db_url: str, tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    """Only a colleague's forward makes its original's writer the sender: his data is his."""
    env = desk_env(db_url, tmp_path, smtp_sink.port, RIGHTSDESK_NOW="2026-11-30T09:00:00+02:00")
    rightsdesk(env, "db", "upgrade")
    inbox = mailbox.Maildir(tmp_path / "mail" / "inbox", create=True)
    raw = (FIXTURES / "fi_forwarded_by_colleague.eml").read_bytes().decode()
    raw = raw.replace(
        "Mikko Myyjä <mikko.myyja@targetpartners.example>\r\nTo: Tietosuoja",
        "Liisa Korhonen <liisa@example.com>\r\nTo: Tietosuoja",
    )
    raw = raw.replace(
        "Hei, tämä tuli minulle viime viikolla, välitän teille.",
        "Hei, poistakaa myös Pekan tiedot rekisteristänne.",
    )
    raw = raw.replace(
        "Aino Asiakas <aino.asiakas@example.com>", "Pekka Korhonen <pekka@example.com>"
    )
    inbox.add(raw.replace("Aino Asiakas", "Pekka Korhonen").encode())
    assert rightsdesk(env, "poll", "--once").startswith("intake: 1 case_opened;")
    (case,) = json.loads(rightsdesk(env, "cases", "list", "--json"))
    assert case["requester_email"] == "liisa@example.com"
    assert (case["status"], case["kinds"]) == ("needs_triage", [])


# (the Outlook From and Sent lines, the customer, the receipt in UTC): Outlook's unquoted
# "Last, First" name, and dates no colleague can have received it on (a typo, or a forgery)
# that leave the receipt at the forward's own arrival instead of 1900 or an internal error.
ODD_FORWARDS = [
    (
        "From: Customer, John <john.customer@example.com>",
        "Sent: Friday, November 20, 2026 2:05 PM",
        "john.customer@example.com",
        "2026-11-20T12:05",
    ),
    (
        "From: John Customer <john.customer@example.com>",
        "Sent: 1.1.1900 klo 10.00",
        "john.customer@example.com",
        "2026-11-30T07:00",
    ),
    (
        "From: John Customer <john.customer@example.com>",
        "Sent: 1.1.0001 0.00",
        "john.customer@example.com",
        "2026-11-30T07:00",
    ),
]


@pytest.mark.parametrize(("from_line", "sent_line", "customer", "received"), ODD_FORWARDS)
def test_a_colleagues_forward_with_an_outlook_name_or_an_impossible_date_is_still_read(
    db_url: str,
    tmp_path: Path,
    smtp_sink: SmtpSink,
    from_line: str,
    sent_line: str,
    customer: str,
    received: str,
) -> None:
    env = desk_env(db_url, tmp_path, smtp_sink.port, RIGHTSDESK_NOW="2026-11-30T09:00:00+02:00")
    rightsdesk(env, "db", "upgrade")
    inbox = mailbox.Maildir(tmp_path / "mail" / "inbox", create=True)
    raw = (FIXTURES / "en_forwarded_by_colleague_outlook.eml").read_bytes()
    raw = raw.replace(b"From: John Customer <john.customer@example.com>", from_line.encode())
    raw = raw.replace(b"Sent: Friday, November 20, 2026 2:05 PM", sent_line.encode())
    inbox.add(raw)
    assert rightsdesk(env, "poll", "--once").startswith("intake: 1 case_opened;")
    (case,) = json.loads(rightsdesk(env, "cases", "list", "--json"))
    assert case["requester_email"] == customer
    assert case["received_at"].startswith(received)
    assert case["reference"].startswith("DSR-2026-")


def test_a_forwarded_request_is_answered_in_the_customers_language_not_the_colleagues(
    db_url: str, tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    env = desk_env(db_url, tmp_path, smtp_sink.port, RIGHTSDESK_NOW="2026-11-30T09:00:00+02:00")
    rightsdesk(env, "db", "upgrade")
    inbox = mailbox.Maildir(tmp_path / "mail" / "inbox", create=True)
    raw = (FIXTURES / "en_forwarded_by_colleague_outlook.eml").read_bytes()
    note = "Hei, tämä asiakkaan viesti tuli minulle viime viikolla, välitän sen teille.\n\nMikko"
    inbox.add(raw.replace(b"Forwarding this to the privacy desk.", note.encode()))
    assert rightsdesk(env, "poll", "--once").startswith("intake: 1 case_opened;")
    (case,) = json.loads(rightsdesk(env, "cases", "list", "--json"))
    assert (case["requester_email"], case["language"]) == ("john.customer@example.com", "en")
    smtp_sink.wait_for(1, timeout=30)
    (ack,) = smtp_sink.messages
    assert ack.rcpt_tos == ("john.customer@example.com",)
    text = ack.message.get_body(preferencelist=("plain",)).get_content()
    assert "we received your request concerning the processing of your personal data" in text


def test_a_request_we_have_forwarded_back_as_an_attachment_joins_its_case_not_a_second_one(
    db_url: str, tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    env = desk_env(db_url, tmp_path, smtp_sink.port, RIGHTSDESK_NOW="2026-11-30T09:00:00+02:00")
    rightsdesk(env, "db", "upgrade")
    inbox = mailbox.Maildir(tmp_path / "mail" / "inbox", create=True)
    forward = (FIXTURES / "sv_forwarded_as_attachment.eml").read_bytes()
    # The customer's own mail reached the privacy mailbox too (she wrote to both).
    attached = message_from_bytes(forward, policy=default).get_payload()[1].get_payload()[0]
    inbox.add(attached.as_bytes())
    assert rightsdesk(env, "poll", "--once").startswith("intake: 1 case_opened;")
    inbox.add(forward)
    assert rightsdesk(env, "poll", "--once").startswith("intake: 1 follow_up;")
    (case,) = json.loads(rightsdesk(env, "cases", "list", "--json"))
    assert case["requester_email"] == "tove.exempel@example.com"
    smtp_sink.wait_for(1, timeout=30)
    assert len(smtp_sink.messages) == 1  # one acknowledgement, not two


@pytest.mark.parametrize("same_pass", [False, True])
def test_the_customers_own_copy_of_a_request_forwarded_first_as_an_attachment_joins_its_case(
    db_url: str, tmp_path: Path, smtp_sink: SmtpSink, same_pass: bool
) -> None:
    """The colleague forwarded her mail as an attachment, which names its Message-ID; her own
    copy reaching the privacy mailbox later (or in the same pass) is that mail: a line of the
    case the forward opened, no second case or acknowledgement. A domain's letters may differ
    in case (RFC 5322 §3.6.4 domains are caseless). The same words under another Message-ID
    later are her request repeated (Art. 12(3))."""
    env = desk_env(db_url, tmp_path, smtp_sink.port, RIGHTSDESK_NOW="2026-11-30T09:00:00+02:00")
    rightsdesk(env, "db", "upgrade")
    inbox = mailbox.Maildir(tmp_path / "mail" / "inbox", create=True)
    forward = (FIXTURES / "sv_forwarded_as_attachment.eml").read_bytes()
    forward = forward.replace(b"<sv-original@mail.example.com>", b"<sv-original@Mail.Example.COM>")
    own = message_from_bytes(forward, policy=default).get_payload()[1].get_payload()[0].as_bytes()
    inbox.add(forward)
    if not same_pass:
        assert rightsdesk(env, "poll", "--once").startswith("intake: 1 case_opened;")
        inbox.add(own)
        assert rightsdesk(env, "poll", "--once").startswith("intake: 1 follow_up;")
    else:
        inbox.add(own)
        out = rightsdesk(env, "poll", "--once")
        assert out.startswith("intake: 1 case_opened, 1 follow_up;"), out

    (case,) = json.loads(rightsdesk(env, "cases", "list", "--json"))
    assert case["requester_email"] == "tove.exempel@example.com"
    assert case["received_at"].startswith("2026-11-25T08:00")  # when the colleague got it
    shown = json.loads(rightsdesk(env, "cases", "show", case["reference"], "--json"))
    (forwarded,) = [e for e in shown["events"] if e["action"] == "forwarded_request"]
    assert forwarded["detail"]["original_message"] == "sv-original@mail.example.com"
    last = shown["events"][-1]
    assert (last["action"], last["detail"]["own_copy_of_forward"]) == ("message_received", True)
    smtp_sink.wait_for(1, timeout=30)
    assert [m.rcpt_tos for m in smtp_sink.messages] == [("tove.exempel@example.com",)]

    again = own.replace(b"<sv-original@Mail.Example.COM>", b"<sv-again@mail.example.com>")
    inbox.add(again.replace(b"Wed, 25 Nov 2026 10:00:00", b"Sat, 28 Nov 2026 10:00:00"))
    assert rightsdesk(env, "poll", "--once").startswith("intake: 1 case_opened;")


def test_a_mail_that_reuses_an_attached_originals_message_id_at_another_date_is_no_copy(
    db_url: str, tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    """A Message-ID is no secret (anyone on the original's Cc knows it): a mail naming it but
    written at another time is not filed silently as the customer's copy; it is read as
    the request it is, with a case and an acknowledgement of its own."""
    env = desk_env(db_url, tmp_path, smtp_sink.port, RIGHTSDESK_NOW="2026-11-30T09:00:00+02:00")
    rightsdesk(env, "db", "upgrade")
    inbox = mailbox.Maildir(tmp_path / "mail" / "inbox", create=True)
    forward = (FIXTURES / "sv_forwarded_as_attachment.eml").read_bytes()
    own = message_from_bytes(forward, policy=default).get_payload()[1].get_payload()[0].as_bytes()
    inbox.add(forward)
    assert rightsdesk(env, "poll", "--once").startswith("intake: 1 case_opened;")
    inbox.add(own.replace(b"Wed, 25 Nov 2026 10:00:00", b"Fri, 27 Nov 2026 16:30:00"))
    assert rightsdesk(env, "poll", "--once").startswith("intake: 1 case_opened;")

    assert len(json.loads(rightsdesk(env, "cases", "list", "--json"))) == 2
    smtp_sink.wait_for(2, timeout=30)


# A colleague of the group writing from the company's other domain (`own_domains`).
GROUP_COLLEAGUE = "mikko.myyja@targetpartners.invalid"


@pytest.mark.parametrize(
    ("own_domains", "colleague"), [("[]", False), ('["targetpartners.invalid"]', True)]
)
def test_a_colleague_at_another_company_domain_counts_only_when_the_config_lists_it(
    db_url: str, tmp_path: Path, smtp_sink: SmtpSink, own_domains: str, colleague: bool
) -> None:
    """By default only the privacy mailbox's domain is the company's: a forward from another
    of its domains is that sender's own request and their thread line asks for their own
    data. Listed in `own_domains`, the forward opens the customer's case and the line is a
    colleague's on the case."""
    config = tmp_path / "rightsdesk.toml"
    example = (ROOT / "rightsdesk.example.toml").read_text(encoding="utf-8")
    assert "own_domains = []" in example
    config.write_text(example.replace("own_domains = []", f"own_domains = {own_domains}"))
    env = desk_env(
        db_url,
        tmp_path,
        smtp_sink.port,
        RIGHTSDESK_NOW="2026-11-30T09:00:00+02:00",
        RIGHTSDESK_CONFIG=str(config),
    )
    rightsdesk(env, "db", "upgrade")
    inbox = mailbox.Maildir(tmp_path / "mail" / "inbox", create=True)
    raw = (FIXTURES / "fi_forwarded_by_colleague.eml").read_bytes()
    inbox.add(raw.replace(b"mikko.myyja@targetpartners.example", GROUP_COLLEAGUE.encode()))
    assert rightsdesk(env, "poll", "--once").startswith("intake: 1 case_opened;")
    (case,) = json.loads(rightsdesk(env, "cases", "list", "--json"))
    assert case["requester_email"] == ("aino.asiakas@example.com" if colleague else GROUP_COLLEAGUE)
    shown = json.loads(rightsdesk(env, "cases", "show", case["reference"], "--json"))
    forwarded = [e["detail"] for e in shown["events"] if e["action"] == "forwarded_request"]
    assert forwarded == ([{**forwarded[0], "forwarded_by": GROUP_COLLEAGUE}] if colleague else [])
    # Another of the group tells the desk, in a customer's thread, what to do for her.
    inbox.add(
        _mail(
            "Kaisa Asiakas <kaisa@example.com>", "Tietopyyntö", "Mon, 30 Nov 2026 08:50:00 +0200",
            "Hei, haluan tietää mitä tietoja minusta on tallennettu.",
        )
    )  # fmt: skip
    assert rightsdesk(env, "poll", "--once").startswith("intake: 1 case_opened;")
    line = _mail(
        "Pasi Tietosuoja <pasi@targetpartners.invalid>", "Re: Tietopyyntö",
        "Mon, 30 Nov 2026 08:55:00 +0200",
        "Hei, poistakaa asiakkaan kaikki tiedot tämän jälkeen.\r\n\r\nPasi",
    )  # fmt: skip
    line = line.replace(
        b"<1@localhost>", b"<pasi-line@targetpartners.invalid>\r\nIn-Reply-To: <1@localhost>"
    )
    inbox.add(line)
    out = rightsdesk(env, "poll", "--once")
    cases = json.loads(rightsdesk(env, "cases", "list", "--json"))
    kaisa = [c for c in cases if c["requester_email"] == "kaisa@example.com"]
    assert [c["kinds"] for c in kaisa] == [["access"]]
    pasi = [c for c in cases if c["requester_email"] == "pasi@targetpartners.invalid"]
    if colleague:  # working on the case: a line of its thread, not a request of his own
        assert out.startswith("intake: 1 follow_up;"), out
        assert pasi == []
    else:  # an outsider's own request, written into the thread: a case of his own
        assert out.startswith("intake: 1 case_opened;"), out
        assert [c["kinds"] for c in pasi] == [["erasure"]]


@pytest.mark.parametrize("listed", ["tärget.invalid", "xn--trget-gra.invalid"])
def test_a_company_domain_with_letters_beyond_ascii_is_the_same_domain_in_either_form(
    db_url: str, tmp_path: Path, smtp_sink: SmtpSink, listed: str
) -> None:
    """An IDN domain listed in `own_domains` as U-labels was refused as no domain, and as
    A-labels never matched a sender's domain, which intake compares as U-labels: the
    colleague's forward became a request of his own (RFC 5891 §5: the same domain)."""
    config = tmp_path / "rightsdesk.toml"
    example = (ROOT / "rightsdesk.example.toml").read_text(encoding="utf-8")
    config.write_text(example.replace("own_domains = []", f'own_domains = ["{listed}"]'))
    env = desk_env(
        db_url,
        tmp_path,
        smtp_sink.port,
        RIGHTSDESK_NOW="2026-11-30T09:00:00+02:00",
        RIGHTSDESK_CONFIG=str(config),
    )
    rightsdesk(env, "db", "upgrade")
    inbox = mailbox.Maildir(tmp_path / "mail" / "inbox", create=True)
    raw = (FIXTURES / "fi_forwarded_by_colleague.eml").read_bytes()
    colleague = b"mikko.myyja@xn--trget-gra.invalid"  # as mail carries it: A-labels
    inbox.add(raw.replace(b"mikko.myyja@targetpartners.example", colleague))
    assert rightsdesk(env, "poll", "--once").startswith("intake: 1 case_opened;")
    (case,) = json.loads(rightsdesk(env, "cases", "list", "--json"))
    assert case["requester_email"] == "aino.asiakas@example.com"
    shown = json.loads(rightsdesk(env, "cases", "show", case["reference"], "--json"))
    (forwarded,) = [e["detail"] for e in shown["events"] if e["action"] == "forwarded_request"]
    assert forwarded["forwarded_by"] == "mikko.myyja@tärget.invalid"


@pytest.mark.parametrize(
    ("ours", "written"),
    [
        ("tietosuoja@xn--trget-gra.invalid", "tietosuoja@tärget.invalid"),
        ("Tietosuoja@TÄRGET.invalid", "tietosuoja@xn--trget-gra.invalid"),
    ],
)
def test_mail_from_the_desks_own_idn_address_in_either_form_is_known_as_our_own(
    db_url: str, tmp_path: Path, smtp_sink: SmtpSink, ours: str, written: str
) -> None:
    """Our own address configured as A-labels never matched a sender, whom intake reads as
    U-labels: mail from our own address was taken in as a person's request and answered, a
    loop (RFC 3834 §2; RFC 5891 §5: the same domain in either form). Known as our own, it
    is set aside for a person, unanswered."""
    env = desk_env(db_url, tmp_path, smtp_sink.port, RIGHTSDESK_MAIL_FROM=ours)
    rightsdesk(env, "db", "upgrade")
    inbox = mailbox.Maildir(tmp_path / "mail" / "inbox", create=True)
    inbox.add(
        _mail(
            f"Tietosuoja <{written}>", "Tietopyyntö", "Mon, 30 Nov 2026 09:00:00 +0200",
            "Hei, haluan tietää mitä tietoja minusta on tallennettu.",
        )
    )  # fmt: skip
    out = rightsdesk(env, "poll", "--once")
    assert out.startswith("intake: 1 non_request;"), out
    assert out.endswith("outbox: 0 sent, 0 deferred, 0 failed\n")
    assert json.loads(rightsdesk(env, "cases", "list", "--json")) == []
    assert smtp_sink.messages == []


def _original_of(forward: bytes, date: str) -> bytes:
    """The customer's own mail, as it reached the privacy mailbox too: the forwarded one."""
    text = forward.decode().replace("\r\n", "\n").partition("\n\n")[2]  # the body
    found = re.search(r"^(?:From|Lähettäjä|Från): (.+)$", text, re.MULTILINE)
    assert found is not None
    body = text[found.end() :].split("\n\n", 1)[1].strip()
    return _mail(found[1], "Original", date, body).replace(b"1@localhost", b"own@example.com")


# (the inline forward, the customer's own mail's Date, whether it is the same mail): the
# same minute as the forward shows it, or the same words with the time in another zone's
# clock (a colleague in Stockholm); an earlier mail of other words is another request.
KNOWN_ORIGINALS = [
    ("fi_forwarded_by_colleague.eml", "Mon, 23 Nov 2026 14:05:41 +0200", "same"),
    ("en_forwarded_by_colleague_outlook.eml", "Fri, 20 Nov 2026 15:05:12 +0200", "same"),
    ("fi_forwarded_by_colleague.eml", "Fri, 20 Nov 2026 09:00:00 +0200", "other"),
]


@pytest.mark.parametrize(("name", "sent", "which"), KNOWN_ORIGINALS)
def test_an_inline_forward_of_a_request_we_already_took_in_joins_its_case_not_a_second_one(
    db_url: str, tmp_path: Path, smtp_sink: SmtpSink, name: str, sent: str, which: str
) -> None:
    env = desk_env(db_url, tmp_path, smtp_sink.port, RIGHTSDESK_NOW="2026-11-30T09:00:00+02:00")
    rightsdesk(env, "db", "upgrade")
    inbox = mailbox.Maildir(tmp_path / "mail" / "inbox", create=True)
    forward = (FIXTURES / name).read_bytes()
    own = _original_of(forward, sent)
    if which == "other":
        own = own.replace(b"haluan tiet", b"poistakaa kaikki tietoni. Haluan my\xc3\xb6s tiet")
    inbox.add(own)  # the customer wrote to both: her own mail came in first
    assert rightsdesk(env, "poll", "--once").startswith("intake: 1 case_opened;")
    inbox.add(forward)
    out = rightsdesk(env, "poll", "--once")
    cases = json.loads(rightsdesk(env, "cases", "list", "--json"))
    if which == "other":  # a request of its own: its own case, from the forward's date
        assert out.startswith("intake: 1 case_opened;"), out
        assert len(cases) == 2
        return
    assert out.startswith("intake: 1 follow_up;"), out
    (case,) = cases
    shown = json.loads(rightsdesk(env, "cases", "show", case["reference"], "--json"))
    (event,) = [e for e in shown["events"] if e["action"] == "forwarded_request"]
    assert event["detail"]["joined"] is True
    assert event["detail"]["forwarded_by"] == FORWARDED_BY
    assert [e["action"] for e in shown["events"]][-2:] == [
        "colleague_message",
        "forwarded_request",
    ]
    assert case["received_at"].startswith("2026-11-30T07:00")  # her own mail's arrival
    out_file = tmp_path / "dossier.html"
    rightsdesk(env, "dossier", case["reference"], "--out", str(out_file))
    assert "first received by a colleague" not in out_file.read_text(encoding="utf-8")
    smtp_sink.wait_for(1, timeout=30)
    assert len(smtp_sink.messages) == 1  # one acknowledgement, not two


def _swedish(forward: bytes) -> bytes:
    """The Finnish Gmail forward as a Swedish colleague's Gmail writes it, of a Swedish mail."""
    text = forward.decode()
    for fi, sv in [
        ("Välitetty viesti", "Vidarebefordrat meddelande"),
        (
            "Lähettäjä: Aino Asiakas <aino.asiakas@example.com>",
            "Från: Tove Exempel <tove@example.com>",
        ),
        ("Date: ma 23.11.2026 klo 14.05", "Datum: mån 23 nov. 2026 14:05"),
        ("Hei,", "Hej,"),
        (
            "haluan tietää, mitä henkilötietoja minusta on tallennettu rekisteriinne.",
            "jag begär ett registerutdrag med alla personuppgifter ni har om mig.",
        ),
        ("Ystävällisin terveisin\r\nAino Asiakas", "Vänliga hälsningar\r\nTove Exempel"),
    ]:
        assert fi in text
        text = text.replace(fi, sv)
    return text.encode()


# (the inline forward, how to write it, the customer's own mail's Date, its receipt in UTC):
# the same minute as the forward shows it (fi, sv), or the same words with the time in
# another zone's clock (en: a colleague in Stockholm).
FORWARDED_FIRST = [
    ("fi_forwarded_by_colleague.eml", False, "Mon, 23 Nov 2026 14:05:41 +0200", "2026-11-23T12:05"),
    ("fi_forwarded_by_colleague.eml", True, "Mon, 23 Nov 2026 14:05:09 +0200", "2026-11-23T12:05"),
    (
        "en_forwarded_by_colleague_outlook.eml",
        False,
        "Fri, 20 Nov 2026 15:05:12 +0200",
        "2026-11-20T12:05",
    ),
]


@pytest.mark.parametrize(("name", "swedish", "sent", "received"), FORWARDED_FIRST)
def test_the_customers_own_copy_of_a_request_a_colleague_forwarded_first_joins_its_case(
    db_url: str,
    tmp_path: Path,
    smtp_sink: SmtpSink,
    name: str,
    swedish: bool,
    sent: str,
    received: str,
) -> None:
    """The customer wrote to a colleague and to the privacy mailbox, and the forward came in
    first: her own copy is a line of the case the forward opened, not a second case with a
    second acknowledgement. A request of other words at another time still opens its own."""
    env = desk_env(db_url, tmp_path, smtp_sink.port, RIGHTSDESK_NOW="2026-11-30T09:00:00+02:00")
    rightsdesk(env, "db", "upgrade")
    inbox = mailbox.Maildir(tmp_path / "mail" / "inbox", create=True)
    forward = (FIXTURES / name).read_bytes()
    forward = _swedish(forward) if swedish else forward
    inbox.add(forward)
    assert rightsdesk(env, "poll", "--once").startswith("intake: 1 case_opened;")
    inbox.add(_original_of(forward, sent))  # the privacy mailbox's copy, delayed
    assert rightsdesk(env, "poll", "--once").startswith("intake: 1 follow_up;")

    (case,) = json.loads(rightsdesk(env, "cases", "list", "--json"))
    assert case["received_at"].startswith(received)  # still when the colleague got it
    shown = json.loads(rightsdesk(env, "cases", "show", case["reference"], "--json"))
    last = shown["events"][-1]
    assert (last["action"], last["detail"]["own_copy_of_forward"]) == ("message_received", True)
    assert [e["action"] for e in shown["events"]].count("forwarded_request") == 1
    smtp_sink.wait_for(1, timeout=30)
    assert [m.rcpt_tos for m in smtp_sink.messages] == [(case["requester_email"],)]

    other = _original_of(forward, "Thu, 26 Nov 2026 10:00:00 +0200")
    inbox.add(
        other.replace(b"<own@example.com>", b"<other@example.com>")
        .replace(b"Hello,", b"Hello, also erase my order history. Anyway:")
        .replace(b"Hei,", b"Hei, poistakaa my\xc3\xb6s tilaushistoriani.")
        .replace(b"Hej,", b"Hej, radera ocks\xc3\xa5 min orderhistorik.")
    )
    assert rightsdesk(env, "poll", "--once").startswith("intake: 1 case_opened;")


def test_the_customers_own_copy_in_the_same_pass_as_the_forward_joins_the_case_it_opened(
    db_url: str, tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    """A batch looks up once which senders have a forwarded case; a forward of the same
    batch opens one, so the customer's own copy right after it must still find it."""
    env = desk_env(db_url, tmp_path, smtp_sink.port, RIGHTSDESK_NOW="2026-11-30T09:00:00+02:00")
    rightsdesk(env, "db", "upgrade")
    inbox = mailbox.Maildir(tmp_path / "mail" / "inbox", create=True)
    forward = (FIXTURES / "fi_forwarded_by_colleague.eml").read_bytes()
    inbox.add(forward)
    inbox.add(_original_of(forward, "Mon, 23 Nov 2026 14:05:41 +0200"))

    out = rightsdesk(env, "poll", "--once")
    assert out.startswith("intake: 1 case_opened, 1 follow_up;"), out
    (case,) = json.loads(rightsdesk(env, "cases", "list", "--json"))
    shown = json.loads(rightsdesk(env, "cases", "show", case["reference"], "--json"))
    assert shown["events"][-1]["detail"].get("own_copy_of_forward") is True


def _outlook_forward(lang: str) -> bytes:
    """A colleague's Outlook forward in `lang`: its Sent line shows the time to the minute."""
    customer, note, block, words = {
        "fi": (
            "Aino Asiakas <aino.asiakas@example.com>",
            "VL: Tietopyyntö\r\n\r\nHei, tämä tuli minulle, välitän teille.",
            "Lähettäjä: {who}\r\nLähetetty: perjantai 20. marraskuuta 2026 14.05\r\n"
            "Vastaanottaja: {me}\r\nAihe: Tietopyyntö",
            "Hei,\r\n\r\nhaluan tietää, mitä henkilötietoja minusta on tallennettu.",
        ),
        "sv": (
            "Tove Exempel <tove@example.com>",
            "VB: Registerutdrag\r\n\r\nHej, det här kom till mig, jag skickar det vidare.",
            "Från: {who}\r\nSkickat: den 20 november 2026 14:05\r\n"
            "Till: {me}\r\nÄmne: Registerutdrag",
            "Hej,\r\n\r\njag begär ett registerutdrag med alla personuppgifter ni har om mig.",
        ),
        "en": (
            "John Customer <john.customer@example.com>",
            "FW: Please delete my data\r\n\r\nForwarding this to the privacy desk.",
            "From: {who}\r\nSent: Friday, November 20, 2026 2:05 PM\r\n"
            "To: {me}\r\nSubject: Please delete my data",
            "Hello,\r\n\r\nplease delete my personal data from your register.",
        ),
    }[lang]
    me = f"Mikko Myyjä <{FORWARDED_BY}>"
    subject, _, text = note.partition("\r\n\r\n")
    return (
        f"From: {me}\r\nTo: privacy@targetpartners.example\r\nSubject: {subject}\r\n"
        "Date: Mon, 30 Nov 2026 08:45:00 +0200\r\n"
        f"Message-ID: <outlook-{lang}@targetpartners.example>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        f"{text}\r\n\r\n{block.format(who=customer, me=me)}\r\n\r\n{words}\r\n"
    ).encode()


# (the Outlook forward's language, whether it comes first, the customer's own mail's Date):
# the forward shows 14:05, Outlook's store time of a mail whose Date is seconds away, in the
# minute before or after.
OUTLOOK_A_MINUTE_OFF = [
    ("en", False, "Fri, 20 Nov 2026 14:04:58 +0200"),
    ("en", True, "Fri, 20 Nov 2026 14:06:02 +0200"),
    ("fi", False, "Fri, 20 Nov 2026 14:06:01 +0200"),
    ("sv", True, "Fri, 20 Nov 2026 14:04:59 +0200"),
]


@pytest.mark.parametrize(("lang", "forward_first", "sent"), OUTLOOK_A_MINUTE_OFF)
def test_an_outlook_forward_showing_the_customers_mail_a_minute_off_joins_its_case(
    db_url: str,
    tmp_path: Path,
    smtp_sink: SmtpSink,
    lang: str,
    forward_first: bool,
    sent: str,
) -> None:
    """Outlook's Sent line is its own store's time, seconds from the mail's Date and so maybe
    in the next or the previous minute: the same words are still the same mail, one case and
    one acknowledgement, in either order. Other words a minute off are another mail, and the
    same words minutes later her request repeated: each a case of its own (Art. 12(3))."""
    env = desk_env(db_url, tmp_path, smtp_sink.port, RIGHTSDESK_NOW="2026-11-30T09:00:00+02:00")
    rightsdesk(env, "db", "upgrade")
    inbox = mailbox.Maildir(tmp_path / "mail" / "inbox", create=True)
    forward = _outlook_forward(lang)
    own = _original_of(forward, sent)
    first, second = (forward, own) if forward_first else (own, forward)
    inbox.add(first)
    assert rightsdesk(env, "poll", "--once").startswith("intake: 1 case_opened;")
    inbox.add(second)
    out = rightsdesk(env, "poll", "--once")
    assert out.startswith("intake: 1 follow_up;"), out

    (case,) = json.loads(rightsdesk(env, "cases", "list", "--json"))
    shown = json.loads(rightsdesk(env, "cases", "show", case["reference"], "--json"))
    last = shown["events"][-1]
    if forward_first:
        assert (last["action"], last["detail"]["own_copy_of_forward"]) == ("message_received", True)
    else:
        assert (last["action"], last["detail"]["joined"]) == ("forwarded_request", True)
    smtp_sink.wait_for(1, timeout=30)
    assert [m.rcpt_tos for m in smtp_sink.messages] == [(case["requester_email"],)]

    again = _original_of(forward, "Fri, 20 Nov 2026 14:08:00 +0200")
    inbox.add(again.replace(b"<own@example.com>", b"<again@example.com>"))
    assert rightsdesk(env, "poll", "--once").startswith("intake: 1 case_opened;")
    other = own.replace(b"<own@example.com>", b"<other@example.com>")
    inbox.add(other + b"\r\nAnd my newsletter subscription too, please.\r\n")
    assert rightsdesk(env, "poll", "--once").startswith("intake: 1 case_opened;")


def _answer_and_close(env: dict[str, str], reference: str, at: datetime) -> None:
    """The desk checks who asked, answers and closes the case at `at`."""
    then = {**env, "RIGHTSDESK_NOW": at.isoformat()}
    rightsdesk(then, "cases", "verify", reference, "--method", "manual", "--reason", "by phone")
    rightsdesk(then, "cases", "respond", reference, "--outcome", "answered")
    rightsdesk(then, "cases", "close", reference)


# (the inline forward, written in Swedish, her own earlier mail's Date, whether the forward
# shows that very mail): the same words months before are a request she repeats; the same
# minute (fi), or the same words at a time another zone's clock shows (en), the same mail.
CLOSED_THEN_FORWARDED = [
    ("fi_forwarded_by_colleague.eml", False, "Tue, 1 Sep 2026 08:00:00 +0300", False),
    ("fi_forwarded_by_colleague.eml", True, "Tue, 1 Sep 2026 08:00:00 +0300", False),
    ("en_forwarded_by_colleague_outlook.eml", False, "Tue, 1 Sep 2026 08:00:00 +0300", False),
    ("fi_forwarded_by_colleague.eml", False, "Mon, 23 Nov 2026 14:05:41 +0200", True),
    ("en_forwarded_by_colleague_outlook.eml", False, "Fri, 20 Nov 2026 15:05:12 +0200", True),
]


@pytest.mark.parametrize(("name", "swedish", "sent", "same_mail"), CLOSED_THEN_FORWARDED)
def test_a_request_repeated_to_a_colleague_after_its_case_was_answered_opens_a_new_case(
    db_url: str,
    tmp_path: Path,
    smtp_sink: SmtpSink,
    name: str,
    swedish: bool,
    sent: str,
    same_mail: bool,
) -> None:
    """Her request was answered and closed; she asks again in the same words, a colleague
    forwards it inline: a new request, with its own case and acknowledgement (Art. 12(3)).
    A late forward of the very mail the case answered still joins it."""
    forward = (FIXTURES / name).read_bytes()
    forward = _swedish(forward) if swedish else forward
    at = parsedate_to_datetime(sent)
    env = desk_env(db_url, tmp_path, smtp_sink.port, RIGHTSDESK_NOW=at.isoformat())
    rightsdesk(env, "db", "upgrade")
    inbox = mailbox.Maildir(tmp_path / "mail" / "inbox", create=True)
    inbox.add(_original_of(forward, sent))
    assert rightsdesk(env, "poll", "--once").startswith("intake: 1 case_opened;")
    (first,) = json.loads(rightsdesk(env, "cases", "list", "--json"))
    _answer_and_close(env, first["reference"], at + timedelta(days=3))

    inbox.add(forward)
    now = {**env, "RIGHTSDESK_NOW": "2026-11-30T09:00:00+02:00"}
    out = rightsdesk(now, "poll", "--once")
    cases = json.loads(rightsdesk(now, "cases", "list", "--json"))
    shown = json.loads(rightsdesk(now, "cases", "show", first["reference"], "--json"))
    forwards = [e for e in shown["events"] if e["action"] == "forwarded_request"]
    if same_mail:
        assert out.startswith("intake: 1 follow_up;"), out
        assert [c["status"] for c in cases] == ["closed"]
        assert [e["detail"]["joined"] for e in forwards] == [True]
        expected = 1
    else:
        assert out.startswith("intake: 1 case_opened;"), out
        (second,) = [c for c in cases if c["reference"] != first["reference"]]
        assert second["requester_email"] == first["requester_email"]
        assert forwards == []  # nothing of the new request on the answered case
        expected = 2  # her first request's acknowledgement, and the new one's
    smtp_sink.wait_for(expected, timeout=30)
    assert [m.rcpt_tos for m in smtp_sink.messages] == [(first["requester_email"],)] * expected


def test_a_forward_showing_no_date_joins_an_active_case_of_its_words_but_not_an_answered_one(
    db_url: str, tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    """With no time to compare, the same words join a case still being handled; after her
    case was answered, the same words are her request repeated (Art. 12(3))."""
    forward = (FIXTURES / "fi_forwarded_by_colleague.eml").read_bytes()
    undated = forward.replace(b"Date: ma 23.11.2026 klo 14.05\r\n", b"")
    assert undated != forward
    sent = "Fri, 20 Nov 2026 10:00:00 +0200"
    env = desk_env(db_url, tmp_path, smtp_sink.port, RIGHTSDESK_NOW="2026-11-20T10:01:00+02:00")
    rightsdesk(env, "db", "upgrade")
    inbox = mailbox.Maildir(tmp_path / "mail" / "inbox", create=True)
    inbox.add(_original_of(forward, sent))
    assert rightsdesk(env, "poll", "--once").startswith("intake: 1 case_opened;")
    (case,) = json.loads(rightsdesk(env, "cases", "list", "--json"))

    now = {**env, "RIGHTSDESK_NOW": "2026-11-30T09:00:00+02:00"}
    inbox.add(undated)
    assert rightsdesk(now, "poll", "--once").startswith("intake: 1 follow_up;")
    _answer_and_close(env, case["reference"], datetime(2026, 12, 1, 9, tzinfo=UTC))
    inbox.add(undated.replace(b"<fi-forwarded-by-colleague@", b"<fi-forwarded-again@"))
    later = {**env, "RIGHTSDESK_NOW": "2026-12-14T09:00:00+02:00"}
    assert rightsdesk(later, "poll", "--once").startswith("intake: 1 case_opened;")
    assert len(json.loads(rightsdesk(later, "cases", "list", "--json"))) == 2


# (the inline forward, written in Swedish, her own mail's Date, whether it is the forwarded
# mail): the same words weeks after the forward's date, or the very mail, delivered late.
FORWARDED_THEN_CLOSED = [
    ("fi_forwarded_by_colleague.eml", False, "Fri, 15 Jan 2027 10:00:00 +0200", False),
    ("fi_forwarded_by_colleague.eml", True, "Fri, 15 Jan 2027 10:00:00 +0200", False),
    ("en_forwarded_by_colleague_outlook.eml", False, "Fri, 15 Jan 2027 10:00:00 +0200", False),
    ("fi_forwarded_by_colleague.eml", False, "Mon, 23 Nov 2026 14:05:41 +0200", True),
    ("en_forwarded_by_colleague_outlook.eml", False, "Fri, 20 Nov 2026 15:05:12 +0200", True),
]


@pytest.mark.parametrize(("name", "swedish", "sent", "same_mail"), FORWARDED_THEN_CLOSED)
def test_the_customers_own_mail_repeating_a_forwarded_request_after_its_answer_opens_a_new_case(
    db_url: str,
    tmp_path: Path,
    smtp_sink: SmtpSink,
    name: str,
    swedish: bool,
    sent: str,
    same_mail: bool,
) -> None:
    """A colleague's forward opened her case, which was answered and closed; her own mail
    of the same words later is a new request (Art. 12(3)), her own copy of the forwarded
    mail, delivered late, a line of the answered case."""
    forward = (FIXTURES / name).read_bytes()
    forward = _swedish(forward) if swedish else forward
    env = desk_env(db_url, tmp_path, smtp_sink.port, RIGHTSDESK_NOW="2026-11-30T09:00:00+02:00")
    rightsdesk(env, "db", "upgrade")
    inbox = mailbox.Maildir(tmp_path / "mail" / "inbox", create=True)
    inbox.add(forward)
    assert rightsdesk(env, "poll", "--once").startswith("intake: 1 case_opened;")
    (first,) = json.loads(rightsdesk(env, "cases", "list", "--json"))
    _answer_and_close(env, first["reference"], datetime(2026, 12, 2, 9, tzinfo=UTC))

    inbox.add(_original_of(forward, sent))
    arrived = max(parsedate_to_datetime(sent), datetime(2026, 12, 3, 9, tzinfo=UTC))
    later = {**env, "RIGHTSDESK_NOW": (arrived + timedelta(minutes=1)).isoformat()}
    out = rightsdesk(later, "poll", "--once")
    cases = json.loads(rightsdesk(later, "cases", "list", "--json"))
    if same_mail:
        assert out.startswith("intake: 1 follow_up;"), out
        assert [c["status"] for c in cases] == ["closed"]
        shown = json.loads(rightsdesk(later, "cases", "show", first["reference"], "--json"))
        assert shown["events"][-1]["detail"]["own_copy_of_forward"] is True
        expected = 1
    else:
        assert out.startswith("intake: 1 case_opened;"), out
        assert len(cases) == 2
        expected = 2
    smtp_sink.wait_for(expected, timeout=30)
    assert [m.rcpt_tos for m in smtp_sink.messages] == [(first["requester_email"],)] * expected
