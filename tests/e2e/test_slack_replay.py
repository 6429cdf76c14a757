"""Replayed and concurrent signed Slack requests to the real Bolt app change nothing twice."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from cases import operations as ops
from store.engine import new_session
from store.models import Case, CaseEvent, Draft, Outbox
from tests.e2e.slack_bot import (
    ALICE,
    NOW,
    SECRET,
    bot_environment,
    events,
    migrated_engine,
    open_case,
    running_bot,
    wait_for_event,
)
from tests.servers import slack_signing as sig
from tests.servers.slack_fake import FakeSlack

RECEIVED = datetime(2026, 3, 5, 9, tzinfo=UTC)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = migrated_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def bot_url(engine: Engine, db_url: str, fake_slack: FakeSlack, tmp_path: Path) -> Iterator[str]:
    # No channel: the notifier stays off, so every Web API call the fake sees is an answer.
    env = bot_environment(db_url, fake_slack, RIGHTSDESK_SLACK_CHANNEL="")
    with running_bot(env, tmp_path) as url:
        yield url


def _twice(url: str, body: str) -> tuple[sig.Response, sig.Response]:
    """POST the same signed request twice, as a replay within Bolt's window would."""
    signed = int(time.time())
    first = sig.post_signed(url, SECRET, body, timestamp=signed)
    again = sig.post_signed(url, SECRET, body, timestamp=signed)
    assert (first.status, again.status) == (200, 200), (first.body, again.body)
    return first, again


def _new_case_values(name: str) -> dict[str, dict[str, Any]]:
    return {
        "requester_name": {"value": {"type": "plain_text_input", "value": name}},
        "requester_email": {"value": {"type": "email_text_input", "value": "elin@example.com"}},
        "kinds": {
            "value": {"type": "multi_static_select", "selected_options": [{"value": "access"}]}
        },
        "channel": {"value": {"type": "static_select", "selected_option": {"value": "letter"}}},
        "received": {"value": {"type": "datepicker", "selected_date": "2026-03-02"}},
        "language": {"value": {"type": "static_select", "selected_option": {"value": "sv"}}},
    }


def test_a_replayed_new_case_submission_opens_no_second_case(
    engine: Engine, bot_url: str, fake_slack: FakeSlack
) -> None:
    payload = sig.view_submission_payload("new_case", _new_case_values("Elin Andersson"))

    first, again = _twice(bot_url, sig.interaction_body(payload))

    assert (first.body, again.body) == ("", "")
    fake_slack.wait_for("chat.postMessage")  # the "Opened ..." answer of the first one
    with new_session(engine) as session:
        cases = session.exec(select(Case).where(Case.requester_name == "Elin Andersson")).all()
    assert len(cases) == 1
    # A fresh submission of the same form (Slack gives it a new trigger id) still opens one.
    sig.post_signed(
        bot_url,
        SECRET,
        sig.interaction_body(
            sig.view_submission_payload("new_case", _new_case_values("Elin Andersson"))
        ),
    )
    with new_session(engine) as session:
        again_cases = session.exec(select(Case).where(Case.requester_name == "Elin Andersson"))
        assert len(again_cases.all()) == 2


def test_a_replayed_note_and_assign_record_their_events_once(
    engine: Engine, bot_url: str, fake_slack: FakeSlack
) -> None:
    ref = open_case(engine, received=RECEIVED)
    note = sig.slash_command_body(
        text=f"note {ref} called back", response_url=fake_slack.webhook_url()
    )
    click = sig.interaction_body(
        sig.block_actions_payload("assign_to_me", ref, response_url=fake_slack.webhook_url())
    )

    first, again = _twice(bot_url, note)
    _twice(bot_url, click)
    wait_for_event(engine, ref, "assign")
    answers = [c.body["text"] for c in fake_slack.wait_for("webhook", 2)]  # note, click

    assert first.body == "" and f"Noted on {ref}." in answers
    assert again.json()["text"] == "This request was already handled; nothing was done twice."
    actions = [e.action for e in events(engine, ref)]
    assert actions.count("note") == 1 and actions.count("assign") == 1


def test_a_replayed_show_returns_no_case_data(
    engine: Engine, bot_url: str, fake_slack: FakeSlack
) -> None:
    ref = open_case(engine, received=RECEIVED)

    first, again = _twice(bot_url, sig.slash_command_body(text=f"show {ref}"))

    assert ALICE[1] in first.body or ref in first.body
    assert ref not in again.body and ALICE[0] not in again.body and ALICE[1] not in again.body


def test_concurrent_approve_clicks_from_two_approvers_queue_one_reply(
    engine: Engine, bot_url: str, fake_slack: FakeSlack
) -> None:
    ref = open_case(engine, received=RECEIVED)
    with new_session(engine) as session:
        ops.verify(session, reference=ref, method="manual", reason="known", actor="t", now=NOW)
        case = ops.get_case(session, ref)
        draft = Draft(
            case_id=case.id or 0,
            template="access_response",
            language="fi",
            subject=f"[{ref}] Vastaus tietopyyntöönne",
            body_text="Hei,\n\nohessa pyytämänne tiedot.\n",
            to_addr=ALICE[1],
            status="pending",
            created_at=NOW,
            created_by="rightsdesk",
        )
        session.add(draft)
        session.commit()
        value = f"{ref}#{draft.id}"
    clicks = [
        sig.interaction_body(
            sig.block_actions_payload(
                "approve_reply", value, user_id=user, response_url=fake_slack.webhook_url()
            )
        )
        for user in ("U1", "U2", "U1", "U2")
    ]
    start = threading.Barrier(len(clicks))
    statuses: list[int] = []

    def click(body: str) -> None:
        start.wait()
        statuses.append(sig.post_signed(bot_url, SECRET, body).status)

    threads = [threading.Thread(target=click, args=(body,)) for body in clicks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    answers = [c.body["text"] for c in fake_slack.wait_for("webhook", len(clicks), timeout=30)]

    assert statuses == [200] * len(clicks)
    with new_session(engine) as session:
        queued = session.exec(select(Outbox).where(Outbox.purpose == "reply")).all()
        approved = session.exec(select(CaseEvent).where(CaseEvent.action == "reply_approved")).all()
    assert len(queued) == 1 and len(approved) == 1
    assert sum("is queued for sending" in a for a in answers) == 1
    others = [a for a in answers if "is queued for sending" not in a]
    assert len(others) == 3
    assert all(f"already approved by {approved[0].actor}" in a for a in others), others
