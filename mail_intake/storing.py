"""An inbound mail stored: one INSERT for the message, one for its files."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert
from sqlmodel import Session

from mail_intake.parsed import ParsedMessage
from mail_intake.understand import Understanding
from store.models import Attachment, Message

IDENTITY_DOCUMENT_HINTS = (
    "passport",
    "passi",
    "henkilökortti",
    "id-kort",
    "identity",
    "ajokortti",
    "körkort",
    "driving",
)


@dataclass(frozen=True)
class StoredMail:
    """An inbound mail just stored: its row and what its acknowledgement threads on."""

    id: int
    message_id: str
    references: list[str]


# Core INSERTs built once: every mail is stored, and an ORM object per mail costs more than
# the INSERT itself. The paths that change the row afterwards load it (`loaded`).
_MESSAGES = Message.__table__  # type: ignore[attr-defined]
_INSERT_MESSAGE = insert(_MESSAGES).returning(_MESSAGES.c.id)
_INSERT_ATTACHMENT = insert(Attachment.__table__)  # type: ignore[attr-defined]


def store_message(
    session: Session,
    parsed: ParsedMessage,
    u: Understanding,
    *,
    raw: bytes,
    source: str,
    uid: int | None,
    received_at: datetime,
    category: str,
    case_id: int | None = None,
) -> StoredMail:
    """One INSERT for the mail and one for its files, in the caller's transaction."""
    conn = session.connection()
    row_id = conn.execute(
        _INSERT_MESSAGE,
        {
            "case_id": case_id,
            "direction": "in",
            "message_id": parsed.message_id,
            "raw_sha256": parsed.raw_sha256,
            "in_reply_to": parsed.in_reply_to,
            "references": list(parsed.references),
            "subject": parsed.subject,
            "from_addr": parsed.from_addr,
            "to_addrs": ", ".join(parsed.to_addrs),
            "headers": dict(parsed.headers),
            "sent_at": parsed.date,
            "received_at": received_at,
            "size": len(raw),
            "raw": raw,
            "body_text": parsed.body_text,
            "stripped_text": parsed.stripped_text,
            "language": u.classification.language,
            "category": category,
            "machine_reason": u.machine.reason if u.machine else None,
            "source": source,
            "source_uid": uid,
        },
    ).scalar_one()
    if parsed.attachments:
        conn.execute(
            _INSERT_ATTACHMENT,
            [
                {
                    "message_id": row_id,
                    "filename": att.filename,
                    "content_type": att.content_type,
                    "size": att.size,
                    "sha256": att.sha256,
                    "data": att.data,
                    "is_identity_document": any(
                        h in (att.filename or "").lower() for h in IDENTITY_DOCUMENT_HINTS
                    ),
                    "deleted_at": None,
                }
                for att in parsed.attachments
            ],
        )
    return StoredMail(int(row_id), parsed.message_id, list(parsed.references))


def loaded(session: Session, stored: StoredMail) -> Message:
    """The stored mail as a row to change (a follow-up, a bounce, machine mail)."""
    # populate_existing: a row of a savepoint rolled back can leave its object behind, and
    # SQLite may give the next INSERT the same id.
    msg = session.get(Message, stored.id, populate_existing=True)
    assert msg is not None  # inserted in this very transaction
    return msg
