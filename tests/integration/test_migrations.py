"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import mailbox
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel, select

import store.models  # noqa: F401  (registers every table)
from cases import operations as ops
from cases.outbox import Sender, queue_mail
from cases.related import about_person
from mail_intake.outbox_sender import MaildirTransport, deliver_pending
from store import migrate
from store.audit import append_event
from store.engine import new_session
from store.models import Case, Outbox, Task


# SQLite's reflection cannot read an index on an expression: the next test checks that one.
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression")
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_the_migrated_schema_matches_the_models(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []


def test_a_persons_other_cases_are_looked_up_through_indexes_not_a_scan(engine: Engine) -> None:
    """`cases/related.py` finds them by address without case, or by the register row."""
    query = select(Case.id).where(about_person(7, ["Aino@Example.com"]))
    sql = str(query.compile(engine, compile_kwargs={"literal_binds": True}))
    explain = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SET enable_seqscan = off"))  # an empty table: scanning is cheaper
        plan = " ".join(str(row) for row in conn.execute(text(explain + sql)))
    assert "ix_case_requester_email_lower" in plan and "ix_case_customer_id" in plan, plan


def test_every_migration_can_be_undone_and_redone(engine: Engine) -> None:
    migrate.downgrade(engine, "base")
    assert migrate.current_revision(engine) is None
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()


def test_the_quick_head_lookup_agrees_with_alembic() -> None:
    assert migrate.head_revision() == migrate.alembic_head_revision()


def test_the_quick_revision_lookup_agrees_with_alembic(engine: Engine) -> None:
    with engine.connect() as conn:
        expected = MigrationContext.configure(conn).get_current_revision()
    assert migrate.current_revision(engine) == expected == migrate.head_revision()


def test_a_task_number_purged_before_the_upgrade_is_not_handed_out_again(engine: Engine) -> None:
    """Under 0011 a task is opened and purged; only the trail still knows its number."""
    migrate.downgrade(engine, "0011_extension_ground")
    now = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
    with new_session(engine) as session:
        case = ops.open_case(
            session, kinds=["access"], received_at=now, now=now, actor="test",
            requester_name="Maija Esimerkki", requester_email="maija.esimerkki@example.com",
        )  # fmt: skip
        # The task table as it was under 0011: only the columns it had then.
        old_columns = ("case_id", "system", "kind", "owner", "instructions", "status")
        values = {k: getattr(netvisor_task(case.id or 0, now), k) for k in old_columns}
        values |= {"due_date": date(2026, 4, 2), "created_at": now}
        table = Task.__table__  # type: ignore[attr-defined]
        purged_id = session.execute(
            table.insert().values(values).returning(table.c.id)
        ).scalar_one()
        append_event(
            session,
            case_id=case.id,
            actor="test",
            action="task_opened",
            detail={"task_id": purged_id},
            at=now,
        )
        session.execute(table.delete().where(table.c.id == purged_id))
        session.commit()
    migrate.upgrade(engine)
    with new_session(engine) as session:
        task = netvisor_task(case.id or 0, now)
        session.add(task)
        session.commit()
        assert task.id is not None and task.id > purged_id


def netvisor_task(case_id: int, now: datetime) -> Task:
    return Task(
        case_id=case_id, system="Netvisor", kind="access", owner="U3OWNER",
        instructions="Export.", due_date=date(2026, 4, 2), created_at=now,
    )  # fmt: skip


OLD_RAW = (
    b"From: Target Partners Oy <privacy@targetpartners.example>\n"
    b"To: aino.virtanen@example.com\n"
    b"Subject: [DSR-2026-0001] Your request\n"
    b"Message-ID: <old-1@targetpartners.example>\n"
    b"MIME-Version: 1.0\n"
    b'Content-Type: text/plain; charset="utf-8"\n'
    b"Content-Transfer-Encoding: 7bit\n\n"
    b"Written before the upgrade.\n"
)


def _sent(folder: Path) -> list[bytes]:
    box = mailbox.Maildir(folder, factory=None)
    return [box.get_bytes(key) for key in box.iterkeys()]


def test_a_mail_queued_as_bytes_before_0016_is_sent_as_it_was_written(
    engine: Engine, tmp_path: Path
) -> None:
    migrate.downgrade(engine, "0015_system_erasure_progress")
    now = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO outbox (message_id, purpose, automatic, to_addr, subject, raw,"
                " status, attempts, next_attempt_at, created_at)"
                " VALUES ('old-1@targetpartners.example', 'acknowledgement', :auto,"
                " 'aino.virtanen@example.com', '[DSR-2026-0001] Your request', :raw,"
                " 'pending', 0, :now, :now)"
            ),
            {"raw": OLD_RAW, "now": now, "auto": True},
        )
    migrate.upgrade(engine)
    sent = deliver_pending(
        lambda: new_session(engine), MaildirTransport(tmp_path / "sent"), lambda: now
    )
    assert sent["sent"] == 1
    assert _sent(tmp_path / "sent") == [OLD_RAW]
    with new_session(engine) as session:
        row = session.exec(select(Outbox)).one()
        assert row.status == "sent" and row.raw == OLD_RAW and row.body_text is None


def test_0016_is_undone_only_once_every_queued_mail_is_written(
    engine: Engine, tmp_path: Path
) -> None:
    now = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
    with new_session(engine) as session:
        queue_mail(
            session, case=None, sender=Sender("privacy@targetpartners.example", "Target"),
            to="aino.virtanen@example.com", subject="Hei", text="Hei Aino\n", html=None,
            purpose="reply", now=now,
        )  # fmt: skip
        session.commit()
    with pytest.raises(RuntimeError, match="not written yet"):
        migrate.downgrade(engine, "0015_system_erasure_progress")
    assert migrate.current_revision(engine) == migrate.head_revision()
    deliver_pending(lambda: new_session(engine), MaildirTransport(tmp_path / "sent"), lambda: now)
    migrate.downgrade(engine, "0015_system_erasure_progress")
    with engine.connect() as conn:
        raws = conn.execute(text("SELECT raw FROM outbox")).scalars().all()
        hashes = conn.execute(text("SELECT raw_sha256 FROM message")).scalars().all()
    assert [bytes(r) for r in raws] == _sent(tmp_path / "sent")
    assert hashes and all(hashes)  # the sender filled in the hash of what it sent
    migrate.upgrade(engine)


def test_an_erasure_interrupted_before_0015_is_carried_over_as_its_progress_row(
    engine: Engine,
) -> None:
    """Under 0014 the trail alone said how far each system's erasure got."""
    migrate.downgrade(engine, "0014_answers_and_notices_as_rows")
    now = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
    plan = {"system": "Verkkokauppa", "changes": [{"table": "wp_users", "key": "7"}], "found": 1}
    with new_session(engine) as session:
        case = ops.open_case(
            session, kinds=["erasure"], received_at=now, now=now, actor="test",
            requester_name="Maija Esimerkki", requester_email="maija.esimerkki@example.com",
        )  # fmt: skip
        for system, action in (
            ("Verkkokauppa", "system_erasure_started"),
            ("CRM", "system_erasure_started"),
            ("CRM", "system_erased"),
        ):
            detail = {**plan, "system": system}
            append_event(
                session, case_id=case.id, actor="test", action=action, detail=detail, at=now
            )
        session.commit()
    migrate.upgrade(engine)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT system, state, finished_at IS NULL FROM system_erasure ORDER BY system")
        ).all()
    assert [tuple(r) for r in rows] == [("CRM", "erased", False), ("Verkkokauppa", "started", True)]
