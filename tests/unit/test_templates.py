"""Every reply renders in Finnish, Swedish and English and says what the GDPR requires."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import jinja2
import pytest

from cases.controller import ControllerConfig, load_controller_toml
from cases.kinds import KIND_CODES
from templates.labels import KIND_LABELS, LANGUAGES, kind_label
from templates.loader import (
    TEMPLATE_DIR,
    TEMPLATE_NAMES,
    ContextError,
    RenderedEmail,
    UnknownTemplate,
    date_local,
    datetime_local,
    money,
    render_email,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "rightsdesk.example.toml"
REFERENCE = "DSR-2026-0001"
RECIPIENTS = ("Esimerkki Tilitoimisto Oy", "Esimerkki Perintä Oy", "Esimerkki Luottotieto Oy")


@pytest.fixture(scope="module")
def controller() -> ControllerConfig:
    return load_controller_toml(EXAMPLE.read_text(encoding="utf-8"))


def sample_context(controller: ControllerConfig, **overrides: Any) -> dict[str, Any]:
    """A context with every key of the contract in templates/loader.py filled in."""
    context: dict[str, Any] = {
        "controller": controller,
        "case": {
            "reference": REFERENCE,
            "kinds": ["access", "erasure"],
            "receipt_date": date(2026, 3, 5),
            "due_date": date(2026, 4, 7),
            "extended_due_date": date(2026, 6, 5),
            "extension_reasons": "Pyyntö koskee useita järjestelmiä.",
            "extension_ground": "complexity",
            "requester_name": "Maija Meikäläinen",
            "language": "fi",
        },
        "subject_data": {
            "customer": {
                "id": 7,
                "name": "Maija Meikäläinen",
                "organisation": "Esimerkki Ky",
                "email": "maija@example.com",
                "postal_address": None,
                "phone": "+358 40 000 0000",
                "relationship_start": date(2020, 1, 1),
                "restricted": False,
            },
            "orders": [
                {
                    "order_number": "T-100",
                    "ordered_on": date(2025, 5, 1),
                    "description": "Konsultointi",
                    "amount": "1234.50",
                }
            ],
            "invoices": [
                {
                    "number": "L-1",
                    "issued_on": date(2025, 5, 2),
                    "due_on": date(2025, 5, 16),
                    "amount": "1234.50",
                    "status": "open",
                    "paid_on": None,
                }
            ],
            "disclosures": [
                {
                    "recipient": "Esimerkki Perintä Oy",
                    "disclosed_on": date(2025, 9, 1),
                    "purpose": "perintä",
                }
            ],
        },
        "changes": [{"field": "phone", "before": "+358 40 000 0000", "after": "+358 50 111 1111"}],
        "erased": ["email", "phone", "orders"],
        "kept": [
            {"item": "L-1", "reason": "open_invoice"},
            {"item": "invoices", "reason": "voucher"},
        ],
        "notified_recipients": ["Esimerkki Tilitoimisto Oy"],
        "restricted": ["customer", "orders", "invoices"],
        "accuracy_check_until": "2026-04-20",
        "refusal_reasons": "Pyyntö on ilmeisen perusteeton (12 artiklan 5 kohta).",
        "partial": True,
        "code": "482913",
        "code_expires": datetime(2026, 3, 6, 12, 0, tzinfo=UTC),
        "questions": None,
        "attachments": [f"{REFERENCE}.json", f"{REFERENCE}-orders.csv"],
        "recipient": {"name": "Esimerkki Tilitoimisto Oy", "email": "kirjanpito@example.com"},
        "action": "rectification",
    }
    context.update(overrides)
    return context


def with_case(controller: ControllerConfig, **case_changes: Any) -> dict[str, Any]:
    context = sample_context(controller)
    context["case"] = {**context["case"], **case_changes}
    return context


def render(name: str, lang: str, context: dict[str, Any]) -> RenderedEmail:
    email = render_email(name, lang, context)
    assert email.language == lang
    return email


def assert_in_both(email: RenderedEmail, *phrases: str) -> None:
    for phrase in phrases:
        assert phrase in email.text, f"text lacks {phrase!r}"
        assert phrase in email.html, f"html lacks {phrase!r}"


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_every_reply_renders_in_every_language_with_the_case_tag_and_no_none(
    controller: ControllerConfig, name: str, lang: str
) -> None:
    email = render(name, lang, sample_context(controller))
    assert email.subject.startswith(f"[{REFERENCE}] ")
    assert "\n" not in email.subject
    assert email.text.strip() and email.html.strip()
    assert email.html.startswith("<!DOCTYPE html>") and f'<html lang="{lang}">' in email.html
    for part in (email.subject, email.text, email.html):
        assert "None" not in part
        assert "{{" not in part and "{%" not in part
    assert "\n\n\n" not in email.text
    assert controller.privacy_email in email.text


def test_every_language_has_the_three_files_of_every_reply_and_no_stray_reply() -> None:
    for lang in LANGUAGES:
        names = {p.name for p in (TEMPLATE_DIR / lang).glob("*.j2") if not p.name.startswith("_")}
        expected = {f"{n}.{part}.j2" for n in TEMPLATE_NAMES for part in ("subject", "txt", "html")}
        assert names == expected, lang


# Per language: a phrase for each item Art. 15 requires (design §1.3).
ACCESS_PHRASES: dict[str, dict[str, tuple[str, ...]]] = {
    "fi": {
        "confirmation": ("Vahvistamme, että käsittelemme sinua koskevia henkilötietoja",),
        "copy": ("Jäljennös kaikista sinua koskevista tiedoista on tämän viestin liitteenä",),
        "15(1)(a)": ("Käsittelyn tarkoitukset", "asiakkaiden tilausten hallinnointi"),
        "15(1)(b)": ("Henkilötietoryhmät", "laskutustiedot"),
        "15(1)(c)": ("Vastaanottajat", "taloushallinnon ulkoistuskumppani"),
        "15(1)(d)": ("Säilytysaika", "10 vuotta asiakkuuden päättymisestä", "1336/1997"),
        "15(1)(e)": ("oikaisemista", "poistamista", "rajoittamista", "vastustaa"),
        "15(1)(f)": ("oikeus tehdä valitus valvontaviranomaiselle", "tietosuojavaltuutettu"),
        "15(1)(g)": ("Mistä tiedot on saatu", "päivityspalveluja"),
        "15(1)(h)": ("Automaattinen päätöksenteko", "pelkästään automaattisen käsittelyn"),
        "15(2)": ("15 artiklan 2 kohta", "suojatoimiin"),
        "15(3)": ("Tämä jäljennös on maksuton", "kohtuullisen maksun"),
    },
    "sv": {
        "confirmation": ("Vi bekräftar att vi behandlar personuppgifter om dig",),
        "copy": ("En kopia av alla uppgifter om dig finns som bilaga",),
        "15(1)(a)": ("Ändamålen med behandlingen", "hantera, behandla och arkivera"),
        "15(1)(b)": ("Kategorier av personuppgifter", "faktureringsuppgifter"),
        "15(1)(c)": ("Mottagare", "utlokaliserad partner för ekonomiförvaltning"),
        "15(1)(d)": ("Lagringstid", "10 år från det att kundförhållandet upphörde", "1336/1997"),
        "15(1)(e)": ("rättelse", "radering", "begränsning av behandlingen", "invända mot"),
        "15(1)(f)": (
            "rätt att lämna in ett klagomål till en tillsynsmyndighet",
            "dataombudsmannen",
        ),
        "15(1)(g)": ("Varifrån uppgifterna kommer", "uppdateringstjänster"),
        "15(1)(h)": ("Automatiserat beslutsfattande", "enbart grundar sig på automatiserad"),
        "15(2)": ("artikel 15.2", "skyddsåtgärder"),
        "15(3)": ("Denna kopia är kostnadsfri", "rimlig avgift"),
    },
    "en": {
        "confirmation": ("We confirm that we process personal data concerning you",),
        "copy": ("A copy of all the data concerning you is attached",),
        "15(1)(a)": ("Purposes of the processing", "managing, processing and archiving"),
        "15(1)(b)": ("Categories of personal data", "billing details"),
        "15(1)(c)": ("Recipients", "outsourced financial administration partner"),
        "15(1)(d)": ("Retention period", "10 years from the end of the customer", "1336/1997"),
        "15(1)(e)": ("rectify", "erase", "restrict the processing", "object to the processing"),
        "15(1)(f)": ("right to lodge a complaint with a supervisory authority", "Ombudsman"),
        "15(1)(g)": ("Where the data comes from", "address update services"),
        "15(1)(h)": ("Automated decision-making", "based solely on automated processing"),
        "15(2)": ("Article 15(2)", "safeguards"),
        "15(3)": ("This copy is free of charge", "reasonable fee"),
    },
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_access_response_names_every_item_article_15_requires(
    controller: ControllerConfig, lang: str
) -> None:
    email = render("access_response", lang, sample_context(controller))
    for item, phrases in ACCESS_PHRASES[lang].items():
        for phrase in phrases:
            assert phrase in email.text, f"{lang} text lacks {item}: {phrase!r}"
            assert phrase in email.html, f"{lang} html lacks {item}: {phrase!r}"
    assert_in_both(email, "tietosuoja@om.fi", "+358 29 566 6700", *OMBUDSMAN_ADDRESS[lang])
    assert_in_both(email, controller.supervisory_authority.name.get(lang))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_access_response_lists_the_recipients_by_name_and_the_copy_inline(
    controller: ControllerConfig, lang: str
) -> None:
    email = render("access_response", lang, sample_context(controller))
    assert_in_both(email, *RECIPIENTS)
    assert_in_both(email, f"{REFERENCE}.json", f"{REFERENCE}-orders.csv")
    assert_in_both(email, "maija@example.com", "T-100", "L-1")
    assert_in_both(email, {"fi": "1.5.2025", "sv": "1 maj 2025", "en": "1 May 2025"}[lang])
    assert_in_both(
        email, {"fi": "1\u00a0234,50 €", "sv": "1\u00a0234,50 €", "en": "€1,234.50"}[lang]
    )
    assert "- id: 7" not in email.text  # internal row ids stay out of the summary


NO_DATA = {
    "fi": "eikä siinä ole sinua koskevia henkilötietoja",
    "sv": "det innehåller inga personuppgifter om dig",
    "en": "it holds no personal data concerning you",
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_access_response_without_data_says_so_and_keeps_the_complaint_route(
    controller: ControllerConfig, lang: str
) -> None:
    email = render("access_response", lang, sample_context(controller, subject_data=None))
    assert_in_both(email, NO_DATA[lang], "tietosuoja@om.fi")
    for phrase in ACCESS_PHRASES[lang]["15(3)"]:
        assert phrase not in email.text


ONLY_ELSEWHERE = {
    "fi": "Tietojasi ei ole asiakasrekisterissämme, vaan alla luetelluissa muissa",
    "sv": "Dina uppgifter finns inte i vårt kundregister utan i de andra system som anges nedan",
    "en": "Your data is not in our customer register but in the other systems of ours listed below",
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_access_response_for_someone_only_in_another_system_shows_no_empty_register(
    controller: ControllerConfig, lang: str
) -> None:
    elsewhere = {
        "customer": {},
        "orders": [],
        "invoices": [],
        "disclosures": [],
        "desk": {"cases": [], "correspondence": []},
        "in_register": False,
        "systems_searched": ["Asiakasrekisteri", "Verkkokauppa"],
    }
    email = render("access_response", lang, sample_context(controller, subject_data=elsewhere))
    assert_in_both(email, ONLY_ELSEWHERE[lang], "Verkkokauppa")
    for empty in ("ei tilauksia", "inga beställningar", "no orders", "not been disclosed"):
        assert empty not in email.text and empty not in email.html
    for phrase in ACCESS_PHRASES[lang]["15(3)"]:
        assert phrase in email.text  # still a full Art. 15 answer


OMBUDSMAN = {
    "fi": "tietosuojavaltuutettu",
    "sv": "dataombudsmannen",
    "en": "Data Protection Ombudsman",
}
COURTS = {
    "fi": ("tuomioistuimen käsiteltäväksi", "79 artikla", "käräjäoikeudessa"),
    "sv": ("domstol", "artikel 79", "tingsrätten"),
    "en": ("take the matter to court", "Article 79", "district court"),
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_refusal_gives_the_reasons_the_ombudsman_and_the_courts(
    controller: ControllerConfig, lang: str
) -> None:
    email = render("refusal", lang, sample_context(controller))
    assert_in_both(email, "Pyyntö on ilmeisen perusteeton (12 artiklan 5 kohta).")
    assert_in_both(email, "tietosuoja@om.fi", "+358 29 566 6700", OMBUDSMAN[lang], *COURTS[lang])
    assert_in_both(email, controller.supervisory_authority.name.get(lang))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_full_and_a_partial_refusal_say_which_they_are(
    controller: ControllerConfig, lang: str
) -> None:
    partial = render("refusal", lang, sample_context(controller, partial=True))
    full = render("refusal", lang, sample_context(controller, partial=False))
    assert partial.subject != full.subject
    only_partly = {"fi": "vain osittain", "sv": "endast delvis", "en": "only in part"}[lang]
    assert only_partly in partial.subject and only_partly in partial.text
    assert only_partly not in full.text


KEPT = {
    "fi": (
        "laskut",
        "17 artiklan 3 kohdan e alakohta",
        "17 artiklan 3 kohdan b alakohta",
        "6 vuotta",
    ),
    "sv": ("fakturor", "artikel 17.3 e", "artikel 17.3 b", "6 år"),
    "en": ("invoices", "Article 17(3)(e)", "Article 17(3)(b)", "6 years"),
}
ERASED = {
    "fi": ("sähköpostiosoite", "puhelinnumero", "tilaukset"),
    "sv": ("e-postadress", "telefonnummer", "beställningar"),
    "en": ("email address", "telephone number", "orders"),
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_erasure_reply_lists_what_was_erased_and_what_was_kept_with_the_legal_reason(
    controller: ControllerConfig, lang: str
) -> None:
    email = render("erasure_done", lang, sample_context(controller))
    assert_in_both(email, *ERASED[lang], *KEPT[lang], "L-1", "1336/1997")
    assert_in_both(email, "Esimerkki Tilitoimisto Oy", "tietosuoja@om.fi", COURTS[lang][1])


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_erasure_reply_with_nothing_kept_names_no_remedies(
    controller: ControllerConfig, lang: str
) -> None:
    email = render("erasure_done", lang, sample_context(controller, kept=[]))
    assert "tietosuoja@om.fi" not in email.text
    assert KEPT[lang][1] not in email.text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_rectification_reply_shows_before_and_after_and_the_recipients_told(
    controller: ControllerConfig, lang: str
) -> None:
    email = render("rectification_done", lang, sample_context(controller))
    assert "+358 40 000 0000 → +358 50 111 1111" in email.text
    assert_in_both(
        email,
        "Esimerkki Tilitoimisto Oy",
        {"fi": "19 artikla", "sv": "artikel 19", "en": "Article 19"}[lang],
    )


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_extension_notice_gives_the_reasons_and_the_new_due_date(
    controller: ControllerConfig, lang: str
) -> None:
    email = render("extension_notice", lang, sample_context(controller))
    new_due = {"fi": "5.6.2026", "sv": "5 juni 2026", "en": "5 June 2026"}[lang]
    assert_in_both(email, "Pyyntö koskee useita järjestelmiä.", new_due)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_verification_code_is_in_the_body_with_its_expiry_in_helsinki_time(
    controller: ControllerConfig, lang: str
) -> None:
    email = render("verification_code", lang, sample_context(controller))
    expiry = {
        "fi": "6.3.2026 klo 14.00",
        "sv": "6 mars 2026 kl. 14.00",
        "en": "6 March 2026 at 14:00",
    }
    assert_in_both(email, "482913", expiry[lang])


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_marketing_opt_out_covers_every_channel_the_notice_names_at_once(
    controller: ControllerConfig, lang: str
) -> None:
    context = with_case(controller, kinds=["marketing_opt_out"])
    email = render("objection_confirmation", lang, context)
    phrases = {
        "fi": (
            "suoramarkkinointia",
            "etämyyntiä",
            "puhelinmarkkinointia",
            "mielipidetutkimusta",
            "heti",
        ),
        "sv": (
            "direktmarknadsföring",
            "distansförsäljning",
            "telefonförsäljning",
            "opinionsundersökningar",
            "omedelbart",
        ),
        "en": (
            "direct marketing",
            "distance selling",
            "telemarketing",
            "opinion research",
            "immediately",
        ),
    }
    assert_in_both(email, *phrases[lang])


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_restriction_confirmation_promises_notice_before_lifting(
    controller: ControllerConfig, lang: str
) -> None:
    email = render("restriction_confirmation", lang, sample_context(controller))
    assert_in_both(
        email, {"fi": "18 artiklan 3 kohta", "sv": "artikel 18.3", "en": "Article 18(3)"}[lang]
    )


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("action", ["rectification", "erasure", "restriction"])
def test_a_recipient_notice_is_addressed_to_the_recipient_and_names_the_person(
    controller: ControllerConfig, action: str, lang: str
) -> None:
    email = render("recipient_notice", lang, sample_context(controller, action=action))
    assert email.text.startswith("Esimerkki Tilitoimisto Oy\n")
    assert_in_both(email, "Maija Meikäläinen", "maija@example.com")
    assert "Hei Maija" not in email.text and "Dear Maija" not in email.text


def test_a_recipient_notice_with_an_unknown_action_fails_loudly(
    controller: ControllerConfig,
) -> None:
    with pytest.raises(ContextError):
        render_email("recipient_notice", "fi", sample_context(controller, action="shred"))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_html_escapes_a_requester_name_with_markup_and_text_keeps_it_verbatim(
    controller: ControllerConfig, lang: str
) -> None:
    context = with_case(controller, requester_name="<script>alert(1)</script>")
    email = render("acknowledgement", lang, context)
    assert "<script>" not in email.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in email.html
    assert "<script>alert(1)</script>" in email.text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_requester_without_a_name_is_greeted_without_one(
    controller: ControllerConfig, lang: str
) -> None:
    email = render("acknowledgement", lang, with_case(controller, requester_name=None))
    assert email.text.startswith({"fi": "Hei,\n", "sv": "Hej,\n", "en": "Hello,\n"}[lang])
    assert "None" not in email.text + email.html


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_recipient_notice_without_register_data_names_the_requester(
    controller: ControllerConfig, lang: str
) -> None:
    context = sample_context(controller, subject_data=None, action="erasure")
    assert_in_both(render("recipient_notice", lang, context), "Maija Meikäläinen")


def test_a_missing_context_key_raises_instead_of_mailing_a_blank(
    controller: ControllerConfig,
) -> None:
    context = sample_context(controller)
    del context["subject_data"]
    with pytest.raises(ContextError) as caught:
        render_email("access_response", "fi", context)
    assert isinstance(caught.value.__cause__, jinja2.UndefinedError)


def test_a_missing_case_field_raises_too(controller: ControllerConfig) -> None:
    context = sample_context(controller)
    del context["case"]["receipt_date"]
    with pytest.raises(ContextError):
        render_email("acknowledgement", "en", context)


def test_an_extension_notice_without_reasons_is_refused(controller: ControllerConfig) -> None:
    with pytest.raises(ContextError, match="extension_reasons"):
        render_email("extension_notice", "fi", with_case(controller, extension_reasons=None))


def test_an_unsupported_language_falls_back_to_finnish(controller: ControllerConfig) -> None:
    email = render_email("acknowledgement", "de", sample_context(controller))
    assert email.language == "fi"
    assert '<html lang="fi">' in email.html
    assert "Saimme tietosuojapyyntösi" in email.subject


def test_the_fallback_language_can_be_chosen(controller: ControllerConfig) -> None:
    email = render_email("refusal", "de", sample_context(controller), fallback="en")
    assert email.language == "en"
    assert "Data Protection Ombudsman" in email.text


def test_a_regional_language_tag_uses_its_language(controller: ControllerConfig) -> None:
    assert render_email("acknowledgement", "sv-FI", sample_context(controller)).language == "sv"


def test_an_unknown_template_name_is_the_callers_mistake(controller: ControllerConfig) -> None:
    with pytest.raises(UnknownTemplate, match="unknown template 'welcome'"):
        render_email("welcome", "fi", sample_context(controller))


def test_dates_are_written_the_local_way() -> None:
    day = date(2026, 4, 5)
    assert date_local(day, "fi") == "5.4.2026"
    assert date_local(day, "sv") == "5 april 2026"
    assert date_local(day, "en") == "5 April 2026"
    # 22:30 UTC on 31 March is already 1 April in Helsinki (design §1.1).
    late = datetime(2026, 3, 31, 22, 30, tzinfo=UTC)
    assert date_local(late, "fi") == "1.4.2026"
    assert datetime_local(late, "fi") == "1.4.2026 klo 01.30"


def test_a_naive_datetime_is_refused() -> None:
    with pytest.raises(ContextError):
        datetime_local(datetime(2026, 3, 31, 22, 30), "fi")


def test_money_is_written_the_local_way() -> None:
    assert money("1234.5", "fi") == "1\u00a0234,50 €"
    assert money(Decimal("-12"), "sv") == "-12,00 €"
    assert money(1234.5, "en") == "€1,234.50"
    assert money(None, "fi") == "–"


def test_every_kind_of_request_has_a_name_in_every_language() -> None:
    assert set(KIND_LABELS) == set(KIND_CODES)
    assert kind_label("marketing_opt_out", "fi") == "suoramarkkinoinnin kieltäminen"
    assert kind_label("portability", "sv") == "dataportabilitet"
    assert kind_label("publication_opt_out", "de") == kind_label("publication_opt_out", "fi")


OMBUDSMAN_ADDRESS = {
    "fi": ("Lintulahdenkuja 4, 00530 Helsinki", "PL 800, 00531 Helsinki"),
    "sv": ("Fågelviksgränden 4, 00530 Helsingfors", "PB 800, 00531 Helsingfors"),
    "en": ("Lintulahdenkuja 4, 00530 Helsinki", "P.O. Box 800, 00531 Helsinki"),
}
COMPLAINT_WHERE = {
    "fi": "jossa väitetty rikkominen on tapahtunut",
    "sv": "där det påstådda intrånget har ägt rum",
    "en": "where the alleged infringement took place",
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_ombudsman_is_given_in_the_reply_language_with_every_place_to_complain(
    controller: ControllerConfig, lang: str
) -> None:
    email = render("refusal", lang, sample_context(controller))
    assert_in_both(email, *OMBUDSMAN_ADDRESS[lang], COMPLAINT_WHERE[lang])


@pytest.mark.parametrize(
    ("lang", "phrases", "not_phrases"),
    [
        (
            "fi",
            ("Saimme pyyntösi 5.3.2026.", "asiakasrekisterissämme", "viestin aiherivillä"),
            ("Olemme vastaanottaneet", "rekisterissämme Asiakasrekisteri", "viestin otsikossa"),
        ),
        (
            "sv",
            ("Vi har tagit emot din begäran den 5 mars 2026.", "i vårt kundregister"),
            ("Vi tog den", "i vårt register Kundregister"),
        ),
        ("en", ("in our customer register",), ("in our Customer register",)),
    ],
)
def test_the_acknowledgement_reads_as_a_native_writer_would_put_it(
    controller: ControllerConfig, lang: str, phrases: tuple[str, ...], not_phrases: tuple[str, ...]
) -> None:
    email = render("acknowledgement", lang, sample_context(controller))
    assert_in_both(email, *phrases)
    for phrase in not_phrases:
        assert phrase not in email.text and phrase not in email.html


def test_processors_are_not_called_disclosures_in_finnish(controller: ControllerConfig) -> None:
    email = render("access_response", "fi", sample_context(controller))
    assert_in_both(email, "Tietojasi käsittelevät puolestamme tai niitä luovutetaan")
    assert "Tietojasi voidaan luovuttaa seuraaville" not in email.text


def test_the_organisation_label_speaks_to_the_reader() -> None:
    from templates.labels import FIELD_LABELS

    assert FIELD_LABELS["organisation"][:2] == (
        "edustamasi organisaatio",
        "organisation som du företräder",
    )


def test_an_older_config_with_one_address_and_no_inflected_name_still_reads(
    controller: ControllerConfig,
) -> None:
    from cases.controller import load_controller_toml

    text = EXAMPLE.read_text(encoding="utf-8")
    for table in ("register_in", "register_from", "register_ours"):
        start = text.index(f"[{table}]")
        text = text[:start] + text[text.index("\n\n", start) + 2 :]
    # The per-language address tables close the file: an older config had one string each.
    text = text[: text.index("[supervisory_authority.street_address]")]
    text = text.replace(
        "[supervisory_authority]\n",
        '[supervisory_authority]\nstreet_address = "Lintulahdenkuja 4, 00530 Helsinki"\n'
        'postal_address = "PL 800, 00531 Helsinki"\n',
    )
    older = load_controller_toml(text)
    assert older.register_in is not None and older.register_in.sv.startswith("i vårt register")
    assert older.supervisory_authority.postal_address.sv == "PL 800, 00531 Helsinki"


STOPPED = {
    "fi": ("mainonnan kohdistaminen", "Tietosuojavaltuutetun toimisto"),
    "sv": ("riktad reklam", "Dataombudsmannens byrå"),
    "en": ("targeting advertising", "Office of the Data Protection Ombudsman"),
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_objection_reply_names_the_processing_stopped_and_the_remedies_for_what_continues(
    controller: ControllerConfig, lang: str
) -> None:
    email = render("objection_confirmation", lang, with_case(controller, kinds=["objection"]))
    assert_in_both(email, *STOPPED[lang])


GROUND = {
    "fi": ("kahdella kuukaudella, koska pyyntösi on monimutkainen", "olemme saaneet paljon"),
    "sv": ("med två månader, eftersom din begäran är komplicerad", "ett stort antal begäranden"),
    "en": ("by two months, because your request is complex", "a large number of requests"),
}
OWN_WORDS = {
    "fi": "Käsittelijämme omin sanoin:",
    "sv": "Med vår handläggares egna ord:",
    "en": "In our case handler's own words:",
}
QUOTES = {"fi": ("”", "”"), "sv": ("”", "”"), "en": ("“", "”")}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_extension_notice_names_the_art_12_3_ground_chosen_for_the_case(
    controller: ControllerConfig, lang: str
) -> None:
    complexity = render("extension_notice", lang, sample_context(controller))
    many = render(
        "extension_notice", lang, with_case(controller, extension_ground="number_of_requests")
    )
    assert_in_both(complexity, GROUND[lang][0])
    assert GROUND[lang][1] not in complexity.text
    assert_in_both(many, GROUND[lang][1])
    assert GROUND[lang][0] not in many.text


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(
    ("name", "overrides"),
    [
        ("extension_notice", {}),
        ("refusal", {}),
        ("identity_request", {"questions": "Which invoice number did you pay last?"}),
        ("clarification_request", {"questions": "Which invoice number did you pay last?"}),
    ],
)
def test_free_text_from_the_contact_person_is_quoted_as_their_own_words(
    controller: ControllerConfig, lang: str, name: str, overrides: dict[str, Any]
) -> None:
    context = sample_context(controller, **overrides)
    typed = {
        "extension_notice": context["case"]["extension_reasons"],
        "refusal": context["refusal_reasons"],
    }.get(name, overrides.get("questions"))
    email = render(name, lang, context)
    opening, closing = QUOTES[lang]
    assert_in_both(email, OWN_WORDS[lang], f"{opening}{typed}{closing}")
    # Introduced before the quote, in the reply's language, not passed off as our text.
    assert email.text.index(OWN_WORDS[lang]) < email.text.index(f"{opening}{typed}")
    assert "<blockquote" in email.html


RESTRICTED = {
    "fi": (
        "asiakastiedot",
        "tilaukset",
        "laskut",
        "viimeistään 20.4.2026",
        "18 artiklan 1 kohdan a",
    ),
    "sv": ("kunduppgifter", "beställningar", "fakturor", "senast den 20 april 2026", "18.1 a"),
    "en": ("customer details", "orders", "invoices", "by 20 April 2026", "Article 18(1)(a)"),
}
CONTESTED = {
    "fi": "Olet kiistänyt tietojesi paikkansapitävyyden",
    "sv": "Du har bestritt att dina uppgifter är korrekta",
    "en": "You have contested the accuracy of your data",
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_restriction_reply_names_the_data_the_accuracy_check_and_its_date(
    controller: ControllerConfig, lang: str
) -> None:
    email = render("restriction_confirmation", lang, sample_context(controller))
    assert_in_both(email, CONTESTED[lang], *RESTRICTED[lang])
    plain = render(
        "restriction_confirmation",
        lang,
        sample_context(controller, accuracy_check_until=None, restricted=["customer"]),
    )
    assert CONTESTED[lang] not in plain.text and RESTRICTED[lang][0] in plain.text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_restriction_notice_to_a_recipient_names_the_data_and_the_accuracy_check(
    controller: ControllerConfig, lang: str
) -> None:
    email = render("recipient_notice", lang, sample_context(controller, action="restriction"))
    assert_in_both(email, *RESTRICTED[lang][:3], RESTRICTED[lang][3].split(" ", 1)[1])


SUBJECT_ORGANISATION = {
    "fi": ("edustamansa organisaatio: Esimerkki Ky", "edustamasi organisaatio"),
    "sv": ("organisation som den registrerade företräder: Esimerkki Ky", "som du företräder"),
    "en": ("organisation represented: Esimerkki Ky", "you represent"),
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_recipient_notice_speaks_of_the_data_subjects_organisation_in_the_third_person(
    controller: ControllerConfig, lang: str
) -> None:
    email = render("recipient_notice", lang, sample_context(controller, action="erasure"))
    said, never = SUBJECT_ORGANISATION[lang]
    assert_in_both(email, said)
    assert never not in email.text and never not in email.html


@pytest.mark.parametrize(
    ("lang", "phrases", "not_phrases"),
    [
        (
            "fi",
            (
                "Kieltosi on jo voimassa sähköpostiosoitteesi maija@example.com osalta:",
                "eikä sen voimaantulo edellytä henkilöllisyytesi varmistamista",
                "Käsityksemme mukaan pyyntösi koskee",
            ),
            ("merkinneet kieltosi voimaan", "Ymmärrämme, että"),
        ),
        (
            "sv",
            (
                "Ditt förbud gäller redan för e-postadressen maija@example.com:",
                "förutsätter inte att vi först kontrollerar din identitet",
                "Enligt vår uppfattning gäller din begäran",
            ),
            ("Vi har redan registrerat ditt förbud", "Vi uppfattar att"),
        ),
    ],
)
def test_the_acknowledgement_of_an_opt_out_reads_natively(
    controller: ControllerConfig, lang: str, phrases: tuple[str, ...], not_phrases: tuple[str, ...]
) -> None:
    context = sample_context(
        controller, opt_outs=["marketing"], opt_out_address="maija@example.com"
    )
    email = render("acknowledgement", lang, context)
    assert_in_both(email, *phrases)
    for phrase in not_phrases:
        assert phrase not in email.text and phrase not in email.html


def test_finnish_and_swedish_notices_and_replies_fixed_in_the_native_pass(
    controller: ControllerConfig,
) -> None:
    fi_notice = render("recipient_notice", "fi", sample_context(controller, action="erasure"))
    assert "poistakaa muut tiedot, mutta säilyttäkää" in fi_notice.text
    sv_notice = render("recipient_notice", "sv", sample_context(controller, action="erasure"))
    assert "indrivningen av en fordran under indrivning" not in sv_notice.text
    erasure = render("erasure_done", "fi", sample_context(controller))
    assert "Olemme käsitelleet pyyntösi, joka koskee tietojesi poistamista" in erasure.text
    objection = render("objection_confirmation", "fi", with_case(controller, kinds=["objection"]))
    assert "seuraavissa tarkoituksissa, joiden perusteena oli oikeutettu etumme" in objection.text


def test_an_older_config_names_its_register_without_a_case_ending_it_cannot_have() -> None:
    from cases.controller import load_controller_toml

    text = EXAMPLE.read_text(encoding="utf-8")
    for table in ("register_in", "register_from", "register_ours"):
        start = text.index(f"[{table}]")
        text = text[:start] + text[text.index("\n\n", start) + 2 :]
    older = load_controller_toml(text)
    assert older.register_in is not None and older.register_ours is not None
    assert older.register_in.fi.startswith("rekisterissämme nimeltä ")
    assert older.register_in.sv.startswith("i vårt register med namnet ")
    assert older.register_ours.en.startswith("our register named ")
