"""Readers and writers on one store: a read session never waits behind a writer."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from store import migrate
from store.engine import make_engine, new_read_session, new_session


def test_a_read_session_sees_the_committed_state_while_a_writer_holds_the_lock(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'desk.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    with new_session(engine) as setup:
        setup.execute(text("CREATE TABLE probe (n INTEGER)"))
        setup.execute(text("INSERT INTO probe VALUES (1)"))
        setup.commit()
    other = make_engine(url)  # another process's view: its own connections
    with new_session(engine) as writer:
        writer.execute(text("INSERT INTO probe VALUES (2)"))  # BEGIN IMMEDIATE: the write lock
        reader = new_read_session(other)
        rows = reader.execute(text("SELECT n FROM probe")).scalars().all()
        reader.close()
        assert rows == [1]  # a snapshot: the uncommitted row is not seen
        assert migrate.current_revision(other) == migrate.head_revision()
        writer.commit()
    with new_read_session(other) as reader:
        assert reader.execute(text("SELECT n FROM probe ORDER BY n")).scalars().all() == [1, 2]
