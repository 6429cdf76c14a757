"""`rightsdesk health`: each component's state and last success; non-zero when one is not well."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cases import health
from store import migrate
from store.engine import make_engine, new_session

ROOT = Path(__file__).resolve().parents[2]
BEAT = datetime(2026, 12, 15, 7, 30, tzinfo=UTC)


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'desk.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    return url


def _beat(url: str, name: str, *, ok: bool, at: datetime = BEAT, error: str | None = None) -> None:
    engine = make_engine(url)
    with new_session(engine) as session:
        health.beat(session, name, now=at, ok=ok, error=error)
    engine.dispose()


def _health(url: str, cwd: Path, *args: str, now: datetime) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RIGHTSDESK_", "SLACK_"))}
    env.update(
        RIGHTSDESK_DATABASE_URL=url,
        RIGHTSDESK_CONFIG=str(ROOT / "rightsdesk.example.toml"),
        RIGHTSDESK_NOW=now.isoformat(),
        PYTHONPATH=str(ROOT),
    )
    return subprocess.run(
        [sys.executable, "-m", "rightsdesk", "health", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_desk_where_nothing_ran_yet_is_not_unhealthy(db: str, tmp_path: Path) -> None:
    result = _health(db, tmp_path, now=BEAT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "intake     absent    last success never",
        "outbox     absent    last success never",
        "bot        absent    last success never",
        "scheduler  absent    last success never",
    ]


def test_components_that_beat_recently_are_healthy(db: str, tmp_path: Path) -> None:
    for name in ("intake", "bot", "scheduler"):
        _beat(db, name, ok=True)
    result = _health(db, tmp_path, now=BEAT + timedelta(minutes=5))
    assert result.returncode == 0, result.stdout
    assert "scheduler  ok        last success 2026-12-15T07:30:00+00:00" in result.stdout


def test_a_failing_component_makes_health_exit_1_with_its_reason(db: str, tmp_path: Path) -> None:
    _beat(db, "scheduler", ok=True)
    _beat(db, "intake", ok=False, error="IMAP login refused")
    result = _health(db, tmp_path, now=BEAT + timedelta(minutes=1))
    assert result.returncode == 1
    assert "intake     failing   last success never  (IMAP login refused)" in result.stdout


def test_an_ok_component_silent_past_the_limit_is_stale(db: str, tmp_path: Path) -> None:
    _beat(db, "scheduler", ok=True)
    late = BEAT + timedelta(minutes=20)
    stale = _health(db, tmp_path, now=late)
    assert stale.returncode == 1 and "scheduler  stale" in stale.stdout
    patient = _health(db, tmp_path, "--stale-after", "30", now=late)
    assert patient.returncode == 0, patient.stdout


def test_json_output_has_one_object_per_component(db: str, tmp_path: Path) -> None:
    _beat(db, "bot", ok=True)
    result = _health(db, tmp_path, "--json", now=BEAT)
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["name"], r["state"], r["healthy"]) for r in rows] == [
        ("intake", "absent", True),
        ("outbox", "absent", True),
        ("bot", "ok", True),
        ("scheduler", "absent", True),
    ]
