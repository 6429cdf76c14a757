"""Render the reply emails from the Jinja2 templates in templates/email/{fi,sv,en}/.

Each reply NAME exists in every language as NAME.subject.j2, NAME.txt.j2 and NAME.html.j2;
only .html.j2 is autoescaped. Undefined names raise (StrictUndefined): a template that
needs a key the caller did not give fails loudly instead of mailing a blank.

Context contract (every template uses only these keys; `controller` and `case` always):

- ``controller``: ``cases.controller.ControllerConfig``.
- ``case``: mapping with ``reference`` ("DSR-2026-0001"), ``kinds`` (list of kind codes),
  ``receipt_date`` (date), ``due_date`` (date), ``extended_due_date`` (date | None),
  ``extension_reasons`` (str | None), ``requester_name`` (str | None), ``language``.
- ``subject_data``: mapping or None: ``customer`` (dict field -> value), ``orders``,
  ``invoices`` (lists of dicts, keys as the store's columns), ``disclosures`` (list of
  dicts with ``recipient`` = the recipient's name, ``disclosed_on``, ``purpose``).
  Needed by access_response (None = "no data found") and recipient_notice.
- ``attachments``: list of file names (access_response, portability_export).
- ``changes``: list of {field, before, after} (rectification_done; recipient_notice when
  ``action`` is rectification).
- ``erased``: list of str; ``kept``: list of {item, reason} (erasure_done). Items that are
  keys of ``FIELD_LABELS`` ("email", "orders", ...) are translated, other text is shown
  as is; a reason that is a key of ``KEPT_REASONS`` ("open_invoice", "debt_collection",
  "bookkeeping", "voucher", "marketing_suppression") becomes the standard legal reason.
- ``notified_recipients``: list of recipient names told under Art. 19 (rectification_done,
  erasure_done, restriction_confirmation).
- ``refusal_reasons``: str; ``partial``: bool (refusal).
- ``code``: str; ``code_expires``: aware datetime (verification_code).
- ``questions``: str | None (identity_request, clarification_request; optional).
- ``recipient``: mapping with ``name`` and ``email``; ``action``: "rectification",
  "erasure" or "restriction" (recipient_notice; render it in
  ``controller.fallback_language`` unless the recipient's language is known).

Template helpers: filters ``date_local(d, lang)``, ``datetime_local(dt, lang)`` (Helsinki
time), ``money(amount, lang)``, ``show(value, lang)`` (None -> "–", dates, booleans),
``required(what)`` (None raises ContextError);
globals ``kind_label(code, lang)``, ``field_label(key, lang)``, ``kept_reason(reason, lang)``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2

TEMPLATE_DIR = Path(__file__).parent / "email"
LANGUAGES: tuple[str, ...] = ("fi", "sv", "en")
TEMPLATE_NAMES: tuple[str, ...] = (
    "acknowledgement",
    "identity_request",
    "verification_code",
    "clarification_request",
    "extension_notice",
    "access_response",
    "portability_export",
    "rectification_done",
    "erasure_done",
    "refusal",
    "restriction_confirmation",
    "objection_confirmation",
    "publication_opt_out_confirmation",
    "recipient_notice",
)
HELSINKI = ZoneInfo("Europe/Helsinki")

_MONTHS = {
    "sv": "januari februari mars april maj juni juli augusti september oktober november december",
    "en": "January February March April May June July August September October November December",
}
# (fi, sv, en) per code.
KIND_LABELS: dict[str, tuple[str, str, str]] = {
    "access": ("tietojen tarkastaminen", "rätt till tillgång", "access to your data"),
    "rectification": ("tietojen oikaiseminen", "rättelse", "rectification"),
    "erasure": ("tietojen poistaminen", "radering", "erasure"),
    "restriction": (
        "käsittelyn rajoittaminen",
        "begränsning av behandling",
        "restriction of processing",
    ),
    "portability": (
        "tietojen siirtäminen järjestelmästä toiseen",
        "dataportabilitet",
        "data portability",
    ),
    "objection": ("käsittelyn vastustaminen", "invändning mot behandling", "objection"),
    "marketing_opt_out": (
        "suoramarkkinoinnin kieltäminen",
        "förbud mot direktmarknadsföring",
        "opting out of direct marketing",
    ),
    "publication_opt_out": (
        "tietojen julkaisemisen kieltäminen luetteloissa",
        "förbud mot publicering i förteckningar",
        "opting out of publication in lists",
    ),
}
FIELD_LABELS: dict[str, tuple[str, str, str]] = {
    "customer_number": ("asiakasnumero", "kundnummer", "customer number"),
    "name": ("nimi", "namn", "name"),
    "organisation": (
        "edustettu organisaatio",
        "företrädd organisation",
        "organisation represented",
    ),
    "email": ("sähköpostiosoite", "e-postadress", "email address"),
    "postal_address": ("postiosoite", "postadress", "postal address"),
    "phone": ("puhelinnumero", "telefonnummer", "telephone number"),
    "www": ("www-osoite", "webbadress", "website"),
    "ip_address": ("IP-osoite", "IP-adress", "IP address"),
    "relationship_start": ("asiakkuus alkanut", "kundförhållandet började", "customer since"),
    "relationship_end": ("asiakkuus päättynyt", "kundförhållandet upphörde", "customer until"),
    "restricted": ("käsittely rajoitettu", "behandlingen begränsad", "processing restricted"),
    "order_number": ("tilausnumero", "ordernummer", "order number"),
    "ordered_on": ("tilattu", "beställd", "ordered on"),
    "description": ("kuvaus", "beskrivning", "description"),
    "amount": ("summa", "belopp", "amount"),
    "number": ("laskun numero", "fakturanummer", "invoice number"),
    "issued_on": ("päivätty", "daterad", "issued on"),
    "due_on": ("eräpäivä", "förfallodag", "due on"),
    "status": ("tila", "status", "status"),
    "paid_on": ("maksettu", "betald", "paid on"),
    "customer": ("asiakastiedot", "kunduppgifter", "customer details"),
    "orders": ("tilaukset", "beställningar", "orders"),
    "invoices": ("laskut", "fakturor", "invoices"),
    "disclosures": ("tiedot luovutuksista", "uppgifter om utlämnanden", "records of disclosures"),
    "recipient": ("vastaanottaja", "mottagare", "recipient"),
    "disclosed_on": ("luovutettu", "utlämnad", "disclosed on"),
    "purpose": ("tarkoitus", "ändamål", "purpose"),
    "open": ("avoin", "öppen", "open"),
    "paid": ("maksettu", "betald", "paid"),
    "in_collection": ("perinnässä", "under indrivning", "in debt collection"),
}
# Standard reasons for keeping data after an erasure request (Art. 17(3); design §1.3).
KEPT_REASONS: dict[str, tuple[str, str, str]] = {
    "open_invoice": (
        "avoin saatava on oikeusvaatimus, jonka esittämiseksi tiedot ovat tarpeen "
        "(tietosuoja-asetuksen 17 artiklan 3 kohdan e alakohta)",
        "en obetald fordran är ett rättsligt anspråk som uppgifterna behövs för att göra "
        "gällande (artikel 17.3 e i dataskyddsförordningen)",
        "an unpaid invoice is a legal claim that the data is needed to establish "
        "(Article 17(3)(e) GDPR)",
    ),
    "debt_collection": (
        "perinnässä oleva saatava on oikeusvaatimus (tietosuoja-asetuksen 17 artiklan 3 kohdan "
        "e alakohta); velan yleinen vanhentumisaika on kolme vuotta (laki velan "
        "vanhentumisesta 728/2003)",
        "en fordran under indrivning är ett rättsligt anspråk (artikel 17.3 e i "
        "dataskyddsförordningen); den allmänna preskriptionstiden är tre år (lagen om "
        "preskription av skulder 728/2003)",
        "a debt in collection is a legal claim (Article 17(3)(e) GDPR); the general "
        "limitation period is three years (Finnish Act on the Limitation of Debts 728/2003)",
    ),
    "bookkeeping": (
        "kirjanpitolain (1336/1997) 2 luvun 10 §:n mukaan kirjanpito ja tilinpäätös on "
        "säilytettävä 10 vuotta tilikauden päättymisestä; lakisääteinen velvoite "
        "(tietosuoja-asetuksen 17 artiklan 3 kohdan b alakohta)",
        "enligt 2 kap. 10 § i bokföringslagen (1336/1997) ska bokföringen och bokslutet "
        "bevaras i 10 år från räkenskapsperiodens utgång; en rättslig förpliktelse "
        "(artikel 17.3 b i dataskyddsförordningen)",
        "the Finnish Accounting Act (1336/1997), chapter 2, section 10, requires the books "
        "and financial statements to be kept for 10 years from the end of the financial "
        "year; a legal obligation (Article 17(3)(b) GDPR)",
    ),
    "voucher": (
        "kirjanpitolain (1336/1997) 2 luvun 10 §:n mukaan laskut ja muut tositteet on "
        "säilytettävä 6 vuotta sen vuoden lopusta, jonka aikana tilikausi päättyi; "
        "lakisääteinen velvoite (tietosuoja-asetuksen 17 artiklan 3 kohdan b alakohta)",
        "enligt 2 kap. 10 § i bokföringslagen (1336/1997) ska fakturor och andra "
        "verifikationer bevaras i 6 år från utgången av det år då räkenskapsperioden "
        "upphörde; en rättslig förpliktelse (artikel 17.3 b i dataskyddsförordningen)",
        "the Finnish Accounting Act (1336/1997), chapter 2, section 10, requires invoices "
        "and other vouchers to be kept for 6 years from the end of the year in which the "
        "financial year ended; a legal obligation (Article 17(3)(b) GDPR)",
    ),
    "marketing_suppression": (
        "sähköpostiosoite säilytetään markkinointikieltoluettelossa, jotta voimme noudattaa "
        "kieltoasi (tietosuoja-asetuksen 21 artiklan 3 kohta)",
        "e-postadressen finns kvar i vår spärrlista för marknadsföring så att vi kan "
        "respektera ditt förbud (artikel 21.3 i dataskyddsförordningen)",
        "your email address stays on our marketing suppression list so that we can honour "
        "your objection (Article 21(3) GDPR)",
    ),
}


class TemplateError(Exception):
    """A reply could not be rendered (templates imports nothing of ours, not even cases.errors)."""


class UnknownTemplate(TemplateError, LookupError):
    """The caller asked for a reply or language that does not exist: the caller's mistake."""


class ContextError(TemplateError):
    """The context broke the contract above: our fault, never the requester's."""


@dataclass(frozen=True)
class RenderedEmail:
    """A reply ready for the outbox; `language` is the one actually used."""

    subject: str
    text: str
    html: str
    language: str


def _pick(table: Mapping[str, tuple[str, str, str]], key: str, lang: str) -> str:
    texts = table.get(key)
    if texts is None:
        return key
    return texts[LANGUAGES.index(lang) if lang in LANGUAGES else 0]


def kind_label(code: str, lang: str) -> str:
    """The name of a kind of request in `lang`; an unknown code is shown as is."""
    return _pick(KIND_LABELS, str(code), lang)


def field_label(key: str, lang: str) -> str:
    """A register field's (or invoice status') name in `lang`; unknown keys as is."""
    return _pick(FIELD_LABELS, str(key), lang)


def kept_reason(reason: str, lang: str) -> str:
    """A `KEPT_REASONS` code written out in `lang`; any other text is returned unchanged."""
    return _pick(KEPT_REASONS, str(reason), lang)


def date_local(value: date | datetime | None, lang: str) -> str:
    """5.4.2026 (fi), 5 april 2026 (sv), 5 April 2026 (en); a datetime's Helsinki date."""
    if value is None:
        raise ContextError("date_local: a date the template needs is missing")
    if isinstance(value, datetime):
        value = _helsinki(value).date()
    if lang in _MONTHS:
        return f"{value.day} {_MONTHS[lang].split()[value.month - 1]} {value.year}"
    return f"{value.day}.{value.month}.{value.year}"


def datetime_local(value: datetime | None, lang: str) -> str:
    """An aware datetime in Helsinki time: 5.4.2026 klo 14.30 / kl. 14.30 / at 14:30."""
    if value is None:
        raise ContextError("datetime_local: a time the template needs is missing")
    local = _helsinki(value)
    day = date_local(local.date(), lang)
    if lang == "en":
        return f"{day} at {local:%H:%M} (Finnish time)"
    return f"{day} {'kl.' if lang == 'sv' else 'klo'} {local:%H.%M}"


def _helsinki(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ContextError("a naive datetime reached a template; use aware UTC")
    return value.astimezone(HELSINKI)


def money(value: Any, lang: str = "fi") -> str:
    """A euro amount: 1 234,50 € (fi, sv) or €1,234.50 (en); a missing amount is "–"."""
    if value is None or value == "":
        return "–"
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation:
        return str(value)
    if lang == "en":
        return f"€{amount:,.2f}"
    return f"{amount:,.2f} €".replace(",", "\u00a0").replace(".", ",")


def show(value: Any, lang: str) -> str:
    """Any register value for a reader: no "None", dates the local way, yes/no in words."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return {"fi": ("ei", "kyllä"), "sv": ("nej", "ja")}.get(lang, ("no", "yes"))[value]
    if isinstance(value, datetime):
        return datetime_local(value, lang)
    if isinstance(value, date):
        return date_local(value, lang)
    if isinstance(value, list | tuple):
        return ", ".join(show(item, lang) for item in value)
    return str(value)


def required(value: Any, what: str) -> Any:
    """The value itself; a None or empty one is the caller's mistake, not a blank in a mail."""
    if value is None or value == "":
        raise ContextError(f"a template needs {what}, and it is missing")
    return value


@functools.cache
def environment() -> jinja2.Environment:
    """The one Environment, built on first use (never at import)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        undefined=jinja2.StrictUndefined,
        # Escape HTML replies only: plain text must show "<" and "&" as the requester wrote them.
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters.update(date_local=date_local, datetime_local=datetime_local, money=money)
    env.filters.update(show=show, required=required)
    env.globals.update(kind_label=kind_label, field_label=field_label, kept_reason=kept_reason)
    return env


def _language(language: str | None, name: str, fallback: str) -> str:
    lang = (language or "").strip().lower().replace("_", "-").split("-")[0]
    if lang in LANGUAGES and (TEMPLATE_DIR / lang / f"{name}.txt.j2").is_file():
        return lang
    if fallback not in LANGUAGES:
        raise UnknownTemplate(f"no templates in fallback language {fallback!r}")
    return fallback


def _tidy_text(text: str) -> str:
    # Conditional blocks leave runs of blank lines; mail readers show them all.
    lines = [line.rstrip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def render_email(
    name: str, language: str, context: Mapping[str, Any], *, fallback: str = "fi"
) -> RenderedEmail:
    """Render reply `name` in `language` (or `fallback` when that language has none)."""
    if name not in TEMPLATE_NAMES:
        raise UnknownTemplate(f"unknown template {name!r}; use one of: {', '.join(TEMPLATE_NAMES)}")
    lang = _language(language, name, fallback)
    env = environment()
    variables = dict(context)
    try:
        subject = env.get_template(f"{lang}/{name}.subject.j2").render(variables)
        text = env.get_template(f"{lang}/{name}.txt.j2").render(variables)
        html = env.get_template(f"{lang}/{name}.html.j2").render(variables)
    except jinja2.UndefinedError as exc:
        # Our fault, not the requester's: the caller broke the context contract above.
        raise ContextError(f"template {lang}/{name}: {exc.message}") from exc
    return RenderedEmail(
        subject=" ".join(subject.split()),
        text=_tidy_text(text),
        html=html.strip() + "\n",
        language=lang,
    )
