"""One-time codes (Art. 12(6)) and removing an identity document from the stored mail."""

from __future__ import annotations

import hashlib
import re
from email import message_from_bytes, policy
from email.message import EmailMessage

from cases.code_check import code_candidates
from cases.identity import code_hash, new_code, strip_parts


def test_a_code_is_two_groups_of_four_unambiguous_characters() -> None:
    codes = {new_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(re.fullmatch(r"[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}", c) for c in codes)


def test_a_code_is_stored_as_a_hash_bound_to_the_case_and_read_however_it_is_typed() -> None:
    stored = code_hash("DSR-2026-0001", "K7MQ-2XPA")
    assert "K7MQ" not in stored
    assert code_hash("DSR-2026-0001", "k7mq 2xpa") == stored
    assert code_hash("DSR-2026-0001", "K7MQ2XPA") == stored
    assert code_hash("DSR-2026-0002", "K7MQ-2XPA") != stored


def test_an_identity_document_is_cut_out_of_the_raw_mail_and_the_text_stays() -> None:
    document = b"\x89PNG fictional passport scan"
    mail = EmailMessage()
    mail["From"] = "Aino Esimerkki <aino@example.com>"
    mail["Subject"] = "Request"
    mail.set_content("Please delete my data.")
    mail.add_attachment(document, maintype="image", subtype="png", filename="passport.png")
    digest = hashlib.sha256(document).hexdigest()

    stripped = strip_parts(mail.as_bytes(), {digest}, "[identity document removed]")

    assert stripped is not None
    parsed = message_from_bytes(stripped, policy=policy.default)
    payloads = [p.get_payload(decode=True) for p in parsed.walk() if not p.is_multipart()]
    assert document not in payloads
    assert b"Please delete my data.\n" in payloads
    assert b"[identity document removed]\n" in payloads
    assert "passport.png" not in stripped.decode("ascii", "replace")


def test_an_identity_document_is_cut_out_of_a_mail_that_starts_with_a_blank_line() -> None:
    # Intake reads such a mail from the header block after the blank line (parse_message).
    document = b"\x89PNG fictional passport scan"
    mail = EmailMessage()
    mail["From"] = "Aino Esimerkki <aino@example.com>"
    mail["Subject"] = "Request"
    mail.set_content("Please delete my data.")
    mail.add_attachment(document, maintype="image", subtype="png", filename="passport.png")

    stripped = strip_parts(
        b"\r\n" + mail.as_bytes(), {hashlib.sha256(document).hexdigest()}, "[removed]"
    )

    assert stripped is not None and document not in stripped
    assert b"[removed]" in stripped


def test_code_candidates_are_code_shaped_tokens_and_prose_is_not_one() -> None:
    assert code_candidates("Here you are: K7MQ-2XPA") == ["K7MQ2XPA"]
    assert code_candidates("typed by hand: k7mq-2xpa, and again K7MQ 2XPA") == ["K7MQ2XPA"]
    # Ordinary words never count as attempts: I and O are not in the alphabet, small letters
    # need the hyphen, and a reference is not a code.
    assert code_candidates("with this code, back here, your code [DSR-2026-0006]") == []
    # Overlapping candidates are all seen: a capital word before the code hides nothing.
    assert code_candidates("HERE K7MQ 2XPA") == ["HEREK7MQ", "K7MQ2XPA"]
