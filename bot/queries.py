"""The bounded reads behind `/rights list`, `search`, `stats` and App Home."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from cases import deadlines
from cases.kinds import CaseKind
from cases.lifecycle import ANSWERED_STATUSES, OPEN_STATUSES
from cases.references import REFERENCE_RE, normalise_reference
from cases.views import list_cases
from store.models import Case, CaseEvent

PAGE = 20  # rows in one answer: Slack messages stay readable and every query stays cheap
LIST_FILTERS = ("open", "overdue", "mine", *(k.value for k in CaseKind))


def cases_by_filter(
    session: Session, *, which: str, user_actor: str, now: datetime, limit: int = PAGE
) -> list[Case]:
    """Open cases, overdue first then by due date, for one `/rights list` filter."""
    today = deadlines.receipt_date(now)
    if which == "open":
        return open_cases(session, limit=limit)
    if which == "overdue":
        return list_cases(session, overdue_on=today, limit=limit)
    if which == "mine":
        return open_cases(session, assignee=user_actor, limit=limit)
    return active_of_kind(session, kind=CaseKind(which).value, limit=limit)


def open_cases(session: Session, *, assignee: str | None = None, limit: int = PAGE) -> list[Case]:
    """Active cases by due date, then answered ones awaiting closure, as list_cases orders them.

    Two queries, each following the (is_active, effective_due_date) index with a LIMIT,
    instead of sorting every open case: fast with 100,000 cases.
    """
    found: list[Case] = []
    for where in (
        col(Case.is_active).is_(True),
        col(Case.status).in_([s.value for s in ANSWERED_STATUSES]),
    ):
        query = select(Case).where(where)
        if assignee:
            query = query.where(Case.assignee == assignee)
        query = query.order_by(col(Case.effective_due_date), col(Case.id)).limit(limit - len(found))
        found += session.exec(query).all()
        if len(found) >= limit:
            break
    return found


def active_of_kind(session: Session, *, kind: str, limit: int) -> list[Case]:
    """Active cases of one kind, by due date.

    Kinds is a JSON list, which SQLite and PostgreSQL search differently: the ids and kinds
    are streamed in due-date order (the is_active index) until `limit` match, then loaded.
    """
    query = (
        select(Case.id, Case.kinds)
        .where(col(Case.is_active).is_(True))
        .order_by(col(Case.effective_due_date), col(Case.id))
        .execution_options(yield_per=200)
    )
    ids: list[int] = []
    for case_id, kinds in session.exec(query):
        if kind in kinds and case_id is not None:
            ids.append(case_id)
            if len(ids) >= limit:
                break
    if not ids:
        return []
    rows = {c.id: c for c in session.exec(select(Case).where(col(Case.id).in_(ids))).all()}
    return [rows[i] for i in ids if i in rows]


def count_open(session: Session) -> int:
    """How many cases are not closed."""
    statuses = [s.value for s in OPEN_STATUSES]
    return int(
        session.exec(
            select(func.count()).select_from(Case).where(col(Case.status).in_(statuses))
        ).one()
    )


def search(session: Session, text: str, *, limit: int = PAGE) -> list[Case]:
    """Cases whose reference, requester address or requester name contains `text`.

    A whole reference or address is looked up through its index first; only when that
    finds nothing are the three columns scanned for the substring.
    """
    needle = text.strip()
    if not needle:
        return []
    order = (col(Case.is_active).desc(), col(Case.effective_due_date), col(Case.id))
    reference = normalise_reference(needle)
    exact = None
    if REFERENCE_RE.fullmatch(reference):
        exact = col(Case.reference) == reference
    elif "@" in needle:
        exact = col(Case.requester_email) == needle.lower()
    if exact is not None:
        found = list(session.exec(select(Case).where(exact).order_by(*order).limit(limit)).all())
        if found:
            return found
    query = (
        select(Case)
        .where(
            or_(
                col(Case.reference).icontains(needle, autoescape=True),
                col(Case.requester_email).icontains(needle, autoescape=True),
                col(Case.requester_name).icontains(needle, autoescape=True),
            )
        )
        .order_by(*order)
        .limit(limit)
    )
    return list(session.exec(query).all())


@dataclass(frozen=True)
class Stats:
    """The desk at a glance."""

    by_status: dict[str, int]
    overdue: int
    due_this_week: int
    unassigned: int


def stats(session: Session, now: datetime) -> Stats:
    """Counts by open status, overdue, due in seven days and unassigned active cases."""
    today: date = deadlines.receipt_date(now)
    statuses = [s.value for s in OPEN_STATUSES]
    rows = session.exec(
        select(Case.status, func.count())
        .where(col(Case.status).in_(statuses))
        .group_by(col(Case.status))
    ).all()
    active = select(func.count()).select_from(Case).where(col(Case.is_active).is_(True))
    overdue = session.exec(active.where(col(Case.effective_due_date) < today)).one()
    week = session.exec(
        active.where(
            col(Case.effective_due_date) >= today,
            col(Case.effective_due_date) <= today + timedelta(days=7),
        )
    ).one()
    unassigned = session.exec(active.where(col(Case.assignee).is_(None))).one()
    return Stats(
        by_status={status: int(n) for status, n in rows},
        overdue=int(overdue),
        due_this_week=int(week),
        unassigned=int(unassigned),
    )


def recent_events(session: Session, case_id: int, *, limit: int = 15) -> list[CaseEvent]:
    """The newest events of a case, oldest first."""
    rows = session.exec(
        select(CaseEvent)
        .where(CaseEvent.case_id == case_id)
        .order_by(col(CaseEvent.id).desc())
        .limit(limit)
    ).all()
    return list(reversed(rows))
