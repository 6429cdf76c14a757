"""A task's Done in Slack when the data map's `sql` system is down or slow (issue 15).

The owner's answer redrafts the copy, which reads the shop again. `rightsdesk bot --http`
runs as a subprocess; the shop is an SQLite file the test takes away or locks; every Slack
request is signed and the fake Slack API records what the bot sent.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from bot.tasks import TASK_DONE, TASK_FILE, TASK_MODAL, TASK_NOTE
from tests.e2e.slack_bot import (
    ALICE,
    ROOT,
    SECRET,
    bot_environment,
    events,
    migrated_engine,
    running_bot,
)
from tests.e2e.test_tasks_slack import (
    OWNER,
    OWNER_DM,
    click,
    dm_of,
    fulfilled_case,
    task_of,
    wait_until,
    webhook_texts,
)
from tests.servers import slack_signing as sig
from tests.servers.slack_fake import FakeSlack

SHOP = "Verkkokauppa"
DATA_MAP = f"""
[[systems]]
name = "Asiakasrekisteri"
kind = "register"

[[systems]]
name = "{SHOP}"
kind = "sql"
url = "${{SHOP_DATABASE_URL}}"
[[systems.tables]]
table = "customers"
key = "id"
email = ["email"]
access = ["email", "name"]

[[systems]]
name = "Esimerkki Tilitoimisto Oy"
kind = "manual"
owner = "{OWNER}"
[systems.instructions]
access = "Search Netvisor by e-mail and export the customer's invoices as CSV."
"""
NOTE = "Two invoices in Netvisor."


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = migrated_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    path = tmp_path / "shop.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT, name TEXT)")
    db.execute("INSERT INTO customers (email, name) VALUES (?, ?)", (ALICE[1], ALICE[0]))
    db.commit()
    db.close()
    return path


@pytest.fixture
def env(db_url: str, fake_slack: FakeSlack, tmp_path: Path, shop: Path) -> dict[str, str]:
    config = tmp_path / "rightsdesk.toml"
    config.write_text(
        (ROOT / "rightsdesk.example.toml").read_text(encoding="utf-8") + DATA_MAP, encoding="utf-8"
    )
    return bot_environment(
        db_url, fake_slack, RIGHTSDESK_CONFIG=str(config), SHOP_DATABASE_URL=f"sqlite:///{shop}"
    )


@pytest.fixture
def bot_url(engine: Engine, env: dict[str, str], tmp_path: Path) -> Iterator[str]:
    with running_bot(env, tmp_path) as url:
        yield url


def rightsdesk(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rightsdesk", *args],
        env={**env, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def done_form_of(bot_url: str, fake: FakeSlack, task_id: int) -> dict[str, Any]:
    """The owner clicks Done in the DM; the modal the bot opened."""
    click(bot_url, fake, TASK_DONE, str(task_id), OWNER)
    (opened,) = fake.wait_for("views.open")
    view = opened.body["view"]
    return dict(json.loads(view) if isinstance(view, str) else view)


def submit(bot_url: str, view: dict[str, Any], note: str) -> sig.Response:
    values = {TASK_NOTE: {"value": {"type": "plain_text_input", "value": note}}}
    payload = sig.view_submission_payload(
        TASK_MODAL, values, private_metadata=view["private_metadata"], user_id=OWNER
    )
    return sig.post_signed(bot_url, SECRET, sig.interaction_body(payload))


def test_done_while_the_shop_is_down_keeps_the_answer_and_says_the_case_waits(
    env: dict[str, str], engine: Engine, bot_url: str, fake_slack: FakeSlack, shop: Path
) -> None:
    reference = fulfilled_case(env)
    task = task_of(env, reference)
    dm_of(fake_slack, task["id"])
    view = done_form_of(bot_url, fake_slack, task["id"])

    # The shop goes down: its file is taken away (a directory stands in its place).
    saved = shop.with_suffix(".saved")
    shop.rename(saved)
    shop.mkdir()
    answer = submit(bot_url, view, NOTE)
    assert answer.status == 200 and answer.body in ("", "{}"), answer.body

    told = wait_until(lambda: webhook_texts(fake_slack, OWNER), "the owner's answer")
    assert f"task {task['id']} ({reference}) is done" in told[-1]
    assert f"The case waits for a system: {SHOP} is not reachable" in told[-1]
    assert "Your answer is kept" in told[-1]
    assert not any("went wrong" in t for t in webhook_texts(fake_slack, OWNER))
    # The answer is recorded once; the wait is in the trail; the stale reply cannot go out.
    done = task_of(env, reference)
    assert (done["status"], done["outcome"], done["done_by"]) == ("done", "done", f"slack:{OWNER}")
    trail = events(engine, reference)
    assert [e.action for e in trail].count("task_done") == 1
    assert any(e.action == "waiting_for_system" for e in trail)
    refused = rightsdesk(env, "cases", "approve", reference)
    assert refused.returncode != 0 and "Traceback" not in refused.stderr

    # The shop is back: the same command as for any waiting case drafts the reply with it.
    shop.rmdir()
    saved.rename(shop)
    fulfilled = rightsdesk(env, "cases", "fulfil", reference)
    assert fulfilled.returncode == 0, fulfilled.stderr
    approved = rightsdesk(env, "cases", "approve", reference)
    assert approved.returncode == 0, approved.stderr
    (sent,) = [e for e in events(engine, reference) if e.action == "reply_approved"]
    assert f"Esimerkki Tilitoimisto Oy: {NOTE}" in sent.full_detail["body_text"]


def test_done_acknowledges_before_a_slow_shop_answers_and_the_outcome_follows(
    env: dict[str, str], engine: Engine, bot_url: str, fake_slack: FakeSlack, shop: Path
) -> None:
    reference = fulfilled_case(env)
    task = task_of(env, reference)
    dm_of(fake_slack, task["id"])
    view = done_form_of(bot_url, fake_slack, task["id"])

    # The shop is held by a transaction of its own: reading it blocks until the test lets go.
    holder = sqlite3.connect(shop, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        answer = submit(bot_url, view, NOTE)
        # The acknowledgement came back while the shop was still blocked, so before the work.
        assert answer.status == 200 and answer.body in ("", "{}"), answer.body
        assert task_of(env, reference)["status"] == "open"
        assert webhook_texts(fake_slack, OWNER) == []
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    told = wait_until(lambda: webhook_texts(fake_slack, OWNER), "the owner's answer", 60)
    assert told == [f"Thank you: task {task['id']} ({reference}) is done."]
    assert task_of(env, reference)["status"] == "done"
    approved = rightsdesk(env, "cases", "approve", reference)
    assert approved.returncode == 0, approved.stderr
    (sent,) = [e for e in events(engine, reference) if e.action == "reply_approved"]
    assert f"Esimerkki Tilitoimisto Oy: {NOTE}" in sent.full_detail["body_text"]


def test_a_bad_file_link_after_the_acknowledgement_reaches_the_owner(
    env: dict[str, str], engine: Engine, bot_url: str, fake_slack: FakeSlack
) -> None:
    reference = fulfilled_case(env)
    task = task_of(env, reference)
    dm_of(fake_slack, task["id"])
    view = done_form_of(bot_url, fake_slack, task["id"])
    foreign = {"id": "F1", "name": "x.csv", "url_private_download": "https://example.com/x.csv"}
    values = {
        TASK_NOTE: {"value": {"type": "plain_text_input", "value": NOTE}},
        TASK_FILE: {"value": {"type": "file_input", "files": [foreign]}},
    }
    payload = sig.view_submission_payload(
        TASK_MODAL, values, private_metadata=view["private_metadata"], user_id=OWNER
    )
    assert sig.post_signed(bot_url, SECRET, sig.interaction_body(payload)).status == 200
    told = wait_until(
        lambda: [m["text"] for m in fake_slack.messages(OWNER_DM) if "could not" in m["text"]],
        "the failure told to the owner",
    )
    assert told == [f"task {task['id']}: the file could not be fetched; nothing was recorded"]
    assert task_of(env, reference)["status"] == "open"


def test_tasks_done_at_the_terminal_while_the_shop_is_down_keeps_the_answer(
    env: dict[str, str], engine: Engine, shop: Path
) -> None:
    reference = fulfilled_case(env)
    task = task_of(env, reference)
    shop.unlink()
    shop.mkdir()  # the shop's file is gone: it cannot be opened
    answered = rightsdesk(env, "tasks", "done", str(task["id"]), "--note", NOTE)
    assert answered.returncode == 0, answered.stderr
    assert answered.stdout.splitlines() == [
        f"task {task['id']} ({reference}): done",
        f"{reference}: waiting: {SHOP} is not reachable (OperationalError);"
        f" `rightsdesk cases fulfil {reference}` drafts the reply with the answer once it is back",
    ]
    assert task_of(env, reference)["status"] == "done"
    again = rightsdesk(env, "tasks", "done", str(task["id"]), "--note", NOTE)
    assert again.returncode == 2 and "already done" in again.stderr
