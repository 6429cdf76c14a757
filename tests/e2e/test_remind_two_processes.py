"""Two `rightsdesk remind --once` at the same moment on one PostgreSQL: every reminder once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from cases import operations as ops
from cases.deadlines import HELSINKI
from cases.reminders import CaseSnapshot, due_reminders
from store import migrate
from store.engine import make_engine, new_session
from store.models import Case, ReminderLedger
from tests.servers.slack_fake import FakeSlack

ROOT = Path(__file__).resolve().parents[2]
CASES = 200
NOW = datetime.combine(date(2026, 12, 21), time(9, 30), HELSINKI)  # a Monday morning


def _seed(url: str) -> set[tuple[str, str]]:
    """200 cases due from 8 December to 4 January; half assigned. Returns the expected posts."""
    engine = make_engine(url)
    migrate.upgrade(engine)
    with new_session(engine) as session:
        for i in range(CASES):
            received = datetime(2026, 11, 7, 10, tzinfo=UTC) + timedelta(days=i % 28)
            case = ops.open_case(
                session,
                kinds=["access"],
                received_at=received,
                now=received,
                actor="test",
                requester_email=f"person{i}@example.com",
            )
            if i % 2:
                ops.assign(
                    session,
                    reference=case.reference,
                    assignee=f"slack:U{i:04d}X",
                    actor="test",
                    now=received,
                )
        session.commit()
        cases = session.exec(select(Case)).all()
    engine.dispose()
    return {
        (r.reference, r.kind)
        for case in cases
        for r in due_reminders(CaseSnapshot.of(case), NOW.astimezone(UTC))
    }


@pytest.mark.postgres
def test_two_instances_started_together_post_every_reminder_exactly_once(
    pg_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    expected = _seed(pg_url)
    assert len(expected) > 150  # overdue, due soon and unassigned: plenty to race for
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RIGHTSDESK_", "SLACK_"))}
    env.update(
        RIGHTSDESK_DATABASE_URL=pg_url,
        RIGHTSDESK_CONFIG=str(ROOT / "rightsdesk.example.toml"),
        RIGHTSDESK_NOW=NOW.isoformat(),
        SLACK_BOT_TOKEN="xoxb-test-token",
        RIGHTSDESK_SLACK_CHANNEL="C0DESK",
        RIGHTSDESK_SLACK_API_URL=fake_slack.url,
        PYTHONPATH=str(ROOT),
    )
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "rightsdesk", "remind", "--once"],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=240) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    counts = [int(out.split("reminders: ")[1].split(" posted")[0]) for out, _ in outputs]
    assert sum(counts) == len(expected) + 1  # and the digest; shares vary from run to run
    posts: Counter[tuple[str, str]] = Counter()
    digests = 0
    for call in fake_slack.calls("chat.postMessage"):
        blocks = json.loads(call.body["blocks"]) if isinstance(call.body["blocks"], str) else []
        ids = [b.get("block_id", "") for b in blocks or call.body["blocks"]]
        reminder = next((i for i in ids if i.startswith("reminder:")), None)
        if reminder is None:
            digests += 1
            continue
        _, kind, reference = reminder.split(":")
        posts[(reference, kind)] += 1
    assert {key for key, n in posts.items() if n > 1} == set()
    assert set(posts) == expected
    assert digests == 1
    engine = make_engine(pg_url)
    with new_session(engine) as session:
        ledger = session.exec(select(ReminderLedger)).all()
    engine.dispose()
    assert len(ledger) == len(expected) + 1 and all(r.posted_at for r in ledger)
