"""Each reminder exactly once: claim it in the ledger, post it, then mark it posted.

The claim is an INSERT into reminder_ledger under a unique key (case, kind, due date,
day), committed before anything is posted: a second process inserting the same key gets
nothing back (ON CONFLICT DO NOTHING), so it never posts it. A crash after the claim leaves
a row with posted_at NULL, which `reclaim_stale` hands out again, once, with a row lock
(FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite serialises writers at BEGIN IMMEDIATE).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Row, and_, update
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from cases import reminder_candidates as candidates
from cases.reminders import (
    DEFAULT_CONFIG,
    DIGEST,
    TASKS,
    CaseSnapshot,
    Digest,
    Reminder,
    ReminderConfig,
    digest_due,
    due_reminders,
    rebuild,
    sending_day,
)
from store.models import ReminderLedger
from store.upsert import insert_ignore

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(minutes=10)  # longer than a batch takes to post at Slack's 1/s
MAX_ATTEMPTS = 5
_MAX_BATCHES = 10_000  # a guard; each batch strictly shrinks what is left unclaimed


@dataclass(frozen=True)
class Claimed:
    """A ledger row this process owns: post it, then `mark_posted`."""

    ledger_id: int
    attempts: int
    reminder: Reminder | None = None
    digest: Digest | None = None
    thread_channel: str | None = None  # the case's Slack thread, when it has one
    thread_ts: str | None = None

    @property
    def label(self) -> str:
        """Reference and kind, for logs (never personal data)."""
        if self.reminder is not None:
            return f"{self.reminder.reference} {self.reminder.kind}"
        return f"{DIGEST} {self.digest.day.isoformat() if self.digest else ''}".strip()


def _already_claimed(session: Session, reminders: list[Reminder]) -> set[tuple[Any, ...]]:
    """Keys already in the ledger, read first so a quiet minute writes nothing."""
    keys: set[tuple[Any, ...]] = set()
    for chunk in candidates.chunks(reminders):
        rows = session.execute(
            sa_select(
                col(ReminderLedger.case_id),
                col(ReminderLedger.kind),
                col(ReminderLedger.due_date),
                col(ReminderLedger.day),
            ).where(
                col(ReminderLedger.case_id).in_({r.case_id for r in chunk}),
                # Exact days, not a range: an overdue case gathers a row per working day.
                col(ReminderLedger.day).in_(sorted({r.day for r in chunk})),
            )
        )
        keys.update(tuple(row) for row in rows)
    return keys


def _insert(session: Session, rows: list[dict[str, Any]]) -> list[Row[Any]]:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING: only the rows this process won come back."""
    table = ReminderLedger.__table__  # type: ignore[attr-defined]
    won: list[Row[Any]] = []
    for chunk in candidates.chunks(rows):
        returning = (table.c.id, table.c.case_id, table.c.kind, table.c.due_date, table.c.day)
        won.extend(insert_ignore(session, table, list(chunk), returning=returning).all())
    return won


def _ledger_row(reminder: Reminder | None, *, now: datetime, day: date) -> dict[str, Any]:
    if reminder is None:  # the digest: desk-wide, once per day (ux_reminder_ledger_desk_day)
        return {
            "case_id": None,
            "kind": DIGEST,
            "due_date": day,
            "day": day,
            "target": "channel",
            "claimed_at": now,
            "attempts": 1,
        }
    return {
        "case_id": reminder.case_id,
        "kind": reminder.kind,
        "due_date": reminder.due_date,
        "day": reminder.day,
        "target": reminder.target or "channel",
        "claimed_at": now,
        "attempts": 1,
    }


def _digest_claimed(session: Session, day: date) -> bool:
    found = session.execute(
        sa_select(col(ReminderLedger.id)).where(
            col(ReminderLedger.case_id).is_(None),
            col(ReminderLedger.kind) == DIGEST,
            col(ReminderLedger.day) == day,
        )
    ).first()
    return found is not None


def claim_due(
    session: Session,
    *,
    now: datetime,
    config: ReminderConfig = DEFAULT_CONFIG,
    limit: int = 100,
) -> list[Claimed]:
    """Claim (and commit) up to `limit` reminders due now, plus the digest when it is time."""
    return claim_batch(session, now=now, config=config, limit=limit)[0]


def claim_batch(
    session: Session,
    *,
    now: datetime,
    config: ReminderConfig = DEFAULT_CONFIG,
    limit: int = 100,
) -> tuple[list[Claimed], bool]:
    """`claim_due`, and whether any unclaimed reminder was seen (won here or by another)."""
    today = sending_day(now, config)
    if today is None:
        return [], False
    found = candidates.load(session, candidates.candidate_queries(today, config))
    reminders = [r for c in found.values() for r in due_reminders(c.snapshot, now, config)]
    seen = _already_claimed(session, reminders)
    fresh = [r for r in reminders if (r.case_id, r.kind, r.due_date, r.day) not in seen]
    fresh.sort(key=lambda r: (r.due_date, r.reference, r.kind))
    contested = bool(fresh)
    fresh = fresh[:limit]
    claimed: list[Claimed] = []
    if fresh:
        by_key = {(r.case_id, r.kind, r.due_date, r.day): r for r in fresh}
        for won in _insert(session, [_ledger_row(r, now=now, day=today) for r in fresh]):
            reminder = by_key[(won.case_id, won.kind, won.due_date, won.day)]
            case = found[reminder.case_id]
            claimed.append(Claimed(won.id, 1, reminder, None, case.thread_channel, case.thread_ts))
    if digest_due(now, config) is not None and not _digest_claimed(session, today):
        won_digest = _insert(session, [_ledger_row(None, now=now, day=today)])
        if won_digest:
            body = candidates.build_digest(session, now, config)
            if body.empty:  # nothing to say: done, without a message
                _set_posted(session, won_digest[0].id, now, note="empty")
            else:
                claimed.append(Claimed(won_digest[0].id, 1, None, body))
    session.commit()
    return claimed, contested


def reclaim_stale(
    session: Session,
    *,
    now: datetime,
    config: ReminderConfig = DEFAULT_CONFIG,
    stale_after: timedelta = STALE_AFTER,
    max_attempts: int = MAX_ATTEMPTS,
    limit: int = 100,
) -> list[Claimed]:
    """Claim again rows claimed long ago and never posted (a crash, or Slack was down)."""
    query = (
        select(ReminderLedger)
        .where(
            col(ReminderLedger.posted_at).is_(None),
            col(ReminderLedger.claimed_at) <= now - stale_after,
            col(ReminderLedger.attempts) < max_attempts,
        )
        .order_by(col(ReminderLedger.id))
        .limit(limit)
        .with_for_update(skip_locked=True)  # PostgreSQL: a row another process retries is skipped
    )
    rows = list(session.exec(query).all())
    if not rows:
        session.rollback()
        return []
    cases = candidates.by_ids(session, {r.case_id for r in rows if r.case_id is not None})
    claimed: list[Claimed] = []
    for row in rows:
        row.claimed_at = now
        row.attempts += 1
        session.add(row)
        assert row.id is not None
        if row.case_id is None:
            body = candidates.build_digest(session, now, config)
            claimed.append(Claimed(row.id, row.attempts, None, body))
            continue
        found = cases.get(row.case_id)
        if found is None or not _still_owed(found.snapshot, row.kind):
            # Answered or closed since the claim: the reminder has nothing left to say.
            row.posted_at, row.last_error = now, "skipped: case no longer active"
            continue
        reminder = rebuild(
            found.snapshot,
            kind=row.kind,
            due_date=row.due_date,
            day=row.day,
            now=now,
            config=config,
        )
        claimed.append(
            Claimed(row.id, row.attempts, reminder, None, found.thread_channel, found.thread_ts)
        )
    session.commit()
    return claimed


def _still_owed(case: CaseSnapshot, kind: str) -> bool:
    """An active case owes every reminder; an answered one only its open tasks' (Art. 18(3))."""
    return case.active or (kind == TASKS and case.open_tasks > 0)


def _set_posted(session: Session, ledger_id: int, now: datetime, note: str | None = None) -> bool:
    result = session.execute(
        update(ReminderLedger)
        .where(and_(col(ReminderLedger.id) == ledger_id, col(ReminderLedger.posted_at).is_(None)))
        .values(posted_at=now, last_error=note)
    )
    return bool(getattr(result, "rowcount", 0))


def mark_posted(session: Session, ledger_id: int, now: datetime) -> bool:
    """Record that the reminder went out; False if it was already marked."""
    done = _set_posted(session, ledger_id, now)
    session.commit()
    return done


def record_failure(session: Session, ledger_id: int, *, error: str) -> None:
    """Keep the row claimed and unposted, with the reason; `reclaim_stale` retries it later."""
    session.execute(
        update(ReminderLedger)
        .where(col(ReminderLedger.id) == ledger_id)
        .values(last_error=error[:500])
    )
    session.commit()


# --- One sweep: claim, post, mark ---------------------------------------------------------


@dataclass
class SweepResult:
    """What one sweep did."""

    claimed: int = 0
    retried: int = 0
    posted: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    # Delivered, but not everywhere it should have gone (e.g. mailed while Slack refused).
    degraded: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Everything claimed was posted, and by every channel meant for it."""
        return self.failed == 0 and not self.degraded


SessionFactory = Callable[[], AbstractContextManager[Session]]
# Posts one claimed item; raises to keep the claim for a retry. A returned text says the
# item was delivered with a shortfall (one channel of several refused): it counts as posted.
Poster = Callable[[Claimed], str | None]


def sweep(
    sessions: SessionFactory,
    post: Poster,
    *,
    now: datetime,
    config: ReminderConfig = DEFAULT_CONFIG,
    batch: int = 50,
    stale_after: timedelta = STALE_AFTER,
) -> SweepResult:
    """Retry stale claims, then claim and post in batches until nothing is due."""
    result = SweepResult()
    with sessions() as session:
        retry = reclaim_stale(session, now=now, config=config, stale_after=stale_after)
    result.retried = len(retry)
    _deliver(sessions, post, retry, now, result)
    for _ in range(_MAX_BATCHES):
        with sessions() as session:
            won, contested = claim_batch(session, now=now, config=config, limit=batch)
        result.claimed += len(won)
        _deliver(sessions, post, won, now, result)
        if not contested:
            # Nothing unclaimed was left. A batch lost to another instance is not the end:
            # the next one is read afresh, so if that instance dies the work still gets done.
            break
    return result


@contextmanager
def _pinned(sessions: SessionFactory) -> Iterator[Session]:
    """A session that keeps one connection for a run of short transactions.

    A plain session hands its connection back at every commit, and the next statement
    checks one out again (with a ping); marking a few hundred reminders paid that each time.
    """
    with sessions() as session:
        bind = session.get_bind()
        if not isinstance(bind, Engine):  # already on a connection: use it as it is
            yield session
            return
    if bind.dialect.name != "postgresql":
        with bind.connect() as conn, Session(conn, expire_on_commit=False) as pinned:
            yield pinned
        return
    # Each mark is one UPDATE, atomic on its own: autocommit spares BEGIN and COMMIT. It need
    # not wait for the WAL flush either: a crash of our process loses nothing, and only a
    # crash of the database server within wal_writer_delay could lose a mark and repeat one
    # reminder, the bargain SQLite's synchronous=NORMAL makes here too. The claim, which is
    # what keeps two instances apart, stays a synchronous transaction.
    with bind.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        conn.exec_driver_sql("SET synchronous_commit TO OFF")
        try:
            with Session(conn, expire_on_commit=False) as pinned:
                yield pinned
        finally:
            conn.exec_driver_sql("RESET synchronous_commit")  # before the pool hands it on


def _deliver(
    sessions: SessionFactory,
    post: Poster,
    items: list[Claimed],
    now: datetime,
    result: SweepResult,
) -> None:
    """Post each claimed row outside any transaction, then mark it in a short one."""
    if not items:
        return
    with _pinned(sessions) as session:
        for item in items:
            try:
                shortfall = post(item)
            except Exception as exc:  # any failure of the target: keep the claim, retry later
                result.failed += 1
                reason = f"{type(exc).__name__}: {exc}"[:300]
                result.errors.append(f"{item.label}: {type(exc).__name__}")
                log.warning("reminder %s not posted (%s)", item.label, type(exc).__name__)
                record_failure(session, item.ledger_id, error=reason)
                continue
            mark_posted(session, item.ledger_id, now)
            result.posted += 1
            if shortfall:
                result.degraded.append(f"{item.label}: {shortfall}")
