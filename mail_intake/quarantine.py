"""Mail intake cannot process, kept with its reason for the contact person (design.md §2.4)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from cases import operations as ops
from mail_intake.intake_types import INTAKE_ACTOR, raw_sha256
from store.actions import AuditAction
from store.models import Quarantine


def quarantine(
    session: Session,
    *,
    raw: bytes,
    reason: str,
    source: str,
    folder: str | None,
    uid: int | None,
    now: datetime,
) -> Quarantine:
    """Keep a message we cannot process, with its reason, for the contact person (§2.4)."""
    row = add_to_quarantine(
        session, raw=raw, reason=reason, source=source, folder=folder, uid=uid, now=now
    )
    session.commit()
    return row


def add_to_quarantine(
    session: Session,
    *,
    raw: bytes,
    reason: str,
    source: str,
    folder: str | None,
    uid: int | None,
    now: datetime,
    stands_for: str | None = None,
    size: int | None = None,
) -> Quarantine:
    """`quarantine` in the caller's transaction (the poller's batch); never commits.

    A mail whose bytes are not kept (over the size limit) is told apart by `stands_for`,
    where it sits, instead of by its (empty) bytes: each one is a row of its own.
    """
    sha = raw_sha256(raw if stands_for is None else stands_for.encode())
    existing = session.exec(
        select(Quarantine).where(
            Quarantine.raw_sha256 == sha, col(Quarantine.resolved_at).is_(None)
        )
    ).first()
    if existing is not None:
        existing.attempts += 1
        existing.reason = reason
        session.add(existing)
        return existing
    row = Quarantine(
        source=source,
        folder=folder,
        source_uid=uid,
        raw=raw,
        raw_sha256=sha,
        size=len(raw) if size is None else size,
        reason=reason,
        created_at=now,
        attempts=1,
    )
    session.add(row)
    session.flush()
    ops.record(
        session,
        None,
        actor=INTAKE_ACTOR,
        action=AuditAction.QUARANTINE,
        now=now,
        quarantine_id=row.id,
        reason=reason,
    )
    return row
