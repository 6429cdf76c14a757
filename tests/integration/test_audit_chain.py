"""The audit trail detects rows edited, deleted or inserted out of band."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from cases import operations as ops
from store.actions import AuditAction
from store.audit import verify_chain
from store.engine import new_session
from store.models import Case

T0 = datetime(2026, 3, 5, 10, 0, tzinfo=UTC)


def _three_events(session: Session) -> str:
    case = ops.open_case(session, kinds=["access"], received_at=T0, now=T0, actor="intake")
    ops.assign(session, reference=case.reference, assignee="pasi", actor="lead", now=T0)
    ops.note(session, reference=case.reference, text="called back", actor="pasi", now=T0)
    return case.reference


def test_an_untouched_chain_verifies(session: Session) -> None:
    _three_events(session)
    report = verify_chain(session)
    assert report.ok and report.checked == 3


def test_an_edited_row_is_named_as_the_first_bad_one(session: Session) -> None:
    _three_events(session)
    session.execute(text("UPDATE case_event SET actor = 'mallory' WHERE id = 2"))
    session.commit()
    report = verify_chain(session)
    assert not report.ok and report.bad_event_id == 2 and "edited" in (report.problem or "")


def test_a_deleted_row_in_the_middle_breaks_the_chain_at_the_next_row(session: Session) -> None:
    _three_events(session)
    session.execute(text("DELETE FROM case_event WHERE id = 2"))
    session.commit()
    report = verify_chain(session)
    assert not report.ok and report.bad_event_id == 3


def test_a_deleted_newest_row_is_detected_through_the_head(session: Session) -> None:
    _three_events(session)
    session.execute(text("DELETE FROM case_event WHERE id = 3"))
    session.commit()
    assert not verify_chain(session).ok


def test_a_row_inserted_out_of_band_is_detected(session: Session) -> None:
    _three_events(session)
    session.execute(
        text(
            "INSERT INTO case_event (case_id, at, actor, action, detail, prev_hash, hash) "
            "VALUES (1, '2026-03-05 10:00:00', 'mallory', 'note', '{}', 'x', 'y')"
        )
    )
    session.commit()
    report = verify_chain(session)
    assert not report.ok and report.bad_event_id == 4


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ('SET personal = \'{"text": "never called"}\'', "edited"),  # the salted hash tells
        ("SET personal = NULL, personal_salt = NULL", "deleted"),  # no retention purge for it
    ],
)
def test_a_personal_part_changed_out_of_band_is_detected(
    session: Session, change: str, problem: str
) -> None:
    _three_events(session)
    session.execute(text(f"UPDATE case_event {change} WHERE id = 3"))
    session.commit()
    report = verify_chain(session)
    assert not report.ok and report.bad_event_id == 3 and problem in (report.problem or "")


def test_a_session_that_kept_the_head_over_its_commit_chains_after_another_writer(
    engine: Engine,
) -> None:
    # Our sessions keep their objects over a commit (expire_on_commit=False): the demo's
    # contact person and intake, or the bot and `rightsdesk run`, append in turn.
    with new_session(engine) as desk, new_session(engine) as intake:
        reference = _three_events(desk)  # desk now holds the head it last wrote
        desk.commit()
        ops.note(intake, reference=reference, text="mail filed", actor="intake", now=T0)
        intake.close()  # SQLite: its refresh began a transaction that holds the write lock
        ops.note(desk, reference=reference, text="answered", actor="pasi", now=T0)
        report = verify_chain(desk)
    assert report.ok and report.checked == 5


def test_a_savepoint_rolled_back_takes_its_events_and_the_head_back_with_it(
    session: Session,
) -> None:
    # Intake's batches: one savepoint per mail, a poisoned one rolled back alone. The
    # database moves the head with each event (migration 0017); the next event must chain
    # on the head as it was before the savepoint, not on the events undone.
    reference = _three_events(session)
    case = session.exec(select(Case).where(Case.reference == reference)).one()
    for word in ("undone", "undone too"):
        savepoint = session.begin_nested()
        ops.record(session, case, actor="intake", action=AuditAction.NOTE, now=T0, text=word)
        savepoint.rollback()
        ops.record(session, case, actor="intake", action=AuditAction.NOTE, now=T0, text="kept")
    session.commit()
    report = verify_chain(session)
    assert report.ok and report.checked == 5
    newest = session.execute(text("SELECT max(id) FROM case_event")).scalar_one()
    head = session.execute(text("SELECT last_event_id FROM audit_head")).scalar_one()
    assert head == newest


def test_the_head_follows_every_event_of_a_transaction_in_one_statement_each(
    engine: Engine,
) -> None:
    # One statement per event: the head's row is the database's to move, not an UPDATE of
    # ours after each INSERT (issue 16).
    from sqlalchemy import event

    statements: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(" ".join(statement.split()))

    with new_session(engine) as session:
        reference = _three_events(session)
        session.commit()
        event.listen(engine, "before_cursor_execute", seen)
        try:
            for text_ in ("one", "two", "three"):
                ops.note(session, reference=reference, text=text_, actor="pasi", now=T0)
            session.commit()
        finally:
            event.remove(engine, "before_cursor_execute", seen)
        assert not [s for s in statements if s.startswith("UPDATE audit_head")]
        assert verify_chain(session).ok
