"""`rightsdesk remind` as an operator runs it: a month of mornings against a fake Slack API."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time as clock
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import select

from cases import operations as ops
from cases.deadlines import HELSINKI
from store import migrate
from store.engine import make_engine, new_session
from store.models import Case, Outbox
from tests.servers.slack_fake import Call, FakeSlack

ROOT = Path(__file__).resolve().parents[2]
RECEIVED = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # due Monday 2026-12-28
CHANNEL = "C0DESK"
THREAD = ("C0THREAD", "1700000000.000001")


def _at(day: date, hour: int = 9, minute: int = 30) -> str:
    return datetime.combine(day, time(hour, minute), HELSINKI).isoformat()


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[tuple[Engine, dict[str, str]]]:
    """A migrated SQLite desk with an assigned case and an unassigned one in a Slack thread."""
    url = f"sqlite:///{tmp_path / 'desk.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    with new_session(engine) as session:
        for assignee in ("slack:U0PASI", None):
            case = ops.open_case(
                session,
                kinds=["access"],
                received_at=RECEIVED,
                now=RECEIVED,
                actor="test",
                requester_email="maija.virtanen@example.com",
                requester_name="Maija Virtanen",
            )
            if assignee:
                ops.assign(
                    session, reference=case.reference, assignee=assignee, actor="t", now=RECEIVED
                )
        session.execute(
            update(Case)
            .where(Case.reference == "DSR-2026-0002")  # type: ignore[arg-type]
            .values(slack_channel=THREAD[0], slack_ts=THREAD[1])
        )
        session.commit()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RIGHTSDESK_", "SLACK_"))}
    env.update(
        RIGHTSDESK_DATABASE_URL=url,
        RIGHTSDESK_CONFIG=str(ROOT / "rightsdesk.example.toml"),
        PYTHONPATH=str(ROOT),
    )
    yield engine, env
    engine.dispose()


def _slack_env(env: dict[str, str], fake: FakeSlack) -> dict[str, str]:
    return {
        **env,
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "RIGHTSDESK_SLACK_CHANNEL": CHANNEL,
        "RIGHTSDESK_SLACK_API_URL": fake.url,
    }


def remind(
    env: dict[str, str], cwd: Path, *args: str, now: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rightsdesk", *args],
        env={**env, "RIGHTSDESK_NOW": now},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _blocks(call: Call) -> list[dict[str, Any]]:
    blocks = call.body.get("blocks") or []
    return json.loads(blocks) if isinstance(blocks, str) else list(blocks)


def posted(fake: FakeSlack) -> list[tuple[str, str, str, str | None]]:
    """(kind, reference, channel, thread_ts) of each reminder; ("digest", "", channel, None)."""
    out = []
    for call in fake.calls("chat.postMessage"):
        ids = [b.get("block_id", "") for b in _blocks(call)]
        reminder = next((i for i in ids if i.startswith("reminder:")), None)
        kind, ref = reminder.split(":")[1:] if reminder else ("digest", "")
        out.append((kind, ref, call.body["channel"], call.body.get("thread_ts")))
    return out


def test_a_month_of_mornings_posts_each_reminder_once_by_dm_or_in_the_thread(
    desk: tuple[Engine, dict[str, str]], fake_slack: FakeSlack, tmp_path: Path
) -> None:
    _, env = desk
    env = _slack_env(env, fake_slack)
    by_day: dict[date, list[tuple[str, str, str, str | None]]] = {}
    day = date(2026, 12, 14)
    while day <= date(2026, 12, 29):
        before = len(posted(fake_slack))
        result = remind(env, tmp_path, "remind", "--once", now=_at(day))
        assert result.returncode == 0, result.stderr
        new = posted(fake_slack)[before:]
        if new:
            by_day[day] = [p for p in new if p[0] != "digest"]
            again = remind(env, tmp_path, "remind", "--once", now=_at(day, 15))  # a restart
            assert again.returncode == 0 and posted(fake_slack)[before + len(new) :] == []
        day += timedelta(days=1)
    dm = "DU0PASI"  # the fake's conversations.open answers D + the user id
    mine, thread = ("DSR-2026-0001", dm, None), ("DSR-2026-0002", *THREAD)
    assert {d: sorted(p) for d, p in by_day.items() if p} == {
        # The first run owes the unassigned case its nudge (due since 25 Nov): sent late, once.
        date(2026, 12, 14): [("unassigned", *thread)],
        date(2026, 12, 15): sorted([("before_7", *mine), ("before_7", *thread)]),
        date(2026, 12, 21): sorted([("before_3", *mine), ("before_3", *thread)]),
        date(2026, 12, 23): sorted([("before_1", *mine), ("before_1", *thread)]),
        date(2026, 12, 28): sorted([("due_today", *mine), ("due_today", *thread)]),
        date(2026, 12, 29): sorted([("overdue", *mine), ("overdue", *thread)]),
    }
    digests = [p for p in posted(fake_slack) if p[0] == "digest"]
    assert {p[2] for p in digests} == {CHANNEL}
    assert len(digests) == 5  # 21, 22, 23, 28, 29 Dec: due within a week, working days only
    texts = " ".join(json.dumps(c.body) for c in fake_slack.calls())
    assert "Maija" not in texts and "example.com" not in texts


def test_without_slack_reminders_print_to_the_console_and_mail_the_contact_person(
    desk: tuple[Engine, dict[str, str]], tmp_path: Path
) -> None:
    engine, env = desk
    env = {**env, "RIGHTSDESK_CONTACT_EMAIL": "pasi.kinnunen@example.com"}
    first = remind(env, tmp_path, "remind", "--once", now=_at(date(2026, 12, 15)))
    assert first.returncode == 0, first.stderr
    lines = [line for line in first.stdout.splitlines() if line.startswith("reminder ")]
    assert sorted(lines) == [
        "reminder DSR-2026-0001 before_7 due 2026-12-28",
        "reminder DSR-2026-0002 before_7 due 2026-12-28",
        "reminder DSR-2026-0002 unassigned due 2026-12-28",
    ]
    assert "maija" not in first.stdout.lower()
    second = remind(env, tmp_path, "remind", "--once", now=_at(date(2026, 12, 15), 16))
    assert second.returncode == 0 and "reminder " not in second.stdout
    with new_session(engine) as session:
        mails = session.exec(select(Outbox).where(Outbox.purpose == "reminder")).all()
    assert sorted(m.to_addr for m in mails) == ["pasi.kinnunen@example.com"] * 3
    assert all("DSR-2026-000" in m.subject for m in mails)


def test_a_slack_outage_is_reported_by_health_and_the_reminder_goes_out_later_once(
    desk: tuple[Engine, dict[str, str]], fake_slack: FakeSlack, tmp_path: Path
) -> None:
    _, env = desk
    env = _slack_env(env, fake_slack)
    down = {"ok": False, "error": "service_unavailable"}
    fake_slack.set_response("chat.postMessage", down)
    morning = date(2026, 12, 15)
    failed = remind(env, tmp_path, "remind", "--once", now=_at(morning))
    assert failed.returncode == 1 and "3 failed" in failed.stdout
    sick = remind(env, tmp_path, "health", now=_at(morning, 9, 31))
    assert sick.returncode == 1 and "scheduler  failing" in sick.stdout
    fake_slack.reset_responses()
    fake_slack.clear()
    soon = remind(env, tmp_path, "remind", "--once", now=_at(morning, 9, 32))
    assert soon.returncode == 0 and posted(fake_slack) == []  # claimed: waits to be stale
    later = remind(env, tmp_path, "remind", "--once", now=_at(morning, 10))
    assert later.returncode == 0 and "3 retried" in later.stdout
    assert sorted(p[:2] for p in posted(fake_slack)) == [
        ("before_7", "DSR-2026-0001"),
        ("before_7", "DSR-2026-0002"),
        ("unassigned", "DSR-2026-0002"),
    ]
    well = remind(env, tmp_path, "health", now=_at(morning, 10, 1))
    assert well.returncode == 0, well.stdout


def test_with_slack_down_the_contact_person_still_gets_each_reminder_by_mail_and_health_says_why(
    desk: tuple[Engine, dict[str, str]], fake_slack: FakeSlack, tmp_path: Path
) -> None:
    engine, env = desk
    env = {**_slack_env(env, fake_slack), "RIGHTSDESK_CONTACT_EMAIL": "pasi.kinnunen@example.com"}
    fake_slack.set_response("chat.postMessage", {"ok": False, "error": "service_unavailable"})
    morning = date(2026, 12, 15)
    swept = remind(env, tmp_path, "remind", "--once", now=_at(morning))
    assert swept.returncode == 0, swept.stdout + swept.stderr
    assert "3 posted" in swept.stdout
    with new_session(engine) as session:
        mails = session.exec(select(Outbox).where(Outbox.purpose == "reminder")).all()
    assert sorted(m.subject.split(":")[1].split()[0] for m in mails) == [
        "DSR-2026-0001",
        "DSR-2026-0002",
        "DSR-2026-0002",
    ]
    sick = remind(env, tmp_path, "health", now=_at(morning, 9, 31))
    assert sick.returncode == 1 and "scheduler  failing" in sick.stdout
    assert "mailed only, Slack refused" in sick.stdout and "service_unavailable" in sick.stdout
    assert "maija" not in (swept.stdout + swept.stderr + sick.stdout).lower()
    # Slack back: nothing is mailed or posted twice, and health recovers on the next sweep.
    fake_slack.reset_responses()
    fake_slack.clear()
    again = remind(env, tmp_path, "remind", "--once", now=_at(morning, 10))
    assert again.returncode == 0 and posted(fake_slack) == []
    with new_session(engine) as session:
        assert len(session.exec(select(Outbox).where(Outbox.purpose == "reminder")).all()) == 3
    well = remind(env, tmp_path, "health", now=_at(morning, 10, 1))
    assert well.returncode == 0, well.stdout


def test_remind_without_once_sweeps_until_sigterm_then_stops_cleanly(
    desk: tuple[Engine, dict[str, str]], fake_slack: FakeSlack, tmp_path: Path
) -> None:
    _, env = desk
    env = {**_slack_env(env, fake_slack), "RIGHTSDESK_NOW": _at(date(2026, 12, 15))}
    process = subprocess.Popen(
        [sys.executable, "-m", "rightsdesk", "remind"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        fake_slack.wait_for("chat.postMessage", n=3, timeout=30)
        deadline = clock.monotonic() + 30
        while True:  # the heartbeat follows the posts
            status = remind(env, tmp_path, "health", now=_at(date(2026, 12, 15)))
            if "scheduler  ok" in status.stdout or clock.monotonic() > deadline:
                break
            clock.sleep(0.2)
        assert "scheduler  ok" in status.stdout, status.stdout
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    stopped = remind(env, tmp_path, "health", now=_at(date(2026, 12, 15)))
    assert stopped.returncode == 0 and "scheduler  stopped" in stopped.stdout
    assert len(fake_slack.calls("chat.postMessage")) == 3  # before_7 twice, unassigned
