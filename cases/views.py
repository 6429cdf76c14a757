"""Read models of cases: what lists, JSON output and Slack show."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from cases import deadlines
from cases.lifecycle import ACTIVE_STATUSES, OPEN_STATUSES, Status
from cases.related import related_cases, related_summary
from cases.sender_check import sender_note
from store.models import Case, CaseEvent, CasePause, Outbox


def days_left(case: Case, now: datetime) -> int | None:
    """Calendar days from today (Helsinki) to the effective due date; None once answered."""
    if Status(case.status) not in ACTIVE_STATUSES:
        return None
    return (case.effective_due_date - deadlines.receipt_date(now)).days


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def case_summary(case: Case, now: datetime) -> dict[str, Any]:
    """One case as the JSON contract of `cases list`."""
    return {
        "reference": case.reference,
        "kinds": list(case.kinds),
        "status": case.status,
        "language": case.language,
        "requester_name": case.requester_name,
        "requester_email": case.requester_email,
        "channel": case.channel,
        "received_at": _iso(case.received_at),
        "receipt_date": _iso(case.receipt_date),
        "due_date": _iso(case.due_date),
        "extended_due_date": _iso(case.extended_due_date),
        "effective_due_date": _iso(case.effective_due_date),
        "days_left": days_left(case, now),
        "paused": case.paused_since is not None,
        "paused_days": case.paused_days,
        "assignee": case.assignee,
        "identity_status": case.identity_status,
        "outcome": case.outcome,
        "closed_at": _iso(case.closed_at),
    }


def case_detail(session: Session, case: Case, now: datetime) -> dict[str, Any]:
    """One case with its events and pauses, as `cases show --json` prints it."""
    data = case_summary(case, now)
    data.update(
        {
            "extension_ground": case.extension_ground,
            "extension_reason": case.extension_reason,
            "extension_notified_at": _iso(case.extension_notified_at),
            "identity_method": case.identity_method,
            "identity_reason": case.identity_reason,
            "identity_verified_by": case.identity_verified_by,
            "identity_verified_at": _iso(case.identity_verified_at),
            "sender_check": sender_note(case),
            "evidence": case.evidence,
            "is_complex": case.is_complex,
        }
    )
    events = session.exec(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(col(CaseEvent.id))
    ).all()
    data["events"] = [
        {"at": _iso(e.at), "actor": e.actor, "action": e.action, "detail": e.full_detail}
        for e in events
    ]
    pauses = session.exec(
        select(CasePause).where(CasePause.case_id == case.id).order_by(col(CasePause.id))
    ).all()
    # Other cases of the same person, linked by address or register row (issue 14.4).
    data["related_cases"] = related_summary(related_cases(session, case))
    data["pauses"] = [
        {
            "waiting_for": p.waiting_for,
            "reason": p.reason,
            "started_at": _iso(p.started_at),
            "ended_at": _iso(p.ended_at),
        }
        for p in pauses
    ]
    data["mail"] = [_delivery(row) for row in case_mail(session, case)]
    return data


def case_mail(session: Session, case: Case) -> list[Outbox]:
    """The case's outgoing mail, oldest first."""
    query = select(Outbox).where(Outbox.case_id == case.id).order_by(col(Outbox.id))
    return list(session.exec(query).all())


def _delivery(row: Outbox) -> dict[str, Any]:
    # 'sent' with an error kept: the whole message went over but the server's answer never
    # came (a crash or a cut connection after the final dot), so it is not sent again
    # (RFC 5321 §4.1.1.4; RFC 1047) and a person checks that it arrived.
    state = "unconfirmed" if row.status == "sent" and row.last_error else row.status
    return {
        "purpose": row.purpose,
        "to": row.to_addr,
        "subject": row.subject,
        "delivery": state,
        "attempts": row.attempts,
        "queued_at": _iso(row.created_at),
        "sent_at": _iso(row.sent_at),
        "error": row.last_error,
    }


def list_cases(
    session: Session,
    *,
    status: str | None = None,
    kind: str | None = None,
    assignee: str | None = None,
    overdue_on: date | None = None,
    limit: int | None = None,
) -> list[Case]:
    """Cases, overdue and nearest due first; `status='open'` means every status but closed."""
    query = select(Case)
    if status == "open":
        query = query.where(col(Case.status).in_([s.value for s in OPEN_STATUSES]))
    elif status == "active":
        query = query.where(col(Case.is_active).is_(True))
    elif status:
        query = query.where(Case.status == Status(status).value)
    if assignee:
        query = query.where(Case.assignee == assignee)
    if overdue_on is not None:
        query = query.where(
            col(Case.is_active).is_(True), col(Case.effective_due_date) < overdue_on
        )
    query = query.order_by(col(Case.is_active).desc(), col(Case.effective_due_date), col(Case.id))
    cases = list(
        session.exec(query).all()
        if limit is None or kind
        else session.exec(query.limit(limit)).all()
    )
    if kind:
        cases = [c for c in cases if kind in c.kinds]
        if limit is not None:
            cases = cases[:limit]
    return cases
