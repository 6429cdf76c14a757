"""One approval per draft: concurrent approvals queue exactly one mail, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from cases import operations as ops
from cases.errors import UserError
from cases.outbox import Sender
from cases.replies import approve_draft
from store import migrate
from store.engine import make_engine, new_session
from store.models import CaseEvent, Draft, Outbox
from tests.e2e.slack_bot import ROOT

NOW = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
SENDER = Sender(address="privacy@targetpartners.example", name="Target Partners Finland Oy")


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    migrate.upgrade(eng)
    yield eng
    eng.dispose()


def _case_with_a_draft(engine: Engine) -> str:
    """A verified access request whose reply waits for approval."""
    with new_session(engine) as session:
        case = ops.open_case(
            session,
            kinds=["access"],
            received_at=datetime(2026, 3, 5, 9, tzinfo=UTC),
            now=NOW,
            actor="mail",
            requester_name="Aino Virtanen",
            requester_email="aino.virtanen@example.com",
            language="fi",
        )
        ops.verify(
            session, reference=case.reference, method="manual", reason="known", actor="t", now=NOW
        )
        session.add(
            Draft(
                case_id=case.id or 0,
                template="access_response",
                language="fi",
                subject=f"[{case.reference}] Vastaus tietopyyntöönne",
                body_text="Hei,\n\nohessa pyytämänne tiedot.\n",
                to_addr="aino.virtanen@example.com",
                status="pending",
                created_at=NOW,
                created_by="rightsdesk",
            )
        )
        session.commit()
        return case.reference


def _replies_and_events(engine: Engine) -> tuple[list[Outbox], list[CaseEvent]]:
    with new_session(engine) as session:
        rows = list(session.exec(select(Outbox).where(Outbox.purpose == "reply")).all())
        approved = list(
            session.exec(select(CaseEvent).where(CaseEvent.action == "reply_approved")).all()
        )
    return rows, approved


def test_concurrent_cli_approvals_queue_exactly_one_reply(engine: Engine, db_url: str) -> None:
    ref = _case_with_a_draft(engine)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RIGHTSDESK_", "SLACK_"))}
    env.update(
        RIGHTSDESK_DATABASE_URL=db_url,
        RIGHTSDESK_CONFIG=str(ROOT / "rightsdesk.example.toml"),
        RIGHTSDESK_NOW=NOW.isoformat(),
    )
    approvers = [
        subprocess.Popen(
            [sys.executable, "-m", "rightsdesk", "cases", "approve", ref, "--actor", f"cli:p{n}"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(4)
    ]
    results = [(p.wait(timeout=120), *p.communicate()) for p in approvers]

    rows, approved = _replies_and_events(engine)
    assert len(rows) == 1 and len(approved) == 1
    winners = [r for r in results if r[0] == 0]
    losers = [r for r in results if r[0] != 0]
    assert len(winners) == 1 and "queued reply to aino.virtanen@example.com" in winners[0][1]
    for code, _out, err in losers:
        assert code == 2
        assert f"already approved by {approved[0].actor}" in err
        assert err.count("\n") == 1 and "Traceback" not in err


def test_approvals_racing_in_threads_queue_one_reply_and_tell_the_others_who_approved(
    engine: Engine,
) -> None:
    ref = _case_with_a_draft(engine)
    start = threading.Barrier(5)
    outcomes: list[str] = []

    def approve(n: int) -> None:
        with new_session(engine) as session:
            start.wait()
            try:
                approve_draft(session, reference=ref, actor=f"t{n}", now=NOW, sender=SENDER)
                outcomes.append("queued")
            except UserError as error:
                outcomes.append(str(error))

    threads = [threading.Thread(target=approve, args=(n,)) for n in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    rows, approved = _replies_and_events(engine)
    assert len(rows) == 1 and len(approved) == 1
    assert sorted(outcomes)[-1] == "queued" and outcomes.count("queued") == 1
    others = [o for o in outcomes if o != "queued"]
    assert len(others) == 4
    for answer in others:
        assert answer.startswith(f"{ref} has no pending draft: the reply was already approved by")
        assert f"approved by {approved[0].actor}; nothing more was sent" in answer
    with new_session(engine) as session:
        draft = session.exec(select(Draft)).one()
    assert (draft.status, draft.approved_by, draft.outbox_id) == (
        "approved",
        approved[0].actor,
        rows[0].id,
    )
