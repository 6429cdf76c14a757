"""The reminder ledger on SQLite and PostgreSQL: claim, post, mark; once, never lost."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import insert, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from cases import health
from cases import operations as ops
from cases.deadlines import HELSINKI
from cases.outbox import Sender
from cases.reminder_candidates import candidate_queries
from cases.reminder_ledger import (
    Claimed,
    SessionFactory,
    claim_due,
    mark_posted,
    reclaim_stale,
    sweep,
)
from cases.reminder_texts import digest_lines
from cases.reminders import ReminderConfig
from cases.tasks import open_task
from mail_intake.quarantine import quarantine
from store.engine import new_session
from store.models import Case, ReminderLedger, Task

RECEIVED = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # due Monday 2026-12-28


def _at(day: date, hour: int = 9, minute: int = 30) -> datetime:
    return datetime.combine(day, time(hour, minute), HELSINKI).astimezone(UTC)


def _open(session: Session, *, assignee: str | None = "slack:U0PASI", **kw: object) -> Case:
    args: dict[str, object] = dict(
        kinds=["access"],
        received_at=RECEIVED,
        now=RECEIVED,
        actor="test",
        requester_email="maija.virtanen@example.com",
    )
    args.update(kw)
    case = ops.open_case(session, **args)  # type: ignore[arg-type]
    if assignee:
        case = ops.assign(
            session, reference=case.reference, assignee=assignee, actor="test", now=RECEIVED
        )
    session.commit()  # end the transaction refresh() began: SQLite writers take the lock at BEGIN
    return case


def _sessions(engine: Engine) -> SessionFactory:
    @contextmanager
    def factory() -> Iterator[Session]:
        with new_session(engine) as session:
            yield session

    return factory


def _posted_by_day(
    engine: Engine, start: date, end: date, runs: tuple[int, ...] = (9, 14)
) -> list[tuple[date, str, str]]:
    """Sweep twice a day (a restart in between); return what was posted, per day."""
    out: list[tuple[date, str, str]] = []

    def post(item: Claimed) -> None:
        if item.reminder is not None:
            out.append((day, item.reminder.reference, item.reminder.kind))

    day = start
    while day <= end:
        for hour in runs:
            sweep(_sessions(engine), post, now=_at(day, hour))
        day += timedelta(days=1)
    return out


def test_a_month_of_sweeps_posts_each_reminder_once_on_its_working_day(
    engine: Engine, session: Session
) -> None:
    mine = _open(session).reference
    nobody = _open(session, assignee=None).reference
    posted = _posted_by_day(engine, date(2026, 11, 24), date(2027, 1, 5))
    expected_days = [
        (date(2026, 12, 15), "before_7"),
        (date(2026, 12, 21), "before_3"),
        (date(2026, 12, 23), "before_1"),
        (date(2026, 12, 28), "due_today"),
        (date(2026, 12, 29), "overdue"),
        (date(2026, 12, 30), "overdue"),
        (date(2026, 12, 31), "overdue"),
        (date(2027, 1, 4), "overdue"),
        (date(2027, 1, 5), "overdue"),
    ]
    assert [(d, k) for d, ref, k in posted if ref == mine] == expected_days
    assert [(d, k) for d, ref, k in posted if ref == nobody] == [
        (date(2026, 11, 25), "unassigned"),
        *expected_days,
    ]


def test_the_digest_is_claimed_once_per_working_day(engine: Engine, session: Session) -> None:
    received = datetime(2026, 11, 20, 10, tzinfo=UTC)  # due Monday 2026-12-21
    _open(session, received_at=received, now=received)
    digests: list[date] = []

    def post(item: Claimed) -> None:
        if item.digest is not None:
            digests.append(item.digest.day)

    for day in (date(2026, 12, 18), date(2026, 12, 19), date(2026, 12, 21)):
        for hour in (8, 9, 12):
            sweep(_sessions(engine), post, now=_at(day, hour))
    assert digests == [date(2026, 12, 18), date(2026, 12, 21)]  # 19th is a Saturday


def test_a_second_digest_row_for_the_same_day_is_refused_by_the_database(
    session: Session,
) -> None:
    row = dict(
        kind="digest",
        due_date=date(2026, 12, 21),
        day=date(2026, 12, 21),
        claimed_at=_at(date(2026, 12, 21)),
        attempts=1,
    )
    session.execute(insert(ReminderLedger).values(case_id=None, **row))
    session.commit()
    with pytest.raises(IntegrityError):
        session.execute(insert(ReminderLedger).values(case_id=None, **row))
        session.commit()
    session.rollback()


def test_a_crash_between_claim_and_post_is_retried_once_not_lost_not_repeated(
    engine: Engine, session: Session
) -> None:
    ref = _open(session).reference
    now = _at(date(2026, 12, 15))
    with new_session(engine) as s:
        first = [c for c in claim_due(s, now=now) if c.reminder is not None]
    assert [(c.reminder.reference, c.reminder.kind) for c in first if c.reminder] == [
        (ref, "before_7")
    ]
    # ... the process dies here, before posting. A restart a minute later claims nothing new:
    with new_session(engine) as s:
        assert [c for c in claim_due(s, now=now + timedelta(minutes=1)) if c.reminder] == []
        assert reclaim_stale(s, now=now + timedelta(minutes=1)) == []
    # After the stale interval the claim is handed out again, once, and counted.
    later = now + timedelta(minutes=11)
    with new_session(engine) as s:
        retry = reclaim_stale(s, now=later)
    assert [(c.ledger_id, c.attempts) for c in retry] == [(first[0].ledger_id, 2)]
    assert retry[0].reminder is not None and retry[0].reminder.kind == "before_7"
    with new_session(engine) as s:
        assert reclaim_stale(s, now=later + timedelta(minutes=1)) == []  # locked in by claimed_at
        assert mark_posted(s, retry[0].ledger_id, later)
        assert not mark_posted(s, retry[0].ledger_id, later)  # marking twice changes nothing
        assert reclaim_stale(s, now=later + timedelta(hours=1)) == []
        rows = s.exec(select(ReminderLedger).where(ReminderLedger.kind == "before_7")).all()
    assert [(r.attempts, r.posted_at is not None) for r in rows] == [(2, True)]


def test_a_failed_post_is_kept_with_its_reason_and_posted_by_a_later_sweep(
    engine: Engine, session: Session
) -> None:
    _open(session)
    now = _at(date(2026, 12, 15))

    def slack_down(item: Claimed) -> None:
        raise ConnectionError("Slack is down")

    first = sweep(_sessions(engine), slack_down, now=now)
    assert (first.claimed, first.posted, first.failed) == (1, 0, 1)  # the digest is empty
    posted: list[str] = []
    second = sweep(
        _sessions(engine), lambda c: posted.append(c.label), now=now + timedelta(hours=1)
    )
    assert (second.retried, second.posted, second.failed) == (1, 1, 0)
    assert posted == ["DSR-2026-0001 before_7"]
    third = sweep(_sessions(engine), lambda c: posted.append(c.label), now=now + timedelta(hours=2))
    assert (third.claimed, third.retried, third.posted) == (0, 0, 0)


def test_a_claim_for_a_case_answered_meanwhile_is_not_posted_on_retry(
    engine: Engine, session: Session
) -> None:
    ref = _open(session).reference
    now = _at(date(2026, 12, 15))
    with new_session(engine) as s:
        claim_due(s, now=now)
    ops.withdraw(session, reference=ref, actor="test", now=now, reason="requester withdrew")
    session.commit()
    with new_session(engine) as s:
        retry = reclaim_stale(s, now=now + timedelta(minutes=30))
    assert retry == []
    with new_session(engine) as s:
        skipped = s.exec(select(ReminderLedger).where(ReminderLedger.kind == "before_7")).one()
    assert skipped.posted_at is not None and "no longer active" in (skipped.last_error or "")


def test_a_claimed_task_reminder_of_a_closed_case_is_retried_after_a_crash(
    engine: Engine, session: Session
) -> None:
    """A restriction lifted after the case closed leaves a task (Art. 18(3)): its claimed
    reminder survives a crash, while the closed case never owes a deadline reminder."""
    ref = _open(session).reference
    ops.verify(session, reference=ref, method="manual", reason="x", actor="test", now=RECEIVED)
    ops.respond(session, reference=ref, outcome="restricted", actor="test", now=RECEIVED)
    case = ops.close(session, reference=ref, actor="test", now=RECEIVED)
    lifted = _at(date(2027, 1, 11))
    open_task(
        session, case, system="Tilitoimisto", right="lift_restriction", owner="U0OWNER",
        instructions="-", by_mail=False, sender=Sender("privacy@example.com"), actor="test",
        now=lifted, due=date(2027, 1, 18),
    )  # fmt: skip
    session.commit()
    now = _at(date(2027, 1, 19))  # the case was due 2026-12-28: long past, and closed
    with new_session(engine) as s:
        first = [c.reminder for c in claim_due(s, now=now) if c.reminder is not None]
    assert [(r.reference, r.kind, r.text_key) for r in first] == [
        (ref, "tasks", "tasks_overdue_after_answer")
    ]
    with new_session(engine) as s:  # the process died before posting it
        (retry,) = [c for c in reclaim_stale(s, now=now + timedelta(minutes=11)) if c.reminder]
    assert retry.reminder is not None and retry.attempts == 2
    assert (retry.reminder.kind, retry.reminder.text_key) == ("tasks", "tasks_overdue_after_answer")


def _bulk_cases(session: Session, *, closed: int, active_later: int) -> None:
    """Rows no sweep should read: answered long ago, or assigned and due months from now."""
    stamp = datetime(2026, 12, 1, 10, tzinfo=UTC)
    base = dict(
        kinds=["access"],
        language="fi",
        requester_undeliverable=False,
        channel="email",
        received_at=stamp,
        receipt_date=date(2026, 12, 1),
        paused_days=0,
        is_complex=False,
        identity_status="verified",
        evidence={},
        created_at=stamp,
        updated_at=stamp,
        assignee="slack:U0PASI",
    )
    old, later = date(2025, 1, 10), date(2027, 6, 1)
    rows = [
        dict(
            base,
            reference=f"OLD-2025-{i:06d}",
            status="closed",
            is_active=False,
            due_date=old,
            effective_due_date=old,
        )
        for i in range(closed)
    ] + [
        dict(
            base,
            reference=f"LATER-{i:06d}",
            status="in_progress",
            is_active=True,
            due_date=later,
            effective_due_date=later,
        )
        for i in range(active_later)
    ]
    session.execute(insert(Case), rows)
    session.commit()


def test_the_sweep_finds_its_cases_through_indexes(engine: Engine, session: Session) -> None:
    _bulk_cases(session, closed=20_000, active_later=3_000)
    for _ in range(20):
        _open(session)
    # The closed cases' tasks were answered long ago: the open ones are found by index.
    ids = session.exec(select(Case.id).where(col(Case.is_active).is_(False))).all()
    done = {"system": "Tilitoimisto", "kind": "access", "owner": "U0OWNER", "instructions": "-"}
    session.execute(
        insert(Task),
        [
            dict(
                done,
                case_id=i,
                status="done",
                due_date=date(2025, 1, 3),
                created_at=_at(date(2025, 1, 2)),
            )
            for i in ids
        ],
    )
    session.commit()
    dialect = engine.dialect
    if dialect.name == "postgresql":
        session.execute(text("ANALYZE"))
    # The planner may prefer the plain assignee index for the unassigned ones: also bounded.
    expected = [
        {"ix_case_active_due"},
        {"ix_case_active_month_due"},
        {"ix_case_active_paused"},
        {"ix_case_active_unassigned", "ix_case_assignee"},
        {"ix_task_status_due"},  # open tasks of manual systems (issue 15), then by case id
    ]
    queries = candidate_queries(date(2026, 12, 15), ReminderConfig())
    for names, query in zip(expected, queries, strict=True):
        sql = str(query.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        prefix = "EXPLAIN QUERY PLAN " if dialect.name == "sqlite" else "EXPLAIN "
        plan = "\n".join(str(row[-1]) for row in session.execute(text(prefix + sql)))
        assert any(f" {name} " in f"{plan} " for name in names), plan
        assert "SCAN case" not in plan and "Seq Scan" not in plan, plan


def test_health_reports_each_component_and_what_is_stuck(session: Session) -> None:
    now = _at(date(2026, 12, 15))
    health.beat(session, "scheduler", now=now, ok=True)
    health.beat(session, "intake", now=now - timedelta(minutes=40), ok=True)
    health.beat(session, "bot", now=now, ok=True)
    health.beat(session, "bot", now=now, ok=False, error="socket closed")
    states = {s.name: s for s in health.report(session, now)}
    assert states["scheduler"].healthy and states["scheduler"].last_success_at == now
    assert states["intake"].stale and not states["intake"].healthy
    assert states["bot"].state == "failing" and states["bot"].last_error == "socket closed"
    assert states["bot"].last_success_at == now  # a failure keeps the last success
    health.set_state(session, "intake", state="stopped", now=now)
    assert {s.name: s.healthy for s in health.report(session, now)}["intake"]


def test_the_marks_are_durable_and_the_connection_goes_back_to_the_pool_as_it_came(
    engine: Engine, session: Session
) -> None:
    for _ in range(3):
        _open(session, assignee=None)
    posted: list[str] = []
    result = sweep(_sessions(engine), lambda c: posted.append(c.label), now=_at(date(2026, 11, 25)))
    assert result.posted == len(posted) == 3 and result.ok
    with new_session(engine) as s:
        rows = s.exec(select(ReminderLedger).where(col(ReminderLedger.case_id).is_not(None))).all()
        assert sorted(r.posted_at is not None for r in rows) == [True, True, True]
        if engine.dialect.name == "postgresql":  # the marks' asynchronous commit stayed theirs
            assert s.execute(text("SHOW synchronous_commit")).scalar() == "on"
            assert s.connection().get_isolation_level() == "READ COMMITTED"


def test_the_digest_tells_of_mail_set_aside_even_on_a_day_without_cases(
    engine: Engine, session: Session
) -> None:
    quarantine(
        session,
        raw=b"\x00",
        reason="no From address",
        source="maildir",
        folder=None,
        uid=None,
        now=_at(date(2026, 12, 17)),
    )
    digests: list[str] = []

    def post(item: Claimed) -> None:
        if item.digest is not None:
            digests.append("\n".join(digest_lines(item.digest)))

    sweep(_sessions(engine), post, now=_at(date(2026, 12, 18), 9, 30))

    (text,) = digests
    assert "Mail set aside by the intake: 1 quarantined, 0 read as not a request" in text
