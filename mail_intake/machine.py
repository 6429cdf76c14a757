"""Mail written by machines: stored, never answered automatically (design.md §2 items 6-7)."""

from __future__ import annotations

import logging
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesHeaderParser, BytesParser
from typing import Literal

from flufl.bounce import scan_message

from cases.addresses import canonical
from mail_intake.compose import LOOP_HEADER
from mail_intake.parsed import ParsedMessage
from mail_intake.parsing import normalise_message_id

MachineKind = Literal["auto_reply", "bounce", "list", "own", "loop"]
_DAEMONS = ("mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon")
_BOUNCE_SUBJECT = re.compile(
    r"undeliver|delivery (?:status notification|has failed|failure)|returned mail|"
    r"failure notice|mail delivery failed|non[- ]?delivery|toimitus epäonnistui|"
    r"viestiä ei voitu toimittaa|olevererbar|kunde inte levereras|leveransfel",
    re.IGNORECASE,
)
# Out-of-office subjects, for auto-replies that carry none of the RFC 3834 headers.
_AUTO_REPLY_SUBJECT = re.compile(
    r"^\s*(?:(?:re|vs|sv|aw)\s*:\s*)*(?:automaattinen vastaus|poissa|lomavastaaja|"
    r"frånvar(?:o|ande)|autosvar|automatiskt svar|out of (?:the )?office|automatic reply|"
    r"auto[- ]?reply|autoreply|abwesenheit)\b|\bout of (?:the )?office\b",
    re.IGNORECASE,
)
_MESSAGE_ID_LINE = re.compile(r"^\s*message-id:\s*(<[^>\s]+>)", re.IGNORECASE | re.MULTILINE)
_RECIPIENT_LINE = re.compile(
    r"^\s*(?:final|original)-recipient:\s*rfc822\s*;\s*<?([^>\s]+@[^>\s]+)>?",
    re.IGNORECASE | re.MULTILINE,
)
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MachineVerdict:
    """Why a message is machine mail, and for a bounce what it bounced."""

    kind: MachineKind
    reason: str
    original_message_id: str | None = None
    failed_recipients: list[str] = field(default_factory=list)


def detect_machine_mail(
    msg: ParsedMessage, *, own_addresses: Collection[str], loop_header: str = LOOP_HEADER
) -> MachineVerdict | None:
    """The first reason a message must not be answered automatically, or None for a person."""
    headers = {k.lower(): v for k, v in msg.headers.items()}
    # Compared canonically: our address may be configured with A-labels and come back with
    # U-labels, or the other way round; the same mailbox either way (RFC 5891 §5).
    sender = canonical(msg.from_addr or "")
    local = sender.partition("@")[0]
    own = {canonical(a) for a in own_addresses}
    return_path = headers.get("return-path", "").strip()
    is_report = msg.is_multipart_report and (
        "delivery-status" in headers.get("content-type", "").lower()
        or any(a.content_type == "message/delivery-status" for a in msg.attachments)
    )
    # RFC 3464 DSN; RFC 3834 §3.3: bounces come from the null sender or the daemon.
    null_bounce = return_path == "<>" and _BOUNCE_SUBJECT.search(msg.subject)
    if is_report or local in _DAEMONS or null_bounce:
        return _bounce(msg, "delivery status notification" if is_report else "bounce sender")
    if loop_header.lower() in headers:
        return MachineVerdict("loop", f"{loop_header} header: our own mail came back")
    if "x-loop" in headers:
        return MachineVerdict("loop", "X-Loop header")
    if sender and sender in own:
        return MachineVerdict("own", "sent from our own address")
    auto = headers.get("auto-submitted", "").strip().lower()
    if auto and not auto.startswith("no"):  # RFC 3834 §5
        return MachineVerdict("auto_reply", f"Auto-Submitted: {auto[:40]}")
    if msg.is_multipart_report:  # e.g. a read receipt (RFC 8098 disposition-notification)
        return MachineVerdict("auto_reply", "multipart/report that is not a DSN")
    precedence = headers.get("precedence", "").strip().lower()
    if precedence in ("bulk", "junk", "list"):
        return MachineVerdict("list", f"Precedence: {precedence}")
    if any(k.startswith("list-") for k in headers):  # RFC 2369 / RFC 2919
        return MachineVerdict("list", "List-* header")
    if precedence == "auto_reply" or "x-autoreply" in headers or "x-autorespond" in headers:
        return MachineVerdict("auto_reply", "auto-reply header")
    if "x-auto-response-suppress" in headers:
        return MachineVerdict("auto_reply", "X-Auto-Response-Suppress header")
    if return_path == "<>":
        return MachineVerdict("auto_reply", "empty Return-Path")
    if _AUTO_REPLY_SUBJECT.search(msg.subject):
        return MachineVerdict("auto_reply", "out-of-office subject")
    return None


def _bounce(msg: ParsedMessage, reason: str) -> MachineVerdict:
    """A bounce with the Message-ID it reports on and its failed recipients (RFC 3464)."""
    return MachineVerdict(
        "bounce", reason, _original_message_id(msg), sorted(_failed_recipients(msg))
    )


def _failed_recipients(msg: ParsedMessage) -> set[str]:
    found: set[str] = set()
    if msg.raw:
        try:
            parsed = BytesParser(policy=policy.compat32).parsebytes(msg.raw)
            found = {canonical(a.decode("ascii")) for a in scan_message(parsed)}
        except Exception:  # flufl.bounce's heuristics on a hostile DSN: fall back to ours
            log.warning("bounce scan failed; reading recipients from the report instead")
    if not found:  # per-recipient blocks of the report (RFC 3464 §2.3), even when malformed
        reports = [a.data for a in msg.attachments if a.content_type == "message/delivery-status"]
        for text in (*(r.decode("utf-8", "replace") for r in reports), msg.body_text):
            for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
                if re.search(r"^\s*action:\s*(?:fail|error)", block, re.IGNORECASE | re.MULTILINE):
                    found.update(canonical(a) for a in _RECIPIENT_LINE.findall(block))
    failed = msg.headers.get("X-Failed-Recipients", "")  # Exim
    found.update(canonical(a) for a in failed.split(",") if "@" in a)
    return found


def _original_message_id(msg: ParsedMessage) -> str | None:
    """The bounced mail's Message-ID: the returned message or headers, else the report text."""
    for part in msg.attachments:
        if part.content_type in ("message/rfc822", "text/rfc822-headers"):
            try:
                headers = BytesHeaderParser(policy=policy.compat32).parsebytes(part.data)
                found = normalise_message_id(str(headers.get("Message-ID", "")))
            except Exception:  # unreadable returned headers: the report text is next
                found = None
            if found:
                return found
    texts = [a.data for a in msg.attachments if a.content_type.startswith(("message/", "text/"))]
    for text in (msg.body_text, *(t.decode("utf-8", "replace") for t in texts)):
        match = _MESSAGE_ID_LINE.search(text)
        if match:
            return normalise_message_id(match.group(1))
    return msg.in_reply_to
