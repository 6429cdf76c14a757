"""Journeys by mail and at the terminal: the requester writes, the contact person types."""

from __future__ import annotations

import json

import pytest

from tests.journeys.desk import Desk, mail, one_time_code, text_of

pytestmark = pytest.mark.dovecot  # and PostgreSQL, through the desk's parameter

# Fictional requesters, one per journey, so that the journeys share one desk.
SARA = ("Sara Lindqvist", "sara.lindqvist@example.invalid")
JOHAN_ELSEWHERE = ("Johan Berg", "johan.b.private@example.invalid")
JOHAN_IN_REGISTER = ("Johan Berg", "johan.berg@example.com")
MAIJA = ("Maija Mäkinen", "maija.makinen@example.com")
EMMA = ("Emma Andersson", "emma.andersson@example.invalid")
AINO = ("Aino Laine", "aino.laine@example.com")
ELSA = ("Elsa Holm", "elsa.holm@example.com")


def test_a_request_by_mail_is_acknowledged_in_its_language_with_the_reference_and_listed(
    desk: Desk,
) -> None:
    request = mail(
        SARA,
        "Begäran om registerutdrag",
        "Hej!\n\nJag begär en kopia av alla personuppgifter som ni behandlar om mig enligt"
        " artikel 15 i dataskyddsförordningen.\n\nMed vänliga hälsningar\nSara Lindqvist\n",
    )
    desk.send(request)

    case = desk.case_from(SARA[1])
    ack = desk.mail_to(SARA[1], f"[{case['reference']}]")

    assert str(ack.message["Subject"]) == (
        f"[{case['reference']}] Vi har tagit emot din begäran om dina personuppgifter"
    )
    # Not in the register: greeted generically, never by the display name (issue 11).
    assert text_of(ack).startswith("Hej,")
    assert ack.message["Auto-Submitted"] == "auto-replied"
    assert ack.message["In-Reply-To"] == request["Message-ID"]
    assert (case["kinds"], case["language"], case["status"], case["channel"]) == (
        ["access"],
        "sv",
        "received",
        "email",
    )
    assert (case["receipt_date"], case["due_date"]) == ("2026-12-09", "2027-01-11")


def test_a_requester_writing_from_an_unknown_address_is_verified_by_mailing_back_the_code(
    desk: Desk,
) -> None:
    desk.send(
        mail(
            JOHAN_ELSEWHERE,
            "Subject access request",
            "Dear Sir or Madam,\n\nunder Article 15 GDPR I request a copy of all personal data"
            " you hold about me.\n\nYours faithfully,\nJohan Berg\n",
        )
    )
    reference = desk.case_from(JOHAN_ELSEWHERE[1])["reference"]
    assert desk.show(reference)["identity_status"] == "unverified"

    # The contact person tells rightsdesk who this is, and has the code mailed to the register.
    desk.cli("cases", "link", reference, "C-3002")
    desk.cli("cases", "identify", reference)
    code_mail = desk.mail_to(JOHAN_IN_REGISTER[1], f"[{reference}]", "verification code")
    code = one_time_code(text_of(code_mail))
    assert JOHAN_ELSEWHERE[1] not in code_mail.rcpt_tos  # never to whoever wrote in (Art. 12(6))

    # The customer answers from the register's mailbox, quoting our mail under the code.
    quoted = "\n".join(f"> {line}" for line in text_of(code_mail).splitlines())
    desk.send(
        mail(
            JOHAN_IN_REGISTER,
            f"Re: {code_mail.message['Subject']}",
            f"Hello,\n\nthe code is {code}\n\nJohan\n\n{quoted}\n",
            reply_to=code_mail,
        )
    )

    verified = desk.wait(
        lambda: (shown := desk.show(reference))["identity_status"] == "verified" and shown,
        f"{reference} verified by the returned code",
    )
    assert verified["identity_method"] == "code"
    assert verified["status"] != "awaiting_identity"


def test_a_reply_approved_at_the_terminal_reaches_the_requester(desk: Desk) -> None:
    request = mail(
        MAIJA,
        "Tietopyyntö",
        "Hei,\n\npyydän tietosuoja-asetuksen 15 artiklan nojalla kopion kaikista minua"
        " koskevista henkilötiedoista.\n\nTerveisin\nMaija Mäkinen\n",
    )
    desk.send(request)
    reference = desk.case_from(MAIJA[1])["reference"]
    shown = desk.show(reference)
    assert (shown["identity_status"], shown["identity_method"]) == ("verified", "sender_match")

    desk.cli("cases", "fulfil", reference)
    desk.cli("cases", "approve", reference)

    reply = desk.mail_to(MAIJA[1], f"[{reference}]", "Vastaus tietojen tarkastuspyyntöösi")
    assert text_of(reply).startswith("Hei Maija Mäkinen")
    assert reply.message["Auto-Submitted"] is None  # a person approved it
    assert reply.message["In-Reply-To"] == request["Message-ID"]
    files = {p.get_filename(): p.get_content() for p in reply.message.iter_attachments()}
    data = json.loads(files[f"{reference.lower()}.json"])
    assert data["sources"]["register"]["customer"]["customer_number"] == "C-3001"
    assert desk.show(reference)["status"] == "responded"


def test_a_refusal_approved_at_the_terminal_reaches_the_requester_with_its_reasons(
    desk: Desk,
) -> None:
    desk.send(mail(EMMA, "Radering", "Hej, jag vill att ni raderar mina personuppgifter.\nEmma\n"))
    reference = desk.case_from(EMMA[1])["reference"]
    reasons = "Vi har inga uppgifter om dig utöver denna begäran."

    desk.cli("cases", "draft", reference, "--template", "refusal", "--reasons", reasons)
    desk.cli("cases", "approve", reference)

    refusal = desk.mail_to(EMMA[1], f"[{reference}]", "Beslut om din begäran")
    assert reasons in text_of(refusal)
    assert "Dataombudsmannens byrå" in text_of(refusal)  # the remedies (Art. 12(4))
    assert desk.show(reference)["status"] == "refused"


def test_an_extension_at_the_terminal_names_its_ground_and_quotes_the_reasons(
    desk: Desk,
) -> None:
    desk.send(
        mail(
            AINO,
            "Tietopyyntö",
            "Hei,\n\npyydän kopion kaikista minua koskevista henkilötiedoista (tietosuoja-asetuksen"
            " 15 artikla).\n\nAino Laine\n",
        )
    )
    reference = desk.case_from(AINO[1])["reference"]
    reasons = "Three archived systems must be searched by hand."

    # The ground is chosen per case: without it the terminal refuses in one line.
    refused = desk.cli_error("cases", "extend", reference, "--reason", reasons)
    assert "Art. 12(3)" in refused and "complexity or number-of-requests" in refused
    assert desk.show(reference)["extended_due_date"] is None
    desk.cli("cases", "extend", reference, "--reason", reasons, "--ground", "number-of-requests")
    assert desk.show(reference)["extension_ground"] == "number_of_requests"
    desk.cli("cases", "approve", reference)

    notice = text_of(desk.mail_to(AINO[1], f"[{reference}]", "määräai")).replace("\r\n", "\n")
    assert "kahdella kuukaudella, koska olemme saaneet paljon pyyntöjä" in notice
    # English typed by the contact person is quoted as their words, not passed off as Finnish.
    assert f"Käsittelijämme omin sanoin:\n\n    ”{reasons}”" in notice


def test_a_restriction_while_accuracy_is_checked_names_the_data_and_the_date(
    desk: Desk,
) -> None:
    desk.send(
        mail(
            ELSA,
            "Begränsning av behandling",
            "Hej,\n\njag bestrider att mina uppgifter är korrekta. Enligt artikel 18 i"
            " dataskyddsförordningen begär jag att ni begränsar behandlingen av mina"
            " personuppgifter tills uppgifterna har kontrollerats.\n\nElsa Holm\n",
        )
    )
    reference = desk.case_from(ELSA[1])["reference"]
    assert desk.show(reference)["kinds"] == ["restriction"]

    bad = desk.cli_error("cases", "fulfil", reference, "--accuracy-check-until", "soon")
    assert bad == "error: not a date (YYYY-MM-DD): 'soon'"
    desk.cli("cases", "fulfil", reference, "--accuracy-check-until", "2026-12-23")
    desk.cli("cases", "approve", reference)

    reply = text_of(desk.mail_to(ELSA[1], f"[{reference}]", "begränsa")).replace("\r\n", "\n")
    assert "Begränsningen gäller följande uppgifter om dig:\n\n- kunduppgifter" in reply
    assert "Du har bestritt att dina uppgifter är korrekta" in reply
    assert "senast den 23 december 2026" in reply and "artikel 18.1 a" in reply
