"""The append-only, hash-chained audit trail: append and verify."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, insert, null, update
from sqlalchemy.orm import SessionTransaction
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from store.actions import AuditAction
from store.models import AuditHead, CaseEvent
from store.wakeup import notify

GENESIS = "0" * 64
_EVENTS = CaseEvent.__table__  # type: ignore[attr-defined]
_INSERT_EVENT = insert(_EVENTS).returning(_EVENTS.c.id)  # built once: the hot path binds only
EVENTS_CHANNEL = "rightsdesk_events"  # the Slack notifier LISTENs here (store.wakeup)


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
    personal_sha256: str | None = None,
) -> str:
    """The sha256 of an event's content chained to the previous event's hash.

    An event with a personal part is chained through that part's digest, not the part
    itself; an event without one hashes exactly as before the part existed.
    """
    content: dict[str, Any] = {
        "prev": prev_hash,
        "id": event_id,
        "case": case_id,
        "at": at.isoformat(),
        "actor": actor,
        "action": action,
        "detail": detail,
    }
    if personal_sha256 is not None:
        content["personal"] = personal_sha256
    return hashlib.sha256(_canonical(content).encode("utf-8")).hexdigest()


def personal_digest(salt: str, personal: dict[str, Any]) -> str:
    """The salted sha256 of an event's personal part."""
    return hashlib.sha256((salt + _canonical(personal)).encode("utf-8")).hexdigest()


_HEAD_LOCKED = "audit:head-locked"  # session.info: the transaction that holds the head's lock


def lock_head(session: Session) -> AuditHead:
    """The chain head, locked on PostgreSQL so appends are serialised (once per transaction).

    The lock lasts until the transaction ends, so later appends in it (a batch of intake)
    take the head from the session instead of selecting it again. The database moves the
    head row with each event (a trigger, migration 0017); any rollback, a savepoint's too,
    forgets the object here, and the next use reads the row again.
    """
    transaction = session.get_transaction()
    held = session.info.get(_HEAD_LOCKED)
    # Held here, not only in the session's (weak) identity map, which would let it go; gone
    # from the session when the savepoint that created it was rolled back.
    if held is not None and held[0] is transaction is not None and held[1] in session:
        head: AuditHead = held[1]
        return head
    if not session.info.get(_HEAD_LOCKED + ":listening"):
        event.listen(session, "after_soft_rollback", _forget_head)
        session.info[_HEAD_LOCKED + ":listening"] = True
    # populate_existing: our sessions keep objects over a commit (expire_on_commit=False), and
    # another process may have moved the head since; the stale copy would fork the chain.
    found = session.exec(
        select(AuditHead)
        .where(AuditHead.id == 1)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if found is None:
        found = AuditHead(id=1, last_event_id=0, last_hash=GENESIS)
        session.add(found)
        session.flush()
    session.info[_HEAD_LOCKED] = (session.get_transaction(), found)
    return found


def _forget_head(session: Session, _previous: SessionTransaction) -> None:
    """After a rollback the row may hold an older head than the object: read it again."""
    session.info.pop(_HEAD_LOCKED, None)


def append_event(
    session: Session,
    *,
    case_id: int | None,
    actor: str,
    action: str,
    detail: dict[str, Any] | None,
    at: datetime,
    personal: dict[str, Any] | None = None,
) -> int:
    """Add one event to the chain inside the caller's transaction (the caller commits); its id.

    `personal` holds what the retention purge must be able to erase (see `redact_case`).
    """
    at = at.astimezone(UTC)  # the hash covers the stored (UTC) form
    head = lock_head(session)
    prev = head.last_hash or GENESIS
    clean = json.loads(_canonical(detail or {}))
    private = json.loads(_canonical(personal)) if personal else None
    salt = secrets.token_hex(16) if private else None
    digest = personal_digest(salt, private) if salt and private else None

    def chained(event_id: int) -> str:
        return event_hash(
            prev_hash=prev,
            event_id=event_id,
            case_id=case_id,
            at=at,
            actor=actor,
            action=action,
            detail=clean,
            personal_sha256=digest,
        )

    # The id is part of the hash. Under the head's lock the new row's id is almost always
    # the head's plus one, so the row is inserted with its final hash in one statement
    # (Core: no ORM object on this hot path); when the database chose another id (a
    # PostgreSQL sequence skips the numbers of rolled-back inserts), the hash is redone.
    guess = head.last_event_id + 1
    row = {
        "case_id": case_id,
        "at": at,
        "actor": actor,
        "action": action,
        "detail": clean,
        "personal": private,
        "personal_salt": salt,
        "personal_sha256": digest,
        "prev_hash": prev,
        "hash": chained(guess),
    }
    conn = session.connection()
    event_id = int(conn.execute(_INSERT_EVENT, row).scalar_one())
    final = row["hash"] if event_id == guess else chained(event_id)
    if event_id != guess:
        conn.execute(update(_EVENTS).where(_EVENTS.c.id == event_id).values(hash=final))
    # The trigger has moved the head row in the same statement; the object follows without
    # a flush (no UPDATE of its own: one statement less per event).
    set_committed_value(head, "last_event_id", event_id)
    set_committed_value(head, "last_hash", final)
    notify(session, EVENTS_CHANNEL)  # delivered at the commit: the notifier posts the line
    return event_id


PURGE_ACTION = AuditAction.RETENTION_PURGE


def redact_case(session: Session, case_id: int) -> int:
    """Erase the personal part of a case's events (the retention purge); the chain stays whole.

    The caller records a `retention_purge` event for the case in the same transaction:
    `verify_chain` accepts a missing personal part only for a case with that event.
    """
    result = session.execute(
        update(CaseEvent)
        .where(col(CaseEvent.case_id) == case_id, col(CaseEvent.personal_sha256).is_not(None))
        .values(personal=null(), personal_salt=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _personal_problem(ev: CaseEvent, purged: set[int | None]) -> str | None:
    """Why an event's personal part does not fit its digest, or None when it does."""
    if ev.personal_sha256 is None:
        return "personal part not covered by the chain: added" if ev.personal else None
    if ev.personal is None or ev.personal_salt is None:
        if ev.case_id is not None and ev.case_id in purged:
            return None  # erased by the retention purge, which the chain records
        return "personal part missing without a retention purge: deleted"
    if personal_digest(ev.personal_salt, ev.personal) != ev.personal_sha256:
        return "personal part does not match its hash: edited"
    return None


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
    purged = set(
        session.exec(
            select(CaseEvent.case_id).where(CaseEvent.action == PURGE_ACTION).distinct()
        ).all()
    )
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
            personal_sha256=ev.personal_sha256,
        )
        if ev.hash != expected:
            return ChainReport(False, checked, ev.id, "content does not match its hash: edited")
        problem = _personal_problem(ev, purged)
        if problem is not None:
            return ChainReport(False, checked, ev.id, problem)
        prev = ev.hash
        last_id = ev.id
        if case_id is None or ev.case_id == case_id:
            checked += 1
    # populate_existing: the session's object may predate a rollback (it is kept in step
    # without being marked changed, so a savepoint rolled back leaves it as it was).
    head = session.get(AuditHead, 1, populate_existing=True)
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
