"""The reply's language comes from what the sender wrote, not from their greeting or name."""

from __future__ import annotations

import pytest

from cases.classify import classify_request, own_words

SIGNED = [
    # text, the sender's display name (From), the language of the words
    ("Moi\n\npoistakaa mun tiedot\n\nBjörn Lindqvist\nStrandvägen 12\n06100 Borgå", (), "fi"),
    ("poistakaa mun tiedot\n\nMed vänliga hälsningar\nBjörn Lindqvist", (), "fi"),
    ("Hej!\n\nvoitteko poistaa tietoni\n\nBjörn Lindqvist", (), "fi"),
    ("Hei Björn Lindqvist täällä, poistakaa tietoni", ("Björn Lindqvist",), "fi"),
    ("mitä tietoja teil on musta? t. Björn-Erik Lindqvist", (), "fi"),
    (
        "Hej Anna-Stina,\n\nmun osoite on vaihtunut\n\n"
        "Terveisin\nBjörn Lindqvist\n+358 40 123 4567",
        (),
        "fi",
    ),
    ("radera mina uppgifter\n\nMatti Virtanen", (), "sv"),
    ("radera mig. Terveisin Matti Virtanen", (), "sv"),
    ("ta bort mig\nMatti Juhani Virtanen\nHämeenlinna", (), "sv"),
    ("Moi!\n\nta bort mina uppgifter\n\nPaavo Väyrynen", (), "sv"),
    ("radera mig / Pirkko-Liisa Häkkinen", ("Pirkko-Liisa Häkkinen",), "sv"),
    ("Hei,\n\nplease delete my data\n\nYstävällisin terveisin\nJukka Mäkelä", (), "en"),
    ("delete my data\n\nJukka Mäkelä\nHämeenkatu 3 B 12\n33100 Tampere", (), "en"),
    ("Hej Jukka här, delete my account", ("Jukka",), "en"),
]


@pytest.mark.parametrize(("text", "names", "language"), SIGNED)
def test_the_language_is_that_of_the_words_not_of_the_greeting_or_the_name(
    text: str, names: tuple[str, ...], language: str
) -> None:
    found = classify_request("", text, names=names)
    assert (found.language, found.category) == (language, "request")


@pytest.mark.parametrize(
    ("text", "names", "own"),
    [
        ("Hei,\n\npoistakaa tietoni.\n\nTerveisin\nBjörn Lindqvist", (), "poistakaa tietoni."),
        ("Hej Matti, radera mig", (), "radera mig"),
        ("delete my data\n-- \nJane Doe\nExample Ltd", (), "delete my data"),
        ("delete my data\n--\nJane Doe", (), "delete my data"),
        ("Hi! Jane Doe here, delete my data", ("Jane Doe",), "here, delete my data"),
        ("poistakaa tiedot\n> Björn Lindqvist kirjoitti", (), "poistakaa tiedot"),
        ("Thanks for nothing, delete my data", (), "Thanks for nothing, delete my data"),
        (
            "radera mig\n\nThis e-mail is confidential. If you are not the intended recipient,"
            " delete it.",
            (),
            "radera mig",
        ),
        (
            "delete my data\n\nPlease keep this confidential.",
            (),
            "delete my data\n\nPlease keep this confidential.",
        ),
    ],
)
def test_own_words_leave_out_greeting_sign_off_signature_quotes_and_names(
    text: str, names: tuple[str, ...], own: str
) -> None:
    assert own_words(text, names=names) == own


@pytest.mark.parametrize(
    ("text", "language"),
    [("Kiitos\n\nBjörn Lindqvist", "fi"), ("Tack!\nMatti Virtanen", "sv"), ("Hej", "sv")],
)
def test_a_mail_of_only_greeting_and_name_is_read_whole(text: str, language: str) -> None:
    assert classify_request("", text).language == language


def test_a_huge_signature_block_is_read_in_linear_time() -> None:
    text = "poistakaa tietoni\n" + "tT" * 50_000 + "!\n" + "Björn Lindqvist\n" * 5_000
    assert classify_request("", text).kinds == ["erasure"]


@pytest.mark.parametrize(
    ("text", "language", "kinds"),
    [
        ("Hei,\n\npyydän kopion kaikista minua koskevista henkilötiedoista.", "fi", ["access"]),
        ("Hej,\n\njag vill att ni raderar mina personuppgifter.", "sv", ["erasure"]),
    ],
)
def test_a_long_english_disclaimer_neither_sets_the_language_nor_asks_for_a_right(
    text: str, language: str, kinds: list[str]
) -> None:
    disclaimer = (
        "This e-mail and any attachments are confidential and may be privileged. If you are"
        " not the intended recipient, please notify the sender and delete it from your system."
        " Any unauthorised use, disclosure or copying of this e-mail is strictly prohibited."
    )
    found = classify_request("", f"{text}\n\n{disclaimer}")
    assert (found.language, found.kinds) == (language, kinds)
