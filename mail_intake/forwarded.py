"""The original mails inside a forward: who wrote each one and when, as the forward shows them.

Gmail's "---------- Forwarded message ---------" ("Välitetty viesti", "Vidarebefordrat
meddelande"), Outlook's "From: … Sent: …" block under a forward's subject, and a forward as
an attached message/rfc822. Whether to believe them is intake's decision: only a colleague's
forward names another person (mail_intake/forward_matching.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.message import EmailMessage, Message
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

from cases.addresses import canonical, is_address
from mail_intake.sender import lenient_addresses, read_sender

# An inline date with no zone is read as the controller's (design.md §1.1: Helsinki).
_LOCAL_ZONE = ZoneInfo("Europe/Helsinki")
MAX_ORIGINALS = 5
_MAX_SCAN_CHARS = 200_000
MAX_TEXT_CHARS = 5_000
_MARKER = re.compile(
    r"^\s*-{2,}\s*(?:forwarded message|välitetty viesti|vidarebefordrat meddelande"
    r"|original message|alkuperäinen viesti|ursprungligt meddelande)\s*-{2,}\s*$",
    re.IGNORECASE,
)
_FROM_KEYS = ("from", "lähettäjä", "från", "von", "de")
_DATE_KEYS = ("date", "sent", "päivämäärä", "lähetetty", "datum", "skickat", "gesendet")
_KEY = re.compile(r"[^\W\d_]+")
# A header line of a forwarded block is short; a longer one is read only this far (a regex
# over a hostile line of spaces must not cost more than its length).
_MAX_FIELD_LINE = 998  # RFC 5322 §2.1.1
# Outlook's older form: `Aino Asiakas [mailto:aino@example.com]`.
_MAILTO = re.compile(r"\[mailto:([^\]\s]+)\]", re.IGNORECASE)
_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")
_NAME_AND_ADDRESS = re.compile(r"([^<>@]*)<([^<>\s]+@[^<>\s]+)>")
# Not "VS:": Finnish Outlook's reply (vastaus), whose quoted From/Sent block is no forward.
_FORWARD_SUBJECT = re.compile(r"\s*(?:fwd?|vl|vb|wg|tr)\s*:", re.IGNORECASE)


@dataclass(frozen=True)
class Original:
    """One forwarded mail's author and date; `form` is "inline" or "attached"."""

    address: str
    name: str | None
    date: datetime | None
    form: str
    text: str = ""  # what the original says, as the forward shows it (its language is theirs)
    message_id: str | None = None  # an attached original's own, without <> (RFC 5322 §3.6.4)


def is_forward_subject(subject: str) -> bool:
    """A subject a mail client gives a forward (Fwd, FW, VL, VB, WG, TR)."""
    return bool(_FORWARD_SUBJECT.match(subject))


def inline_originals(body: str, subject: str) -> list[Original]:
    """The header blocks of forwarded mails quoted in `body`, outermost first."""
    lines = body[:_MAX_SCAN_CHARS].replace("\r\n", "\n").split("\n")
    found: list[Original] = []
    outlook = is_forward_subject(subject)
    i = 0
    while i < len(lines) and len(found) < MAX_ORIGINALS:
        start = i + 1 if _MARKER.match(lines[i]) else i
        if start == i and not (outlook and _key(lines[i]) in _FROM_KEYS):
            i += 1
            continue
        fields = _block(lines, start)
        original = _original(fields, "inline")
        if original is not None:
            found.append(replace(original, text=_text_after(lines, start + len(fields))))
        i = start + max(len(fields), 1)
    return found


def _text_after(lines: list[str], start: int) -> str:
    """The forwarded mail's own text: from its header block to the next forward marker."""
    kept: list[str] = []
    for line in lines[start:]:
        if _MARKER.match(line) or sum(map(len, kept)) > MAX_TEXT_CHARS:
            break
        kept.append(line)
    return "\n".join(kept).strip()


def _attached_text(inner: Message) -> str:
    try:
        body = (
            inner.get_body(preferencelist=("plain",)) if isinstance(inner, EmailMessage) else None
        )
        return str(body.get_content())[:MAX_TEXT_CHARS] if body is not None else ""
    except Exception:  # an unreadable attached text tells no language
        return ""


def attached_original(inner: Message) -> Original | None:
    """The author and date of a forward attached as message/rfc822."""
    sender = read_sender(inner)
    if sender.address is None:
        return None
    try:
        raw_date = inner.get("Date")
        date = _zoned(parsedate_to_datetime(str(raw_date))) if raw_date else None
    except (TypeError, ValueError, IndexError, OverflowError):
        date = None
    found = _MESSAGE_ID.search(str(inner.get("Message-ID") or ""))
    return Original(
        sender.address,
        sender.name,
        date,
        "attached",
        _attached_text(inner),
        found.group(1) if found else None,
    )


def _field(line: str) -> tuple[str, str] | None:
    """A `Key: value` line as mail clients write a forward's header (`**From:** …` too)."""
    key, colon, value = line[:_MAX_FIELD_LINE].partition(":")
    key = key.strip().strip("*").strip()
    if not colon or not _KEY.fullmatch(key):
        return None
    return key.lower(), value.strip().strip("*").strip()


def _key(line: str) -> str | None:
    found = _field(line)
    return found[0] if found else None


def _block(lines: list[str], start: int) -> dict[str, str]:
    """The `Key: value` lines from `start` up to the first line that is none (at most 8)."""
    fields: dict[str, str] = {}
    for line in lines[start : start + 8]:
        found = _field(line)
        if not found:
            break
        fields.setdefault(found[0], found[1])
    return fields


def _original(fields: dict[str, str], form: str) -> Original | None:
    who = next((fields[k] for k in _FROM_KEYS if k in fields), None)
    if who is None:
        return None
    mailto = _MAILTO.search(who)
    if mailto:
        who = f"{who[: mailto.start()].strip()} <{mailto.group(1)}>"
    if bracketed := _NAME_AND_ADDRESS.fullmatch(who.strip()):
        # Outlook writes "Last, First <addr>" unquoted; read as a list, the comma splits it.
        name, address = bracketed[1].strip(' "'), canonical(bracketed[2])
    else:
        pairs = lenient_addresses(who)
        if len(pairs) != 1:
            return None
        name, address = pairs[0][0].strip(), canonical(pairs[0][1])
    if not is_address(address):
        return None
    when = next((fields[k] for k in _DATE_KEYS if k in fields), None)
    return Original(address, name or None, read_date(when) if when else None, form)


# Month names by their first letters: English, Swedish, Finnish (index + 1 is the month).
_MONTH_WORDS = (
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
    ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec"),
    (
        *("tammi", "helmi", "maalis", "huhti", "touko", "kesä"),
        *("heinä", "elo", "syys", "loka", "marras", "joulu"),
    ),
)
_MONTHS = {word: n for words in _MONTH_WORDS for n, word in enumerate(words, 1)}
# Longest first: "marraskuuta" is November, not March.
_MONTH_NAMES = sorted(_MONTHS, key=len, reverse=True)
_RFC5322_DATE = re.compile(r"\s*(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d{1,2}:\d{2}")
_NUMERIC = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b")
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_YEAR = re.compile(r"\b(\d{4})\b")
_DAY = re.compile(r"(?<![\d.:])(\d{1,2})(?![\d:])\.?")
_TIME = re.compile(r"\b(\d{1,2})[.:](\d{2})(?:[.:]\d{2})?\s*([ap])?\.?\s*m?\.?(?![\w])", re.I)


def read_date(text: str) -> datetime | None:
    """A forward's date line as clients write it (RFC 5322, `ma 23.11.2026 klo 14.05`,
    `Monday, November 23, 2026 2:05 PM`, `den 23 november 2026 14:05`); None if unreadable."""
    if _RFC5322_DATE.match(text):  # the stdlib reads other forms too, and wrongly ("2:05 PM")
        try:
            value = parsedate_to_datetime(text)
            if value.tzinfo is None and "-0000" not in text:  # no zone written: Helsinki
                value = value.replace(tzinfo=_LOCAL_ZONE)
            return _zoned(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            pass
    text = text[:200]
    day_month_year: tuple[int, int, int] | None = None
    rest = text
    if found := _NUMERIC.search(text):
        day_month_year = (int(found[1]), int(found[2]), int(found[3]))
        rest = text[: found.start()] + " " + text[found.end() :]
    elif found := _ISO.search(text):
        day_month_year = (int(found[3]), int(found[2]), int(found[1]))
        rest = text[: found.start()] + " " + text[found.end() :]
    else:
        day_month_year, rest = _named(text)
    if day_month_year is None:
        return None
    day, month, year = day_month_year
    hour = minute = 0
    if clock := _TIME.search(rest):
        hour, minute = int(clock[1]), int(clock[2])
        if clock[3] and clock[3].lower() == "p" and hour < 12:
            hour += 12
        elif clock[3] and clock[3].lower() == "a" and hour == 12:
            hour = 0
    try:
        return datetime(year, month, day, hour, minute, tzinfo=_LOCAL_ZONE).astimezone(UTC)
    except (ValueError, OverflowError):  # 1.1.0001 has no UTC
        return None


def _named(text: str) -> tuple[tuple[int, int, int] | None, str]:
    """Day, month name and year in any order of the three languages' clients."""
    month = None
    rest = text
    for word in re.finditer(r"[^\W\d_]+", text):
        lower = word.group(0).lower()
        name = next((m for m in _MONTH_NAMES if lower.startswith(m)), None)
        if name is not None:
            month = _MONTHS[name]
            rest = text[: word.start()] + " " + text[word.end() :]
            break
    year = _YEAR.search(rest)
    if month is None or year is None:
        return None, text
    rest = rest[: year.start()] + " " + rest[year.end() :]
    day = _DAY.search(rest)
    if day is None:
        return None, text
    rest = rest[: day.start()] + " " + rest[day.end() :]
    return (int(day[1]), month, int(year[1])), rest


def _zoned(value: datetime) -> datetime:
    # RFC 5322 §3.3: "-0000" means the zone is unknown; read it as UTC, as parsing.py does.
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
