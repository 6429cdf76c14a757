"""Only a reply's own words may carry a returned code: every quoting style leaves them out."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from mail_intake.follow_up import organisations, own_text
from mail_intake.parsing import parse_message

CODE = "K7MQ-2XPA"


def _parsed(body: str, subject: str = "Re: [DSR-2026-0001] Your verification code") -> str:
    mail = EmailMessage()
    mail["From"] = "John Smith <john.smith@example.com>"
    mail["To"] = "privacy@example.com"
    mail["Subject"] = subject
    mail["Message-ID"] = "<reply-1@example.com>"
    mail.set_content(body)
    return own_text(parse_message(mail.as_bytes()))


def test_the_code_typed_above_the_quote_is_own_text() -> None:
    text = _parsed(f"Here it is: {CODE}\n\nOn Thu, 5 Mar 2026, Desk wrote:\n> Your code: {CODE}\n")
    assert CODE in text and "Your code" not in text


@pytest.mark.parametrize(
    "body",
    [
        f"> Your one-time code:\n>     {CODE}\n",
        f"On Thu, 5 Mar 2026, Desk <privacy@example.com> wrote:\n> {CODE}\n",
        f"Kiitos!\n\nto 5.3.2026 klo 12.00 Tietosuoja kirjoitti:\n> {CODE}\n",
        f"Tack!\n\nDen 5 mars 2026 skrev Desk:\n> {CODE}\n",
        f"Yes.\n\n-----Original Message-----\nFrom: Desk\nSubject: code\n\n{CODE}\n",
        f"Kyllä.\n\nLähettäjä: Tietosuoja\nLähetetty: 5.3.2026\nAihe: koodi\n\n{CODE}\n",
        f"Ja.\n\n________________________________\nFrån: Desk\n\n{CODE}\n",
    ],
    ids=["only-quoted", "en-attribution", "fi-gmail", "sv-gmail", "outlook-en", "outlook-fi", "sv"],
)
def test_a_code_that_is_only_quoted_is_not_own_text(body: str) -> None:
    assert CODE not in _parsed(body)


@pytest.mark.parametrize(
    ("body", "own"),
    [
        (
            f"On Thu, 5 Mar 2026, Desk <privacy@example.com> wrote:\n> Your code: {CODE}\n\n"
            "Thanks. Also please erase all my data.\n\nJohn\n",
            "Thanks. Also please erase all my data.\n\nJohn",
        ),
        (
            f"to 5.3.2026 klo 12.00 Tietosuoja\nkirjoitti:\n\n> Koodinne: {CODE}\n>\n"
            "Kiitos. Poistakaa myös kaikki tietoni.\n",
            "Kiitos. Poistakaa myös kaikki tietoni.",
        ),
        (
            f"Den 5 mars 2026 skrev Desk <privacy@example.com>:\n> Er kod: {CODE}\n\n"
            "Tack. Radera även alla mina uppgifter.\n",
            "Tack. Radera även alla mina uppgifter.",
        ),
    ],
    ids=["en", "fi-wrapped", "sv"],
)
def test_words_written_below_a_quote_are_own_text_and_the_quote_is_not(body: str, own: str) -> None:
    assert _parsed(body) == own


def test_a_quoted_forward_header_block_above_bottom_posted_words_is_not_own_text() -> None:
    body = (
        "On Thu, 5 Mar 2026, Desk <privacy@example.com> wrote:\n"
        "> ---------- Forwarded message ---------\n> From: Desk <privacy@example.com>\n"
        f"> Subject: code\n>\n> Your code: {CODE}\n\nHere it is.\n\n"
        "---------- Forwarded message ---------\nFrom: Desk\n\n"
        f"Your code: {CODE}\n"
    )
    assert _parsed(body) == "Here it is."


def test_a_forwarded_code_mail_is_not_own_text() -> None:
    body = f"FYI\n\n---------- Forwarded message ---------\nFrom: Desk\n\nYour code: {CODE}\n"
    assert CODE not in _parsed(body, subject="Fwd: [DSR-2026-0001] Your verification code")


def test_a_code_mail_forwarded_as_an_attachment_is_not_own_text() -> None:
    ours = EmailMessage()
    ours["From"] = "privacy@example.com"
    ours["Subject"] = "[DSR-2026-0001] Your verification code"
    ours.set_content(f"Please reply with the following one-time code: {CODE}\n")
    mail = EmailMessage()
    mail["From"] = "John Smith <john.smith@example.com>"
    mail["Subject"] = "Fwd: [DSR-2026-0001] Your verification code"
    mail["Message-ID"] = "<reply-2@example.com>"
    mail.add_attachment(ours)
    parsed = parse_message(mail.as_bytes())
    assert CODE in parsed.stripped_text  # what the classifier reads
    assert CODE not in own_text(parsed)


def test_only_an_organisations_domain_makes_its_people_answer_for_it_in_a_thread() -> None:
    addressed = {
        "perinta@perinta.example",  # an Art. 19 recipient
        "kirjanpito@gmail.com",  # a bookkeeper on a mail service anyone may use
        "maija@example.com",  # the requester herself
    }
    parties = {"maija@example.com"}
    assert organisations(addressed, parties) == {"perinta.example"}
