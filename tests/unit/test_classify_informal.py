"""No request falls through: slang, typos and one-liners in fi, sv and en open a case.

A mail that asks for a right is a request; one that speaks of the sender's data in words the
rules cannot map to a right goes to a person (needs_triage) with the clock running; only a
mail that is recognisably something else (sales, invoice, job application, newsletter, spam)
is a non-request.
"""

from __future__ import annotations

import pytest

from cases.classify import classify_request

INFORMAL_REQUESTS = [
    # text, language, kinds
    ("mitä tietoja teil on musta??", "fi", ["access"]),
    ("mitä tietoi teil on musta", "fi", ["access"]),
    ("onks teil mun tietoja", "fi", ["access"]),
    ("saisinko kopion mun tiedoista", "fi", ["access"]),
    ("haluun nähä mun tiedot", "fi", ["access"]),
    ("mistä ootte saanu mun numeron??", "fi", ["access"]),
    ("poistakaa mun tiedot pls", "fi", ["erasure"]),
    ("poistakaa kaikki mun tiedot teiän rekisteristä", "fi", ["erasure"]),
    ("dellatkaa mun tili", "fi", ["erasure"]),
    ("poistakaa tietoni heti!!!", "fi", ["erasure"]),
    ("mun osoite on vaihtunu, uus on Esimerkkitie 5", "fi", ["rectification"]),
    ("mun nimi on väärin teiän järjestelmässä", "fi", ["rectification"]),
    ("korjatkaa mun sähköposti", "fi", ["rectification"]),
    ("lopettakaa spämmi", "fi", ["marketing_opt_out"]),
    ("ei enää mainoksia kiitos", "fi", ["marketing_opt_out"]),
    ("ottakaa mut pois teiän listoilta", "fi", ["marketing_opt_out"]),
    ("älkää soitelko mulle enää", "fi", ["marketing_opt_out"]),
    ("en halua et käytätte mun tietoja mihinkään", "fi", ["objection"]),
    ("vad har ni för info om mig??", "sv", ["access"]),
    ("vilka uppgifter har ni om mig", "sv", ["access"]),
    ("har ni mina uppgifter", "sv", ["access"]),
    ("vill se mina uppgifter", "sv", ["access"]),
    ("skicka mig en kopia på mina uppgifter tack", "sv", ["access"]),
    ("varför har ni mitt nummer", "sv", ["access"]),
    ("radera mig", "sv", ["erasure"]),
    ("ta bort mitt konto och allt om mig", "sv", ["erasure"]),
    ("radera allt ni har om mej!!", "sv", ["erasure"]),
    ("min adress e fel", "sv", ["rectification"]),
    ("fixa mitt namn, det är felstavat", "sv", ["rectification"]),
    ("jag har flyttat, ny adress Storgatan 1", "sv", ["rectification"]),
    ("sluta spamma mig", "sv", ["marketing_opt_out"]),
    ("ingen mer reklam tack", "sv", ["marketing_opt_out"]),
    ("sluta ringa mig", "sv", ["marketing_opt_out"]),
    ("sluta använda mina uppgifter", "sv", ["objection"]),
    ("what info do you guys have on me??", "en", ["access"]),
    ("do u have my info", "en", ["access"]),
    ("wanna see my data", "en", ["access"]),
    ("gimme a copy of my data", "en", ["access"]),
    ("where did u get my number", "en", ["access"]),
    ("why do u have my number", "en", ["access"]),
    ("pls delete my account", "en", ["erasure"]),
    ("plz delte my data", "en", ["erasure"]),
    ("get rid of all my info", "en", ["erasure"]),
    ("wipe my data", "en", ["erasure"]),
    ("my addy changed", "en", ["rectification"]),
    ("my name is spelled wrong, fix it", "en", ["rectification"]),
    ("stop spamming me", "en", ["marketing_opt_out"]),
    ("stop emailing me", "en", ["marketing_opt_out"]),
    ("unsub", "en", ["marketing_opt_out"]),
    ("no more ads pls", "en", ["marketing_opt_out"]),
    ("stop using my data", "en", ["objection"]),
]

# Words about the sender's data, or about data protection, that name no right: a person reads.
FOR_A_PERSON = [
    ("mitä te tiedätte musta", "fi"),
    ("onks teil jotain musta?", "fi"),
    ("miks te lähetätte mulle näitä", "fi"),
    ("voisko joku soittaa mulle tietosuoja-asiasta", "fi"),
    ("vad vet ni om mig", "sv"),
    ("vad har ni på mig??", "sv"),
    ("jag har en fråga om integritet", "sv"),
    ("what do you have on me?", "en"),
    ("what do you know about me", "en"),
    ("question about privacy", "en"),
    ("who has my stuff??", "en"),
]

SOMETHING_ELSE = [
    # subject, text, language: sales, invoice, job application, newsletter, spam per language
    (
        "Yhteistyö",
        "Hei! Edustan markkinointitoimistoa ja haluaisin esitellä palvelumme. "
        "Sopisiko lyhyt tapaaminen?",
        "fi",
    ),
    ("Lasku 2026-0042", "Hei, laskunne on erääntynyt. Pyydämme maksamaan sen viipymättä.", "fi"),
    ("Työhakemus", "Hei, haen avointa myyjän paikkaa. Liitteenä CV:ni.", "fi"),
    ("Kevään uutuudet", "Kevään uutuudet ovat täällä! Katso tarjoukset verkkokaupastamme.", "fi"),
    ("Onnittelut", "Olet voittaja! Klikkaa tästä lunastaaksesi palkintosi.", "fi"),
    (
        "Samarbete",
        "Hej! Vi är en byrå som hjälper företag att växa. Har ni tid för ett kort möte?",
        "sv",
    ),
    ("Faktura 1234", "Hej, bifogat finns fakturan för mars. Förfallodag 30.3.", "sv"),
    ("Ansökan", "Hej, jag söker jobbet som utvecklare. Mitt CV finns bifogat.", "sv"),
    ("Vårens nyheter", "Vårens nyheter är här! Se alla erbjudanden i vår webbutik.", "sv"),
    ("Grattis", "Du har vunnit ett pris! Klicka här för att hämta det.", "sv"),
    (
        "Partnership",
        "We are a growth agency and would love to show you our platform. Quick call next week?",
        "en",
    ),
    (
        "Invoice 2026-17",
        "Please find attached our invoice for March. Payment is due in 14 days.",
        "en",
    ),
    ("Application", "I am applying for the open position of developer. My CV is attached.", "en"),
    ("Spring collection", "Our spring collection is here! View online and shop the sale.", "en"),
    ("Congratulations", "You have won a prize! Click here to claim it.", "en"),
]


@pytest.mark.parametrize(("text", "language", "kinds"), INFORMAL_REQUESTS)
def test_an_informal_one_liner_is_a_request_for_its_right(
    text: str, language: str, kinds: list[str]
) -> None:
    found = classify_request("", text)
    assert (found.language, found.kinds, found.category) == (language, kinds, "request")


@pytest.mark.parametrize(("text", "language"), FOR_A_PERSON)
def test_words_about_my_data_that_name_no_right_go_to_a_person(text: str, language: str) -> None:
    found = classify_request("", text)
    assert (found.language, found.kinds, found.category) == (language, [], "needs_triage")


@pytest.mark.parametrize(("subject", "text", "language"), SOMETHING_ELSE)
def test_mail_that_is_recognisably_something_else_is_not_a_request(
    subject: str, text: str, language: str
) -> None:
    found = classify_request(subject, text)
    assert (found.language, found.kinds, found.category) == (language, [], "non_request")


@pytest.mark.parametrize(
    "text",
    [
        "What's my order number?",
        "Mikä on mun tilauksen numero?",
        "Vad är mitt ordernummer?",
        "What is my account balance?",
        "How do I log in to my account?",
        "Unohdin salasanani, miten kirjaudun?",
    ],
)
def test_a_question_about_my_order_or_login_asks_for_no_right(text: str) -> None:
    found = classify_request("", text)
    assert (found.kinds, found.category) == ([], "non_request")


@pytest.mark.parametrize("text", ["Hello", "Hei!", "?", "Tack", "asdf qwerty"])
def test_mail_nobody_can_read_is_for_a_person_not_set_aside(text: str) -> None:
    assert classify_request("", text).category == "needs_triage"


def test_a_sales_pitch_about_data_protection_still_goes_to_a_person() -> None:
    found = classify_request(
        "GDPR", "We are an agency selling a GDPR compliance platform. Quick call next week?"
    )
    assert found.category == "needs_triage"
