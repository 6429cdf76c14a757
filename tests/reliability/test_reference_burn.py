"""A case that is rolled back burns its reference: the next requester never gets it again."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import select

from cases import operations as ops
from cases.references import HWM_SUFFIX
from store import migrate
from store.engine import make_engine, new_session
from store.models import Case

T0 = datetime(2026, 3, 5, 10, 0, tzinfo=UTC)


def _open(session: object, email: str) -> Case:
    # Intake's step: opened in a transaction the caller commits or rolls back.
    return ops._apply_open(
        session,  # type: ignore[arg-type]
        kinds=["access"],
        received_at=T0,
        now=T0,
        actor="test",
        requester_email=email,
    )


def test_a_rolled_back_case_burns_its_number_and_the_next_case_gets_a_new_one(
    db_url: str,
) -> None:
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    try:
        with new_session(engine) as session:
            first = _open(session, "aino@example.com").reference
            session.commit()
            burnt = _open(session, "ville@example.com").reference
            session.rollback()  # e.g. the store failed before the commit
            after = _open(session, "ville@example.com").reference
            session.commit()
        assert (first, burnt, after) == ("DSR-2026-0001", "DSR-2026-0002", "DSR-2026-0003")
        with new_session(engine) as session:
            stored = session.exec(select(Case.reference).order_by(Case.reference)).all()
        assert stored == ["DSR-2026-0001", "DSR-2026-0003"]  # the gap is the case never stored
        if engine.dialect.name == "sqlite":
            database = engine.url.database or ""
            assert oct(Path(database + HWM_SUFFIX).stat().st_mode & 0o777) == "0o600"
    finally:
        engine.dispose()


def test_a_store_restored_to_an_older_state_does_not_hand_out_a_number_again(
    tmp_path: Path,
) -> None:
    """SQLite: the high-water mark outlives the commits a failing filesystem lost."""
    db = tmp_path / "desk.db"
    engine = make_engine(f"sqlite:///{db}")
    migrate.upgrade(engine)
    with new_session(engine) as session:
        _open(session, "aino@example.com")
        session.commit()
    engine.dispose()
    backup = db.read_bytes()
    engine = make_engine(f"sqlite:///{db}")
    with new_session(engine) as session:
        lost = _open(session, "ville@example.com").reference
        session.commit()
    engine.dispose()
    db.write_bytes(backup)  # the repaired store lacks the last commit
    engine = make_engine(f"sqlite:///{db}")
    try:
        with new_session(engine) as session:
            again = _open(session, "kalle@example.com").reference
            session.commit()
    finally:
        engine.dispose()
    assert (lost, again) == ("DSR-2026-0002", "DSR-2026-0003")
