"""Raw mail bytes become a ParsedMessage, or a clear UnparseableMessage; never a crash."""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from email import message_from_bytes
from email.headerregistry import (
    AddressHeader,
    BaseHeader,
    ContentDispositionHeader,
    ContentTypeHeader,
    UnstructuredHeader,
)
from email.message import EmailMessage
from email.policy import default as stdlib_policy
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cases.errors import UserError
from mail_intake.errors import UnparseableMessage
from mail_intake.header_cache import (
    MAX_STRUCTURED_CHARS,
    PARSE_POLICY,
    SHARED_ENTRIES,
    STRUCTURED_PER_MESSAGE,
)
from mail_intake.parsing import normalise_message_id, parse_message

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mail"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def mail(headers: str, body: str = "Hei.\n") -> bytes:
    return (headers.strip() + "\n\n" + body).encode("utf-8")


def test_a_message_id_loses_its_brackets_and_its_domain_is_lowercased() -> None:
    parsed = parse_message(mail("From: a@example.com\nMessage-ID:  <AbC.123@Mail.Example.COM> "))
    assert parsed.message_id == "AbC.123@mail.example.com"


def test_a_message_without_a_message_id_gets_one_derived_from_its_sha256() -> None:
    raw = mail("From: a@example.com\nSubject: hei")
    parsed = parse_message(raw)
    digest = hashlib.sha256(raw).hexdigest()
    assert parsed.raw_sha256 == digest
    assert parsed.message_id == f"sha256-{digest}@rightsdesk.invalid"


def test_in_reply_to_and_references_are_normalised_in_order_without_repeats() -> None:
    parsed = parse_message(
        mail(
            "From: a@example.com\nIn-Reply-To: <Ack-1@RightsDesk.Invalid>\n"
            "References: <a@X.example> <ack-1@rightsdesk.invalid>\n <a@x.example>"
        )
    )
    assert parsed.in_reply_to == "Ack-1@rightsdesk.invalid"
    assert parsed.references == ["a@x.example", "ack-1@rightsdesk.invalid"]
    assert normalise_message_id("  ") is None


def test_the_sender_address_is_lowercased_and_the_display_name_decoded() -> None:
    parsed = parse_message(fixture("fi_access_formal.eml"))
    assert parsed.from_addr == "matti.meikalainen@example.com"
    assert parsed.from_name == "Matti Meikäläinen"
    assert parsed.to_addrs == ["privacy@rightsdesk.invalid"]
    assert parsed.reply_to is None


def test_an_encoded_word_subject_is_decoded_and_its_whitespace_folded() -> None:
    parsed = parse_message(fixture("fi_pdf_attachment.eml"))
    assert parsed.subject == "Allekirjoitettu tarkastuspyyntö"
    folded = parse_message(mail("From: a@example.com\nSubject: one\n   two\tthree"))
    assert folded.subject == "one two three"
    assert parse_message(mail("From: a@example.com")).subject == ""


def test_the_date_is_aware_utc() -> None:
    parsed = parse_message(fixture("fi_access_formal.eml"))
    assert parsed.date == datetime(2026, 2, 3, 8, 15, tzinfo=UTC)


def test_an_unreadable_date_is_none_and_recorded_as_a_defect() -> None:
    parsed = parse_message(mail("From: a@example.com\nDate: the day after tomorrow"))
    assert parsed.date is None
    assert "InvalidDateDefect" in parsed.defects


def test_an_html_only_mail_is_read_as_text() -> None:
    parsed = parse_message(fixture("fi_html_only.eml"))
    assert "mitä henkilötietoja teillä on minusta" in parsed.body_text
    assert "<b>" not in parsed.body_text


def test_an_iso_8859_1_mail_is_decoded_with_its_declared_charset() -> None:
    parsed = parse_message(fixture("fi_iso_8859_1.eml"))
    assert "asiakasrekisteristänne" in parsed.body_text
    assert parsed.defects == []


def test_an_unknown_charset_falls_back_to_cp1252_and_says_so() -> None:
    parsed = parse_message(fixture("fi_cp1252_unknown_charset.eml"))
    assert "“uutiskirjettä” – en halua" in parsed.body_text
    assert any(d.startswith("UnknownCharsetDefect") for d in parsed.defects)
    assert "CharsetFallbackDefect: cp1252" in parsed.defects


def test_a_pdf_attachment_keeps_its_decoded_filename_bytes_and_hash() -> None:
    parsed = parse_message(fixture("fi_pdf_attachment.eml"))
    assert parsed.body_text.strip().startswith("Hei,")
    (pdf,) = parsed.attachments
    assert pdf.filename == "tarkastuspyyntö.pdf"
    assert pdf.content_type == "application/pdf"
    assert pdf.data.startswith(b"%PDF-1.4")
    assert pdf.size == len(pdf.data)
    assert pdf.sha256 == hashlib.sha256(pdf.data).hexdigest()


def test_an_attached_message_counts_as_an_attachment() -> None:
    inner = "From: b@example.com\nSubject: inner\nMessage-ID: <inner@example.com>\n\nsisältö\n"
    raw = mail(
        'From: a@example.com\nContent-Type: multipart/mixed; boundary="B"',
        f"--B\nContent-Type: text/plain\n\nkatso liite\n--B\n"
        f"Content-Type: message/rfc822\n\n{inner}--B--\n",
    )
    parsed = parse_message(raw)
    assert parsed.body_text.strip() == "katso liite"
    (attached,) = parsed.attachments
    assert attached.content_type == "message/rfc822"
    assert b"Message-ID: <inner@example.com>" in attached.data


def test_a_finnish_reply_keeps_only_the_senders_own_words() -> None:
    parsed = parse_message(fixture("fi_reply_quoted.eml"))
    assert "Poistakaa myös vanha osoitteeni." in parsed.stripped_text
    assert "kirjoitti" not in parsed.stripped_text
    assert "tarkastusoikeutta" not in parsed.stripped_text
    assert "tarkastusoikeutta" in parsed.body_text  # the full body is kept


def test_an_outlook_style_finnish_reply_drops_the_quoted_header_block() -> None:
    parsed = parse_message(fixture("fi_reply_outlook.eml"))
    assert "korjatkaa vielä sukunimeni" in parsed.stripped_text
    assert "Lähettäjä" not in parsed.stripped_text
    assert "poistopyyntönne" not in parsed.stripped_text


@pytest.mark.parametrize(
    "quote",
    [
        "-----Alkuperäinen viesti-----\nLähettäjä: x\nhistoriaa",
        "On Tue, 3 Feb 2026 at 10:15, Desk <privacy@rightsdesk.invalid> wrote:\n> historiaa",
        "Den 3 feb. 2026 kl. 10:15 skrev Desk <privacy@rightsdesk.invalid>:\n> historiaa",
        "> historiaa\n> lisää historiaa",
    ],
)
def test_quoted_history_in_finnish_english_and_swedish_is_left_out(quote: str) -> None:
    parsed = parse_message(mail("From: a@example.com", f"Uusi asia.\n\n{quote}\n"))
    assert parsed.stripped_text == "Uusi asia."


def test_a_rectification_list_with_dashes_is_not_taken_for_a_signature() -> None:
    body = "Korjatkaa seuraavat:\n- Sukunimi: Testinen\n- Osoite: Esimerkkitie 3\n"
    parsed = parse_message(mail("From: a@example.com", body))
    assert "- Osoite: Esimerkkitie 3" in parsed.stripped_text


def test_a_forwarded_request_keeps_the_forwarded_text_for_understanding() -> None:
    body = "FYI\n\n-----Original Message-----\nFrom: x@example.com\nPoistakaa tietoni.\n"
    parsed = parse_message(mail("From: a@example.com\nSubject: VL: tiedot", body))
    assert "Poistakaa tietoni." in parsed.stripped_text


def test_the_audit_headers_keep_what_machine_detection_needs() -> None:
    parsed = parse_message(fixture("newsletter_list.eml"))
    assert parsed.headers["Precedence"] == "bulk"
    assert parsed.headers["List-Unsubscribe"] == "<mailto:unsubscribe@news.example.com>"
    assert "List-Id" in parsed.headers
    assert "Subject" not in parsed.headers


def test_a_delivery_report_is_flagged_as_a_multipart_report() -> None:
    parsed = parse_message(fixture("dsn_bounce.eml"))
    assert parsed.is_multipart_report
    assert [a.content_type for a in parsed.attachments] == [
        "message/delivery-status",
        "text/rfc822-headers",
    ]


def test_an_oversize_message_is_unparseable_and_the_reason_gives_the_size() -> None:
    with pytest.raises(UnparseableMessage) as caught:
        parse_message(fixture("fi_access_formal.eml"), max_size=100)
    assert "over the 100-byte limit" in caught.value.reason
    assert isinstance(caught.value, UserError)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty"),
        (b"\n\n  \n", "empty"),
        (b"just some words without any header\n", "no headers"),
        (b"\x00\x01\x02PK\x03\x04binary\xff\xfe", "binary"),
        (b"From: a@example.com\x00\x00\nSubject: x\n\nbody", "binary"),
    ],
)
def test_input_that_is_not_mail_is_unparseable_with_a_reason(raw: bytes, reason: str) -> None:
    with pytest.raises(UnparseableMessage, match=reason):
        parse_message(raw)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_parse_or_are_refused_but_never_crash(raw: bytes) -> None:
    try:
        parsed = parse_message(raw)
    except UnparseableMessage as exc:
        assert exc.reason
    else:
        assert parsed.size == len(raw)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(sorted(p.name for p in FIXTURES.glob("*.eml"))),
    st.integers(min_value=0, max_value=4000),
    st.binary(min_size=1, max_size=40),
)
def test_damaged_real_mail_parses_or_is_refused_but_never_crashes(
    name: str, at: int, garbage: bytes
) -> None:
    raw = fixture(name)
    at = at % len(raw)
    for damaged in (raw[:at], raw[:at] + garbage + raw[at:], raw[:at] + garbage):
        try:
            parse_message(damaged)
        except UnparseableMessage as exc:
            assert exc.reason


def test_a_stray_control_character_in_a_header_is_odd_but_still_mail() -> None:
    parsed = parse_message(b"From: a@example.com\nSubject: odd\x01 subject\n\nPoistakaa tietoni.\n")
    assert parsed.from_addr == "a@example.com"
    assert "Poistakaa tietoni." in parsed.body_text


def test_raw_8bit_header_bytes_are_read_as_utf8_or_else_cp1252() -> None:
    raw = "From: Mätti <a@example.com>\nSubject: Pyyntö\n\nx\n"
    assert parse_message(raw.encode("utf-8")).subject == "Pyyntö"
    assert parse_message(raw.encode("cp1252")).subject == "Pyyntö"


def test_a_request_forwarded_as_an_attachment_is_what_gets_understood() -> None:
    inner = "From: b@example.com\nSubject: Pyyntö\n\nPoistakaa tietoni.\n"
    raw = mail(
        'From: colleague@example.com\nSubject: Fw\nContent-Type: multipart/mixed; boundary="B"',
        f"--B\nContent-Type: message/rfc822\n\n{inner}--B--\n",
    )
    parsed = parse_message(raw)
    assert parsed.body_text == ""
    assert parsed.stripped_text == "Poistakaa tietoni."


def _spy_structured_parsers(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record the length of every value the stdlib's structured header parsers are given."""
    seen: list[int] = []
    for cls in (AddressHeader, ContentTypeHeader, ContentDispositionHeader):
        parse = cls.value_parser

        def spy(value: str, parse: Callable[[str], object] = parse) -> object:
            seen.append(len(value))
            return parse(value)

        monkeypatch.setattr(cls, "value_parser", staticmethod(spy))
    return seen


def test_a_hostile_long_header_is_never_given_whole_to_the_structured_parser(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 15,000 message ids in Content-Type took a minute of intake and 10 MB per read before.
    ids = " ".join(f"<{n}@x.invalid>" for n in range(15_000))
    seen = _spy_structured_parsers(monkeypatch)
    parsed = parse_message(
        mail(
            f"From: Maija Meikäläinen <maija@example.com>\nTo: {ids}\nSubject: Poisto\n"
            f"Content-Type: text/plain; {ids}; charset=utf-8\n"
            f"Content-Disposition: inline; {ids}",
            "Poistakaa tietoni.\n",
        )
    )
    assert seen and max(seen) <= MAX_STRUCTURED_CHARS
    assert parsed.from_addr == "maija@example.com"
    assert parsed.body_text.strip() == "Poistakaa tietoni."
    assert parsed.attachments == []


def test_a_long_recipient_list_and_a_long_encoded_subject_are_still_read_in_full() -> None:
    people = [f"Henkilö {n} <henkilo{n}@example.com>" for n in range(40)]
    words = " ".join(["=?utf-8?q?Tietopyynt=C3=B6?="] * 60)
    parsed = parse_message(mail(f"From: a@example.com\nTo: {', '.join(people)}\nSubject: {words}"))
    assert len(", ".join(people)) > MAX_STRUCTURED_CHARS
    assert parsed.to_addrs == [f"henkilo{n}@example.com" for n in range(40)]
    assert parsed.subject.startswith("Tietopyyntö") and "=?" not in parsed.subject


def test_a_boundary_and_a_filename_past_the_first_998_characters_are_still_read() -> None:
    padding = "; ".join(f"x-pad{n}=value{n}" for n in range(80))
    name = "Tietopyyntö-liite-" + "ä" * 150 + ".pdf"
    encoded = "".join(c if c.isascii() else "".join(f"%{b:02X}" for b in c.encode()) for c in name)
    raw = (
        "From: a@example.com\r\nSubject: liite\r\nMIME-Version: 1.0\r\n"
        f'Content-Type: multipart/mixed; {padding}; boundary="late-b"\r\n\r\n'
        "--late-b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPoistakaa tietoni.\r\n"
        "--late-b\r\nContent-Type: application/pdf\r\n"
        f"Content-Disposition: attachment; {padding}; filename*=utf-8''{encoded}\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n--late-b--\r\n"
    ).encode()
    parsed = parse_message(raw)
    assert len(padding) > MAX_STRUCTURED_CHARS
    assert parsed.body_text.strip() == "Poistakaa tietoni."
    assert [(a.filename, a.data) for a in parsed.attachments] == [(name, b"%PDF-")]


def test_many_parts_of_hostile_headers_get_a_bounded_structured_parse_per_mail(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 450 parts with 998 characters of comments each took 20 s of intake.
    hostile = ("(a)" * 330)[: MAX_STRUCTURED_CHARS - 40]
    parts = "".join(
        f"--b\r\nContent-Type: text/plain; charset=utf-8 {hostile}{n}\r\n"
        f"Content-Disposition: inline {hostile}{n}\r\n\r\nosa {n}\r\n"
        for n in range(60)
    )
    seen = _spy_structured_parsers(monkeypatch)
    parsed = parse_message(
        (
            "From: Maija <maija@example.com>\r\nMIME-Version: 1.0\r\n"
            'Content-Type: multipart/mixed; boundary="b"\r\n\r\n' + parts + "--b--\r\n"
        ).encode()
    )
    given = sum(seen) - len("Maija <maija@example.com>")
    offered = 2 * 60 * len(hostile)
    assert given <= STRUCTURED_PER_MESSAGE < offered / 10
    assert parsed.from_addr == "maija@example.com"  # never starved by the budget
    assert parsed.body_text.count("osa ") == 60


def test_many_parts_of_distinct_short_content_types_stay_within_the_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Short Content-Types are also kept across messages; each still costs its message's
    # budget, or 20,000 parts of distinct ones took 6.5 s of intake instead of 1.3 s.
    parts = "".join(
        f"--b\r\nContent-Type: {(f'text/x{n};' + 'a=b;' * 20)[:80]}\r\n\r\nosa {n}\r\n"
        for n in range(2000)
    )
    seen = _spy_structured_parsers(monkeypatch)
    parse_message(
        (
            'From: m@example.com\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n'
            + parts
            + "--b--\r\n"
        ).encode()
    )
    assert sum(seen) <= STRUCTURED_PER_MESSAGE + 100


def test_a_long_header_is_read_once_per_mail_however_often_the_parser_asks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Each read of 16 KB of words took ~25 ms, and a part's Content-Type is read ~9 times.
    seen: list[int] = []
    parse = UnstructuredHeader.value_parser

    def spy(value: str) -> object:
        seen.append(len(value))
        return parse(value)

    monkeypatch.setattr(UnstructuredHeader, "value_parser", staticmethod(spy))
    ids = " ".join(f"<{n}@x.invalid>" for n in range(400))  # 6 KB: within the budget
    assert MAX_STRUCTURED_CHARS < len(ids) < STRUCTURED_PER_MESSAGE
    parsed = parse_message(
        mail(f"From: a@example.com\nContent-Type: text/plain; charset=utf-8; {ids}", "Hei.\n")
    )
    assert parsed.body_text.strip() == "Hei."
    assert len([n for n in seen if n > MAX_STRUCTURED_CHARS]) == 1


def test_a_from_longer_than_a_line_is_no_trustworthy_sender() -> None:
    name = "Maija " * 200
    parsed = parse_message(mail(f"From: {name}<maija@example.com>"))
    assert parsed.from_addr is None
    assert parsed.sender_unclear == "From header too long"


def test_an_ordinary_mail_with_many_attachments_keeps_every_name_and_type_past_the_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Each part's headers count against the per-mail budget; once it is spent they are read
    # as text, which must still give the content type, RFC 2231 names and encoded words.
    message = EmailMessage()
    message["From"] = "Maija Meikäläinen <maija@example.com>"
    message["To"] = "tietosuoja@example.com"
    message["Subject"] = "Liitteet tietopyyntööni"
    message.set_content("Hei, liitteenä kuitit ja hakemukset.\n")
    files = []
    for n in range(200):
        name = f"Kuitti {n} – Åbo ja Jyväskylä, huhtikuu {n:03d}.pdf"
        kind = ("application", "pdf") if n % 2 else ("image", "jpeg")
        data = f"liite {n}".encode()
        message.add_attachment(data, maintype=kind[0], subtype=kind[1], filename=name)
        files.append((name, "/".join(kind), data))
    headers = sum(len(str(v)) for part in message.walk() for k, v in part.items())
    seen = _spy_structured_parsers(monkeypatch)
    parsed = parse_message(bytes(message))
    # Beyond the budget: the addresses and the few short Content-Types most mail shares.
    assert sum(seen) < STRUCTURED_PER_MESSAGE + 400 < headers / 2  # most were read as text
    assert parsed.body_text.strip() == "Hei, liitteenä kuitit ja hakemukset."
    assert parsed.from_addr == "maija@example.com"
    assert [(a.filename, a.content_type, a.data) for a in parsed.attachments] == files


def test_the_headers_read_for_a_message_are_let_go_with_it() -> None:
    # A parse tree takes up to ~1.7 KB per character: kept across messages, `run` grew.
    params = "; ".join(f"x-part{n}=value{n}" for n in range(8))
    for n in range(300):
        parse_message(
            mail(
                f"From: Henkilö {n} <henkilo{n}@example.com>\nTo: tietosuoja@example.com\n"
                f"Subject: Tietopyyntö {n}\nContent-Type: text/plain; charset=utf-8; {params}-{n}"
            )
        )
    gc.collect()
    alive = [str(o) for o in gc.get_objects() if isinstance(o, BaseHeader)]
    assert len(alive) <= SHARED_ENTRIES  # only the few short values most mail shares
    assert not [h for h in alive if "Henkilö" in h or "x-part" in h or "Tietopyyntö" in h]


def test_headers_of_one_kind_share_one_class_and_read_as_the_stdlib_reads_them() -> None:
    # The stdlib makes a new class for every header it parses; ours makes one per kind.
    raws = [
        mail(
            f"From: Henkilö {n} <henkilo{n}@example.com>\nTo: tietosuoja@example.com\n"
            f"Subject: =?utf-8?q?Tietopyynt=C3=B6_{n}?=\nX-Custom-{n}: arvo {n}"
        )
        for n in range(3)
    ]
    ours = [message_from_bytes(raw, policy=PARSE_POLICY) for raw in raws]
    theirs = [message_from_bytes(raw, policy=stdlib_policy) for raw in raws]
    for name in ("From", "To", "Subject"):
        assert len({type(m[name]) for m in ours}) == 1
        assert [str(m[name]) for m in ours] == [str(m[name]) for m in theirs]
    assert [m["From"].addresses for m in ours] == [m["From"].addresses for m in theirs]
    assert type(ours[0]["X-Custom-0"]) is type(ours[1]["X-Custom-1"])
    assert type(ours[0]["Subject"]) is not type(ours[0]["From"])
    assert ours[0]["Subject"].max_count == theirs[0]["Subject"].max_count == 1


def test_a_plain_part_that_only_points_to_the_html_part_gives_way_to_it() -> None:
    message = EmailMessage()
    message["From"] = "Tove Exempel <tove@example.com>"
    message["To"] = "tietosuoja@example.com"
    message["Subject"] = "Begäran"
    message.set_content("This message requires an HTML capable mail client.\n")
    message.add_alternative(
        "<html><body><p>Hej,</p><p>radera alla mina personuppgifter ur ert register.</p>"
        "<p>Tove Exempel</p></body></html>",
        subtype="html",
    )
    parsed = parse_message(bytes(message))
    assert "radera alla mina personuppgifter" in parsed.body_text
    assert "HTML capable" not in parsed.body_text
    # A plain part that says something of its own is kept, even beside HTML.
    message.get_body(("plain",)).set_content("Hej, radera mina uppgifter. Tove\n")  # type: ignore[union-attr]
    assert parse_message(bytes(message)).body_text.strip() == "Hej, radera mina uppgifter. Tove"
