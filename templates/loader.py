"""Render the reply emails from the Jinja2 templates in templates/email/{fi,sv,en}/.

Each reply NAME exists in every language as NAME.subject.j2, NAME.txt.j2 and NAME.html.j2;
only .html.j2 is autoescaped. Undefined names raise (StrictUndefined): a template that
needs a key the caller did not give fails loudly instead of mailing a blank.

Context contract (every template uses only these keys; `controller` and `case` always):

- ``controller``: ``cases.controller.ControllerConfig``.
- ``case``: mapping with ``reference`` ("DSR-2026-0001"), ``kinds`` (list of kind codes),
  ``receipt_date`` (date), ``due_date`` (date), ``extended_due_date`` (date | None),
  ``extension_reasons`` (str | None, the contact person's own words), ``extension_ground``
  ("complexity" | "number_of_requests" | None, Art. 12(3)), ``requester_name`` (str | None),
  ``language``.
- ``subject_data``: mapping or None: ``customer`` (dict field -> value), ``orders``,
  ``invoices`` (lists of dicts, keys as the store's columns), ``disclosures`` (list of
  dicts with ``recipient`` = the recipient's name, ``disclosed_on``, ``purpose``).
  Needed by access_response (None = "no data found") and recipient_notice.
- ``attachments``: list of file names (access_response, portability_export).
- ``changes``: list of {field, before, after} (rectification_done; recipient_notice when
  ``action`` is rectification).
- ``erased``: list of str; ``kept``: list of {item, reason, until} (erasure_done; and
  recipient_notice, from the same decision, when ``action`` is erasure). Items that are
  keys of ``FIELD_LABELS`` ("email", "orders", ...) are translated, other text is shown
  as is; a reason that is a key of ``KEPT_REASONS`` ("open_invoice", "debt_collection",
  "bookkeeping", "voucher", "claim_evidence", "disclosure_log", "marketing_suppression")
  becomes the standard legal reason; ``until`` (optional) says until when, in words.
- ``notified_recipients``: list of recipient names told under Art. 19 (rectification_done,
  erasure_done, restriction_confirmation).
- ``manual_systems``: list of {system, kind, status ("open", "done"), outcome ("done",
  "nothing_there", "not_done" or None), note (for "not_done": why), file} from the data
  map's manual systems (access_response, portability_export, erasure_done,
  rectification_done, restriction_confirmation; optional).
- ``refusal_reasons``: str; ``partial``: bool (refusal).
- ``code``: str; ``code_expires``: aware datetime (verification_code).
- ``questions``: str | None (identity_request, clarification_request; optional).
- ``opt_outs``: list of "marketing" | "publication" in force, with ``opt_out_address``;
  ``added_kinds``: list of kind codes a mail in the case's thread just added to the case
  (acknowledgement; all optional).
- ``recipient``: mapping with ``name`` and ``email``; ``action``: "rectification",
  "erasure" or "restriction" (recipient_notice; render it in
  ``controller.fallback_language`` unless the recipient's language is known).

Template helpers: filters ``date_local(d, lang)``, ``datetime_local(dt, lang)`` (Helsinki
time), ``money(amount, lang)``, ``show(value, lang)`` (None -> "–", dates, booleans),
``required(what)`` (None raises ContextError);
globals ``kind_label(code, lang)``, ``field_label(key, lang)``, ``kept_reason(reason, lang)``,
``extension_ground(code, lang)``.
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

from templates.labels import (
    LANGUAGES,
    MONTHS,
    extension_ground,
    field_label,
    kept_reason,
    kind_label,
)

TEMPLATE_DIR = Path(__file__).parent / "email"
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


def date_local(value: date | datetime | str | None, lang: str) -> str:
    """5.4.2026 (fi), 5 april 2026 (sv), 5 April 2026 (en); a datetime's Helsinki date."""
    if value is None:
        raise ContextError("date_local: a date the template needs is missing")
    if isinstance(value, str):  # an ISO date kept in an audit event's reply context
        try:
            value = date.fromisoformat(value)
        except ValueError:
            raise ContextError(f"date_local: not an ISO date: {value!r}") from None
    if isinstance(value, datetime):
        value = _helsinki(value).date()
    if lang in MONTHS:
        return f"{value.day} {MONTHS[lang].split()[value.month - 1]} {value.year}"
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
        # The templates ship with the code: no stat() of three files for every mail rendered.
        auto_reload=False,
    )
    env.filters.update(date_local=date_local, datetime_local=datetime_local, money=money)
    env.filters.update(show=show, required=required)
    env.globals.update(
        kind_label=kind_label,
        field_label=field_label,
        kept_reason=kept_reason,
        extension_ground=extension_ground,
    )
    return env


@functools.cache
def subject_phrases() -> tuple[str, ...]:
    """The fixed wording of our replies' subject lines in every language, longest first."""
    # Only the literal text, and not of a recipient notice (it goes to another controller):
    # its "erasure of personal data" is also what a requester may write.
    env = environment()
    found: set[str] = set()
    for path in TEMPLATE_DIR.glob("*/*.subject.j2"):
        if path.name.startswith("recipient_notice."):
            continue
        for node in env.parse(path.read_text(encoding="utf-8")).find_all(jinja2.nodes.TemplateData):
            phrase = " ".join(node.data.split()).strip(" []")
            if len(phrase.split()) >= 2:
                found.add(phrase)
    return tuple(sorted(found, key=lambda p: (-len(p), p)))


@functools.cache
def _shipped(lang: str, name: str) -> bool:
    return (TEMPLATE_DIR / lang / f"{name}.txt.j2").is_file()


def _language(language: str | None, name: str, fallback: str) -> str:
    lang = (language or "").strip().lower().replace("_", "-").split("-")[0]
    if lang in LANGUAGES and _shipped(lang, name):
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
