"""`rightsdesk bot --http PORT` over real HTTP: signatures, /rights list, and the allow-list."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from cases import operations as ops
from mail_intake.intake import process_message
from store.engine import new_session
from store.models import CaseEvent
from tests.e2e.slack_bot import (
    ALICE,
    BERTIL,
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


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = migrated_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def bot_url(engine: Engine, db_url: str, fake_slack: FakeSlack, tmp_path: Path) -> Iterator[str]:
    # No channel: the notifier stays off, so every Web API call the fake sees is a reply.
    env = bot_environment(db_url, fake_slack, RIGHTSDESK_SLACK_CHANNEL="")
    with running_bot(env, tmp_path) as url:
        yield url


def _command(fake: FakeSlack, text: str, user: str = "U1") -> str:
    return sig.slash_command_body(text=text, user_id=user, response_url=fake.webhook_url())


def test_a_signed_rights_list_is_answered_with_the_open_cases_and_no_requester(
    engine: Engine, bot_url: str, fake_slack: FakeSlack
) -> None:
    open_ref = open_case(engine, received=datetime(2026, 3, 5, 9, tzinfo=UTC))
    closed_ref = open_case(engine, received=datetime(2026, 3, 2, 9, tzinfo=UTC), requester=BERTIL)
    with new_session(engine) as session:
        ops.refuse(session, reference=closed_ref, reasons="duplicate", actor="test", now=NOW)
        ops.close(session, reference=closed_ref, actor="test", now=NOW)

    answer = sig.post_signed(bot_url, SECRET, _command(fake_slack, "list"))

    assert answer.status == 200
    body = answer.json()
    assert body["response_type"] == "ephemeral"
    assert open_ref in body["text"] and "due 2026-04-07" in body["text"]
    assert closed_ref not in answer.body
    assert ALICE[0] not in answer.body and ALICE[1] not in answer.body


def test_a_forged_signature_is_rejected_with_401(
    engine: Engine, bot_url: str, fake_slack: FakeSlack
) -> None:
    open_case(engine, received=datetime(2026, 3, 5, 9, tzinfo=UTC))

    answer = sig.post_signed(bot_url, "not-the-secret", _command(fake_slack, "list"))

    assert answer.status == 401
    assert "DSR-" not in answer.body
    # Nothing went to Slack on its behalf; the notifier's own token check may run meanwhile.
    assert [c.method for c in fake_slack.calls() if c.method != "auth.test"] == []


def test_a_request_signed_more_than_five_minutes_ago_is_rejected_with_401(
    engine: Engine, bot_url: str, fake_slack: FakeSlack
) -> None:
    open_case(engine, received=datetime(2026, 3, 5, 9, tzinfo=UTC))

    stale = int(time.time()) - 6 * 60
    answer = sig.post_signed(bot_url, SECRET, _command(fake_slack, "list"), timestamp=stale)

    assert answer.status == 401
    assert "DSR-" not in answer.body


def test_an_unknown_subcommand_gets_the_usage(bot_url: str, fake_slack: FakeSlack) -> None:
    answer = sig.post_signed(bot_url, SECRET, _command(fake_slack, "frobnicate"))

    assert answer.status == 200
    assert "Unknown subcommand `frobnicate`" in answer.json()["text"]
    assert "/rights list" in answer.json()["text"]


def test_a_bad_reference_gets_the_subcommand_usage(bot_url: str, fake_slack: FakeSlack) -> None:
    answer = sig.post_signed(bot_url, SECRET, _command(fake_slack, "show not-a-reference"))

    assert answer.status == 200
    assert answer.json()["text"].startswith("Usage: `/rights show REF")


def test_show_gives_an_allowed_user_the_requester_on_demand(
    engine: Engine, bot_url: str, fake_slack: FakeSlack
) -> None:
    ref = open_case(engine, received=datetime(2026, 3, 5, 9, tzinfo=UTC))

    answer = sig.post_signed(bot_url, SECRET, _command(fake_slack, f"show {ref.lower()}"))

    assert answer.status == 200
    assert ALICE[1] in answer.body
    assert "open by mail" in answer.body  # the history, actor of the open event


def test_a_note_from_slack_is_an_audit_event_with_the_slack_user_as_actor(
    engine: Engine, bot_url: str, fake_slack: FakeSlack
) -> None:
    ref = open_case(engine, received=datetime(2026, 3, 5, 9, tzinfo=UTC))

    answer = sig.post_signed(bot_url, SECRET, _command(fake_slack, f"note {ref} called back"))

    assert answer.status == 200
    reply = fake_slack.wait_for("webhook")[0]
    assert reply.body["text"] == f"Noted on {ref}."
    with new_session(engine) as session:
        note = session.exec(select(CaseEvent).where(CaseEvent.action == "note")).one()
    assert (note.actor, note.full_detail["text"]) == ("slack:U1", "called back")


def test_assign_understands_the_escaped_mention_slack_sends(
    engine: Engine, bot_url: str, fake_slack: FakeSlack
) -> None:
    ref = open_case(engine, received=datetime(2026, 3, 5, 9, tzinfo=UTC))

    sig.post_signed(bot_url, SECRET, _command(fake_slack, f"assign {ref} <@U2|bob>"))

    assert fake_slack.wait_for("webhook")[0].body["text"] == f"Assigned {ref} to <@U2>."
    with new_session(engine) as session:
        assert ops.get_case(session, ref).assignee == "slack:U2"


def test_a_user_not_on_the_allow_list_is_refused_audited_and_shown_nothing(
    engine: Engine, bot_url: str, fake_slack: FakeSlack
) -> None:
    ref = open_case(engine, received=datetime(2026, 3, 5, 9, tzinfo=UTC))
    secrets = (ref, ALICE[0], ALICE[1], "2026-04-07")

    command = sig.post_signed(bot_url, SECRET, _command(fake_slack, "list", user="U9"))
    click = sig.post_signed(
        bot_url,
        SECRET,
        sig.interaction_body(
            sig.block_actions_payload(
                "preview_reply", ref, user_id="U9", response_url=fake_slack.webhook_url()
            )
        ),
    )
    submit = sig.post_signed(
        bot_url,
        SECRET,
        sig.interaction_body(
            sig.view_submission_payload(
                "extend_case", {}, private_metadata=json.dumps({"reference": ref}), user_id="U9"
            )
        ),
    )
    home = sig.post_signed(
        bot_url, SECRET, sig.event_body({"type": "app_home_opened", "user": "U9", "tab": "home"})
    )

    assert [r.status for r in (command, click, submit, home)] == [200, 200, 200, 200]
    assert "only for the people designated" in command.json()["text"]
    fake_slack.wait_for("views.publish")
    fake_slack.wait_for("webhook")
    for answer in (command, click, submit, home):
        assert not any(s in answer.body for s in secrets)
    revealing = [c for c in fake_slack.calls() if c.method != "auth.test"]
    assert {c.method for c in revealing} == {"webhook", "views.publish"}
    for call in revealing:
        assert not any(s in call.raw.decode() for s in secrets)
    with new_session(engine) as session:
        denied = session.exec(
            select(CaseEvent).where(CaseEvent.action == "slack_access_denied")
        ).all()
        assert ops.get_case(session, ref).status == "received"
    assert len(denied) == 4
    assert {e.actor for e in denied} == {"slack:U9"}
    assert all(e.case_id is None for e in denied)


def test_the_other_subcommands_answer_within_slack_and_record_their_events(
    engine: Engine, bot_url: str, fake_slack: FakeSlack
) -> None:
    mine = open_case(engine, received=datetime(2026, 3, 5, 9, tzinfo=UTC))
    late = open_case(
        engine, received=datetime(2026, 1, 5, 9, tzinfo=UTC), requester=BERTIL, kinds=("erasure",)
    )
    with new_session(engine) as session:
        ops.assign(session, reference=mine, assignee="slack:U1", actor="test", now=NOW)

    def ack_text(text: str) -> str:
        answer = sig.post_signed(bot_url, SECRET, _command(fake_slack, text))
        assert answer.status == 200
        return str(answer.json()["text"])

    def later(text: str) -> str:
        before = len(fake_slack.calls("webhook"))
        assert sig.post_signed(bot_url, SECRET, _command(fake_slack, text)).body == ""
        return str(fake_slack.wait_for("webhook", before + 1)[before].body["text"])

    overdue, own, erasure = (
        ack_text("list overdue"),
        ack_text("list mine"),
        ack_text("list erasure"),
    )
    assert late in overdue and mine not in overdue
    assert mine in own and late not in own
    assert late in erasure and mine not in erasure
    assert "Overdue: 1" in ack_text("stats")
    assert late in later(f"search {BERTIL[1]}")
    assert "Clock paused" in later(f"pause {mine} identity asked for the customer number")
    assert "Clock restarted" in later(f"resume {mine} customer number received")
    assert "cannot close a case that is received" in later(f"close {late}")

    with new_session(engine) as session:
        pause = session.exec(select(CaseEvent).where(CaseEvent.action == "pause")).one()
        resume = session.exec(select(CaseEvent).where(CaseEvent.action == "resume")).one()
    assert pause.detail["waiting_for"] == "identity"
    assert (pause.actor, resume.actor) == ("slack:U1", "slack:U1")


@pytest.mark.parametrize(
    ("args", "unset", "variable"),
    [
        (["--http", "0"], "SLACK_BOT_TOKEN", "SLACK_BOT_TOKEN"),
        (["--http", "0"], "SLACK_SIGNING_SECRET", "SLACK_SIGNING_SECRET"),
        ([], "SLACK_APP_TOKEN", "SLACK_APP_TOKEN"),
    ],
)
def test_a_missing_token_is_one_line_naming_the_variable(
    fake_slack: FakeSlack, tmp_path: Path, args: list[str], unset: str, variable: str
) -> None:
    db_url = f"sqlite:///{tmp_path / 'rightsdesk.db'}"
    env = bot_environment(db_url, fake_slack, SLACK_APP_TOKEN="xapp-test")
    env.pop(unset, None)

    done = subprocess.run(
        [sys.executable, "-m", "rightsdesk", "bot", *args],
        env={**env, "PYTHONPATH": str(ROOT)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 2
    lines = [x for x in done.stderr.splitlines() if "example controller config" not in x]
    assert lines == [f"error: {variable} is not set"]  # besides the example config's warning


def test_a_mail_set_aside_as_no_request_is_shown_and_opened_as_its_case_from_slack(
    engine: Engine, bot_url: str, fake_slack: FakeSlack
) -> None:
    arrived = datetime(2026, 3, 5, 9, tzinfo=UTC)
    question = (
        b"From: Aino Asiakas <aino@example.com>\r\nTo: privacy@targetpartners.example\r\n"
        b"Subject: Kysymys\r\nMessage-ID: <q-3@example.com>\r\n\r\n"
        b"Hei, milloin tilaukseni toimitetaan?"
    )
    with new_session(engine) as session:
        mail = process_message(
            session,
            question,
            source="maildir",
            folder=None,
            uid=None,
            now=arrived,
            deps=intake_deps(),
        ).message_row_id

    shown = sig.post_signed(bot_url, SECRET, _command(fake_slack, "mail"))

    assert shown.status == 200 and shown.json()["response_type"] == "ephemeral"
    assert f"mail {mail} · 2026-03-05 · aino@example.com · Kysymys" in shown.json()["text"]
    opened = sig.post_signed(bot_url, SECRET, _command(fake_slack, f"from-mail {mail} access"))
    assert opened.status == 200
    reply = fake_slack.wait_for("webhook")[0].body["text"]
    assert reply.startswith("Opened DSR-") and "received 2026-03-05, due 2026-04-07" in reply
    with new_session(engine) as session:
        event = session.exec(select(CaseEvent).where(CaseEvent.action == "reclassified")).one()
    assert event.actor == "slack:U1" and event.detail["kinds"] == ["access"]
    # Not a number, or digits int() or the database refuse (a crash, logged as ours, before).
    for n, odd in enumerate(["x", "²", "9" * 20], start=2):
        sig.post_signed(bot_url, SECRET, _command(fake_slack, f"from-mail {odd} access"))
        usage = fake_slack.wait_for("webhook", n)[n - 1].body["text"]
        assert usage.startswith("Usage: `/rights from-mail ID KIND[,KIND]`"), odd


def test_show_links_the_same_persons_other_cases_and_no_one_elses(
    engine: Engine, bot_url: str, fake_slack: FakeSlack
) -> None:
    first = open_case(engine, received=datetime(2026, 3, 2, 9, tzinfo=UTC))
    second = open_case(engine, received=datetime(2026, 3, 5, 9, tzinfo=UTC))
    other = open_case(engine, received=datetime(2026, 3, 4, 9, tzinfo=UTC), requester=BERTIL)

    answer = sig.post_signed(bot_url, SECRET, _command(fake_slack, f"show {second}"))

    assert answer.status == 200
    assert "Same person's other cases: " + first in answer.body
    assert other not in answer.body
