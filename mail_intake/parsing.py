"""Raw RFC 5322 bytes to a ParsedMessage: normalised headers, readable text, attachments."""

from __future__ import annotations

import codecs
import hashlib
import html as html_lib
import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from email import policy
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesParser
from email.utils import parsedate_to_datetime

from inscriptis import get_text
from mailparser_reply import EmailMessage

from cases.addresses import canonical, is_address
from mail_intake.errors import UnparseableMessage
from mail_intake.forwarded import Original, attached_original, inline_originals
from mail_intake.header_cache import (
    MAX_HEADER_CHARS,
    MAX_STRUCTURED_CHARS,
    PARSE_POLICY,
    reading_one_message,
)
from mail_intake.parsed import ParsedAttachment, ParsedMessage
from mail_intake.sanitise import printable
from mail_intake.sender import lenient_addresses, read_sender
from mail_intake.sender import raw_header_text as _clean

MAX_SIZE = 25 * 1024 * 1024
MAX_PARTS = 500
# Kept for audit and for machine-mail detection (design.md §2 items 6-7; RFC 3834, RFC 2369).
AUDIT_HEADERS = (
    "Auto-Submitted",
    "Precedence",
    "List-Id",
    "List-Unsubscribe",
    "X-Loop",
    "X-Auto-Response-Suppress",
    "X-Autoreply",
    "X-Autorespond",
    "Return-Path",
    "X-Rightsdesk-Loop",  # mail_intake.compose.LOOP_HEADER: our own mail
    "X-Failed-Recipients",
    "Content-Type",
    "Sender",
)
_AUDIT_LOWER = {h.lower(): h for h in AUDIT_HEADERS}
_MSGID = re.compile(r"<([^<>\s]+)>")
MAX_HTML_CHARS = 1_000_000
_JUNK_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1a\x1c-\x1f\x7f]")  # ESC: ISO-2022-JP
_BODY_TYPES = ("text/plain", "text/html")
_LEADING_BLANK_LINES = re.compile(rb"\A(?:\r?\n)+")


def normalise_message_id(value: str | None) -> str | None:
    """`<Local@Example.COM>` -> `Local@example.com` (RFC 5322 §3.6.4; domains are caseless)."""
    if not value:
        return None
    found = _MSGID.search(value)
    mid = "".join((found.group(1) if found else value.strip().strip("<>")).split())
    if not mid:
        return None
    local, at, domain = mid.rpartition("@")
    return f"{local}@{domain.lower()}" if at else mid


def parse_message(raw: bytes, *, max_size: int = MAX_SIZE) -> ParsedMessage:
    """Parse raw mail; raise UnparseableMessage when it is not mail at all (design.md §2.4)."""
    if len(raw) > max_size:
        raise UnparseableMessage(f"message is {len(raw)} bytes, over the {max_size}-byte limit")
    if not raw.strip():
        raise UnparseableMessage("message is empty")
    # Some gateways and scripts write an empty line before the headers; read as it is, the
    # whole mail would be body (RFC 5322 §2.1: the header section comes first). The hash,
    # the size and the stored bytes stay those of the mail as it came.
    text = _LEADING_BLANK_LINES.sub(b"", raw, count=1)
    head = re.split(rb"\r?\n\r?\n", text[:65536], maxsplit=1)[0]
    if b"\x00" in head or len(_JUNK_BYTES.findall(head)) > max(2, len(head) // 20):
        raise UnparseableMessage("binary data where the headers should be")
    with reading_one_message():  # each header parsed once; hostile ones: bounded work
        try:
            msg = BytesParser(policy=PARSE_POLICY).parsebytes(text)
        except Exception as exc:  # the stdlib parser should never raise; if it does: quarantine
            raise UnparseableMessage(f"MIME parser failed ({type(exc).__name__})") from exc
        if not msg.keys():
            raise UnparseableMessage("no headers found")
        try:
            return printable(_build(msg, raw))
        except RecursionError as exc:
            raise UnparseableMessage("MIME structure nested too deeply") from exc


_STUB_CHARS = 300
_HTML_WORD = re.compile(r"\bhtml\b", re.IGNORECASE)


def _build(msg: Message, raw: bytes) -> ParsedMessage:
    digest = hashlib.sha256(raw).hexdigest()
    defects: list[str] = []
    plain: list[str] = []
    html: list[str] = []
    attachments: list[ParsedAttachment] = []
    for part in _leaves(msg, defects):
        _note_defects(part, defects)
        ctype = part.get_content_type()
        if _is_attachment(part, ctype):
            attachments.append(_attachment(part, ctype))
        elif ctype == "text/html":
            html.append(_decode_text(part, defects))
        else:
            plain.append(_decode_text(part, defects))
    body = "\n\n".join(t for t in plain if t.strip())
    # A plain part that only says to read the HTML one ("requires an HTML capable mail
    # client"): the request is in the HTML part (RFC 2046 §5.1.4, the same content).
    if html and (not body or (len(body) < _STUB_CHARS and _HTML_WORD.search(body))):
        markup = "\n".join(html)
        if len(markup) > MAX_HTML_CHARS:  # inscriptis reads about 1 MB/s
            defects.append("TruncatedHtmlDefect")
        body = to_text(markup[:MAX_HTML_CHARS])
    subject = _fold(_header(msg, "Subject") or "")[:998]
    own_words = strip_quoted(body, forwarded=_is_forward(subject))
    if not own_words:  # "forward as attachment": the attached request is what to understand
        own_words = _attached_text(attachments, defects)
    sender = read_sender(msg)
    reply_to = _addresses(msg, "Reply-To")
    return ParsedMessage(
        message_id=normalise_message_id(_header(msg, "Message-ID"))
        or f"sha256-{digest}@rightsdesk.invalid",
        raw_sha256=digest,
        in_reply_to=normalise_message_id(_header(msg, "In-Reply-To")),
        references=_references(_header(msg, "References")),
        subject=subject,
        from_addr=sender.address,
        from_name=sender.name,
        to_addrs=[addr for _, addr in _addresses(msg, "To")],
        reply_to=reply_to[0][1] if reply_to else None,
        date=_date(_header(msg, "Date"), defects),
        headers=_audit_headers(msg),
        body_text=body,
        stripped_text=own_words,
        attachments=attachments,
        defects=list(dict.fromkeys(defects)),
        is_multipart_report=msg.get_content_type() == "multipart/report",
        size=len(raw),
        raw=raw,
        sender_unclear=sender.unclear,
        authentication_results=tuple(
            _fold(_clean(str(v)))[:MAX_HEADER_CHARS]
            for k, v in msg.raw_items()
            if k.lower() == "authentication-results"
        ),
        forwarded=(*inline_originals(body, subject), *_attached_originals(attachments)),
    )


def _attached_text(attachments: list[ParsedAttachment], defects: list[str]) -> str:
    """The plain text of the first attached message, one level deep."""
    for attached in attachments:
        if attached.content_type == "message/rfc822":
            try:
                inner = BytesParser(policy=PARSE_POLICY).parsebytes(attached.data[:100_000])
                parts = [p for p in _leaves(inner, defects) if not _is_attachment(p, _ctype(p))]
                texts = [_decode_text(p, defects) for p in parts if _ctype(p) == "text/plain"]
            except Exception:  # an unreadable attached message: nothing more to understand
                return ""
            return "\n\n".join(t for t in texts if t.strip()).strip()
    return ""


def _attached_originals(attachments: list[ParsedAttachment]) -> list[Original]:
    """Who wrote the first attached message, and when (a forward as attachment)."""
    for attached in attachments:
        if attached.content_type == "message/rfc822":
            try:
                inner = BytesParser(policy=PARSE_POLICY).parsebytes(attached.data[:100_000])
                found = attached_original(inner)
            except Exception:  # an unreadable attached message names nobody
                return []
            if found is None:
                return []
            # Compared with the Message-IDs stored, which are normalised (domains caseless).
            return [replace(found, message_id=normalise_message_id(found.message_id))]
    return []


def _leaves(msg: Message, defects: list[str]) -> Iterator[Message]:
    """Leaf parts in order; an attached message/* part is a leaf, not descended into."""
    stack = [msg]
    count = 0
    while stack:
        part = stack.pop()
        count += 1
        if count > MAX_PARTS:
            defects.append("TooManyPartsDefect")
            return
        # is_multipart() first: get_payload() of a leaf decodes 8-bit text with the declared
        # charset, and a charset like "utf-8\x00" makes that raise ValueError.
        if part.get_content_maintype() == "multipart" and part.is_multipart():
            payload = part.get_payload()
            if isinstance(payload, list):
                stack.extend(p for p in reversed(payload) if isinstance(p, Message))
        else:
            yield part


def _ctype(part: Message) -> str:
    return part.get_content_type()


def _is_attachment(part: Message, ctype: str) -> bool:
    try:
        disposition = part.get_content_disposition()
    except Exception:  # a hostile parameter list is still a part, not a crash
        disposition = None
    if part.get_content_maintype() == "multipart":  # a multipart without a boundary: its text
        return False
    return disposition == "attachment" or ctype not in _BODY_TYPES


def _attachment(part: Message, ctype: str) -> ParsedAttachment:
    data = _payload_bytes(part)
    try:
        filename = part.get_filename()
    except Exception:  # undecodable RFC 2231 parameters: keep the part, lose the name
        filename = None
    return ParsedAttachment(
        filename=_clean(filename) if filename else None,
        content_type=ctype,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
    )


def _payload_bytes(part: Message) -> bytes:
    payload = part.get_payload(decode=True)
    if isinstance(payload, bytes):
        return payload
    # message/rfc822 holds one message, message/delivery-status a list of header blocks.
    inner = part.get_payload()
    try:
        if isinstance(inner, list):
            return b"".join(
                m.as_bytes(policy=policy.compat32) for m in inner if isinstance(m, Message)
            )
        return inner.encode("utf-8", "surrogateescape") if isinstance(inner, str) else b""
    except Exception:  # a part the generator cannot serialise is kept empty, not fatal
        return b""


def _decode_text(part: Message, defects: list[str]) -> str:
    """Declared charset, then utf-8, then cp1252 (design.md §2.9)."""
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        payload = part.get_payload()
        return _clean(payload) if isinstance(payload, str) else ""
    declared = "us-ascii"  # RFC 2045 §5.2: the default for text/*
    try:
        declared = (part.get_content_charset() or declared).strip()
        codecs.lookup(declared)
    except (LookupError, ValueError):  # unknown, or not even a name ("utf-8\x00")
        defects.append(f"UnknownCharsetDefect: {_clean(declared)[:40]!r}")
    else:
        try:
            return data.decode(declared)
        except (UnicodeDecodeError, LookupError, ValueError):  # e.g. a lying us-ascii
            defects.append("CharsetMismatchDefect")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
        defects.append("CharsetFallbackDefect: cp1252")
    return text


def _note_defects(part: Message, defects: list[str]) -> None:
    defects.extend(type(d).__name__ for d in part.defects)


def _header(msg: Message, name: str) -> str | None:
    """A header's decoded value; its raw text when the structured parse fails or is too long."""
    raw = _raw_header(msg, name)
    if raw is None:
        return None
    if len(raw) > MAX_HEADER_CHARS:  # header_cache would cut it there too
        return _clean(raw[:MAX_HEADER_CHARS])
    try:
        text = str(msg.get(name))
    except Exception:  # policy.default can raise on malformed structured headers
        return _clean(raw)
    if "\ufffd" in text and raw != _clean(raw):  # raw 8-bit bytes: utf-8, else cp1252
        try:
            return str(make_header(decode_header(_clean(raw))))
        except Exception:  # a broken encoded word inside: keep the bytes we could read
            return _clean(raw)
    return text


def _raw_header(msg: Message, name: str) -> str | None:
    lower = name.lower()
    return next((str(v) for k, v in msg.raw_items() if k.lower() == lower), None)


def _addresses(msg: Message, name: str) -> list[tuple[str, str]]:
    """(display name, canonical address) pairs; what is not an address is dropped."""
    raw = _raw_header(msg, name)
    if raw is None:
        return []
    try:
        if len(raw) > MAX_STRUCTURED_CHARS:  # a long list: header_cache reads it as text
            raise ValueError("header too long for the structured parser")
        header = msg.get(name)
        pairs = [(a.display_name, a.addr_spec) for a in getattr(header, "addresses", ())]
    except Exception:  # fall back to the lenient compat32 address parser
        pairs = lenient_addresses(_clean(raw[:MAX_HEADER_CHARS]))
    found = [(_clean(n).strip(), canonical(_clean(a))) for n, a in pairs]
    return [(n, a) for n, a in found if is_address(a)]


def _references(value: str | None) -> list[str]:
    if not value:
        return []
    found = _MSGID.findall(value) or value.split()
    ids = (normalise_message_id(f"<{m.strip('<>')}>") for m in found)
    return list(dict.fromkeys(i for i in ids if i))


def _date(value: str | None, defects: list[str]) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        defects.append("InvalidDateDefect")
        return None
    # RFC 5322 §3.3: "-0000" means the zone is unknown; treat it as UTC.
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def _audit_headers(msg: Message) -> dict[str, str]:
    kept: dict[str, str] = {}
    for key, _ in msg.raw_items():
        lower = key.lower()
        if lower in _AUDIT_LOWER or lower.startswith("list-") or "loop" in lower:
            name = _AUDIT_LOWER.get(lower, key)
            value = _header(msg, key)
            if name not in kept and value is not None:
                kept[name] = _fold(value)[:998]
    return kept


def _is_forward(subject: str) -> bool:
    return bool(re.match(r"\s*(fwd?|vl|vb|wg|tr)\s*:", subject, re.IGNORECASE))


def _fold(value: str) -> str:
    return " ".join(value.split())


# Reply stripping (design.md §2.9). mail-parser-reply knows en and sv; the Finnish markers of
# Outlook and Gmail ("kirjoitti:", "Lähettäjä:") are ours.
MAX_STRIP_CHARS = 200_000
# "\s*+" is possessive: with a plain "\s*" before ".*", a long run of spaces backtracks
# quadratically (100,000 spaces took minutes); the alternatives never start with a space.
_QUOTE_CUT = re.compile(
    r"^\s*+(?:.*\bkirjoitti\s*:\s*$"
    r"|-{2,}\s*(?:alkuperäinen viesti|original message|ursprungligt meddelande"
    r"|välitetty viesti|forwarded message|vidarebefordrat meddelande)\s*-{2,}\s*$"
    r"|\**(?:lähettäjä|lähetetty)\s*\**:)",
    re.IGNORECASE,
)
_FI_HEADER = re.compile(r"^\s*\**(?:aihe|vastaanottaja|päivämäärä|kopio)\s*\**:", re.IGNORECASE)


_ATTRIBUTION = re.compile(r"\b(?:wrote|kirjoitti|skrev)\b", re.IGNORECASE)


def _quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def unquoted_lines(lines: list[str], cut: Callable[[int], bool]) -> list[str]:
    """The writer's lines: above a reply header, and below a ">" quote as well (bottom-posting).

    An attribution ("X wrote:", "X kirjoitti:", "Den ... skrev X:") followed by ">" lines is a
    quote that ends: what follows it is the writer's again. Any other header `cut` names
    (Outlook's, a forward's) starts an unmarked copy of the earlier mail, which runs to the
    end. One pass, and one look ahead over the blank lines after each attribution.
    """
    kept: list[str] = []
    next_text = [len(lines)] * (len(lines) + 1)  # the first non-blank line at or after i
    for i in range(len(lines) - 1, -1, -1):
        next_text[i] = i if lines[i].strip() else next_text[i + 1]
    for i, line in enumerate(lines):
        if _quoted(line):
            continue
        after = next_text[i + 1]
        attribution = line.rstrip().endswith(":") and _ATTRIBUTION.search(line)
        if attribution and after < len(lines) and _quoted(lines[after]):
            _drop_wrapped_attribution(kept, line)
            continue
        if cut(i):
            _drop_wrapped_attribution(kept, line)
            break
        kept.append(line)
    return kept


def _drop_wrapped_attribution(kept: list[str], line: str) -> None:
    if kept and " klo " in kept[-1] and "kirjoitti" in line.lower():
        kept.pop()  # the first half of a wrapped "ma 2.2.2026 klo 10.15 X kirjoitti:"


def strip_quoted(text: str, *, forwarded: bool = False) -> str:
    """The sender's own words: quoted replies and reply headers removed, for understanding only."""
    if forwarded:  # a forwarded request is the message: keep it whole
        return text.strip()
    lines = text[:MAX_STRIP_CHARS].replace("\r\n", "\n").split("\n")

    def cut(i: int) -> bool:
        line = lines[i]
        header_block = _FI_HEADER.match(line) and any(
            _FI_HEADER.match(nxt) for nxt in lines[i + 1 : i + 4]
        )
        return bool(_QUOTE_CUT.match(line) or header_block)

    own = "\n".join(unquoted_lines(lines, cut)).strip()
    try:
        reply = EmailMessage(text=own, languages=["en", "sv"], keep_hyphen_lists=True)
        latest = reply.read().latest_reply
    except Exception:  # a third-party regex failing must not lose the mail
        latest = None
    stripped = latest.strip() if isinstance(latest, str) else own
    return stripped or own or text.strip()


def to_text(html: str) -> str:
    """HTML to readable text with inscriptis (Apache-2.0; html2text is GPL-3.0)."""
    if not html.strip():
        return ""
    try:
        return str(get_text(html)).strip()
    except Exception:  # inscriptis on hostile markup: fall back to dropping the tags
        return html_lib.unescape(re.sub(r"<[^>]*>", " ", html)).strip()
