"""The sender of a mail: the one addr-spec a strict RFC 5322 reading of `From:` yields, or why not.

The display name is never an address. A header the strict and the lenient readers disagree
on is what a receiving server's DMARC check and our reading may see differently, so such a
sender is "unclear" and never verified by address (issue 11: `victim@… <attacker@…>`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import Message
from email.utils import getaddresses

from cases.addresses import canonical, is_address
from mail_intake.header_cache import MAX_STRUCTURED_CHARS

# RFC 5322 §2.1.1: 998 per line; a longer From is not a person's, and header_cache
# reads longer values as unstructured text, with no addresses to read strictly.
MAX_FROM_CHARS = MAX_STRUCTURED_CHARS
# What a display name may hide as another address (a quoted local part is not looked for).
_ADDRESS = re.compile(r"[^@\s<>(),;:\"]+@[^@\s<>(),;:\"]+")
# Defects of the stdlib's strict parser that change what the header says. Not these: 8-bit
# bytes in a display name (UndecodableBytesDefect), and the obsolete phrase syntax of
# RFC 5322 §4.1 (ObsoleteHeaderDefect: `John Q. Public <…>`), which clients still write.
_CHANGING_DEFECTS = ("InvalidHeaderDefect", "HeaderMissingRequiredValue")


@dataclass(frozen=True)
class Sender:
    """The sender's address and display name; `unclear` says why there is no trusted address."""

    address: str | None
    name: str | None
    unclear: str | None = None


def read_sender(msg: Message) -> Sender:
    """The `From:` of `msg` read strictly (RFC 5322 §3.6.2: one mailbox, or a Sender field)."""
    raws = [str(v) for k, v in msg.raw_items() if k.lower() == "from"]
    if not raws:
        return Sender(None, None, "no From header")
    if len(raws) > 1:  # RFC 5322 §3.6: From occurs exactly once
        return Sender(None, None, "several From headers")
    raw = raws[0]
    if len(raw) > MAX_FROM_CHARS:
        return Sender(None, None, "From header too long")
    lenient = [(n, canonical(a)) for n, a in lenient_addresses(raw_header_text(raw)) if a.strip()]
    try:
        header = msg.get("From")
        mailboxes = [(a.display_name, a.addr_spec) for a in getattr(header, "addresses", ())]
        defects = [type(d).__name__ for d in getattr(header, "defects", ())]
    except Exception:  # the strict parser gave up: there is no strict reading to trust
        return Sender(None, None, "From header cannot be parsed")
    if len(mailboxes) != 1:
        return Sender(None, None, f"From names {len(mailboxes)} mailboxes, not one")
    name, addr_spec = (
        raw_header_text(mailboxes[0][0]).strip(),
        canonical(raw_header_text(mailboxes[0][1])),
    )
    shown = name or None
    if any(d in _CHANGING_DEFECTS for d in defects):
        return Sender(None, shown, "From is malformed (a strict parse repairs it)")
    if not is_address(addr_spec):
        return Sender(None, shown, "From holds no valid address")
    if [a for _, a in lenient] != [addr_spec]:
        return Sender(None, shown, "From reads differently to a lenient parser")
    if "<" in name or ">" in name:  # e.g. an encoded word hiding "<victim@…>"
        return Sender(None, shown, "the display name holds angle brackets")
    for inside in _ADDRESS.findall(name):
        if canonical(inside.strip(".")) != addr_spec:
            return Sender(None, shown, "the display name holds another address")
    return Sender(addr_spec, shown)


def lenient_addresses(value: str) -> list[tuple[str, str]]:
    """compat32's lenient reading of an address list (Python 3.13 made it strict by default)."""
    try:
        return list(getaddresses([value], strict=False))  # type: ignore[call-arg,unused-ignore]
    except TypeError:  # before the `strict` keyword (3.11.0-3.11.9, 3.12.0-3.12.5)
        return list(getaddresses([value]))


def raw_header_text(value: str) -> str:
    """Undo surrogateescape left by the parser for raw 8-bit header bytes."""
    if not any("\udc80" <= ch <= "\udcff" for ch in value):
        return value
    data = value.encode("utf-8", "surrogateescape")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")
