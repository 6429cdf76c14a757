"""The notifier against the fake Slack Web API: each case posted once, each event threaded once."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from bot.app import web_client
from bot.notifier import notifier_calls
from bot.notifier_sync import sync_notifications
from bot.slack_calls import SlackCalls
from cases import operations as ops
from cases.controller import load_controller_toml
from cases.outbox import Sender
from cases.policy import DeskPolicy
from mail_intake.intake import process_message
from mail_intake.intake_types import IntakeDeps
from mail_intake.quarantine import quarantine
from store.engine import new_session
from tests.e2e.slack_bot import ALICE, BERTIL, CHANNEL, NOW, load_case, migrated_engine, open_case
from tests.servers.slack_fake import FakeSlack
from tests.unit.test_bot_commands import make_deps

RECEIVED = datetime(2026, 3, 5, 9, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]


def intake_deps() -> IntakeDeps:
    controller = load_controller_toml((ROOT / "rightsdesk.example.toml").read_text("utf-8"))
    us = controller.privacy_email
    return IntakeDeps(
        controller=controller,
        policy=DeskPolicy(),
        sender=Sender(us, controller.name),
        own_addresses={us},
        daily_cap=3,
    )


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = migrated_engine(db_url)
    yield eng
    eng.dispose()


_CALLS: dict[str, SlackCalls] = {}  # one notifier client per fake: its backoff persists


def sync(engine: Engine, fake: FakeSlack, *, show_identity: bool = False) -> int:
    calls = _CALLS.get(fake.url)
    if calls is None:
        calls = _CALLS[fake.url] = notifier_calls(web_client(make_deps(api_url=fake.url)))
    with new_session(engine) as session:
        return sync_notifications(
            session, calls, channel=CHANNEL, now=NOW, show_identity=show_identity
        )


def test_each_new_case_is_posted_once_without_its_requester(
    engine: Engine, fake_slack: FakeSlack
) -> None:
    first = open_case(engine, received=RECEIVED)
    second = open_case(engine, received=RECEIVED, requester=BERTIL)

    assert sync(engine, fake_slack) == 2
    assert sync(engine, fake_slack) == 0

    posts = fake_slack.calls("chat.postMessage")
    assert [first in p.body["text"] for p in posts] == [True, False]
    assert second in posts[1].body["text"]
    for post in posts:
        assert post.token == "xoxb-test"
        assert ALICE[0] not in post.raw.decode() and BERTIL[1] not in post.raw.decode()
    assert load_case(engine, first).slack_ts == "1700000000.000001"
    assert load_case(engine, first).slack_channel == CHANNEL


def test_the_requester_is_named_in_the_channel_only_when_configured(
    engine: Engine, fake_slack: FakeSlack
) -> None:
    open_case(engine, received=RECEIVED)

    sync(engine, fake_slack, show_identity=True)

    assert ALICE[1] in json.dumps(fake_slack.calls("chat.postMessage")[0].body)


def test_each_event_is_one_thread_line_without_its_free_text_and_updates_the_root(
    engine: Engine, fake_slack: FakeSlack
) -> None:
    ref = open_case(engine, received=RECEIVED)
    sync(engine, fake_slack)
    root_ts = load_case(engine, ref).slack_ts
    with new_session(engine) as session:
        ops.note(session, reference=ref, text=f"{ALICE[0]} called", actor="slack:U1", now=NOW)
        ops.extend(
            session,
            reference=ref,
            reason="many systems",
            ground="complexity",
            actor="slack:U2",
            now=NOW,
        )

    assert sync(engine, fake_slack) == 2
    assert sync(engine, fake_slack) == 0

    lines = [c.body for c in fake_slack.calls("chat.postMessage") if c.body.get("thread_ts")]
    assert [line["text"] for line in lines] == [
        "note by <@U1>",
        "extend by <@U2> (extended due date 2026-06-05)",
    ]
    assert {line["thread_ts"] for line in lines} == {root_ts}
    updates = fake_slack.calls("chat.update")
    assert len(updates) == 1
    assert updates[0].body["ts"] == root_ts and "2026-06-05 (extended)" in updates[0].body["text"]


def test_a_rate_limited_post_waits_the_delay_slack_asks_for_then_goes_once(
    engine: Engine, fake_slack: FakeSlack
) -> None:
    ref = open_case(engine, received=RECEIVED)
    fake_slack.fail("chat.postMessage", "ratelimited", status=429, retry_after=1, times=1)

    assert sync(engine, fake_slack) == 0  # refused: no retry storm inside the round
    assert sync(engine, fake_slack) == 0  # still within Retry-After: no call at all
    assert len(fake_slack.calls("chat.postMessage")) == 1
    deadline = time.monotonic() + 10
    while load_case(engine, ref).slack_ts is None and time.monotonic() < deadline:
        sync(engine, fake_slack)
        time.sleep(0.1)

    assert len(fake_slack.calls("chat.postMessage")) == 2
    assert len(fake_slack.messages(CHANNEL)) == 1
    assert load_case(engine, ref).slack_ts is not None


def test_mail_the_intake_set_aside_is_announced_in_the_channel_without_its_sender(
    engine: Engine, fake_slack: FakeSlack
) -> None:
    sync(engine, fake_slack)  # a new desk starts following at the newest event
    question = (
        b"From: Aino Asiakas <aino@example.com>\r\nTo: privacy@targetpartners.example\r\n"
        b"Subject: Tilaus 1234\r\nMessage-ID: <q-2@example.com>\r\n\r\n"
        b"Hei, milloin tilaukseni toimitetaan?"
    )
    with new_session(engine) as session:
        quarantine(
            session,
            raw=b"\x00junk",
            reason="no From address",
            source="maildir",
            folder=None,
            uid=None,
            now=NOW,
        )
        result = process_message(
            session, question, source="maildir", folder=None, uid=None, now=NOW, deps=intake_deps()
        )
    assert result.outcome == "non_request"

    assert sync(engine, fake_slack) == 2

    posts = [c.body for c in fake_slack.calls("chat.postMessage")]
    assert [p["channel"] for p in posts] == [CHANNEL, CHANNEL]
    assert "quarantine (1): no From address" in posts[0]["text"]
    assert f"/rights from-mail {result.message_row_id} KIND" in posts[1]["text"]
    assert all("aino" not in json.dumps(p).lower() and "Tilaus" not in json.dumps(p) for p in posts)
