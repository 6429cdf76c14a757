"""What the bot sends is what Slack shows: exact previews, whole digests, neutral user text."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from bot.app import web_client
from bot.reminders import SlackReminders
from cases import operations as ops
from cases.reminder_ledger import Claimed
from cases.reminders import Digest, DigestItem
from mail_intake.intake import process_message
from store.engine import new_session
from store.models import Draft
from tests.e2e.slack_bot import (
    ALICE,
    CHANNEL,
    NOW,
    ROOT,
    SECRET,
    bot_environment,
    migrated_engine,
    open_case,
    running_bot,
)
from tests.e2e.test_slack_notifier import intake_deps
from tests.servers import slack_signing as sig
from tests.servers.slack_fake import FakeSlack
from tests.unit.test_bot_commands import make_deps
from tests.unit.test_bot_reply_view import reply_with_fences, shown_text

RECEIVED = datetime(2026, 3, 5, 9, tzinfo=UTC)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = migrated_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def bot_url(engine: Engine, db_url: str, fake_slack: FakeSlack, tmp_path: Path) -> Iterator[str]:
    env = bot_environment(db_url, fake_slack, RIGHTSDESK_SLACK_CHANNEL="")
    with running_bot(env, tmp_path) as url:
        yield url


def _click(url: str, fake: FakeSlack, action_id: str, value: str) -> None:
    payload = sig.block_actions_payload(action_id, value, response_url=fake.webhook_url())
    assert sig.post_signed(url, SECRET, sig.interaction_body(payload)).status == 200


def _draft(engine: Engine, reference: str, body: str, subject: str) -> None:
    with new_session(engine) as session:
        case = ops.get_case(session, reference)
        session.add(
            Draft(
                case_id=case.id or 0,
                template="access_response",
                language="fi",
                subject=subject,
                body_text=body,
                to_addr=ALICE[1],
                status="pending",
                created_at=NOW,
                created_by="rightsdesk",
            )
        )
        session.commit()


def test_the_preview_of_a_5000_character_reply_with_code_fences_shows_its_exact_text(
    engine: Engine, bot_url: str, fake_slack: FakeSlack
) -> None:
    ref = open_case(engine, received=RECEIVED)
    body = reply_with_fences(5000)
    _draft(engine, ref, body, f"[{ref}] @channel see https://evil.example/x")

    _click(bot_url, fake_slack, "preview_reply", ref)

    preview = fake_slack.wait_for("webhook")[0].body
    blocks: list[dict[str, Any]] = preview["blocks"]
    fenced = [b for b in blocks if b["type"] == "section" and b["text"]["text"].startswith("```")]
    assert shown_text(fenced) == body
    assert all(b["text"]["verbatim"] is True for b in blocks if b["type"] == "section")
    heading = blocks[0]["text"]["text"]
    assert "Subject: [" in heading and "@\u200dchannel" in heading
    assert "@channel" not in json.dumps(preview, ensure_ascii=False)


def test_a_mail_with_at_channel_in_its_subject_is_listed_neutralised(
    engine: Engine, bot_url: str, fake_slack: FakeSlack
) -> None:
    question = (
        b"From: Aino Asiakas <aino@example.com>\r\nTo: privacy@targetpartners.example\r\n"
        b"Subject: @channel @here tilaus http://evil.example\r\nMessage-ID: <q-9@example.com>"
        b"\r\n\r\nHei, milloin tilaukseni toimitetaan?"
    )
    with new_session(engine) as session:
        process_message(
            session, question, source="maildir", folder=None, uid=None, now=NOW, deps=intake_deps()
        )

    command = sig.slash_command_body(text="mail", response_url=fake_slack.webhook_url())
    answer = sig.post_signed(bot_url, SECRET, command)

    shown = answer.json()
    assert "@\u200dchannel @\u200dhere tilaus http://evil.example" in shown["text"]
    assert "@channel" not in answer.body and "@here" not in answer.body
    assert all(b["text"]["verbatim"] is True for b in shown["blocks"])


def test_a_refused_response_url_answer_is_logged_with_its_case_only(
    engine: Engine, bot_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    ref = open_case(engine, received=RECEIVED)
    fake_slack.set_response("webhook", {"ok": False, "error": "expired_url"}, status=404)

    _click(bot_url, fake_slack, "assign_to_me", ref)

    fake_slack.wait_for("webhook")
    expected = f"Slack refused the response_url answer for case {ref}: HTTP 404 (expired_url)"
    log = tmp_path / "bot.log"
    deadline = time.monotonic() + 10
    while expected not in log.read_text("utf-8") and time.monotonic() < deadline:
        time.sleep(0.1)
    text = log.read_text("utf-8")
    assert expected in text
    assert ALICE[0] not in text and ALICE[1] not in text


def test_the_digest_with_40_cases_in_each_list_shows_every_one(fake_slack: FakeSlack) -> None:
    def items(start: int) -> tuple[DigestItem, ...]:
        due = date(2026, 3, 20)
        return tuple(
            DigestItem(
                f"DSR-2026-{n:04d}", due + timedelta(days=n % 9), n % 30 - 15, None, "in_progress"
            )
            for n in range(start, start + 40)
        )

    digest = Digest(
        day=date(2026, 3, 10),
        overdue=items(1),
        due_this_week=items(101),
        awaiting_requester=items(201),
        drafts_waiting=items(301),
        quarantined=2,
        not_requests=1,
    )
    client = web_client(make_deps(api_url=fake_slack.url))
    poster = SlackReminders(client, CHANNEL, command="/dsr")

    poster(Claimed(ledger_id=1, attempts=0, digest=digest))

    posts = fake_slack.calls("chat.postMessage")
    assert posts and all(len(p.body["blocks"]) <= 50 for p in posts)
    texts = [b["text"]["text"] for p in posts for b in p.body["blocks"] if b["type"] == "section"]
    assert all(len(t) <= 3000 for t in texts)
    everything = "\n".join(texts)
    for start in (1, 101, 201, 301):
        for n in range(start, start + 40):
            assert f"DSR-2026-{n:04d}" in everything
    assert "`/dsr mail`" in everything and "/rights" not in everything


@pytest.mark.parametrize("command", [["bot"], ["run", "--no-intake"]])
def test_a_bot_token_in_slack_app_token_is_one_line_and_exit_2(
    fake_slack: FakeSlack, tmp_path: Path, command: list[str]
) -> None:
    db_url = f"sqlite:///{tmp_path / 'rightsdesk.db'}"
    env = bot_environment(db_url, fake_slack, SLACK_APP_TOKEN="xoxb-not-an-app-token")

    done = subprocess.run(
        [sys.executable, "-m", "rightsdesk", *command],
        env={**env, "PYTHONPATH": str(ROOT)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    said = [line for line in lines if "SLACK_APP_TOKEN" in line]  # `run` logs its migrations
    assert (
        said
        == lines[-1:]
        == [
            "error: SLACK_APP_TOKEN must be an app-level token (xapp-…) with connections:write,"
            " not xoxb-"
        ]
    )
    assert "Traceback" not in done.stderr
    assert "not-an-app-token" not in done.stdout + done.stderr
    assert fake_slack.calls("apps.connections.open") == []


def test_a_reply_too_long_for_its_preview_is_read_in_full_page_by_page(
    engine: Engine, bot_url: str, fake_slack: FakeSlack
) -> None:
    ref = open_case(engine, received=RECEIVED)
    body = "".join(f"rivi {n}: <tieto> & arvo " + "z" * 60 + "\n" for n in range(5000))
    _draft(engine, ref, body, f"[{ref}] Vastaus")

    _click(bot_url, fake_slack, "preview_reply", ref)
    preview = fake_slack.wait_for("webhook")[0].body
    assert len(preview["blocks"]) <= 50
    more = next(b for b in preview["blocks"] if "accessory" in b)
    assert f"{len(body):,} characters" in more["text"]["text"]

    pages: list[str] = []
    button = more["accessory"]
    opened: str | None = None
    while True:
        payload = sig.block_actions_payload(
            button["action_id"], button["value"], response_url=fake_slack.webhook_url()
        )
        method = "views.open"
        if opened is not None:  # turning the page inside the modal
            payload["view"] = {"id": opened, "type": "modal", "callback_id": ""}
            method = "views.update"
        before = len(fake_slack.calls(method))
        assert sig.post_signed(bot_url, SECRET, sig.interaction_body(payload)).status == 200
        call = fake_slack.wait_for(method, before + 1)[before]
        view = call.body["view"]
        view = json.loads(view) if isinstance(view, str) else view
        assert len(view["blocks"]) <= 100
        opened = opened or "VPAGES"  # the modal now open: its next clicks carry its id
        pages.append(shown_text([b for b in view["blocks"][1:] if b["type"] == "section"]))
        nexts = [
            e
            for b in view["blocks"]
            if b["type"] == "actions"
            for e in b["elements"]
            if e["text"]["text"] == "Next page"
        ]
        if not nexts:
            break
        button = nexts[0]

    assert len(pages) > 1
    assert "".join(pages) == body
