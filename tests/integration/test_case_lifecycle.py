"""The operations on a case, on SQLite and PostgreSQL: transitions, events, deadlines."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session, select

from cases import operations as ops
from cases.errors import IllegalTransition, UserError
from store.audit import verify_chain
from store.models import Case, CaseEvent

T0 = datetime(2026, 3, 5, 10, 0, tzinfo=UTC)  # Thursday 5 March 2026, Helsinki noon


def _open(session: Session, **kw: object) -> Case:
    args: dict[str, object] = dict(
        kinds=["access"],
        received_at=T0,
        now=T0,
        actor="test",
        requester_email="Maija.Virtanen@Example.com",
        language="fi",
    )
    args.update(kw)
    return ops.open_case(session, **args)  # type: ignore[arg-type]


def _actions(session: Session, case: Case) -> list[str]:
    rows = session.exec(select(CaseEvent).where(CaseEvent.case_id == case.id)).all()
    return [e.action for e in rows]


def test_opening_a_case_gives_a_yearly_sequential_reference_and_the_statutory_due_date(
    session: Session,
) -> None:
    first = _open(session)
    second = _open(session, kinds=["erasure"])
    assert first.reference == "DSR-2026-0001"
    assert second.reference == "DSR-2026-0002"
    assert first.receipt_date == date(2026, 3, 5)
    assert first.due_date == date(2026, 4, 7)  # 5 Apr Easter Sunday, 6 Apr Easter Monday
    assert first.requester_email == "maija.virtanen@example.com"
    assert first.received_at.tzinfo is not None
    assert _actions(session, first) == ["open"]


def test_references_restart_each_year_and_follow_the_helsinki_date(session: Session) -> None:
    new_year_eve_utc = datetime(2026, 12, 31, 22, 30, tzinfo=UTC)  # already 2027 in Helsinki
    case = _open(session, received_at=new_year_eve_utc, now=new_year_eve_utc)
    assert case.reference == "DSR-2027-0001"


def test_a_request_with_no_recognised_kind_waits_for_triage(session: Session) -> None:
    case = _open(session, kinds=[])
    assert case.status == "needs_triage"
    case = ops.triage(session, reference=case.reference, kinds=["objection"], actor="pasi", now=T0)
    assert case.status == "received" and case.kinds == ["objection"]


def test_the_whole_lifecycle_records_every_step_in_an_intact_chain(session: Session) -> None:
    case = _open(session)
    ref = case.reference
    ops.assign(session, reference=ref, assignee="pasi", actor="lead", now=T0)
    ops.verify(
        session,
        reference=ref,
        method="sender_match",
        reason="address in register",
        actor="pasi",
        now=T0,
    )
    ops.note(session, reference=ref, text="compiled the export", actor="pasi", now=T0)
    ops.respond(session, reference=ref, outcome="access report sent", actor="pasi", now=T0)
    case = ops.close(session, reference=ref, actor="pasi", now=T0)
    assert case.status == "closed" and case.closed_at is not None and not case.is_active
    assert _actions(session, case) == ["open", "assign", "verify", "note", "respond", "close"]
    assert verify_chain(session).ok


def test_an_illegal_transition_is_refused_with_a_clear_message(session: Session) -> None:
    case = _open(session)
    with pytest.raises(IllegalTransition, match="cannot close a case that is received"):
        ops.close(session, reference=case.reference, actor="pasi", now=T0)
    with pytest.raises(IllegalTransition, match="cannot respond"):
        ops.respond(session, reference=case.reference, outcome="x", actor="pasi", now=T0)


def test_a_pause_moves_the_due_date_by_the_days_waited(session: Session) -> None:
    received = datetime(2026, 2, 23, 9, 0, tzinfo=UTC)
    case = _open(session, received_at=received, now=received)
    assert case.due_date == date(2026, 3, 23)
    ops.pause(
        session,
        reference=case.reference,
        waiting_for="identity",
        reason="asked for customer number",
        actor="pasi",
        now=received,
    )
    case = ops.resume(
        session, reference=case.reference, actor="pasi", now=received + timedelta(days=11)
    )
    assert case.paused_days == 11
    assert case.due_date == date(2026, 4, 7)  # 23 Mar + 11 = Good Friday 3 Apr -> Tue 7 Apr
    assert case.status == "received"


def test_verifying_a_paused_case_ends_the_pause_and_starts_the_work(session: Session) -> None:
    case = _open(session)
    ops.pause(
        session,
        reference=case.reference,
        waiting_for="identity",
        reason="code sent",
        actor="pasi",
        now=T0,
    )
    case = ops.verify(
        session,
        reference=case.reference,
        method="code",
        reason="code returned",
        actor="requester",
        now=T0 + timedelta(days=2),
    )
    assert case.status == "in_progress" and case.paused_days == 2 and case.paused_since is None


def test_an_extension_needs_reasons_and_gives_three_months_from_receipt(session: Session) -> None:
    case = _open(session)
    with pytest.raises(UserError, match="reason"):
        ops.extend(
            session,
            reference=case.reference,
            reason="  ",
            ground="complexity",
            actor="pasi",
            now=T0,
        )
    case = ops.extend(
        session,
        reference=case.reference,
        reason="many archived orders",
        ground="complexity",
        actor="pasi",
        now=T0 + timedelta(days=10),
    )
    assert case.extended_due_date == date(2026, 6, 5)
    assert case.effective_due_date == date(2026, 6, 5)


def test_an_extension_after_the_first_month_is_refused(session: Session) -> None:
    case = _open(session)
    late = datetime(2026, 4, 8, 9, 0, tzinfo=UTC)
    with pytest.raises(UserError):
        ops.extend(
            session,
            reference=case.reference,
            reason="busy",
            ground="number-of-requests",
            actor="pasi",
            now=late,
        )


def test_a_closed_case_can_be_reopened_with_a_reason(session: Session) -> None:
    case = _open(session)
    ops.refuse(
        session,
        reference=case.reference,
        reasons="manifestly unfounded: repeated request",
        actor="pasi",
        now=T0,
    )
    ops.close(session, reference=case.reference, actor="pasi", now=T0)
    case = ops.reopen(
        session, reference=case.reference, reason="requester disputes", actor="pasi", now=T0
    )
    assert case.status == "received" and case.closed_at is None and case.is_active


def test_an_unknown_reference_is_a_user_error(session: Session) -> None:
    with pytest.raises(UserError, match="no case DSR-2026-0099"):
        ops.note(session, reference="dsr-2026-99", text="x", actor="pasi", now=T0)


def test_refusing_a_paused_case_ends_its_pause(session: Session) -> None:
    case = _open(session)
    ops.pause(
        session,
        reference=case.reference,
        waiting_for="identity",
        reason="code sent",
        actor="pasi",
        now=T0,
    )
    case = ops.refuse(
        session,
        reference=case.reference,
        reasons="identity never confirmed",
        actor="pasi",
        now=T0 + timedelta(days=3),
    )
    assert case.status == "refused" and case.paused_since is None and not case.is_active
