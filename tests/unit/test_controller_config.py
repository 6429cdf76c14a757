"""The controller's TOML configuration: the example loads, and every mistake names its field."""

from __future__ import annotations

from pathlib import Path

import pytest

from cases.config_check import findings
from cases.controller import ControllerConfig, Localized, LocalizedList, load_controller_toml
from cases.errors import UserError

EXAMPLE = Path(__file__).resolve().parents[2] / "rightsdesk.example.toml"


def example_text() -> str:
    return EXAMPLE.read_text(encoding="utf-8")


def edited(old: str, new: str) -> str:
    """The example with one passage replaced (the passage must be there)."""
    text = example_text()
    assert old in text, f"the example no longer contains {old!r}"
    return text.replace(old, new, 1)


def load_error(text: str) -> str:
    with pytest.raises(UserError) as caught:
        load_controller_toml(text)
    message = str(caught.value)
    assert "\n" not in message
    return message


@pytest.fixture(scope="module")
def config() -> ControllerConfig:
    return load_controller_toml(example_text())


def test_the_example_config_carries_the_privacy_notices_facts(config: ControllerConfig) -> None:
    assert config.name == "Target Partners Finland Oy"
    assert config.address.startswith("Itälahdenkatu 22 A")
    assert config.contact_person.name == "Pasi Kinnunen"
    assert config.register_name.fi == "Asiakasrekisteri"
    assert "10 vuotta asiakkuuden päättymisestä" in config.retention.fi
    assert config.retention_years == 10
    assert config.case_retention_years == 3
    assert "sopimukseen" in config.legal_basis.fi
    # Contract, legal obligation, legitimate interest (Art. 21) and consent, per purpose.
    for basis in ("b alakohta", "c alakohta", "f alakohta", "21 artikla", "a alakohta", "205 §"):
        assert basis in config.legal_basis.fi
    assert len(config.data_categories.fi) == 11  # with the cookie section's browsing data
    assert any("Google Analytics" in c for c in config.data_categories.fi)


def test_the_example_config_only_mails_reserved_domains(config: ControllerConfig) -> None:
    assert config.privacy_email == "privacy@targetpartners.example"
    assert config.email.endswith(".example")
    assert config.contact_person.email.endswith(".example")


def test_the_example_config_names_the_recipients_and_not_the_staff(
    config: ControllerConfig,
) -> None:
    categories = [r.category.fi for r in config.recipients]
    # Every kind the privacy notice names: financial administration, collection, credit
    # decisions, value-added services, partners' servers and Google Analytics.
    assert categories == [
        "taloushallinnon ulkoistuskumppani",
        "perintätoimisto",
        "luottotietopalvelun tarjoaja",
        "lisäarvopalvelun tuottaja",
        "yhteistyökumppani, jonka palvelimilla osa rekisterin tiedoista on teknisistä syistä",
        "verkkoanalytiikkapalvelu",
    ]
    assert [r.name for r in config.recipients if r.outside_eea] == [
        "Google Ireland Limited (Google Analytics)"
    ]
    assert not any("henkilöstö" in c for c in categories)


def test_the_example_config_has_the_ombudsmans_current_address(config: ControllerConfig) -> None:
    authority = config.supervisory_authority
    assert authority.street_address.fi == "Lintulahdenkuja 4, 00530 Helsinki"
    assert authority.postal_address.fi == "PL 800, 00531 Helsinki"
    assert authority.street_address.sv == "Fågelviksgränden 4, 00530 Helsingfors"
    assert authority.postal_address.sv == "PB 800, 00531 Helsingfors"
    assert authority.postal_address.en == "P.O. Box 800, 00531 Helsinki"
    assert authority.phone == "+358 29 566 6700"
    assert authority.email == "tietosuoja@om.fi"
    assert authority.website == "https://tietosuoja.fi"
    assert authority.name.sv == "Dataombudsmannens byrå"


def test_the_example_config_states_transfer_safeguards_and_accounting_periods(
    config: ControllerConfig,
) -> None:
    # The notice names no safeguard: the example says so honestly and flags a placeholder.
    assert "vakiosopimuslausek" not in config.transfer_safeguards.fi
    assert "standard contractual" not in config.transfer_safeguards.en
    assert "transfer_safeguards" in config.placeholders
    assert "1336/1997" in config.accounting_retention.fi
    assert "6 år" in config.accounting_retention.sv


def test_every_text_of_the_example_exists_in_all_three_languages(
    config: ControllerConfig,
) -> None:
    for field in ("purposes", "data_categories", "sources"):
        items: LocalizedList = getattr(config, field)
        assert len(items.fi) == len(items.sv) == len(items.en) > 0, field
    assert config.languages == ["fi", "sv", "en"]
    assert config.fallback_language == "fi"


def test_a_missing_field_is_reported_with_its_dotted_path() -> None:
    text = edited('email = "tietosuoja@om.fi"\n', "")
    assert load_error(text) == "config: supervisory_authority.email: field required"


def test_a_bad_field_in_a_list_is_reported_with_its_index() -> None:
    text = edited('name = "Esimerkki Perintä Oy"', 'name = "  "')
    assert load_error(text) == "config: recipients[1].name: must not be empty"


def test_a_misspelt_key_is_reported_instead_of_ignored() -> None:
    text = edited('privacy_email = "', 'privacy_mail = "x@example.com"\nprivacy_email = "')
    assert load_error(text) == "config: privacy_mail: extra inputs are not permitted"


def test_an_address_that_is_not_an_email_is_rejected() -> None:
    text = edited('privacy_email = "privacy@targetpartners.example"', 'privacy_email = "privacy"')
    assert load_error(text) == "config: privacy_email: 'privacy' is not an email address"


def test_the_company_domains_are_the_privacy_mailboxs_by_default_and_those_listed(
    config: ControllerConfig,
) -> None:
    assert config.colleague_domains() == {"targetpartners.example"}
    listed = load_controller_toml(
        edited("own_domains = []", 'own_domains = ["TargetPartners.invalid", "@tp.invalid"]')
    )
    assert listed.colleague_domains() == {
        "targetpartners.example",
        "targetpartners.invalid",
        "tp.invalid",
    }
    assert "own_domains[0]" not in [f.field for f in findings(listed)]
    on_example = load_controller_toml(edited("own_domains = []", 'own_domains = ["tp.example"]'))
    assert "example value: own_domains[0]: a reserved example domain" in [
        f.line() for f in findings(on_example)
    ]


def test_a_company_domain_written_with_u_labels_or_a_labels_is_listed_once() -> None:
    both = 'own_domains = ["Tilitoimisto-ÄÖ.invalid", "xn--tilitoimisto--nfb4y.invalid"]'
    listed = load_controller_toml(edited("own_domains = []", both))
    assert listed.own_domains == ["tilitoimisto-äö.invalid"]


@pytest.mark.parametrize(
    ("listed", "error"),
    [
        ("gmail.com", "'gmail.com' is a public mail service, not the company's domain"),
        ("-tp-ä.invalid", "'-tp-ä.invalid' is not a mail domain (e.g. 'example.com')"),
        ("pasi@tp.invalid", "'pasi@tp.invalid' is not a mail domain (e.g. 'example.com')"),
        ("localhost", "'localhost' is not a mail domain (e.g. 'example.com')"),
    ],
)
def test_a_company_domain_anyone_could_write_from_or_that_is_no_domain_is_rejected(
    listed: str, error: str
) -> None:
    text = edited("own_domains = []", f'own_domains = ["{listed}"]')
    assert load_error(text) == f"config: own_domains: {error}"


def test_a_public_mail_service_hosting_the_privacy_mailbox_makes_no_one_a_colleague() -> None:
    text = edited(
        'privacy_email = "privacy@targetpartners.example"', 'privacy_email = "tp@gmail.com"'
    )
    assert load_controller_toml(text).colleague_domains() == frozenset()


def test_a_translation_that_drops_an_item_is_rejected() -> None:
    text = edited('  "laskutustiedot",\n', "")
    message = load_error(text)
    assert message.startswith("config: data_categories: the languages list different numbers")
    assert "fi 10, sv 11, en 11" in message


def test_a_fallback_language_that_is_not_offered_is_rejected() -> None:
    text = edited('languages = ["fi", "sv", "en"]', 'languages = ["sv", "en"]')
    assert (
        load_error(text) == "config: fallback_language: 'fi' is not one of languages ['sv', 'en']"
    )


def test_an_unsupported_language_is_rejected() -> None:
    text = edited('languages = ["fi", "sv", "en"]', 'languages = ["fi", "de"]')
    assert load_error(text).startswith("config: languages: use some of fi, sv, en")


def test_a_recipient_named_twice_is_rejected() -> None:
    text = edited('name = "Esimerkki Perintä Oy"', 'name = "Esimerkki Tilitoimisto Oy"')
    assert load_error(text) == (
        "config: recipients: recipient named more than once: Esimerkki Tilitoimisto Oy"
    )


def test_a_reference_prefix_must_be_capital_letters() -> None:
    text = edited('reference_prefix = "DSR"', 'reference_prefix = "dsr-1"')
    assert load_error(text).startswith("config: reference_prefix: 'dsr-1' must be 2-10 capital")


def test_a_supervisory_website_without_a_scheme_is_rejected() -> None:
    text = edited('website = "https://tietosuoja.fi"', 'website = "tietosuoja.fi"')
    assert load_error(text) == (
        "config: supervisory_authority.website: 'tietosuoja.fi' must start with https://"
    )


def test_several_mistakes_are_counted_in_the_one_line() -> None:
    text = edited('name = "Target Partners Finland Oy"\n', "")
    text = text.replace('address = "Itälahdenkatu 22 A, Helsinki"\n', "", 1)
    assert load_error(text) == "config: name: field required (and 1 more)"


def test_text_that_is_not_toml_is_one_readable_line() -> None:
    assert load_error("name = ").startswith("config: not valid TOML: ")


def test_a_localized_text_falls_back_for_a_language_it_does_not_have() -> None:
    text = Localized(fi="hei", sv="hej", en="hello")
    assert text.get("sv") == "hej"
    assert text.get("de") == "hei"
    assert text.get("de", fallback="en") == "hello"
    assert str(text) == "hei"


def test_a_localized_list_falls_back_and_returns_a_copy() -> None:
    items = LocalizedList(fi=["a"], sv=["b"], en=["c"])
    assert items.get("en") == ["c"]
    assert items.get("de") == ["a"]
    items.get("fi").append("x")
    assert items.fi == ["a"]
