"""Slack shows why a matching sender is not verified, and sends the code with one click."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from mail_intake.intake import process_message
from store.engine import new_session
from store.models import Customer, Outbox
from tests.e2e.slack_bot import (
    NOW,
    SECRET,
    bot_environment,
    load_case,
    migrated_engine,
    running_bot,
    wait_for_event,
)
from tests.e2e.test_slack_notifier import intake_deps, sync
from tests.servers import slack_signing as sig
from tests.servers.slack_fake import FakeSlack

FORGED = (
    b"Authentication-Results: mx.targetpartners.example; spf=fail smtp.mailfrom=evil.invalid;"
    b" dmarc=fail (p=none) header.from=example.com\r\n"
    b"From: =?utf-8?q?Aino_*boss*_=26_co?= <aino.virtanen@example.com>\r\n"
    b"To: privacy@targetpartners.example\r\nSubject: Tietopyynt\xc3\xb6\r\n"
    b"Message-ID: <forged-1@example.com>\r\n\r\n"
    b"Hei, pyyd\xc3\xa4n kopion henkil\xc3\xb6tiedoistani (15 artikla).\r\n"
)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = migrated_engine(db_url)
    yield eng
    eng.dispose()


def test_the_channel_says_address_matches_not_authenticated_and_send_code_mails_the_code(
    engine: Engine, db_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    with new_session(engine) as session:
        session.add(
            Customer(customer_number="C-7", name="Aino Virtanen", email="aino.virtanen@example.com")
        )
        session.commit()
        # No RIGHTSDESK_TRUSTED_AUTHSERV_IDS here: whatever the header says, nothing counts.
        result = process_message(
            session, FORGED, source="maildir", folder=None, uid=None, now=NOW, deps=intake_deps()
        )
    reference = result.reference
    assert reference is not None and load_case(engine, reference).identity_status == "unverified"

    sync(engine, fake_slack)
    post = fake_slack.calls("chat.postMessage")[0].body
    shown = json.dumps(post["blocks"])
    assert "address matches, not authenticated" in shown
    assert "boss" not in shown  # the display name stays out of the channel
    buttons = [
        e["action_id"] for b in post["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert f"send_code:{reference}" in buttons

    env = bot_environment(db_url, fake_slack, RIGHTSDESK_SLACK_CHANNEL="")
    with running_bot(env, tmp_path) as url:
        click = sig.post_signed(
            url,
            SECRET,
            sig.interaction_body(
                sig.block_actions_payload(
                    f"send_code:{reference}", reference, response_url=fake_slack.webhook_url()
                )
            ),
        )
        assert click.status == 200
        answer = fake_slack.wait_for("webhook")[0].body["text"]
    assert (
        answer == f"{reference}: one-time code queued to the address in the register; case paused"
    )
    event = wait_for_event(engine, reference, "verification_code_sent")
    assert event.actor == "slack:U1"
    with new_session(engine) as session:
        codes = session.exec(select(Outbox).where(Outbox.purpose == "verification_code")).all()
    assert [c.to_addr for c in codes] == ["aino.virtanen@example.com"]
    case = load_case(engine, reference)
    assert case.status == "awaiting_identity" and case.identity_status == "unverified"
