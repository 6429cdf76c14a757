"""The one writer of outgoing mail: an outbox row's parts to RFC 5322 bytes."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from email.utils import parsedate_to_datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from mail_intake.compose import LOOP_HEADER, write
from store.models import Outbox, OutboxAttachment

US = "privacy@targetpartners.example"
NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


def _row(**changes: Any) -> Outbox:
    values: dict[str, Any] = {
        "id": 7,
        "message_id": "rd.0123456789ab@targetpartners.example",
        "purpose": "acknowledgement",
        "automatic": True,
        "from_addr": US,
        "from_name": "Target Partners Oy",
        "to_addr": "aino.virtanen@example.com",
        "subject": "[DSR-2026-0001] Your request",
        "body_text": "Hello,\n\nwe have received your request.\n",
        "body_html": None,
        "in_reply_to": "in-1@example.com",
        "references": ["first@example.com", "in-1@example.com"],
        "created_at": NOW,
    }
    values.update(changes)
    return Outbox(**values)


def _file(position: int, filename: str, content_type: str, data: bytes) -> OutboxAttachment:
    return OutboxAttachment(
        outbox_id=7, position=position, filename=filename, content_type=content_type, data=data
    )


def _parsed(raw: bytes) -> EmailMessage:
    msg = message_from_bytes(raw, policy=default)
    assert isinstance(msg, EmailMessage)
    return msg


@pytest.mark.parametrize(
    ("name", "subject", "text"),
    [
        (
            "Tietosuoja – Kohde Kumppanit Oy",
            "[DSR-2026-0001] Pyyntönne on vastaanotettu – käsittelemme sen määräajassa",
            "Hei,\n\nolemme vastaanottaneet pyyntönne. Ystävällisin terveisin\n",
        ),
        (
            "Dataskydd – Målpartner Ab",
            "[DSR-2026-0002] Vi har tagit emot din begäran om radering av uppgifter",
            "Hej,\n\nvi har tagit emot din begäran. Med vänliga hälsningar\n",
        ),
        (
            "Target Partners Oy",
            "[DSR-2026-0003] We have received your request",
            "Hello,\n\nwe have received your request. Kind regards\n",
        ),
    ],
    ids=["fi", "sv", "en"],
)
def test_every_header_is_written_and_non_ascii_subject_and_name_decode_back_exactly(
    name: str, subject: str, text: str
) -> None:
    raw = write(_row(from_name=name, subject=subject, body_text=text, automatic=False))
    head = raw.split(b"\n\n", 1)[0]
    assert head.isascii()  # RFC 2047: encoded words, never raw 8-bit in a header
    mail = _parsed(raw)

    assert mail["From"].addresses[0].display_name == name
    assert mail["From"].addresses[0].addr_spec == US
    assert mail["To"] == "aino.virtanen@example.com"
    assert mail["Subject"] == subject
    assert parsedate_to_datetime(mail["Date"]) == NOW
    assert mail["Message-ID"] == "<rd.0123456789ab@targetpartners.example>"
    assert mail["In-Reply-To"] == "<in-1@example.com>"
    assert mail["References"] == "<first@example.com> <in-1@example.com>"
    assert mail[LOOP_HEADER] == US
    assert mail["MIME-Version"] == "1.0"
    assert "Auto-Submitted" not in mail and "X-Auto-Response-Suppress" not in mail
    assert mail.get_content_type() == "text/plain" and mail.get_content_charset() == "utf-8"
    assert mail.get_content() == text


def test_automatic_mail_says_so_as_rfc_3834_asks() -> None:
    mail = _parsed(write(_row(automatic=True)))
    assert mail["Auto-Submitted"] == "auto-replied"
    assert mail["X-Auto-Response-Suppress"] == "All"


def test_a_recipient_with_a_non_ascii_display_name_decodes_back_exactly() -> None:
    mail = _parsed(write(_row(to_addr="Zoë Exämple <zoe@example.com>")))
    assert mail["To"].addresses[0].display_name == "Zoë Exämple"
    assert mail["To"].addresses[0].addr_spec == "zoe@example.com"


_WORD = re.compile(r"=\?utf-8\?b\?([^?]*)\?=")


def _header_value(head: bytes, header: str) -> str:
    """A header's value with its folding undone."""
    folded = re.search(rb"^" + header.encode() + rb": (.*?)\n(?! )", head, re.S | re.M)
    assert folded is not None
    return " ".join(folded.group(1).decode("ascii").split())


def _phrase_text(value: str) -> str:
    """Decode as RFC 2047 §6.2 says: each word alone, whole characters, no space between."""
    parts = re.split(r"(=\?utf-8\?b\?[^?]*\?=)", value)
    out = []
    for i, part in enumerate(parts):
        word = _WORD.fullmatch(part)
        if word:
            out.append(base64.b64decode(word.group(1)).decode("utf-8"))  # strict: whole chars
        elif not (part == " " and 0 < i < len(parts) - 1 and _WORD.fullmatch(parts[i - 1])
                  and _WORD.fullmatch(parts[i + 1])):  # fmt: skip
            out.append(part)
    return "".join(out)


@pytest.mark.parametrize(
    "name",
    [
        "Äänekosken Öljynjalostamon Tietosuojavastaava Ääliö Åkerström Ölander Ütz",
        "Tietosuojavastaava  Åkerström\tÖlander ",  # odd spacing is kept too
        "Ä" * 60,  # one word longer than an encoded word: cut between characters
    ],
)
def test_a_long_non_ascii_display_name_keeps_lines_short_and_reads_back_exactly(
    name: str,
) -> None:
    second = "Åsa Öberg-Lindqvist, Tietosuojavastaava Äänekoski"
    to = f'{name} <zoe@example.com>, "{second}" <asa@example.com>'
    raw = write(_row(from_name=name, to_addr=to))
    head = raw.split(b"\n\n", 1)[0]
    assert head.isascii()
    for line in head.split(b"\n"):  # RFC 2047 §2: 76 with an encoded word, else 78
        assert len(line) <= (76 if b"=?" in line else 78), line
    from_value, to_value = _header_value(head, "From"), _header_value(head, "To")
    for value in (from_value, to_value):
        assert all(len(w.group(0)) <= 75 for w in _WORD.finditer(value))  # RFC 2047 §2
    assert _phrase_text(from_value) == f"{name} <{US}>"
    # The recipients are an address header's text: their spacing was read, not kept.
    assert _phrase_text(to_value) == (
        f"{' '.join(name.split())} <zoe@example.com>, {second} <asa@example.com>"
    )


def test_a_non_ascii_address_is_refused_not_written() -> None:
    with pytest.raises(ValueError):
        write(_row(to_addr="Zoë <zoë@example.com>"))


def test_references_keep_the_last_twenty_and_end_with_the_parent() -> None:
    chain = [f"m{i}@example.com" for i in range(30)]
    mail = _parsed(write(_row(references=chain, in_reply_to="parent@example.com")))
    refs = str(mail["References"]).split()
    assert len(refs) == 20
    assert refs[-1] == "<parent@example.com>" and refs[0] == "<m11@example.com>"


def test_html_goes_as_an_alternative_after_the_plain_text() -> None:
    html = "<p>Hei <b>Aino</b>, pyyntönne on vastaanotettu.</p>\n"
    mail = _parsed(write(_row(body_html=html)))
    assert mail.get_content_type() == "multipart/alternative"
    parts = [p for p in mail.iter_parts() if isinstance(p, EmailMessage)]
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert parts[0].get_content() == "Hello,\n\nwe have received your request.\n"
    assert parts[1].get_content() == html


def test_attachments_follow_the_text_with_their_names_types_and_exact_bytes() -> None:
    payload = bytes(range(256)) * 40
    files = [
        _file(0, "DSR-2026-0001.json", "application/json", b'{"name": "Aino"}'),
        _file(1, "tilaukset_ä.csv", "text/csv; charset=utf-8", "nimi;määrä\n".encode()),
        _file(2, "scan.pdf", "application/pdf", payload),
    ]
    mail = _parsed(write(_row(body_html="<p>Hello</p>"), files))
    assert mail.get_content_type() == "multipart/mixed"
    body = mail.get_body(("plain",))
    assert body is not None and body.get_content() == "Hello,\n\nwe have received your request.\n"
    html = mail.get_body(("html",))
    assert html is not None and html.get_content() == "<p>Hello</p>\n"
    found = [
        (p.get_filename(), p.get_content_type(), p.get_payload(decode=True))
        for p in mail.iter_attachments()
    ]
    assert found == [
        ("DSR-2026-0001.json", "application/json", b'{"name": "Aino"}'),
        ("tilaukset_ä.csv", "text/csv", "nimi;määrä\n".encode()),
        ("scan.pdf", "application/pdf", payload),
    ]


def test_long_lines_are_encoded_so_that_no_line_exceeds_78_octets() -> None:
    text = "Pyyntönne koskee seuraavia tietoja: " + "tilaushistoria ja laskut " * 30 + "\n"
    html = "<p>" + "pitkä kappale ilman rivinvaihtoa " * 30 + "</p>\n"
    subject = "[DSR-2026-0001] " + "Tietojen poistaminen rekisteristä " * 4
    refs = [f"a-very-long-message-identifier-{i}@mail.example.com" for i in range(20)]
    raw = write(_row(subject=subject, body_text=text, body_html=html, references=refs))
    assert max(len(line) for line in raw.split(b"\n")) <= 78
    assert b"\r" not in raw
    mail = _parsed(raw)
    assert mail["Subject"] == subject
    plain, rich = mail.get_body(("plain",)), mail.get_body(("html",))
    assert plain is not None and plain.get_content() == text
    assert rich is not None and rich.get_content() == html


@pytest.mark.parametrize(
    "change",
    [
        {"subject": "Hello\r\nBcc: victim@example.com"},
        {"subject": "Hello\nBcc: victim@example.com"},
        {"to_addr": "aino@example.com\r\nBcc: victim@example.com"},
        {"from_name": "Target\rPartners"},
        {"in_reply_to": "x@example.com>\nBcc: victim@example.com"},
    ],
)
def test_a_line_break_in_a_header_value_is_refused(change: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="linefeed or carriage return"):
        write(_row(**change))


def test_a_line_break_in_an_attachment_name_is_refused() -> None:
    bad = _file(0, "a.txt\r\nBcc: victim@example.com", "text/plain", b"x")
    with pytest.raises(ValueError, match="linefeed or carriage return"):
        write(_row(), [bad])


def test_the_same_row_always_gives_the_same_bytes() -> None:
    files = [_file(0, "a.json", "application/json", b"{}")]
    first = write(_row(body_html="<p>Hello</p>"), files)
    again = write(_row(body_html="<p>Hello</p>"), files)
    helsinki = NOW.astimezone(ZoneInfo("Europe/Helsinki"))  # the same instant, as loaded
    other_zone = write(_row(body_html="<p>Hello</p>", created_at=helsinki), files)
    assert first == again == other_zone
    other_id = write(_row(body_html="<p>Hello</p>", message_id="rd.other@example.com"), files)
    boundary = _parsed(first).get_boundary()
    assert boundary is not None and boundary != _parsed(other_id).get_boundary()


def test_a_row_without_parts_is_refused() -> None:
    with pytest.raises(ValueError, match="no parts"):
        write(_row(body_text=None))


def test_a_long_message_id_stays_whole_on_its_header_line() -> None:
    long_id = "179627166570.6881.1424531417851526032.rd.d224eb9e858c@targetpartners.example"
    raw = write(_row(message_id=long_id, in_reply_to=long_id.replace("rd.", "in.")))
    assert f"\nMessage-ID: <{long_id}>\n".encode() in raw  # never folded before the token
    mail = _parsed(raw)
    assert mail["Message-ID"] == f"<{long_id}>"
    assert mail["In-Reply-To"] == f"<{long_id.replace('rd.', 'in.')}>"


def test_the_case_reference_in_a_non_ascii_subject_stays_readable_in_the_bytes() -> None:
    raw = write(_row(subject="[DSR-2026-0004] Muistutus: tunnistautumiskoodinne odottaa"))
    assert b"Subject: [DSR-2026-0004] Muistutus:" in raw


@pytest.mark.parametrize(
    "subject",
    ["Ääni  kaksi  väliä – ja loppu ", " alku välilyönti", "a =?utf-8?q?x?= ö", "sarkain\tä"],
)
def test_a_subject_with_unusual_spacing_decodes_back_exactly(subject: str) -> None:
    assert _parsed(write(_row(subject=subject)))["Subject"] == subject
