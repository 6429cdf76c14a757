"""The desk understands what a requester asks for, in Finnish, Swedish or English."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cases.classify import classify_request, detect_language
from cases.kinds import KIND_CODES

ONE_LINERS = [
    # text, language, kinds
    ("Poistakaa tietoni.", "fi", ["erasure"]),
    ("poistakaa tietoni rekisteristänne", "fi", ["erasure"]),
    ("please delete my data", "en", ["erasure"]),
    ("plese delte my data", "en", ["erasure"]),
    ("Radera mina uppgifter.", "sv", ["erasure"]),
    ("Vänligen ta bort alla mina personuppgifter.", "sv", ["erasure"]),
    ("I'd like to exercise my right to be forgotten.", "en", ["erasure"]),
    ("Vad har ni för uppgifter om mig?", "sv", ["access"]),
    ("Mitä teette tiedoillani?", "fi", ["access"]),
    ("Where did you get my phone number?", "en", ["access"]),
    ("Jag vill ha ett registerutdrag.", "sv", ["access"]),
    ("Please send me a copy of the personal data you hold about me.", "en", ["access"]),
    ("Osoitteeni on muuttunut, uusi osoite on Esimerkkitie 3 B.", "fi", ["rectification"]),
    ("Mitt efternamn är felstavat, det ska vara Lindqvist.", "sv", ["rectification"]),
    ("Please update my email address to jane.doe@example.com.", "en", ["rectification"]),
    ("En halua suoramarkkinointia.", "fi", ["marketing_opt_out"]),
    ("Jag vill inte få fler nyhetsbrev från er.", "sv", ["marketing_opt_out"]),
    ("Please, no newsletters.", "en", ["marketing_opt_out"]),
    ("Inga nyhetsbrev, tack.", "sv", ["marketing_opt_out"]),
    # Swedish "en" is the article, not the Finnish negation "en" (I don't).
    ("Jag begär en kopia av mina personuppgifter", "sv", ["access"]),
    ("Jag vill ha en kopia av mina uppgifter.", "sv", ["access"]),
    ("Take me off your marketing lists.", "en", ["marketing_opt_out"]),
    ("Kiellän tietojeni julkaisemisen luetteloissa.", "fi", ["publication_opt_out"]),
    ("Please do not publish my details in your member directory.", "en", ["publication_opt_out"]),
    ("Siirtäkää tietoni toiselle operaattorille.", "fi", ["portability"]),
    ("Skicka mina uppgifter i ett maskinläsbart format.", "sv", ["portability"]),
    ("Rajoittakaa tietojeni käsittelyä.", "fi", ["restriction"]),
    ("Kan ni begränsa behandlingen av mina uppgifter?", "sv", ["restriction"]),
    ("Vastustan profilointia.", "fi", ["objection"]),
    ("I object to you using my data for profiling.", "en", ["objection"]),
    ("Haluan nähdä tietoni ja sen jälkeen pyydän niiden poistamista.", "fi", ["access", "erasure"]),
]


@pytest.mark.parametrize(("text", "language", "kinds"), ONE_LINERS)
def test_a_one_line_request_is_understood(text: str, language: str, kinds: list[str]) -> None:
    found = classify_request("", text)
    assert (found.language, sorted(found.kinds), found.category) == (
        language,
        sorted(kinds),
        "request",
    )
    assert set(found.evidence) == set(kinds)


@pytest.mark.parametrize(
    ("subject", "text", "category"),
    [
        ("Tietosuoja", "Haluaisin keskustella tietosuoja-asioista.", "needs_triage"),
        ("GDPR", "Hello, I have a question about GDPR.", "needs_triage"),
        ("Lasku", "Voinko maksaa laskun osissa?", "non_request"),
        ("Order", "Can you tell me when my order ships?", "non_request"),
        ("Beställning", "När levereras min beställning?", "non_request"),
        ("Partnership", "We are a marketing agency; may we show you our tools?", "non_request"),
        ("Muistutus", "Lähetin tietopyynnön, en ole saanut vastausta.", "follow_up"),
        ("Muistutus: lasku erääntynyt", "Laskunne 1234 on erääntynyt.", "non_request"),
        ("Kantelu", "Teen kantelun tietosuojavaltuutetulle, koska ette vastanneet.", "complaint"),
        ("Complaint", "I will file a complaint with the data protection authority.", "complaint"),
    ],
)
def test_a_message_gets_its_category(subject: str, text: str, category: str) -> None:
    assert classify_request(subject, text).category == category


def test_a_reminder_keeps_the_right_it_is_about() -> None:
    found = classify_request(
        "Reminder: my request according to Art. 15 GDPR",
        "I sent you a request according to Article 15 GDPR and have not received an answer.",
    )
    assert found.category == "follow_up"
    assert found.kinds == ["access"]
    assert "Reminder" in found.evidence["follow_up"]


def test_a_threat_to_complain_in_a_request_is_not_a_complaint() -> None:
    found = classify_request(
        "Request for erasure",
        "Please erase my personal data. If you do not answer, I reserve the right to lodge "
        "a complaint with the supervisory authority.",
    )
    assert (found.category, found.kinds) == ("request", ["erasure"])


def test_a_deletion_only_mentioned_as_a_possible_consequence_is_not_asked_for() -> None:
    found = classify_request(
        "Objection to direct marketing",
        "I object to the processing of my data for direct marketing. Please tell me in advance "
        "if the objection will result in the deletion of an account I may have with you.",
    )
    assert found.kinds == ["objection", "marketing_opt_out"]


def test_a_request_phrased_only_as_a_condition_still_counts() -> None:
    found = classify_request("", "Jos teillä on tietojani poistakaa ne.")
    assert found.kinds == ["erasure"]


def test_removal_from_a_mailing_list_is_a_marketing_opt_out_not_an_erasure() -> None:
    found = classify_request("", "Poistakaa minut postituslistalta.")
    assert found.kinds == ["marketing_opt_out"]


@pytest.mark.parametrize(
    "text",
    [
        "Please delete my previous email, I sent it by mistake.",
        "You can delete my last message.",
        "Please ignore and delete the email I sent this morning.",
        "Poistakaa edellinen viestini, lähetin sen vahingossa.",
        "Voitte poistaa viimeisimmän viestini.",
        "Radera mitt förra mejl, jag skickade det av misstag.",
        "Mitt senaste meddelande kan ni radera.",
    ],
)
def test_deleting_a_mail_of_the_thread_is_not_an_erasure_of_the_writers_data(text: str) -> None:
    assert "erasure" not in classify_request("", text).kinds


@pytest.mark.parametrize(
    "text",
    [
        "Please delete my previous email and all my personal data.",
        "Poistakaa edellinen viestini ja kaikki tietoni.",
        "Radera mitt förra mejl och mitt konto.",
        "Please delete my email address.",
        "Poistakaa minut rekisteristänne.",
        # Art. 17(1)(f): the writer's own data from their childhood, no other person.
        "Please delete the data you collected about me as a child.",
        "Poistakaa lapsena minusta kerätyt tiedot.",
        "Radera uppgifterna ni samlade in om mig som barn.",
    ],
)
def test_the_writers_own_data_or_account_named_with_a_mail_is_still_erasure(text: str) -> None:
    assert classify_request("", text).kinds == ["erasure"]


@pytest.mark.parametrize(
    "text",
    [
        "Please delete my husband's data.",
        "Please delete my data and my wife's personal data.",
        "Poistakaa mieheni tiedot.",
        "Poistakaa kaikki vaimoni henkilötiedot.",
        "Radera min makes uppgifter.",
        "Radera min mans personuppgifter.",
        "Radera mina barns uppgifter.",
        # Another person's data before a reason, or after "and so on".
        "Please delete my data and my husband's data because we moved.",
        "Please delete my phone and so on and my wife's details.",
        # A word between the possessive and the person ("my late mother").
        "Please delete my late mother's account.",
        "Please delete my elderly father's data.",
        "Radera min avlidne fars uppgifter.",
        "Poistakaa edesmenneen äitini tiedot.",
    ],
)
def test_erasure_of_another_persons_data_goes_to_a_person_not_to_the_writers_case(
    text: str,
) -> None:
    found = classify_request("", text)
    assert (found.category, found.kinds) == ("needs_triage", [])
    assert found.evidence["others_data"]  # what the person triaging is shown


@pytest.mark.parametrize(
    "text",
    [
        "Please delete all my personal data so my abusive husband cannot find me.",
        "Please delete my account because my elderly father cannot use it.",
        "Please delete my data as my old friend suggested.",
        "Radera mitt konto så att min gamla pappa inte ser det.",
        # With no word between, too: the reason opens a clause of its own.
        "Please delete my account so my husband cannot see it.",
        "Please delete all my data because my husband reads my emails.",
        "Radera mitt konto eftersom min man ser det.",
        "Poistakaa tilini koska mieheni näkee sen.",
    ],
)
def test_a_person_in_the_reason_for_the_writers_own_erasure_leaves_it_the_writers(
    text: str,
) -> None:
    assert classify_request("", text).kinds == ["erasure"]


@pytest.mark.parametrize(
    "text",
    [
        # Access (Art. 15)
        "Send me a copy of my wife's data.",
        "Lähettäkää kopio vaimoni tiedoista.",
        "Skicka en kopia av min frus uppgifter.",
        # Rectification (Art. 16)
        "Please correct my wife's address.",
        "Korjatkaa vaimoni osoite.",
        "Rätta min frus adress.",
        # Restriction (Art. 18)
        "Please restrict the processing of my husband's data.",
        "Rajoittakaa isäni tietojen käsittelyä.",
        "Begränsa behandlingen av min makes uppgifter.",
        # Portability (Art. 20)
        "Please transfer my wife's data to another provider.",
        "Siirtäkää vaimoni tiedot toiselle operaattorille.",
        "Överför min frus uppgifter till en annan leverantör.",
        # Objection (Art. 21)
        "I object to the processing of my son's data.",
        "Vastustan poikani tietojen käsittelyä.",
        "Jag invänder mot behandlingen av min sons uppgifter.",
    ],
)
def test_every_right_to_another_persons_data_goes_to_a_person_not_to_the_writers_case(
    text: str,
) -> None:
    found = classify_request("", text)
    assert (found.category, found.kinds) == ("needs_triage", [])
    assert found.evidence["others_data"]


@pytest.mark.parametrize(
    "text",
    [
        "I am writing on behalf of my mother. Please delete her data.",
        "Kirjoitan äitini puolesta. Poistakaa hänen tietonsa.",
        "Jag skriver för min mammas räkning. Radera hennes uppgifter.",
        "Please send me a copy of his data.",
        "Lähettäkää kopio hänen tiedoistaan.",
        "Skicka en kopia av hans uppgifter.",
        # Represented, with no pronoun: the data asked about is the other person's.
        "I am writing on behalf of my mother. Please send me a copy of the data you hold.",
        "Kirjoitan Maija Virtasen puolesta: poistakaa tiedot.",
        "Jag skriver å min fars vägnar. Radera uppgifterna.",
        # "Her data" beside the writer's own, or before the verb.
        "Delete my data, and her data too.",
        "Poistakaa tietoni, ja hänen tietonsa myös.",
        "Radera mina uppgifter, och hennes uppgifter också.",
        "Her personal data you may erase.",
        "Hänen tietonsa voitte poistaa.",
        "Hennes uppgifter kan ni radera.",
        # Her data before the verb, however many words it takes, or set off by a comma.
        "Her data you can delete.",
        "Her old email address you can delete.",
        "His phone number you can remove.",
        "Her data, you can delete.",
        "Hänen tietonsa voitte myös poistaa.",
        "Hänen vanha sähköpostiosoitteensa voitte poistaa.",
        "Hänen tietonsa voitte kyllä myös poistaa.",
        "Hennes uppgifter kan ni också ta bort.",
        "Hans uppgifter får ni gärna ta bort.",
        # Hers added after ", and" or ";" with no verb of its own.
        "Delete my data, and hers too.",
        "Delete my data; her data too.",
        "Delete my data, and also all of her personal data.",
        "Radera mina uppgifter, och hennes.",
        "Radera mina uppgifter; hennes uppgifter också.",
        "Poistakaa tietoni, ja hänenkin.",
        "Poistakaa tietoni; hänen tietonsa myös.",
        # Another person named by her first name, beside the writer's own data or alone.
        "Please delete my data, and Maija's data too.",
        "Poistakaa tietoni, ja myös Maijan tiedot.",
        "Radera mina uppgifter, och Annas uppgifter också.",
        "Please delete my data, and Matti Virtanen's data too.",
        "Please delete Maija's data.",
        "Poistakaa Maijan tiedot.",
        "Radera Annas uppgifter.",
        # "Their" after a person the mail names.
        "My parents are customers too. Please delete their data.",
        "Vanhempani ovat myös asiakkaitanne. Poistakaa heidän tietonsa.",
        "Mina föräldrar är också kunder. Radera deras uppgifter.",
    ],
)
def test_a_mail_for_another_person_or_about_her_data_goes_to_a_person(text: str) -> None:
    found = classify_request("", text)
    assert (found.category, found.kinds) == ("needs_triage", [])
    assert found.evidence["others_data"]


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("Please send me a copy of my data.", ["access"]),
        ("Lähettäkää kopio tiedoistani.", ["access"]),
        ("Skicka en kopia av mina uppgifter.", ["access"]),
        ("Please send me a copy of the data about me and my account.", ["access"]),
        ("Lähettäkää kopio lapsena minusta kerätyistä tiedoista.", ["access"]),
        ("Please correct my address, I moved.", ["rectification"]),
        ("Rajoittakaa tietojeni käsittelyä.", ["restriction"]),
        ("Jag invänder mot behandlingen av mina uppgifter.", ["objection"]),
        # "Their" with no one else named is the company's: the writer's own request.
        ("Send me a copy of my data and tell me their source.", ["access"]),
        ("Skicka en kopia av mina uppgifter och berätta om deras källa.", ["access"]),
        ("Please act on my behalf and delete my data.", ["erasure"]),
        # "Her" after ", and" that names no data of hers.
        ("Please delete my data, and tell her I said thanks.", ["erasure"]),
        # Her data after ", and" or ";" with a verb of its own: left alone.
        ("Delete my data, and her data can stay.", ["erasure"]),
        ("Delete my data, and keep her data.", ["erasure"]),
        ("Delete my data; her data may remain.", ["erasure"]),
        ("Radera mina uppgifter, och hennes uppgifter får vara kvar.", ["erasure"]),
        ("Radera mina uppgifter, och behåll hennes.", ["erasure"]),
        ("Poistakaa tietoni, ja hänen tietonsa saavat jäädä.", ["erasure"]),
        ("Poistakaa tietoni, mutta hänen tietonsa saa jäädä.", ["erasure"]),
        ("Radera mina uppgifter för min räkning.", ["erasure"]),
        # Titlecase words that name no person whose data it is.
        ("Please delete my data from Acme's database.", ["erasure"]),
        ("Poistakaa tietoni Acmen tietokannasta.", ["erasure"]),
        ("Radera mina uppgifter ur Acmes databas.", ["erasure"]),
        ("Please delete my data, and the company's data too.", ["erasure"]),
        ("Please delete my data and send me your DPO's email address.", ["erasure"]),
        ("Poistakaa Gmailin osoitteeni.", ["erasure"]),
        ("Hi Jens, please delete my data.", ["erasure"]),
        # A company's account, or an office, in the genitive: no person's data.
        ("Hi, I'd like you to remove Apple's account details you have about me.", ["erasure"]),
        ("Please remove Microsoft's account I linked to my profile.", ["erasure"]),
        ("Please delete Adidas account linked to this email.", ["erasure"]),
        ("Radera Ikeas konto som jag skapade.", ["erasure"]),
        ("Poistakaa Zalandon tili, jonka loin tällä osoitteella.", ["erasure"]),
        ("Poistakaa Googlen tilillä luotu tilini.", ["erasure"]),
        ("Hej, Stockholms kontor har mina uppgifter, radera dem.", ["erasure"]),
        # A shop's customer data is its register, the writer's data in it.
        ("Radera mig ur Clas Ohlsons kunduppgifter.", ["erasure"]),
        ("Poistakaa Stockmannin asiakastiedot minusta.", ["erasure"]),
        # Her data as the subject of a verb of its own, before the writer's erasure.
        ("Her data is fine, but please delete my data.", ["erasure"]),
        ("Hennes uppgifter kan ni behålla, men radera mina.", ["erasure"]),
        ("Hänen tietonsa saavat jäädä, mutta poistakaa minun tietoni.", ["erasure"]),
        ("She said her team will delete my data.", ["erasure"]),
        ("Please delete my data.\nMatti Virtanen\nphone 040 123 4567", ["erasure"]),
    ],
)
def test_the_writers_own_data_stays_the_writers_right(text: str, kinds: list[str]) -> None:
    found = classify_request("", text)
    assert (found.category, found.kinds) == ("request", kinds)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("Maija Virtanen", "Poistakaa Maija Virtasen tiedot."),
        ("Maija Virtanen", "Poistakaa tietoni, ja myös Maijan tiedot."),
        ("Mikko Korhonen", "Poistakaa Mikon tiedot."),
        ("Anna Lindqvist", "Radera Anna Lindqvists uppgifter."),
        ("John Smith", "Please delete John Smith's data."),
        ("Matti Virtanen", "Poistakaa Matin tiedot."),
        ("Erik Olsson", "Radera Eriks uppgifter."),
        # Finnish genitives of -i, -e, -s names and with consonant gradation; a hyphenated name.
        ("Matti Niemi", "Poistakaa Niemen tiedot."),
        ("Kaisa Laine", "Poistakaa Kaisa Laineen tiedot."),
        ("Markus Berg", "Poistakaa Markuksen tiedot."),
        ("Tuula Aalto", "Poistakaa Tuula Aallon tiedot."),
        ("Pekka Lahti", "Poistakaa Pekka Lahden tiedot."),
        ("Kaisa Virta", "Poistakaa Kaisa Virran tiedot."),
        ("Kaisa Lintu", "Poistakaa Kaisa Linnun tiedot."),
        ("Satu Virtanen", "Poistakaa Sadun tiedot."),
        ("Anna-Karin Berg", "Radera Anna-Karins uppgifter."),
    ],
)
def test_the_senders_own_name_before_the_data_is_the_writers_own_erasure(
    name: str, text: str
) -> None:
    found = classify_request("", text, names=[name])
    assert (found.category, found.kinds) == ("request", ["erasure"])


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("Maija Virtanen", "Poistakaa tietoni, ja myös Matti Virtasen tiedot."),
        ("Anna Lindqvist", "Radera mina uppgifter, och Elins uppgifter också."),
        ("John Smith", "Please delete my data, and Mary's data too."),
    ],
)
def test_another_name_than_the_senders_before_the_data_goes_to_a_person(
    name: str, text: str
) -> None:
    found = classify_request("", text, names=[name])
    assert (found.category, found.kinds) == ("needs_triage", [])
    assert found.evidence["others_data"]
    assert found.evidence["erasure"]  # the writer's own, shown to the person triaging


@pytest.mark.parametrize(
    "text",
    [
        # A person's account or profile, not one the sentence says is the writer's.
        "Please delete Pekka's account.",
        "Please delete Pekka's profile.",
        "Poistakaa Pekan tili.",
        "Radera Eriks konto.",
        # The writer's own account beside his does not make his hers.
        "Please delete my account and Pekka's account.",
        # Compounds of a data noun.
        "Poistakaa Pekan osoitetiedot.",
        "Radera Eriks kontaktuppgifter.",
        "Radera Eriks personnummer.",
        # Only what follows the account says it is the writer's: not the request's own "I".
        "I ask you to delete Erik's profile.",
        "Jag ber er radera Eriks konto.",
        "Please delete Pekka's account this week.",
        "Please delete Pekka's account, my son.",
        "Radera Eriks konto, detta är viktigt.",
        # Done for the writer is not the writer's: "for me", "åt mig".
        "Please delete Pekka's account for me.",
        "Radera Eriks konto åt mig.",
        "Radera Eriks konto för mig.",
    ],
)
def test_another_persons_account_or_compound_data_goes_to_a_person(text: str) -> None:
    found = classify_request("", text, names=["Liisa Korhonen"])
    assert (found.category, found.kinds) == ("needs_triage", [])
    assert found.evidence["others_data"]


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("Jan Berg", "Please delete Jane's data as well."),
        ("Anna Virtanen", "Poistakaa Anne Virtasen tiedot."),
        ("Erik Olsson", "Radera Erikas uppgifter."),
        # A first name's -en is another name's genitive (Anne, Lasse): only a surname's is hers.
        ("Anni Virtanen", "Poistakaa Annen tiedot."),
        ("Lassi Korhonen", "Poistakaa Lassen tiedot."),
    ],
)
def test_a_name_only_like_the_senders_is_another_persons_and_goes_to_a_person(
    name: str, text: str
) -> None:
    found = classify_request("", text, names=[name])
    assert (found.category, found.kinds) == ("needs_triage", [])
    assert found.evidence["others_data"]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        # Another person's data named beside the opt-out.
        ("Please stop sending me marketing emails. Also delete my husband's data.", "marketing"),
        ("Älkää lähettäkö minulle enää markkinointia. Poistakaa myös mieheni tiedot.", "marketing"),
        ("Sluta skicka reklam till mig. Radera också min makes uppgifter.", "marketing"),
        # Written for someone else too.
        ("Please stop sending me marketing emails, on behalf of my wife too.", "marketing"),
        ("Älkää lähettäkö minulle enää mainoksia. Kirjoitan myös vaimoni puolesta.", "marketing"),
        ("Sluta skicka reklam till mig, även för min makes räkning.", "marketing"),
        # Asked for the writer and for a spouse too.
        ("Please stop sending marketing to me and to my husband.", "marketing"),
        ("Lopettakaa markkinointi minulle ja miehelleni.", "marketing"),
        ("Sluta skicka reklam till mig och min man.", "marketing"),
        # Asked by the writer and a spouse together, as one subject.
        ("My husband and I want no more newsletters.", "marketing"),
        ("Mieheni ja minä emme halua enää uutiskirjeitä.", "marketing"),
        ("Min man och jag vill inte ha fler nyhetsbrev.", "marketing"),
        ("I and my wife want no more newsletters.", "marketing"),
        ("Jag och min fru vill inte ha fler nyhetsbrev.", "marketing"),
        ("Minä ja vaimoni emme halua enää mainoksia.", "marketing"),
        ("She and I want no more newsletters.", "marketing"),
        # With a possessive, an adverb or request words between the pair and the opt-out.
        ("My wife and I do not want your newsletters.", "marketing"),
        ("Min man och jag vill inte längre få era nyhetsbrev.", "marketing"),
        ("Min fru och jag vill inte ha ert nyhetsbrev.", "marketing"),
        ("Mieheni ja minä emme halua teidän uutiskirjeitänne.", "marketing"),
        ("My wife and I kindly request that you stop sending newsletters.", "marketing"),
        ("My wife and I ask that you remove us from your mailing list.", "marketing"),
        ("My wife and I would rather not get your newsletters anymore.", "marketing"),
        ("My wife and I have decided that we don't want your newsletters.", "marketing"),
        ("My wife and I would like to unsubscribe from your newsletter.", "marketing"),
        # The publication opt-out likewise.
        (
            "I ban the use of my address on mailing labels. Also delete my son's data.",
            "publication",
        ),
        ("Kieltäydyn postitustarroista. Poistakaa myös poikani tiedot.", "publication"),
        (
            "Jag förbjuder att min adress används på adressetiketter. Radera också min sons"
            " uppgifter.",
            "publication",
        ),
    ],
)
def test_an_opt_out_beside_another_persons_data_goes_to_a_person_and_stays_the_writers_own(
    text: str, kind: str
) -> None:
    found = classify_request("", text)
    # Art. 21(3): the writer's own opt-out is in force at once; the rest is for a person.
    assert (found.category, found.kinds) == ("needs_triage", [f"{kind}_opt_out"])
    assert found.evidence["others_data"]


@pytest.mark.parametrize(
    "text",
    [
        "I want no more newsletters.",
        "Jag vill inte ha fler nyhetsbrev.",
        # Another clause: the couple is not who opts out.
        "My husband and I moved, please stop the newsletters.",
        "Mieheni ja minä olemme asiakkaitanne, mutta lopettakaa uutiskirjeet.",
        "My husband and I love your shop but no more newsletters please.",
    ],
)
def test_an_opt_out_with_no_one_else_as_its_subject_is_the_writers_own(text: str) -> None:
    found = classify_request("", text)
    assert (found.category, found.kinds) == ("request", ["marketing_opt_out"])


@pytest.mark.parametrize(
    "text",
    [
        # The couple is the subject of a verb of its own; the writer alone opts out.
        "My husband and I divorced so please remove me from your mailing list.",
        "Since my husband and I divorced I want no more newsletters.",
        "After my wife and I moved I no longer want your newsletter.",
        "Min man och jag har skilt oss så ta bort mig från utskicket.",
    ],
)
def test_a_couple_named_before_the_writers_own_opt_out_does_not_send_it_to_a_person(
    text: str,
) -> None:
    found = classify_request("", text)
    assert found.category == "request" and "marketing_opt_out" in found.kinds
    assert "others_data" not in found.evidence


@pytest.mark.parametrize(
    "text",
    [
        "If you use my data for marketing, stop it.",
        "Jos käytätte tietojani markkinointiin, lopettakaa se.",
        "Om ni använder mina uppgifter för marknadsföring, sluta med det.",
        "If you send me newsletters, then please unsubscribe me.",
    ],
)
def test_an_opt_out_phrased_as_a_conditional_instruction_is_still_an_opt_out(text: str) -> None:
    found = classify_request("", text)
    assert (found.category, found.kinds) == ("request", ["marketing_opt_out"])


@pytest.mark.parametrize(
    "text",
    [
        "What would happen if I stopped marketing?",
        "Mitä tapahtuisi, jos lopettaisin markkinoinnin?",
        "Vad skulle hända om jag slutade med marknadsföring?",
        "Mitä tapahtuu, jos lopetan markkinoinnin?",
        "Vad händer om jag avregistrerar mig från nyhetsbrevet?",
        "What happens if I unsubscribe from your marketing?",
        "What if I stopped the marketing?",
    ],
)
def test_a_question_about_what_an_opt_out_would_do_is_not_an_opt_out(text: str) -> None:
    assert classify_request("", text).kinds == []


@pytest.mark.parametrize(
    "text",
    [
        "What would happen if I deleted my data?",
        "Mitä tapahtuisi, jos poistaisin tietoni?",
        "Vad skulle hända om jag raderade mina uppgifter?",
        "What happens to my orders if you delete my data?",
        "Mitä tilauksilleni tapahtuu, jos poistatte tietoni?",
        "Vad händer med mina beställningar om ni raderar mina uppgifter?",
        "What if I asked you to erase my data?",
    ],
)
def test_a_question_about_what_an_erasure_would_do_is_for_a_person_to_answer(text: str) -> None:
    found = classify_request("", text)
    assert (found.category, found.kinds) == ("needs_triage", [])


@pytest.mark.parametrize(
    "text",
    [
        "Please delete my data. What happens to my orders?",
        "Poistakaa tietoni. Mitä tilauksilleni tapahtuu?",
        "Radera mina uppgifter. Vad händer med mina beställningar?",
        "What would happen if I deleted my data? Please delete it anyway.",
    ],
)
def test_an_erasure_asked_beside_a_question_about_its_consequences_stays_an_erasure(
    text: str,
) -> None:
    found = classify_request("", text)
    assert (found.category, found.kinds) == ("request", ["erasure"])


@pytest.mark.parametrize(
    "text",
    [
        "Why do I need to log in if I just want to unsubscribe from your marketing?",
        "Varför måste jag logga in om jag vill sluta få reklam?",
        "What should I do if I want you to stop sending me marketing?",
        "Why must I call you if I want to stop the marketing mails?",
        "Miksi minun pitää soittaa, jos haluan lopettaa markkinoinnin?",
        "Hur gör jag om jag vill sluta få reklam?",
        "Miten voin lopettaa markkinoinnin, jos en halua kirjautua?",
    ],
)
def test_an_opt_out_asked_in_a_how_or_why_question_is_still_an_opt_out(text: str) -> None:
    assert classify_request("", text).kinds == ["marketing_opt_out"]


@pytest.mark.parametrize(
    "text",
    [
        "I spoke with Anna and she said her team will delete my data. Please do so.",
        "Puhuin Annan kanssa, hän sanoi että hänen tiiminsä poistaa tietoni.",
        "Jag pratade med Anna, hon sa att hennes team raderar mina uppgifter.",
    ],
)
def test_a_third_person_who_will_do_the_erasing_is_not_whose_data_is_erased(text: str) -> None:
    found = classify_request("", text)
    assert (found.category, found.kinds) == ("request", ["erasure"])


@pytest.mark.parametrize(
    ("text", "kinds", "articles"),
    [
        ("Pyyntö tietosuoja-asetuksen 15 artiklan nojalla.", ["access"], ["15"]),
        ("Pyyntö EU:n yleisen tietosuoja-asetuksen artikla 17 mukaisesti.", ["erasure"], ["17"]),
        ("Begäran enligt artikel 16 GDPR.", ["rectification"], ["16"]),
        ("Request under Art. 18(1)(d) GDPR.", ["restriction"], ["18"]),
        ("Request under Article 20 GDPR.", ["portability"], ["20"]),
        ("Objection under Art. 21(1) GDPR.", ["objection"], ["21"]),
        ("Invändning enligt artikel 21.2 GDPR.", ["objection", "marketing_opt_out"], ["21"]),
        ("Vastustan 21 artiklan 3 kohdan nojalla.", ["objection", "marketing_opt_out"], ["21"]),
    ],
)
def test_a_cited_gdpr_article_names_the_right(
    text: str, kinds: list[str], articles: list[str]
) -> None:
    found = classify_request("", text)
    assert found.kinds == kinds
    assert found.articles == articles


def test_articles_that_name_no_right_are_listed_but_give_no_kind() -> None:
    found = classify_request("", "Under Article 12(3) GDPR and Article 4(1) GDPR, answer me.")
    assert found.articles == ["4", "12"]
    assert found.kinds == []


def test_the_evidence_shows_the_words_that_triggered_each_kind() -> None:
    found = classify_request("Osoitteenmuutos", "Korjatkaa osoitteeni, ja poistakaa puhelinnumero.")
    assert found.evidence["rectification"][0] == "Osoitteenmuutos"
    assert "poistakaa" in found.evidence["erasure"]


def test_kinds_are_always_known_case_kind_codes_in_their_canonical_order() -> None:
    found = classify_request(
        "Art. 15, 16, 17, 18, 20, 21(2)",
        "Kiellän tietojeni julkaisemisen luetteloissa.",
    )
    assert found.kinds == list(KIND_CODES)


def test_a_known_word_one_edit_from_a_keyword_is_not_corrected() -> None:
    assert classify_request("", "I cannot use remote access on my laptop.").kinds == ["access"]
    assert classify_request("", "We moved the remote meeting.").kinds == []


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("Älkää poistako tietojani, mutta lähettäkää minulle kopio niistä.", ["access"]),
        ("Radera inte mina uppgifter, men skicka mig en kopia.", ["access"]),
        ("Please do not delete my data, but send me a copy of it.", ["access"]),
        ("Please delete my data. I do not want a copy.", ["erasure"]),
        ("Don't call me, delete my data.", ["erasure"]),
    ],
)
def test_a_right_named_only_to_refuse_it_is_not_asked_for(text: str, kinds: list[str]) -> None:
    found = classify_request("", text)
    assert (found.category, found.kinds) == ("request", kinds)


@pytest.mark.parametrize(
    "text",
    [
        "En halua, että tietojani poistetaan.",
        "Jag vill inte att ni raderar mina uppgifter.",
        "Please do not delete my account.",
    ],
)
def test_a_mail_that_only_refuses_a_right_goes_to_a_person(text: str) -> None:
    found = classify_request("", text)
    assert (found.category, found.kinds) == ("needs_triage", [])


@pytest.mark.parametrize(
    "text",
    ["I don't want marketing emails anymore.", "En halua mainoksia.", "Jag vill inte ha reklam."],
)
def test_refusing_marketing_is_an_opt_out(text: str) -> None:
    assert classify_request("", text).kinds == ["marketing_opt_out"]


@pytest.mark.parametrize(
    ("subject", "text", "kinds"),
    [
        (
            "Tietopyyntö",
            "Lähettäkää minulle kopio tiedoistani.\n\nTerveisin\nMarja Meri\n"
            "Markkinointipäällikkö, Example Oy",
            ["access"],
        ),
        ("", "Tykkään uutiskirjeestänne. Mitä tietoja teillä on minusta?", ["access"]),
        (
            "",
            "Haluan edelleen saada uutiskirjeenne, mutta lähettäkää kopio tiedoistani.",
            ["access"],
        ),
        (
            "Registerutdrag",
            "Skicka mig en kopia av mina uppgifter.\n\nHälsningar\nMia Mo\nMarknadschef, "
            "Example Ab",
            ["access"],
        ),
        (
            "",
            "Jag vill fortsätta få ert nyhetsbrev, men skicka mig en kopia av mina uppgifter.",
            ["access"],
        ),
        ("", "Jag vill ha en kopia av nyhetsbrevet jag fick och av mina uppgifter.", []),
        (
            "Access request",
            "Please send me a copy of my data.\n\nBest regards\nMay Moss\nHead of Marketing, "
            "Example Oy",
            ["access"],
        ),
        ("", "Please keep sending me the newsletter, but send me a copy of my data.", ["access"]),
        ("", "Your mail went to my spam folder. What data do you have about me?", ["access"]),
    ],
)
def test_marketing_named_without_a_refusal_is_not_an_opt_out(
    subject: str, text: str, kinds: list[str]
) -> None:
    assert classify_request(subject, text).kinds == kinds


@pytest.mark.parametrize(
    ("subject", "text"),
    [
        ("Markkinointikielto", "Hei, Oskari Oja tässä."),
        ("", "Älkää lähettäkö markkinointia."),
        ("", "Peruutan uutiskirjeen tilauksen."),
        ("", "Vastustan tietojeni käyttöä suoramarkkinointiin."),
        ("", "Avsluta mitt nyhetsbrev."),
        ("", "Jag vill inte längre få ert nyhetsbrev."),
        ("", "Jag återkallar mitt samtycke till marknadsföring."),
        ("", "I no longer wish to receive your newsletter."),
        ("", "I withdraw my consent to marketing."),
        ("", "Please do not send me marketing emails."),
    ],
)
def test_a_refusal_tied_to_marketing_is_an_opt_out(subject: str, text: str) -> None:
    assert "marketing_opt_out" in classify_request(subject, text).kinds


def test_the_language_can_be_given_instead_of_detected() -> None:
    assert classify_request("", "GDPR", language="sv").language == "sv"
    assert classify_request("", "GDPR", language="xx").language == "fi"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Hyvää päivää, pyydän tietojeni poistamista.", "fi"),
        ("God dag, jag begär att mina uppgifter raderas.", "sv"),
        ("Good morning, I request the deletion of my data.", "en"),
        ("Kiitos", "fi"),
        ("Tack så mycket", "sv"),
        ("Thank you", "en"),
    ],
)
def test_the_language_is_finnish_swedish_or_english(text: str, language: str) -> None:
    assert detect_language(text) == language


@pytest.mark.parametrize("text", ["", "   ", "12345", "GDPR", "[DSR-2026-0001]", "x@example.com"])
def test_text_without_words_gets_the_default_language(text: str) -> None:
    assert detect_language(text) == "fi"
    assert detect_language(text, default="en") == "en"


def test_a_huge_text_is_classified_quickly_enough_to_never_block_intake() -> None:
    found = classify_request("x" * 100_000, "Poistakaa tietoni. " * 50_000)
    assert found.kinds == ["erasure"]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400), st.text(max_size=60))
def test_any_text_gets_a_valid_classification(text: str, subject: str) -> None:
    found = classify_request(subject, text)
    assert found.language in ("fi", "sv", "en")
    assert set(found.kinds) <= set(KIND_CODES)
    assert found.category in ("request", "needs_triage", "non_request", "follow_up", "complaint")
    assert (found.category == "request") == bool(found.kinds) or found.category in (
        "follow_up",
        "complaint",
    )


def test_a_request_marked_confidential_and_privileged_is_not_taken_for_a_disclaimer() -> None:
    # A lawyer's letter, or a careful person: no reader it was not meant for is addressed.
    text = (
        "Hello,\n\nThis is confidential and privileged: please delete all my personal data."
        "\n\nThanks"
    )
    assert classify_request("", text).kinds == ["erasure"]
