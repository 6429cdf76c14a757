"""The recipients to tell by other means (Art. 19) and a task's mailed answer are rows the desk
reads, not audit events; old databases get them from their trail (migration 0014)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from cases import operations as ops
from rightsdesk.cli import main
from store import migrate
from store.actions import AuditAction
from store.engine import new_session
from store.models import RecipientNoticeNeeded, Task
from tests.replies_support import EXAMPLE_CONFIG, T0, seed_register, verified_case

BEFORE_ROWS = "0013_task_ids_never_reused"  # the last revision that kept these in events only
OTHER_MEANS = "tell Luottotieto Esimerkki Oy by other means before approving"


@pytest.fixture
def desk(engine: Engine, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """Maija, whose data went to a credit agency with no address on file, has it rectified."""
    monkeypatch.setenv("RIGHTSDESK_DATABASE_URL", db_url)
    monkeypatch.setenv("RIGHTSDESK_CONFIG", str(EXAMPLE_CONFIG))
    monkeypatch.setenv("RIGHTSDESK_NOW", T0.isoformat())
    monkeypatch.chdir(tmp_path)
    with new_session(engine) as session:
        seed_register(session)
        verified_case(
            session, kinds=["rectification"], email="maija.virtanen@example.com", name="Maija"
        )
    return engine


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert main(list(args)) == 0, args
    return capsys.readouterr().out


def needed(engine: Engine) -> list[tuple[int, list[str], str]]:
    with new_session(engine) as session:
        rows = session.exec(select(RecipientNoticeNeeded).order_by(col(RecipientNoticeNeeded.id)))
        return [(r.case_id, r.recipients, r.reason) for r in rows]


def test_a_recipient_without_an_address_is_a_row_and_the_approver_is_told_to_reach_it(
    desk: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    shown = cli(capsys, "cases", "fulfil", "DSR-2026-0001", "--set", "phone=+358 40 000 0009")

    assert needed(desk) == [(1, ["Luottotieto Esimerkki Oy"], "no contact address in the register")]
    assert OTHER_MEANS in shown
    assert OTHER_MEANS in cli(capsys, "cases", "draft", "DSR-2026-0001")


def test_a_database_from_before_the_rows_keeps_its_notices_and_mailed_answers(
    desk: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    cli(capsys, "cases", "fulfil", "DSR-2026-0001", "--set", "phone=+358 40 000 0009")
    with new_session(desk) as session:  # a task its owner answered by mail (intake's record)
        case = ops.get_case(session, "DSR-2026-0001")
        task = Task(
            case_id=case.id or 0,
            system="Asiakaspalvelun sähköposti",
            kind="rectification",
            owner="asiakaspalvelu@example.com",
            instructions="Correct the phone number in the mailbox's contact card.",
            due_date=T0.date(),
            created_at=T0,
            mailed_answer="Korjattu yhteystietokorttiin.",
            mailed_answer_at=T0,
        )
        session.add(task)
        session.flush()
        ops.record(
            session,
            case,
            actor="intake",
            action=AuditAction.TASK_ANSWER_RECEIVED,
            now=T0,
            task_id=task.id,
            system=task.system,
            note=task.mailed_answer,
        )
        session.commit()
    before = needed(desk)
    # The schema as it was before: the facts are only in the audit trail's events.
    migrate.downgrade(desk, BEFORE_ROWS)
    migrate.upgrade(desk)

    assert needed(desk) == before
    with new_session(desk) as session:
        task = session.exec(select(Task)).one()
        assert (task.mailed_answer, task.mailed_answer_at) == ("Korjattu yhteystietokorttiin.", T0)
    listed = cli(capsys, "tasks", "list", "--json")
    assert '"mailed_answer": "Korjattu yhteystietokorttiin."' in listed
    cli(capsys, "audit", "verify")


def test_the_retention_purge_takes_the_recipients_to_tell_with_the_case_record(
    desk: Engine, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cli(capsys, "cases", "fulfil", "DSR-2026-0001", "--set", "phone=+358 40 000 0009")
    cli(capsys, "cases", "withdraw", "DSR-2026-0001", "--reason", "Maija called to say so")
    cli(capsys, "cases", "close", "DSR-2026-0001")
    assert needed(desk)

    monkeypatch.setenv("RIGHTSDESK_NOW", (T0 + timedelta(days=4 * 366)).isoformat())
    cli(capsys, "retention", "sweep")

    assert needed(desk) == []
    cli(capsys, "audit", "verify")
