"""A parsed mail made safe to store and to print: controls and escape sequences removed."""

from __future__ import annotations

from dataclasses import replace

from mail_intake.parsed import ParsedMessage
from store.sanitise import clean_line, clean_text


def _line(value: str | None) -> str | None:
    return (clean_line(value) or None) if value else None


def printable(parsed: ParsedMessage) -> ParsedMessage:
    """Names, subject, headers, bodies and file names without NUL, ESC/OSC or other controls.

    PostgreSQL refuses NUL in text, and escape sequences would reach the operator's terminal
    (issue 11); the raw bytes stay the record, untouched.
    """
    return replace(
        parsed,
        subject=clean_line(parsed.subject),
        # Identifiers and addresses are shown too (`cases show`): no controls in them either.
        # A Message-ID made only of controls keeps its raw form: an empty one would collide
        # with every other such mail on the unique index (found by the MIME fuzz test).
        message_id=clean_line(parsed.message_id) or parsed.message_id,
        in_reply_to=clean_line(parsed.in_reply_to) if parsed.in_reply_to else parsed.in_reply_to,
        references=[clean_line(r) for r in parsed.references],
        from_name=_line(parsed.from_name),
        headers={name: clean_line(value) for name, value in parsed.headers.items()},
        body_text=clean_text(parsed.body_text),
        stripped_text=clean_text(parsed.stripped_text),
        attachments=[replace(a, filename=_line(a.filename)) for a in parsed.attachments],
    )
