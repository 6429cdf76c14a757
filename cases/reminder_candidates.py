"""The cases that may owe a reminder today, found through indexes, and the digest's cases."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any, TypeAlias

from sqlalchemy import Row, Select, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from cases import deadlines
from cases.mail_review import REVIEW_DAYS, count_set_aside
from cases.reminders import CaseSnapshot, Digest, ReminderConfig, digest
from store.models import Case, Draft, Task

CaseSelect: TypeAlias = "Select[*tuple[Any, ...]]"
CHUNK = 500
_SAFE_DATE_MARGIN = timedelta(days=7)  # the safe date is at most a few days before the stored
_UNASSIGNED_WINDOW = timedelta(days=45)  # older active cases are overdue: the due index has them
_COLUMNS = (
    col(Case.id),
    col(Case.reference),
    col(Case.status),
    col(Case.receipt_date),
    col(Case.due_date),
    col(Case.effective_due_date),
    col(Case.extended_due_date),
    col(Case.extension_notified_at),
    col(Case.paused_days),
    col(Case.paused_since),
    col(Case.is_complex),
    col(Case.assignee),
    col(Case.slack_channel),
    col(Case.slack_ts),
)


@dataclass(frozen=True)
class Candidate:
    """A case's snapshot for the policy and its Slack thread for the post."""

    snapshot: CaseSnapshot
    thread_channel: str | None
    thread_ts: str | None


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    """`items` in slices small enough for an IN (...) list."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _cases() -> CaseSelect:
    """The columns the policy needs, never the requester's data."""
    return sa_select(*_COLUMNS)


def _candidate(row: Row[Any]) -> Candidate:
    snap = CaseSnapshot(
        id=row.id,
        reference=row.reference,
        status=row.status,
        receipt_date=row.receipt_date,
        due_date=row.due_date,
        effective_due_date=row.effective_due_date,
        extended_due_date=row.extended_due_date,
        extension_notified=row.extension_notified_at is not None,
        paused_days=row.paused_days,
        paused_since=row.paused_since,
        is_complex=row.is_complex,
        assignee=row.assignee,
    )
    return Candidate(snap, row.slack_channel, row.slack_ts)


def _midnight_after(day: date) -> datetime:
    """The first instant of the day after `day` in Helsinki."""
    return datetime.combine(day + timedelta(days=1), time(0), deadlines.HELSINKI)


def candidate_queries(today: date, config: ReminderConfig) -> list[CaseSelect]:
    """The selects that find every case that may owe a reminder today, each through an index.

    Their cost grows with the cases due (or paused, or new and unassigned, or with a task
    due), not with all cases; the policy then decides, and the ledger drops what was
    already sent. An answered case comes only through its open tasks, and the policy owes
    it nothing but their reminder.
    """
    xmas = config.christmas_eve_working
    horizon = deadlines.add_working_days(today, config.lookahead, christmas_eve_working=xmas)
    horizon += _SAFE_DATE_MARGIN
    nudge_day = deadlines.subtract_working_days(
        today, config.identity_nudge_after, christmas_eve_working=xmas
    )
    unassigned_day = deadlines.subtract_working_days(
        today, config.unassigned_after, christmas_eve_working=xmas
    )
    active = col(Case.is_active).is_(True)
    return [
        # ix_case_active_due: before_N, due_today, overdue, extension window when not extended.
        _cases().where(active, col(Case.effective_due_date) <= horizon),
        # ix_case_active_month_due: extended, and the notice must still go out in month one.
        _cases().where(
            active,
            col(Case.due_date) >= today,
            col(Case.due_date) <= horizon,
            col(Case.extended_due_date).is_not(None),
            col(Case.extension_notified_at).is_(None),
        ),
        # ix_case_active_paused: waiting for the requester long enough for a nudge.
        _cases().where(active, col(Case.paused_since) < _midnight_after(nudge_day)),
        # ix_case_active_unassigned: nobody took it after a working day.
        _cases().where(
            active,
            col(Case.assignee).is_(None),
            col(Case.receipt_date) >= today - _UNASSIGNED_WINDOW,
            col(Case.receipt_date) <= unassigned_day,
        ),
        # ix_task_status_due: an owner's task due within a working day, or late, whatever
        # the case's status: a lift task is opened on an answered case (Art. 18(3)).
        _cases().where(col(Case.id).in_(_open_task_cases(horizon))),
    ]


def _open_task_cases(until: date | None = None) -> Any:
    """The ids of cases with an open task (due by `until`), for an IN (...) subquery."""
    query = sa_select(col(Task.case_id)).where(col(Task.status) == "open")
    if until is not None:
        query = query.where(col(Task.due_date) <= until)
    return query


def _with_tasks(session: Session, found: dict[int, Candidate]) -> dict[int, Candidate]:
    """Add each case's open tasks (count, earliest due date) to its snapshot."""
    for chunk in chunks(sorted(found)):
        rows = session.execute(
            sa_select(col(Task.case_id), func.min(col(Task.due_date)), func.count())
            .where(col(Task.status) == "open", col(Task.case_id).in_(chunk))
            .group_by(col(Task.case_id))
        )
        for case_id, due, count in rows:
            snap = replace(found[case_id].snapshot, task_due=due, open_tasks=count)
            found[case_id] = replace(found[case_id], snapshot=snap)
    return found


def load(session: Session, queries: Iterable[CaseSelect]) -> dict[int, Candidate]:
    """Run the selects and merge their cases by id."""
    found: dict[int, Candidate] = {}
    for query in queries:
        for row in session.execute(query):
            found.setdefault(row.id, _candidate(row))
    return _with_tasks(session, found)


def by_ids(session: Session, ids: Iterable[int]) -> dict[int, Candidate]:
    """Candidates for the given case ids (primary-key lookups)."""
    wanted = sorted(set(ids))
    found: dict[int, Candidate] = {}
    for chunk in chunks(wanted):
        found.update(load(session, [_cases().where(col(Case.id).in_(chunk))]))
    return found


def build_digest(session: Session, now: datetime, config: ReminderConfig) -> Digest:
    """The digest's cases: due this week or overdue, paused, with a draft or an open task."""
    today = deadlines.receipt_date(now)
    drafts: dict[int, int] = {}
    pending = sa_select(col(Draft.case_id)).where(col(Draft.status) == "pending")
    for case_id in session.execute(pending).scalars():
        drafts[case_id] = drafts.get(case_id, 0) + 1
    active = col(Case.is_active).is_(True)
    week = today + timedelta(days=7) + _SAFE_DATE_MARGIN
    found = load(
        session,
        [
            _cases().where(active, col(Case.effective_due_date) <= week),
            _cases().where(active, col(Case.paused_since).is_not(None)),
            # Open tasks of every case, answered ones too (through ix_task_status_due).
            _cases().where(col(Case.id).in_(_open_task_cases())),
        ],
    )
    found.update(by_ids(session, set(drafts) - set(found)))
    snaps = [
        replace(c.snapshot, pending_drafts=drafts.get(case_id, 0)) for case_id, c in found.items()
    ]
    stuck, others = count_set_aside(session, since=now - timedelta(days=REVIEW_DAYS))
    return replace(digest(snaps, now, config), quarantined=stuck, not_requests=others)
