"""An e-mail owner's mailed answer recorded from Slack (issue 15): the thread line's buttons.

The accounting firm's owner answers the task mail (Dovecot, by LMTP); `rightsdesk poll
--once` threads it onto the task. `rightsdesk bot --http` runs as a subprocess with the
notifier on; the contact person (on the allow-list) records the outcome from the case's
thread as `rightsdesk tasks done` does. Every Slack request is signed; the fake Slack API
records what the bot sent.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from bot.access import REFUSAL
from bot.tasks import (
    TASK_FILE,
    TASK_MAILED,
    TASK_MODAL,
    TASK_NOTE,
    TASK_RECORD,
    TASK_RECORD_NOTHING,
)
from tests.e2e.outbox_journey import US
from tests.e2e.slack_bot import CHANNEL, SECRET, bot_environment, migrated_engine, running_bot
from tests.e2e.test_tasks_cli import OWNER, PERSON, ok, owner_asked_by_mail, tasks
from tests.e2e.test_tasks_slack import click, events_all, wait_until, webhook_texts
from tests.servers import slack_signing as sig
from tests.servers.dovecot import Mailbox
from tests.servers.slack_fake import FakeSlack
from tests.servers.smtp import ReceivedMail, SmtpSink

CONTACT = "U1"  # on the allow-list: the contact person
EXPORT = b"lasku,pvm,summa\n1001,2025-05-02,120.00\n1002,2025-09-14,80.00\n"
LOGO = b"\x89PNG\r\n\x1a\nlogo"


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = migrated_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def asked(
    db_url: str, tmp_path: Path, smtp_sink: SmtpSink, mailbox: Mailbox, engine: Engine
) -> tuple[dict[str, str], str, dict[str, object], ReceivedMail]:
    """An access case whose task mail reached the firm's owner (tests.e2e.test_tasks_cli)."""
    return owner_asked_by_mail(db_url, tmp_path, smtp_sink, mailbox)


@pytest.fixture
def bot_url(
    asked: tuple[dict[str, str], str, dict[str, object], ReceivedMail],
    db_url: str,
    fake_slack: FakeSlack,
    tmp_path: Path,
) -> Iterator[str]:
    """The bot on the same desk: its notifier posts the case before the owner answers."""
    desk = {k: v for k, v in asked[0].items() if k.startswith("RIGHTSDESK_")}
    with running_bot(bot_environment(db_url, fake_slack, **desk), tmp_path) as url:
        wait_until(lambda: fake_slack.messages(CHANNEL), "the case in the channel")
        yield url


def owner_answers(
    mailbox: Mailbox,
    env: dict[str, str],
    request: ReceivedMail,
    text: str,
    files: list[tuple[bytes, str, str, str]],
) -> None:
    """The owner replies to the task mail; intake takes it in (`rightsdesk poll --once`)."""
    mail = EmailMessage()
    mail["From"], mail["To"] = f"Kirjanpito <{OWNER}>", US
    mail["Subject"] = f"Re: {request.message['Subject']}"
    mail["Message-ID"] = "<answer-1@tilitoimisto.example.com>"
    mail["In-Reply-To"] = str(request.message["Message-ID"])
    mail.set_content(text + "\n")
    for data, maintype, subtype, filename in files:
        mail.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    mailbox.deliver_lmtp(mail.as_bytes())
    ok(env, "poll", "--once")


def answer_line(fake: FakeSlack) -> dict[str, Any]:
    """The thread line announcing the owner's mailed answer, once the notifier posts it."""
    found = wait_until(
        lambda: [
            m
            for m in fake.messages(CHANNEL)
            if m["thread_ts"] and m["text"].startswith("task answer received")
        ],
        "the mailed answer's line in the case thread",
    )
    return dict(found[0])


def open_form(url: str, fake: FakeSlack, task_id: str) -> dict[str, Any]:
    """The contact person presses Record outcome; the modal the bot opened."""
    click(url, fake, TASK_RECORD, task_id, CONTACT)
    opened = fake.wait_for("views.open")[-1]
    view = opened.body["view"]
    return dict(json.loads(view) if isinstance(view, str) else view)


def submit(url: str, view: dict[str, Any], values: dict[str, Any]) -> sig.Response:
    payload = sig.view_submission_payload(
        TASK_MODAL, values, private_metadata=view["private_metadata"], user_id=CONTACT
    )
    return sig.post_signed(url, SECRET, sig.interaction_body(payload))


def note(text: str) -> dict[str, Any]:
    return {TASK_NOTE: {"value": {"type": "plain_text_input", "value": text}}}


def mailed(option: dict[str, Any] | None) -> dict[str, Any]:
    return {TASK_MAILED: {"value": {"type": "static_select", "selected_option": option}}}


def trail(env: dict[str, str], reference: str) -> list[dict[str, Any]]:
    shown = json.loads(ok(env, "cases", "show", reference, "--json"))
    return list(shown["events"])


def test_the_contact_person_records_a_mailed_answer_with_the_file_the_owner_mailed(
    asked: tuple[dict[str, str], str, dict[str, object], ReceivedMail],
    bot_url: str,
    fake_slack: FakeSlack,
    mailbox: Mailbox,
    engine: Engine,
) -> None:
    """The mailed answer's thread line carries Record outcome and Nothing there; the form
    offers the files the owner mailed, refuses to guess, and attaches the one chosen."""
    env, reference, task, request = asked
    task_id = str(task["id"])
    owner_answers(
        mailbox,
        env,
        request,
        "Liitteenä kaksi laskua.",
        [(EXPORT, "text", "csv", "laskut.csv"), (LOGO, "image", "png", "image001.png")],
    )

    line = answer_line(fake_slack)
    (buttons,) = [b for b in line["blocks"] if b["type"] == "actions"]
    assert [(e["action_id"], e["value"]) for e in buttons["elements"]] == [
        (TASK_RECORD, task_id),
        (TASK_RECORD_NOTHING, task_id),
    ]
    shown = json.dumps(line, ensure_ascii=False)  # the channel names nobody (Art. 5(1)(f))
    assert PERSON[0] not in shown and PERSON[1] not in shown and OWNER not in shown

    # Someone off the allow-list is refused, and nothing changes.
    click(bot_url, fake_slack, TASK_RECORD, task_id, "U9STRANGER")
    click(bot_url, fake_slack, TASK_RECORD_NOTHING, task_id, "U9STRANGER")
    refusals = wait_until(
        lambda: len(t := webhook_texts(fake_slack, "U9STRANGER")) == 2 and t, "the refusals"
    )
    assert refusals == [REFUSAL, REFUSAL]
    assert [e.action for e in events_all(engine)].count("slack_access_denied") == 2
    assert not fake_slack.calls("views.open")
    assert tasks(env, reference)[0]["status"] == "open"

    view = open_form(bot_url, fake_slack, task_id)
    assert view["callback_id"] == TASK_MODAL
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    assert [b["block_id"] for b in inputs] == [TASK_NOTE, TASK_MAILED, TASK_FILE]
    options = inputs[1]["element"]["options"]
    assert [o["text"]["text"] for o in options] == [
        f"laskut.csv ({len(EXPORT)} bytes)",
        f"image001.png ({len(LOGO)} bytes)",
        "None of them",
    ]
    assert "initial_option" not in inputs[1]["element"]  # no default: the person chooses

    # As `tasks done`: a note is required, and a mailed file is never attached by a guess.
    missing = submit(bot_url, view, {**note(""), **mailed(options[0])}).json()
    assert missing["response_action"] == "errors" and TASK_NOTE in missing["errors"]
    guess = submit(bot_url, view, {**note("Kaksi laskua Netvisorissa."), **mailed(None)}).json()
    assert guess["response_action"] == "errors"
    assert "choose the one that goes with the copy" in guess["errors"][TASK_MAILED]
    upload = {
        TASK_FILE: {
            "value": {
                "type": "file_input",
                "files": [fake_slack.add_file("oma.csv", b"lasku\n1001\n")],
            }
        }
    }
    both = submit(bot_url, view, {**note("Kaksi laskua."), **mailed(options[0]), **upload}).json()
    assert both["errors"][TASK_MAILED] == (
        "give an uploaded file or a file the owner mailed, not both"
    )
    assert tasks(env, reference)[0]["status"] == "open"

    answer = submit(bot_url, view, {**note("Kaksi laskua Netvisorissa."), **mailed(options[0])})
    assert answer.status == 200 and answer.body in ("", "{}"), answer.body
    done = wait_until(
        lambda: (t := tasks(env, reference)[0])["status"] == "done" and t, "the task done"
    )
    assert (done["outcome"], done["file"], done["done_by"]) == ("done", "laskut.csv", "slack:U1")
    told = wait_until(lambda: webhook_texts(fake_slack, CONTACT), "the answer to the contact")
    assert f"Task {task_id} ({reference}) is recorded as done, with laskut.csv" in told[0]

    (recorded,) = [e for e in trail(env, reference) if e["action"] == "task_done"]
    assert recorded["actor"] == "slack:U1"
    assert (recorded["detail"]["result"], recorded["detail"]["files"]) == ("done", ["laskut.csv"])
    assert recorded["detail"]["note"] == "Kaksi laskua Netvisorissa."
    wait_until(
        lambda: any(m["text"].startswith("task done by <@U1>") for m in fake_slack.messages()),
        "the task's done line in the case thread",
    )

    # A second press says it is done and changes nothing.
    click(bot_url, fake_slack, TASK_RECORD, task_id, CONTACT)
    click(bot_url, fake_slack, TASK_RECORD_NOTHING, task_id, CONTACT)
    again = wait_until(
        lambda: len(t := webhook_texts(fake_slack, CONTACT)) == 3 and t[1:], "the second presses"
    )
    assert again == [f"Task {task_id} is already done (done); nothing was changed."] * 2
    assert len(fake_slack.calls("views.open")) == 1
    assert tasks(env, reference)[0]["outcome"] == "done"


def test_nothing_there_from_the_thread_records_the_outcome_as_the_cli_flag_does(
    asked: tuple[dict[str, str], str, dict[str, object], ReceivedMail],
    bot_url: str,
    fake_slack: FakeSlack,
    mailbox: Mailbox,
) -> None:
    env, reference, task, request = asked
    task_id = str(task["id"])
    owner_answers(mailbox, env, request, "Asiakkaasta ei löytynyt mitään.", [])
    answer_line(fake_slack)

    click(bot_url, fake_slack, TASK_RECORD_NOTHING, task_id, CONTACT)
    done = wait_until(
        lambda: (t := tasks(env, reference)[0])["status"] == "done" and t, "the task done"
    )
    assert (done["outcome"], done["file"], done["done_by"]) == ("nothing_there", None, "slack:U1")
    told = wait_until(lambda: webhook_texts(fake_slack, CONTACT), "the answer to the contact")
    assert told[0].startswith(f"Task {task_id} ({reference}) is recorded as nothing there.")
    (recorded,) = [e for e in trail(env, reference) if e["action"] == "task_done"]
    assert recorded["detail"]["result"] == "nothing_there"


def test_a_case_that_ended_takes_no_outcome_from_the_thread_and_says_why(
    asked: tuple[dict[str, str], str, dict[str, object], ReceivedMail],
    bot_url: str,
    fake_slack: FakeSlack,
    mailbox: Mailbox,
) -> None:
    env, reference, task, request = asked
    task_id = str(task["id"])
    owner_answers(mailbox, env, request, "Kaksi laskua löytyi.", [])
    answer_line(fake_slack)
    view = open_form(bot_url, fake_slack, task_id)
    ok(env, "cases", "withdraw", reference, "--reason", "the requester withdrew by phone")

    ended = f"Task {task_id} is closed: {reference} has ended, nothing more is recorded."
    click(bot_url, fake_slack, TASK_RECORD, task_id, CONTACT)
    click(bot_url, fake_slack, TASK_RECORD_NOTHING, task_id, CONTACT)
    told = wait_until(lambda: len(t := webhook_texts(fake_slack, CONTACT)) == 2 and t, "answers")
    assert told == [ended, ended]
    late = submit(bot_url, view, note("Kaksi laskua löytyi.")).json()  # the form left open
    assert late["response_action"] == "update"
    assert ended in json.dumps(late["view"])
    assert tasks(env, reference)[0]["outcome"] == "case_ended"
