"""Replace originals that carried an identity document by their redacted copies (design §1.3)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlmodel import Session, col, select

from cases import operations as ops
from mail_intake.intake_types import INTAKE_ACTOR
from mail_intake.sources import MailSource, SourceUnavailable
from store.actions import AuditAction
from store.models import Case, MailRedaction

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5


def apply_redactions(
    source: MailSource,
    session_factory: Callable[[], Session],
    clock: Callable[[], datetime],
    *,
    limit: int = 20,
) -> int:
    """Carry out pending redactions; returns how many originals were replaced.

    The mail server work happens outside any transaction (a SQLite write lock must not
    wait on IMAP); each outcome is committed on its own. A lost connection stops the
    run and leaves the rest pending for the next pass.
    """
    with session_factory() as session:
        pending = list(
            session.exec(
                select(MailRedaction)
                .where(
                    col(MailRedaction.done_at).is_(None),
                    col(MailRedaction.attempts) < MAX_ATTEMPTS,
                )
                .order_by(col(MailRedaction.id))
                .limit(limit)
            ).all()
        )
        session.commit()
        replaced = 0
        for row in pending:
            row.attempts += 1
            try:
                found = source.replace_original(row.message_id, row.raw_sha256, row.replacement)
            except SourceUnavailable:
                session.rollback()
                raise
            except Exception as exc:  # refused or failed: kept pending with the reason
                row.last_error = f"{type(exc).__name__}: {exc}"[:300]
                log.warning("mail redaction %s not done (%s)", row.id, type(exc).__name__)
            else:
                row.done_at = clock()
                row.outcome = "replaced" if found else "not_found"
                row.last_error = None
                row.replacement = b""  # the redacted copy is in the message row already
                replaced += int(found)
                if not found:
                    log.warning("mail redaction %s: the original is not in Processed", row.id)
                case = session.get(Case, row.case_id) if row.case_id is not None else None
                ops.record(
                    session,
                    case,
                    actor=INTAKE_ACTOR,
                    action=AuditAction.MAIL_ORIGINAL_REDACTED,
                    now=row.done_at,
                    result=row.outcome,
                    source=source.name,
                )
            session.add(row)
            session.commit()
    return replaced
