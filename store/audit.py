"""The append-only, hash-chained audit trail: append and verify."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, select

from store.models import AuditHead, CaseEvent

GENESIS = "0" * 64


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def event_hash(
    *,
    prev_hash: str,
    event_id: int,
    case_id: int | None,
    at: datetime,
    actor: str,
    action: str,
    detail: dict[str, Any],
) -> str:
    """The sha256 of an event's content chained to the previous event's hash."""
    payload = _canonical(
        {
            "prev": prev_hash,
            "id": event_id,
            "case": case_id,
            "at": at.isoformat(),
            "actor": actor,
            "action": action,
            "detail": detail,
        }
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _lock_head(session: Session) -> AuditHead:
    """Fetch the chain head, locking it on PostgreSQL so appends are serialised."""
    head = session.exec(select(AuditHead).where(AuditHead.id == 1).with_for_update()).first()
    if head is None:
        head = AuditHead(id=1, last_event_id=0, last_hash=GENESIS)
        session.add(head)
        session.flush()
    return head


def append_event(
    session: Session,
    *,
    case_id: int | None,
    actor: str,
    action: str,
    detail: dict[str, Any] | None,
    at: datetime,
) -> CaseEvent:
    """Add one event to the chain inside the caller's transaction (the caller commits)."""
    at = at.astimezone(UTC)  # the hash covers the stored (UTC) form
    head = _lock_head(session)
    prev = head.last_hash or GENESIS
    clean = json.loads(_canonical(detail or {}))
    ev = CaseEvent(
        case_id=case_id,
        at=at,
        actor=actor,
        action=action,
        detail=clean,
        prev_hash=prev,
        hash="pending-" + hashlib.sha256(f"{prev}{at.isoformat()}".encode()).hexdigest(),
    )
    session.add(ev)
    session.flush()  # assigns the id, which is part of the hash: an insert in between breaks it
    assert ev.id is not None
    ev.hash = event_hash(
        prev_hash=prev,
        event_id=ev.id,
        case_id=case_id,
        at=ev.at,
        actor=actor,
        action=action,
        detail=clean,
    )
    head.last_event_id = ev.id
    head.last_hash = ev.hash
    session.add(head)
    return ev


@dataclass(frozen=True)
class ChainReport:
    """The outcome of a chain check."""

    ok: bool
    checked: int
    bad_event_id: int | None = None
    problem: str | None = None


def verify_chain(session: Session, *, case_id: int | None = None) -> ChainReport:
    """Walk the whole chain in id order; report the first row that does not fit.

    With `case_id`, the whole chain is still checked (a case's events are only
    trustworthy if everything before them is), and the count is the case's.
    """
    prev = GENESIS
    checked = 0
    last_id = 0
    rows = session.exec(select(CaseEvent).order_by(col(CaseEvent.id))).yield_per(1000)
    for ev in rows:
        assert ev.id is not None
        if ev.prev_hash != prev:
            return ChainReport(
                False,
                checked,
                ev.id,
                "previous hash does not match: a row "
                "before it was deleted, or it was inserted out of band",
            )
        expected = event_hash(
            prev_hash=ev.prev_hash,
            event_id=ev.id,
            case_id=ev.case_id,
            at=ev.at,
            actor=ev.actor,
            action=ev.action,
            detail=ev.detail,
        )
        if ev.hash != expected:
            return ChainReport(False, checked, ev.id, "content does not match its hash: edited")
        prev = ev.hash
        last_id = ev.id
        if case_id is None or ev.case_id == case_id:
            checked += 1
    head = session.get(AuditHead, 1)
    head_hash = head.last_hash if head else GENESIS
    head_id = head.last_event_id if head else 0
    if head_hash != prev or head_id != last_id:
        return ChainReport(
            False,
            checked,
            head_id or None,
            "the newest events are missing: the chain was cut at its end",
        )
    return ChainReport(True, checked)
