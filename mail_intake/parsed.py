"""One incoming mail as parsing yields it: headers, readable text and attachments."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from mail_intake.forwarded import Original


@dataclass(frozen=True)
class ParsedAttachment:
    """One attached part, decoded from its transfer encoding."""

    filename: str | None
    content_type: str
    size: int
    sha256: str
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class ParsedMessage:
    """What rightsdesk needs of one incoming mail; the raw bytes stay the record."""

    message_id: str
    raw_sha256: str
    in_reply_to: str | None
    references: list[str]
    subject: str
    from_addr: str | None
    from_name: str | None
    to_addrs: list[str]
    reply_to: str | None
    date: datetime | None
    headers: dict[str, str]
    body_text: str
    stripped_text: str
    attachments: list[ParsedAttachment]
    defects: list[str]
    is_multipart_report: bool
    size: int
    raw: bytes = field(default=b"", repr=False, compare=False)
    # Why From names no trustworthy address (mail_intake/sender.py); None when it does.
    sender_unclear: str | None = None
    # The Authentication-Results values, topmost first (RFC 8601), for mail_intake/authentication.
    authentication_results: tuple[str, ...] = ()
    # The mails this one forwards, outermost first, as it shows them (mail_intake/forwarded.py).
    forwarded: tuple[Original, ...] = ()
