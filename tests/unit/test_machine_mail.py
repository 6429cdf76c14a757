"""Machine mail is recognised, so the desk never answers a robot (design.md §2 items 6-7)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mail_intake.machine import detect_machine_mail
from mail_intake.parsing import parse_message
from tests.servers import ci_or_skip

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mail"
CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
OWN = ("privacy@rightsdesk.invalid",)


def verdict_of(raw: bytes, own: tuple[str, ...] = OWN) -> tuple[str, str] | None:
    found = detect_machine_mail(parse_message(raw), own_addresses=own)
    return (found.kind, found.reason) if found else None


def mail(extra_headers: str, subject: str = "Tietopyyntö", sender: str = "a@example.com") -> bytes:
    head = f"From: {sender}\nTo: privacy@rightsdesk.invalid\nSubject: {subject}\n{extra_headers}"
    return (head.strip() + "\n\nPoistakaa tietoni.\n").encode("utf-8")


def test_a_person_writing_a_request_is_not_machine_mail() -> None:
    assert verdict_of(mail("")) is None
    assert verdict_of(mail("Auto-Submitted: no\nReturn-Path: <a@example.com>")) is None


@pytest.mark.parametrize(
    ("headers", "kind"),
    [
        ("Auto-Submitted: auto-replied", "auto_reply"),
        ("Auto-Submitted: auto-generated", "auto_reply"),
        ("X-Autoreply: yes", "auto_reply"),
        ("X-Auto-Response-Suppress: All", "auto_reply"),
        ("Precedence: auto_reply", "auto_reply"),
        ("Return-Path: <>", "auto_reply"),
        ("Precedence: bulk", "list"),
        ("Precedence: junk", "list"),
        ("Precedence: list", "list"),
        ("List-Id: <news.example.com>", "list"),
        ("List-Unsubscribe: <mailto:u@example.com>", "list"),
        ("X-Loop: privacy@rightsdesk.invalid", "loop"),
        ("X-Rightsdesk-Loop: privacy@rightsdesk.invalid", "loop"),
    ],
)
def test_a_machine_header_marks_the_mail(headers: str, kind: str) -> None:
    found = verdict_of(mail(headers))
    assert found is not None and found[0] == kind


def test_our_own_loop_header_wins_over_the_other_signs() -> None:
    found = verdict_of(mail("X-Rightsdesk-Loop: x\nAuto-Submitted: auto-replied"))
    assert found == ("loop", "X-Rightsdesk-Loop header: our own mail came back")


def test_a_custom_loop_header_name_is_honoured() -> None:
    raw = mail("X-Desk-Loop: 1")
    found = detect_machine_mail(parse_message(raw), own_addresses=(), loop_header="X-Desk-Loop")
    assert found is not None and found.kind == "loop"


def test_mail_from_our_own_address_is_ours_whatever_its_case() -> None:
    assert verdict_of(mail("", sender="Privacy@RightsDesk.invalid")) == (
        "own",
        "sent from our own address",
    )


@pytest.mark.parametrize(
    "subject",
    [
        "Automaattinen vastaus: [DSR-2026-0001] Pyyntönne on vastaanotettu",
        "Poissa toimistolta",
        "VS: Poissa",
        "Frånvaro: Er begäran",
        "Frånvarande: [DSR-2026-0008] Radering av dina uppgifter",
        "Autosvar: Er begäran",
        "Out of Office: Your request",
        "Automatic reply: Your request",
        "Maija Virtanen is out of the office",
    ],
)
def test_an_out_of_office_reply_without_headers_is_known_by_its_subject(subject: str) -> None:
    assert verdict_of(mail("", subject=subject)) == ("auto_reply", "out-of-office subject")


@pytest.mark.parametrize("subject", ["Poistopyyntö", "Office chair order", "Tietopyyntö"])
def test_an_ordinary_subject_is_not_an_out_of_office_reply(subject: str) -> None:
    assert verdict_of(mail("", subject=subject)) is None


def test_a_dsn_bounce_names_the_original_message_and_the_failed_recipient() -> None:
    found = detect_machine_mail(
        parse_message((FIXTURES / "dsn_bounce.eml").read_bytes()), own_addresses=OWN
    )
    assert found is not None
    assert found.kind == "bounce"
    assert found.original_message_id == "ack-1@rightsdesk.invalid"
    assert found.failed_recipients == ["nobody@example.com"]


def test_a_bounce_returning_the_whole_message_finds_its_message_id() -> None:
    raw = (
        b"From: MAILER-DAEMON@mx.example.com\nTo: privacy@rightsdesk.invalid\n"
        b"Subject: Undelivered Mail\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\n\n'
        b"--B\nContent-Type: text/plain\n\nDelivery failed.\n"
        b"--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.com\n\n"
        b"Final-Recipient: rfc822; gone@example.com\nAction: failed\nStatus: 5.1.1\n\n"
        b"--B\nContent-Type: message/rfc822\n\nFrom: privacy@rightsdesk.invalid\n"
        b"Message-ID: <Ack-7@RightsDesk.Invalid>\nSubject: x\n\nbody\n--B--\n"
    )
    found = detect_machine_mail(parse_message(raw), own_addresses=OWN)
    assert found is not None
    assert (found.kind, found.original_message_id) == ("bounce", "Ack-7@rightsdesk.invalid")
    assert found.failed_recipients == ["gone@example.com"]


def test_a_plain_text_bounce_from_the_mailer_daemon_is_a_bounce() -> None:
    raw = (
        b"From: Mail Delivery Subsystem <mailer-daemon@mx.example.com>\nSubject: failure notice\n"
        b"Return-Path: <>\n\nSorry, I could not deliver your message.\n\n"
        b"--- Below this line is a copy of the message.\n\n"
        b"Message-ID: <ack-9@rightsdesk.invalid>\nSubject: x\n"
    )
    found = detect_machine_mail(parse_message(raw), own_addresses=OWN)
    assert found is not None
    assert (found.kind, found.original_message_id) == ("bounce", "ack-9@rightsdesk.invalid")


def test_a_read_receipt_is_an_automatic_reply_not_a_bounce() -> None:
    raw = (
        b"From: a@example.com\nSubject: Luettu: x\n"
        b'Content-Type: multipart/report; report-type=disposition-notification; boundary="B"\n\n'
        b"--B\nContent-Type: text/plain\n\nLuettu.\n--B--\n"
    )
    assert verdict_of(raw) == ("auto_reply", "multipart/report that is not a DSN")


@pytest.mark.parametrize(
    ("name", "original", "recipients"),
    [
        # postmaster, no report-type: known by its message/delivery-status part
        ("msg_16.txt", "002001c144a6$8752e060$56104586@oxy.edu", ["jangel1@cougar.noc.ucla.edu"]),
        # a broken multipart (no boundary): read from the report text itself
        ("msg_25.txt", "01040616033903.00962@server", ["scoffman@wellpartner.com"]),
    ],
)
def test_bounces_in_the_shared_corpus_name_the_original_and_the_failed_recipients(
    name: str, original: str, recipients: list[str]
) -> None:
    path = CORPUS / "mime-edge" / name
    if not path.exists():
        ci_or_skip("shared/corpus is not beside the repository")
    found = detect_machine_mail(parse_message(path.read_bytes()), own_addresses=OWN)
    assert found is not None and found.kind == "bounce"
    assert (found.original_message_id, found.failed_recipients) == (original, recipients)


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("auto_reply_headers.eml", "auto_reply"),
        ("ooo_subject_only.eml", "auto_reply"),
        ("sv_ooo_subject_only.eml", "auto_reply"),
        ("newsletter_list.eml", "list"),
        ("dsn_bounce.eml", "bounce"),
        ("fi_erasure_oneliner.eml", None),
    ],
)
def test_each_fixture_gets_its_machine_verdict(name: str, kind: str | None) -> None:
    found = verdict_of((FIXTURES / name).read_bytes())
    assert (found[0] if found else None) == kind
