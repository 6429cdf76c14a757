"""The controller's facts, as its privacy notice states them, in Finnish, Swedish and English.

Replies quote these facts (GDPR Art. 13-15); nothing about the company is hard-coded in a
template. The model reads nothing itself: `load_controller_toml` parses text the caller read.
"""

from __future__ import annotations

import re
import tomllib
from typing import Any

from pydantic import (
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from cases.addresses import FREE_MAIL, ascii_domain_name, canonical_domain, domain_of
from cases.errors import UserError
from cases.localized import LANGUAGES, Localized, LocalizedList, StrictModel, check_text
from cases.systems import RegisterSystem, System

__all__ = ["LANGUAGES", "ControllerConfig", "Localized", "LocalizedList", "load_controller_toml"]

# Deliberately loose: the address only has to be usable in a To: header, not RFC 5322-perfect.
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
_PREFIX = re.compile(r"^[A-Z]{2,10}$")
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")  # RFC 1035 §2.3.1


def _check_email(value: str) -> str:
    value = value.strip()
    if not _EMAIL.fullmatch(value):
        raise ValueError(f"{value!r} is not an email address")
    return value


def _named_once(what: str, names: list[str]) -> None:
    """Refuse a list that names the same thing twice (case-insensitively)."""
    folded = [n.casefold() for n in names]
    duplicates = sorted({n for n in names if folded.count(n.casefold()) > 1})
    if duplicates:
        raise ValueError(f"{what} named more than once: {', '.join(duplicates)}")


class ContactPerson(StrictModel):
    """Whom to contact about the register (the notice's "yhteyshenkilö")."""

    name: str
    email: str
    phone: str
    address: str

    _text = field_validator("name", "phone", "address")(check_text)
    _email = field_validator("email")(_check_email)


class RecipientInfo(StrictModel):
    """A recipient of the register's data, named as CJEU C-154/21 requires where known."""

    name: str
    category: Localized
    purpose: Localized
    outside_eea: bool = False

    _text = field_validator("name")(check_text)


class Authority(StrictModel):
    """The supervisory authority a data subject may complain to (GDPR Art. 77)."""

    name: Localized
    street_address: Localized  # street and city names differ by language (Helsingfors)
    postal_address: Localized
    phone: str
    email: str
    website: str

    _text = field_validator("phone")(check_text)

    @field_validator("street_address", "postal_address", mode="before")
    @classmethod
    def _one_text_for_all(cls, value: object) -> object:
        # A plain string (older configs) reads the same in every language.
        return {lang: value for lang in LANGUAGES} if isinstance(value, str) else value

    _email = field_validator("email")(_check_email)

    @field_validator("website")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError(f"{value!r} must start with https://")
        return value


class ControllerConfig(StrictModel):
    """Everything a reply states about the controller and its register."""

    name: str
    business_id: str | None = None
    address: str
    email: str
    phone: str
    website: str | None = None
    privacy_email: str  # requests arrive here; replies are sent from it
    # The company's other mail domains: their people are colleagues, whose forwards name the
    # customer and whose lines in a case's thread work on it. The privacy mailbox's own
    # domain always counts (see `colleague_domains`).
    own_domains: list[str] = Field(default_factory=list)
    contact_person: ContactPerson
    register_name: Localized
    # The register's name inflected as each sentence needs it (Finnish has no preposition to
    # put before a name: "asiakasrekisterissämme", not "rekisterissämme Asiakasrekisteri").
    register_in: Localized | None = None  # fi inessive, sv "i vårt …", en "in our …"
    register_from: Localized | None = None  # fi elative, sv "ur vårt …", en "from our …"
    register_ours: Localized | None = None  # fi genitive/accusative, sv "vårt …", en "our …"
    purposes: LocalizedList  # Art. 15(1)(a)
    legal_basis: Localized  # Art. 13(1)(c)
    data_categories: LocalizedList  # Art. 15(1)(b)
    recipients: list[RecipientInfo] = Field(default_factory=list)  # Art. 15(1)(c)
    retention: Localized  # Art. 15(1)(d)
    retention_years: int = Field(default=10, ge=1, le=100)
    case_retention_years: int = Field(default=3, ge=1, le=100)  # design §1.4
    # Storage limitation (Art. 5(1)(e)) without a cron job: `rightsdesk run` sweeps daily.
    retention_sweep_daily: bool = True
    transfers_outside_eea: Localized  # Art. 15(2)
    transfer_safeguards: Localized  # Art. 15(2), Art. 46
    sources: LocalizedList  # Art. 15(1)(g)
    automated_decision_making: Localized  # Art. 15(1)(h)
    supervisory_authority: Authority  # Art. 15(1)(f), Art. 12(4)
    languages: list[str] = Field(default_factory=lambda: list(LANGUAGES))
    fallback_language: str = "fi"
    reference_prefix: str = "DSR"
    christmas_eve_working: bool = False
    accounting_retention: Localized  # Kirjanpitolaki 1336/1997 2:10; Art. 17(3)(b)
    # Facts the controller has confirmed itself (see cases.config_check.CONFIRM): replies
    # state them to data subjects, so they are never taken on trust from an example.
    confirmed: list[str] = Field(default_factory=list)
    # Values the file holds as placeholders until the controller gives the real ones.
    placeholders: list[str] = Field(default_factory=list)
    # The data map (`[[systems]]`): where the register's data lives. Without one, the
    # built-in register is the only system (see `systems_or_register`).
    systems: list[System] = Field(default_factory=list)

    _text = field_validator("name", "address", "phone")(check_text)
    _email = field_validator("email", "privacy_email")(_check_email)

    @field_validator("business_id", "website")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None

    @field_validator("website")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError(f"{value!r} must start with https://")
        return value

    @field_validator("recipients")
    @classmethod
    def _unique_recipients(cls, value: list[RecipientInfo]) -> list[RecipientInfo]:
        _named_once("recipient", [r.name for r in value])
        return value

    @field_validator("systems")
    @classmethod
    def _one_name_each(cls, value: list[System]) -> list[System]:
        _named_once("system", [s.name for s in value])
        if sum(s.kind == "register" for s in value) > 1:
            raise ValueError("the built-in register can be listed only once")
        return value

    @field_validator("own_domains")
    @classmethod
    def _domains(cls, value: list[str]) -> list[str]:
        domains = [d.strip().lower().removeprefix("@") for d in value]
        for domain in domains:
            try:  # an IDN domain is checked in its A-labels, the form DNS knows (RFC 5890)
                labels = [] if "@" in domain else ascii_domain_name(domain).split(".")
            except ValueError:
                labels = []
            if len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels):
                raise ValueError(f"{domain!r} is not a mail domain (e.g. 'example.com')")
            if domain in FREE_MAIL:
                # Anyone may have an address there: all of them would pass as colleagues.
                raise ValueError(f"{domain!r} is a public mail service, not the company's domain")
        # Kept as senders' domains are compared (U-labels): either form may be written here.
        return list(dict.fromkeys(canonical_domain(d) for d in domains))

    def colleague_domains(self) -> frozenset[str]:
        """The mail domains whose senders are the controller's own people (its colleagues)."""
        # The privacy mailbox's domain always counts; a public mail service's never does,
        # even when the privacy mailbox is there: anyone may have an address at it.
        return frozenset({domain_of(self.privacy_email), *self.own_domains}) - FREE_MAIL

    def systems_or_register(self) -> list[System]:
        """The data map, or the built-in register alone when the file names no systems."""
        return list(self.systems) or [RegisterSystem(name=self.register_name.fi)]

    @field_validator("languages")
    @classmethod
    def _known_languages(cls, value: list[str]) -> list[str]:
        unknown = [lang for lang in value if lang not in LANGUAGES]
        if unknown or not value:
            raise ValueError(f"use some of {', '.join(LANGUAGES)} (got {value!r})")
        return list(dict.fromkeys(value))

    @field_validator("fallback_language")
    @classmethod
    def _fallback_is_offered(cls, value: str, info: ValidationInfo) -> str:
        languages = info.data.get("languages", list(LANGUAGES))
        if value not in languages:
            raise ValueError(f"{value!r} is not one of languages {languages!r}")
        return value

    @field_validator("reference_prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        if not _PREFIX.fullmatch(value):
            raise ValueError(f"{value!r} must be 2-10 capital letters A-Z, e.g. 'DSR'")
        return value


def _inflected(config: ControllerConfig) -> ControllerConfig:
    """Fill the inflected forms an older config lacks with the plain name after a noun."""
    name = config.register_name
    # "nimeltä" / "med namnet" / "named" take a name as it is: no case ending is needed.
    defaults = {
        "register_in": Localized(
            fi=f"rekisterissämme nimeltä {name.fi}",
            sv=f"i vårt register med namnet {name.sv}",
            en=f"in our register named {name.en}",
        ),
        "register_from": Localized(
            fi=f"rekisteristämme nimeltä {name.fi}",
            sv=f"ur vårt register med namnet {name.sv}",
            en=f"from our register named {name.en}",
        ),
        "register_ours": Localized(
            fi=f"rekisterimme nimeltä {name.fi}",
            sv=f"vårt register med namnet {name.sv}",
            en=f"our register named {name.en}",
        ),
    }
    missing = {k: v for k, v in defaults.items() if getattr(config, k) is None}
    return config.model_copy(update=missing) if missing else config


def _describe(error: Any) -> str:
    """One line: the dotted field path and pydantic's message, lower-cased like the rest."""
    path = ""
    for part in error["loc"]:
        path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else str(part)
    message = str(error["msg"]).removeprefix("Value error, ")
    message = message[:1].lower() + message[1:]
    return f"{path}: {message}" if path else message


def load_controller_toml(text: str) -> ControllerConfig:
    """Parse the controller's TOML configuration; a mistake becomes one readable UserError."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"config: not valid TOML: {exc}") from None
    try:
        return _inflected(ControllerConfig.model_validate(data))
    except ValidationError as exc:
        errors = exc.errors()
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        line = " ".join(f"config: {_describe(errors[0])}{more}".split())
        raise UserError(line) from None
