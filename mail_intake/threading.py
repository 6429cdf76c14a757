"""Find the case a message belongs to: our subject tag, then In-Reply-To and References."""

from __future__ import annotations

from sqlmodel import Session, col, select

from cases.references import find_references
from store.models import Case, Message


def case_by_tag(session: Session, subject: str, *, prefix: str) -> Case | None:
    """The case whose reference is tagged in the subject, e.g. "Re: [DSR-2026-0001] ..."."""
    for reference in find_references(subject, prefix=prefix):
        case = session.exec(select(Case).where(Case.reference == reference)).first()
        if case is not None:
            return case
    return None


def case_by_headers(
    session: Session, in_reply_to: str | None, references: list[str]
) -> Case | None:
    """The case of a message we sent or received that this one answers (RFC 5322 §3.6.4).

    In-Reply-To is the most specific; References are tried newest first.
    """
    ids = [i for i in [in_reply_to, *reversed(references)] if i]
    if not ids:
        return None
    rows = session.exec(
        select(Message.message_id, Message.case_id).where(
            col(Message.message_id).in_(ids), col(Message.case_id).is_not(None)
        )
    ).all()
    by_id = {mid: cid for mid, cid in rows}
    for mid in ids:
        case_id = by_id.get(mid)
        if case_id is not None:
            return session.get(Case, case_id)
    return None


def find_case(
    session: Session,
    *,
    subject: str,
    in_reply_to: str | None,
    references: list[str],
    prefix: str,
) -> Case | None:
    """Thread a message onto its case (design.md §2.5); None means a new conversation."""
    return case_by_tag(session, subject, prefix=prefix) or case_by_headers(
        session, in_reply_to, references
    )
