"""Slack failing: lost answers, refusals for good, a failing chat.update, and what health says."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from bot.app import web_client
from bot.notifier import notifier_calls
from bot.notifier_sync import sync_notifications
from bot.slack_calls import SlackCalls
from cases import operations as ops
from store.engine import new_session
from store.models import SlackPost
from tests.e2e.slack_bot import (
    CHANNEL,
    NOW,
    ROOT,
    SECRET,
    bot_environment,
    load_case,
    migrated_engine,
    open_case,
    running_bot,
    wait_for_event,
    wait_for_slack_ts,
)
from tests.servers import slack_signing as sig
from tests.servers.slack_fake import FakeSlack
from tests.unit.test_bot_commands import make_deps

RECEIVED = datetime(2026, 3, 5, 9, tzinfo=UTC)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = migrated_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def calls(fake_slack: FakeSlack) -> SlackCalls:
    return notifier_calls(web_client(make_deps(api_url=fake_slack.url)))


def sync(engine: Engine, calls: SlackCalls, now: datetime = NOW) -> int:
    with new_session(engine) as session:
        return sync_notifications(session, calls, channel=CHANNEL, now=now)


def eventually(check: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.1)


def posted_once_after_a_look(
    engine: Engine,
    fake: FakeSlack,
    calls: SlackCalls,
    ref: str,
    *,
    failed_with: str | None = None,
) -> list[dict[str, Any]]:
    """Two rounds after a post Slack may have made: it is looked up, not posted twice.

    `failed_with`: the code the first round's failure must show (Slack's, never the body).
    """
    sync(engine, calls)
    assert load_case(engine, ref).slack_ts is None
    if failed_with is not None:
        assert calls.last_error == failed_with
    calls.backoff.succeeded("chat.postMessage")  # the test does not wait out the backoff
    sync(engine, calls)
    roots = [m for m in fake.messages(CHANNEL) if not m["thread_ts"]]
    assert len(roots) == 1 and ref in roots[0]["text"]
    assert load_case(engine, ref).slack_ts == roots[0]["ts"]
    assert fake.calls("conversations.history")  # it looked before posting again
    return roots


def test_a_post_whose_answer_was_lost_is_found_in_slack_and_not_posted_twice(
    engine: Engine, fake_slack: FakeSlack, calls: SlackCalls
) -> None:
    fake_slack.lose_answer("chat.postMessage")
    ref = open_case(engine, received=RECEIVED)
    roots = posted_once_after_a_look(engine, fake_slack, calls, ref)

    with new_session(engine) as session:
        ops.note(session, reference=ref, text="called", actor="slack:U1", now=NOW)
    fake_slack.lose_answer("chat.postMessage")
    sync(engine, calls)
    calls.backoff.succeeded("chat.postMessage")
    sync(engine, calls)
    sync(engine, calls)

    lines = [m for m in fake_slack.messages(CHANNEL) if m["thread_ts"] == roots[0]["ts"]]
    assert [m["text"] for m in lines] == ["note by <@U1>"]
    assert fake_slack.calls("conversations.replies")


def test_a_post_answered_with_a_server_error_is_looked_up_before_it_is_posted_again(
    engine: Engine, fake_slack: FakeSlack, calls: SlackCalls
) -> None:
    fake_slack.lose_answer("chat.postMessage", status=502)  # posted, then a proxy's page
    ref = open_case(engine, received=RECEIVED)
    posted_once_after_a_look(engine, fake_slack, calls, ref, failed_with="http_502")


def test_without_the_history_scope_a_lost_answer_does_not_hold_back_later_cases(
    engine: Engine, fake_slack: FakeSlack, calls: SlackCalls
) -> None:
    fake_slack.fail("conversations.history", "missing_scope")
    fake_slack.lose_answer("chat.postMessage")
    first = open_case(engine, received=RECEIVED)
    second = open_case(engine, received=RECEIVED)

    sync(engine, calls)
    calls.backoff.succeeded("chat.postMessage")
    sync(engine, calls)

    assert load_case(engine, first).slack_ts and load_case(engine, second).slack_ts
    assert len(fake_slack.calls("conversations.history")) == 1  # asked once, then not again


def test_a_case_slack_refuses_for_good_is_recorded_reported_once_and_skipped(
    engine: Engine, fake_slack: FakeSlack, calls: SlackCalls, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    fake_slack.fail("chat.postMessage", "invalid_blocks", times=1)
    refused = open_case(engine, received=RECEIVED)
    later = open_case(engine, received=RECEIVED)

    assert sync(engine, calls) == 1
    with new_session(engine) as session:
        ops.note(session, reference=refused, text="x", actor="slack:U1", now=NOW)
        ops.note(session, reference=later, text="y", actor="slack:U2", now=NOW)
    sync(engine, calls)
    sync(engine, calls)

    assert load_case(engine, refused).slack_ts is None
    later_ts = load_case(engine, later).slack_ts
    assert later_ts is not None
    assert [m["text"] for m in fake_slack.messages(CHANNEL) if m["thread_ts"]] == ["note by <@U2>"]
    assert len(fake_slack.calls("chat.postMessage")) == 3  # one refused, never retried
    with new_session(engine) as session:
        row = session.exec(select(SlackPost).where(SlackPost.state == "refused")).one()
    assert (row.case_id, row.error) == (load_case(engine, refused).id, "invalid_blocks")
    told = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert told == [
        f"Slack refused case:{row.case_id} for {refused}: invalid_blocks; recorded and skipped"
    ]
    assert not calls.failing  # one refusal is about one message, not Slack delivery


def test_a_refusal_about_the_channel_is_tried_again_an_hour_later(
    engine: Engine, fake_slack: FakeSlack, calls: SlackCalls
) -> None:
    fake_slack.fail("chat.postMessage", "not_in_channel", times=1)
    ref = open_case(engine, received=RECEIVED)

    sync(engine, calls)
    sync(engine, calls, NOW + timedelta(minutes=30))
    assert len(fake_slack.calls("chat.postMessage")) == 1
    assert load_case(engine, ref).slack_ts is None

    sync(engine, calls, NOW + timedelta(minutes=61))  # someone invited the bot again

    assert len(fake_slack.calls("chat.postMessage")) == 2
    assert load_case(engine, ref).slack_ts is not None


def test_a_rate_limited_update_is_retried_until_the_message_shows_the_case(
    engine: Engine, fake_slack: FakeSlack, calls: SlackCalls
) -> None:
    ref = open_case(engine, received=RECEIVED)
    sync(engine, calls)
    fake_slack.fail("chat.update", "ratelimited", status=429, retry_after=0.2, times=4)
    with new_session(engine) as session:
        ops.assign(session, reference=ref, assignee="slack:U2", actor="slack:U1", now=NOW)

    eventually(
        lambda: sync(engine, calls) >= 0 and len(fake_slack.calls("chat.update")) == 5,
        "the fifth chat.update",
    )
    sync(engine, calls)

    updates = fake_slack.calls("chat.update")
    assert len(updates) == 5  # four refused, one landed, none after
    assert "<@U2>" in json.dumps(updates[-1].body["blocks"])
    assert any("thread_ts" in json.dumps(m) for m in fake_slack.messages(CHANNEL))


def _health(env: dict[str, str], tmp_path: Path) -> dict[str, dict[str, Any]]:
    done = subprocess.run(
        [sys.executable, "-m", "rightsdesk", "health", "--json"],
        env={**env, "PYTHONPATH": str(ROOT)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    rows = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return {row["name"]: {**row, "exit": done.returncode} for row in rows}


def test_after_chat_update_fails_for_a_while_every_case_message_ends_in_its_cases_state(
    engine: Engine, db_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    env = bot_environment(db_url, fake_slack)
    refs = [open_case(engine, received=RECEIVED) for _ in range(3)]
    with running_bot(env, tmp_path) as url:
        roots = {ref: wait_for_slack_ts(engine, ref, timeout=30) for ref in refs}
        fake_slack.fail("chat.update", "ratelimited", status=429, retry_after=1)
        for ref in refs:
            payload = sig.block_actions_payload(
                "assign_to_me", ref, response_url=fake_slack.webhook_url()
            )
            assert sig.post_signed(url, SECRET, sig.interaction_body(payload)).status == 200
            wait_for_event(engine, ref, "assign")
        # Each refused update backs off (Retry-After, then longer): on a loaded machine the
        # third try may come late, as the wait for the recovery below allows too.
        fake_slack.wait_for("chat.update", 3, timeout=60)

        eventually(
            lambda: _health(env, tmp_path).get("slack", {}).get("state") == "failing",
            "slack failing in health",
        )
        failing = _health(env, tmp_path)["slack"]
        assert (failing["last_error"], failing["exit"]) == ("ratelimited", 1)

        fake_slack.reset_responses()

        def current() -> bool:
            for ts in roots.values():
                mine = [c for c in fake_slack.calls("chat.update") if c.body["ts"] == ts]
                if not mine or "<@U1>" not in json.dumps(mine[-1].body["blocks"]):
                    return False
            return True

        eventually(current, "every channel message shows its assignee", timeout=60)
        eventually(lambda: _health(env, tmp_path)["slack"]["state"] == "ok", "slack ok in health")
        lines = [m["text"] for m in fake_slack.messages(CHANNEL) if m["thread_ts"]]
    assert sorted(lines) == ["assign by <@U1> (to <@U1>)"] * 3
    for ref in refs:
        assert load_case(engine, ref).assignee == "slack:U1"
