"""One rule for a date without a time, through the real interfaces: `rightsdesk cases open
--received` at the terminal and the new-case form submitted to `rightsdesk bot --http`."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from bot import modals
from store.engine import new_session
from store.models import Case
from tests.e2e.slack_bot import SECRET, bot_environment, migrated_engine, running_bot
from tests.servers import slack_signing as sig
from tests.servers.slack_fake import FakeSlack

# The bot's and the terminal's today is Tuesday 10 March 2026 (tests/e2e/slack_bot.NOW).
DATES = {
    "2026-03-09": True,
    "2026-03-10": True,
    "2026-03-11": False,  # tomorrow: a request cannot arrive in the future
    "20260309": False,  # ISO 8601's basic form: Python reads it, people misread it
    "2026-W11-1": False,
    "2026-02-30": False,
    "2026-3-9": False,
    "9.3.2026": False,
    "soon": False,
}


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = migrated_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def env(db_url: str, fake_slack: FakeSlack) -> dict[str, str]:
    # No channel: the notifier stays off; the form's answer is all the bot says.
    return bot_environment(db_url, fake_slack, RIGHTSDESK_SLACK_CHANNEL="")


def form(day: str) -> dict[str, dict[str, Any]]:
    """The new-case modal's state as Slack submits it, `day` in its date picker."""
    elements: dict[str, dict[str, Any]] = {
        modals.REQUESTER_NAME: {"type": "plain_text_input", "value": "Aino Virtanen"},
        modals.KINDS: {"type": "multi_static_select", "selected_options": [{"value": "access"}]},
        modals.CHANNEL: {"type": "static_select", "selected_option": {"value": "letter"}},
        modals.RECEIVED: {"type": "datepicker", "selected_date": day},
    }
    return {block: {"value": element} for block, element in elements.items()}


def slack_takes(url: str, day: str) -> bool:
    answer = sig.post_signed(
        url, SECRET, sig.interaction_body(sig.view_submission_payload(modals.NEW_CASE, form(day)))
    )
    assert answer.status == 200, answer.body
    if not answer.body:
        return True
    errors = json.loads(answer.body)["errors"]
    assert set(errors) == {modals.RECEIVED}, errors
    return False


def terminal_takes(env: dict[str, str], tmp_path: Path, day: str) -> bool:
    args = ["cases", "open", "--kinds", "access", "--name", "Aino Virtanen", "--received", day]
    done = subprocess.run(
        [sys.executable, "-m", "rightsdesk", *args],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode in (0, 2), done.stderr
    assert done.stderr.count("\n") == (0 if done.returncode == 0 else 1)  # one line, no traceback
    return done.returncode == 0


def test_the_terminal_and_slack_accept_and_refuse_the_same_dates(
    engine: Engine, env: dict[str, str], tmp_path: Path
) -> None:
    with running_bot(env, tmp_path) as url:
        in_slack = {day: slack_takes(url, day) for day in DATES}
    at_terminal = {day: terminal_takes(env, tmp_path, day) for day in DATES}

    assert in_slack == at_terminal == DATES
    with new_session(engine) as session:
        received = sorted(c.receipt_date.isoformat() for c in session.exec(select(Case)).all())
    assert received == ["2026-03-09", "2026-03-09", "2026-03-10", "2026-03-10"]
