"""A manual system's task in Slack (issue 15): a DM to its owner, Done and Nothing there.

`rightsdesk bot --http` runs as a subprocess with the notifier on; the contact person works
at the terminal and in Slack, the owner (not on the allow-list) answers in the DM. Every
Slack request is signed; the fake Slack API records what the bot sent.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from bot.tasks import TASK_DONE, TASK_FILE, TASK_MODAL, TASK_NOTE, TASK_NOTHING
from cases.replies import pending_drafts
from store.engine import new_session
from store.models import CaseEvent, SlackPost
from tests.e2e.slack_bot import (
    ALICE,
    CHANNEL,
    ROOT,
    SECRET,
    bot_environment,
    bot_process,
    events,
    migrated_engine,
    running_bot,
)
from tests.e2e.test_data_map_shop import all_sent
from tests.e2e.test_remind_cli import posted as reminders_posted
from tests.e2e.test_tasks_cli import NOT_DONE_REPLY, RETIRED
from tests.servers import free_port
from tests.servers import slack_signing as sig
from tests.servers.slack_fake import FakeSlack

OWNER = "U3OWNER"  # the accounting firm's contact, not on the allow-list (U1, U2)
OWNER_DM = f"D{OWNER}"  # the app's DM with them, as the fake's conversations.open gives it
FIRM = "Esimerkki Tilitoimisto Oy"
DATA_MAP = f"""
[[systems]]
name = "Asiakasrekisteri"
kind = "register"

[[systems]]
name = "{FIRM}"
kind = "manual"
owner = "{OWNER}"
[systems.instructions]
access = "Search Netvisor by e-mail and export the customer's invoices as CSV."
erasure = "Remove the customer's contact details from Netvisor; vouchers stay (KPL 2:10)."
restriction = "Mark the customer's account in Netvisor as restricted."
"""


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = migrated_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def env(db_url: str, fake_slack: FakeSlack, tmp_path: Path) -> dict[str, str]:
    config = tmp_path / "rightsdesk.toml"
    config.write_text(
        (ROOT / "rightsdesk.example.toml").read_text(encoding="utf-8") + DATA_MAP, encoding="utf-8"
    )
    return bot_environment(db_url, fake_slack, RIGHTSDESK_CONFIG=str(config))


@pytest.fixture
def bot_url(engine: Engine, env: dict[str, str], tmp_path: Path) -> Iterator[str]:
    with running_bot(env, tmp_path) as url:
        yield url


def cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "rightsdesk", *args],
        env={**env, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"rightsdesk {' '.join(args)}: {done.stderr}"
    return done.stdout


def fulfilled_case(env: dict[str, str], kinds: str = "access", language: str = "fi") -> str:
    opened = cli(
        env, "cases", "open", "--kinds", kinds, "--name", ALICE[0], "--email", ALICE[1],
        "--language", language, "--json",
    )  # fmt: skip
    reference = str(json.loads(opened)["reference"])
    cli(env, "cases", "verify", reference, "--method", "manual", "--reason", "called back")
    cli(env, "cases", "fulfil", reference)
    return reference


def task_of(env: dict[str, str], reference: str) -> dict[str, Any]:
    (task,) = json.loads(cli(env, "tasks", "list", "--case", reference, "--json"))
    return dict(task)


def dm_of(fake: FakeSlack, task_id: int, timeout: float = 20.0) -> dict[str, Any]:
    """The direct message the notifier posted to the owner for TASK_ID."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in fake.messages(OWNER_DM):
            if message["metadata"]["event_payload"]["key"] == f"task:{task_id}":
                return message
        time.sleep(0.1)
    raise TimeoutError(f"task {task_id} was not sent to its owner")


def click(url: str, fake: FakeSlack, action: str, value: str, user: str) -> None:
    payload = sig.block_actions_payload(
        action, value, user_id=user, channel_id=f"D{user}", response_url=fake.webhook_url(user)
    )
    assert sig.post_signed(url, SECRET, sig.interaction_body(payload)).status == 200


def webhook_texts(fake: FakeSlack, name: str) -> list[str]:
    return [str(c.body.get("text")) for c in fake.calls("webhook") if c.path.endswith(f"/{name}")]


def wait_until(predicate: Any, what: str, timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise TimeoutError(what)


def test_the_owner_gets_the_task_in_a_dm_and_answers_it_with_a_note_and_the_export(
    env: dict[str, str], engine: Engine, bot_url: str, fake_slack: FakeSlack
) -> None:
    reference = fulfilled_case(env)
    task = task_of(env, reference)

    # Only the owner's DM carries whom to look for; the channel never does.
    dm = dm_of(fake_slack, task["id"])
    assert dm["channel"] == OWNER_DM
    dm_text = json.dumps(dm["blocks"], ensure_ascii=False)
    assert (
        ALICE[0] in dm_text and ALICE[1] in dm_text and "export the customer's invoices" in dm_text
    )
    assert [e["action_id"] for e in dm["blocks"][-1]["elements"]] == [TASK_DONE, TASK_NOTHING]
    wait_until(lambda: fake_slack.messages(CHANNEL), "the case in the channel")
    for posted in fake_slack.messages(CHANNEL):
        assert ALICE[0] not in json.dumps(posted) and ALICE[1] not in json.dumps(posted)

    # App Home shows the task with its own due date.
    home = sig.event_body({"type": "app_home_opened", "user": "U1", "tab": "home"})
    assert sig.post_signed(bot_url, SECRET, home).status == 200
    (publish,) = fake_slack.wait_for("views.publish")
    home_text = json.dumps(publish.body, ensure_ascii=False)
    assert "Open tasks" in home_text and f"task due {task['due']}" in home_text

    # The Slack approve refuses while the task is open, naming it.
    command = sig.slash_command_body(
        text=f"approve {reference}", user_id="U1", response_url=fake_slack.webhook_url("approver")
    )
    assert sig.post_signed(bot_url, SECRET, command).status == 200
    refusal = wait_until(lambda: webhook_texts(fake_slack, "approver"), "the approve answer")
    assert f"task {task['id']}" in refusal[0] and FIRM in refusal[0]

    # Someone else off the allow-list cannot answer the owner's task.
    click(bot_url, fake_slack, TASK_NOTHING, str(task["id"]), "U9STRANGER")
    wait_until(
        lambda: any(e.action == "slack_access_denied" for e in events_all(engine)),
        "the refusal in the audit trail",
    )
    assert task_of(env, reference)["status"] == "open"

    # The owner clicks Done: a form for the note and, for a copy, the export.
    click(bot_url, fake_slack, TASK_DONE, str(task["id"]), OWNER)
    (opened,) = fake_slack.wait_for("views.open")
    view = (
        json.loads(opened.body["view"])
        if isinstance(opened.body["view"], str)
        else opened.body["view"]
    )
    assert view["callback_id"] == TASK_MODAL
    assert [b["block_id"] for b in view["blocks"] if b["type"] == "input"] == [TASK_NOTE, TASK_FILE]

    upload = fake_slack.add_file("netvisor.csv", b"invoice,date\n1001,2025-05-02\n")
    values = {
        TASK_NOTE: {"value": {"type": "plain_text_input", "value": "Two invoices in Netvisor."}},
        TASK_FILE: {"value": {"type": "file_input", "files": [upload]}},
    }
    submit = sig.view_submission_payload(
        TASK_MODAL, values, private_metadata=view["private_metadata"], user_id=OWNER
    )
    answer = sig.post_signed(bot_url, SECRET, sig.interaction_body(submit))
    assert answer.status == 200 and answer.body in ("", "{}"), answer.body

    done = wait_until(
        lambda: (t := task_of(env, reference))["status"] == "done" and t, "the task done"
    )
    assert (done["outcome"], done["file"], done["done_by"]) == (
        "done",
        "netvisor.csv",
        f"slack:{OWNER}",
    )
    assert any(
        c.method == "files" and c.token == "Bearer xoxb-test-token" for c in fake_slack.calls()
    )

    # Now the approve goes through; the reply carries the firm's answer and its file.
    command = sig.slash_command_body(
        text=f"approve {reference}", user_id="U1", response_url=fake_slack.webhook_url("again")
    )
    assert sig.post_signed(bot_url, SECRET, command).status == 200
    approved = wait_until(lambda: webhook_texts(fake_slack, "again"), "the second approve")
    assert approved[0].startswith("Approved"), approved
    sent = [e for e in events(engine, reference) if e.action == "reply_approved"]
    (reply,) = sent
    assert f"{FIRM}: Two invoices in Netvisor." in reply.full_detail["body_text"]
    assert "netvisor.csv" in [a["filename"] for a in reply.full_detail["attachments"]]

    # The task's thread lines are in the channel too, and still name nobody (Art. 5(1)(f)).
    wait_until(
        lambda: any("task done" in m["text"] for m in fake_slack.messages(CHANNEL)),
        "the task's line in the case thread",
    )
    for call in fake_slack.calls():
        if call.method in ("chat.postMessage", "chat.update") and call.body["channel"] != OWNER_DM:
            sent_text = json.dumps(call.body, ensure_ascii=False)
            assert ALICE[0] not in sent_text and ALICE[1] not in sent_text, call.body


def test_nothing_there_from_the_dm_records_the_outcome_and_lets_the_reply_go(
    env: dict[str, str], engine: Engine, bot_url: str, fake_slack: FakeSlack
) -> None:
    reference = fulfilled_case(env, "erasure")
    task = task_of(env, reference)
    assert task["kind"] == "erasure"
    dm_of(fake_slack, task["id"])

    click(bot_url, fake_slack, TASK_NOTHING, str(task["id"]), OWNER)
    wait_until(lambda: task_of(env, reference)["status"] == "done", "the task done")
    assert task_of(env, reference)["outcome"] == "nothing_there"
    thanks = wait_until(lambda: webhook_texts(fake_slack, OWNER), "the owner's answer")
    assert "nothing there" in thanks[0]
    (done_event,) = [e for e in events(engine, reference) if e.action == "task_done"]
    assert done_event.detail["result"] == "nothing_there"
    cli(env, "cases", "approve", reference)


def rights(url: str, fake: FakeSlack, text: str, name: str) -> str:
    """The contact person's `/rights TEXT`; its answer, sent to the response URL NAME."""
    command = sig.slash_command_body(text=text, user_id="U1", response_url=fake.webhook_url(name))
    assert sig.post_signed(url, SECRET, command).status == 200
    (answer,) = wait_until(lambda: webhook_texts(fake, name), f"the answer to /rights {text}")
    return str(answer)


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_a_task_that_will_never_be_done_is_recorded_from_slack_with_its_reason(
    env: dict[str, str], engine: Engine, bot_url: str, fake_slack: FakeSlack, language: str
) -> None:
    """`/rights not-done` records what `tasks not-done` does: the outcome, the reason in the
    trail, and the reply drafted again saying nothing was erased there, and why (Art. 5(2))."""
    reference = fulfilled_case(env, "erasure", language)
    task = task_of(env, reference)

    usage = rights(bot_url, fake_slack, f"not-done {task['id']}", "usage")
    unknown = rights(bot_url, fake_slack, f"not-done 9999 {RETIRED}", "unknown")
    said = rights(bot_url, fake_slack, f"not-done {task['id']} {RETIRED}", "recorded")
    again = rights(bot_url, fake_slack, f"not-done {task['id']} {RETIRED}", "again")

    assert usage.startswith("Usage: `/rights not-done TASK REASON`")
    assert unknown == "no task 9999"
    assert said.splitlines()[:2] == [
        f"Task {task['id']} ({reference}) is recorded as not done, with your reason.",
        f"The reply of {reference} is drafted again with it: `/rights draft {reference}`.",
    ]
    assert again == f"task {task['id']} is already done (not_done, by slack:U1)"
    listed = task_of(env, reference)
    assert (listed["status"], listed["outcome"], listed["done_by"]) == (
        "done",
        "not_done",
        "slack:U1",
    )
    (event,) = [e for e in events(engine, reference) if e.action == "task_not_done"]
    assert (event.full_detail["task_id"], event.full_detail["reason"]) == (task["id"], RETIRED)
    with new_session(engine) as session:
        (draft,) = pending_drafts(session, reference=reference)
    assert NOT_DONE_REPLY[language] in draft.body_text


def dm_updates(fake: FakeSlack, dm: dict[str, Any]) -> list[dict[str, Any]]:
    """The chat.update calls the notifier made to one direct message."""
    return [
        c.body
        for c in fake.calls("chat.update")
        if c.body.get("channel") == dm["channel"] and c.body.get("ts") == dm["ts"]
    ]


def test_an_ended_tasks_dm_tells_the_owner_to_do_nothing_and_drops_the_person_and_buttons(
    env: dict[str, str], engine: Engine, bot_url: str, fake_slack: FakeSlack
) -> None:
    """The case is withdrawn while the erasure task waits: the DM still said "please erase"
    with a Done button, so the owner could erase data no request stood behind any more."""
    reference = fulfilled_case(env, "erasure")
    task = task_of(env, reference)
    dm = dm_of(fake_slack, task["id"])
    cli(env, "cases", "withdraw", reference, "--reason", "the customer withdrew by phone")
    assert task_of(env, reference)["outcome"] == "case_ended"

    (update,) = wait_until(lambda: dm_updates(fake_slack, dm), "the DM brought up to date")
    shown = json.dumps(update, ensure_ascii=False)
    assert f"{reference} ended before it was done. Do not erase data in {FIRM};" in shown
    assert ALICE[0] not in shown and ALICE[1] not in shown  # no longer needed there
    assert all(block["type"] != "actions" for block in update["blocks"])
    time.sleep(2)  # a few more notifier rounds: edited once, not every round
    assert len(dm_updates(fake_slack, dm)) == 1


def test_a_task_the_owner_answered_from_the_dm_is_shown_there_as_recorded(
    env: dict[str, str], engine: Engine, bot_url: str, fake_slack: FakeSlack
) -> None:
    reference = fulfilled_case(env, "erasure")
    task = task_of(env, reference)
    dm = dm_of(fake_slack, task["id"])
    click(bot_url, fake_slack, TASK_NOTHING, str(task["id"]), OWNER)
    (update,) = wait_until(lambda: dm_updates(fake_slack, dm), "the DM brought up to date")
    assert update["text"] == (
        f"Task {task['id']} ({reference}, {FIRM}): recorded (nothing there)."
        " Thank you, nothing more is needed."
    )
    assert all(block["type"] != "actions" for block in update["blocks"])


@pytest.mark.parametrize("number", ["²", "１２", "0", "-3", "9" * 20, str(2**63)])
def test_a_task_number_that_is_not_one_the_desk_can_hold_gets_the_usage(
    env: dict[str, str], bot_url: str, fake_slack: FakeSlack, number: str
) -> None:
    """A superscript or full-width digit, zero, or a number past a 63-bit id was a crash
    ("Sorry, something went wrong", logged as the desk's fault); it is the usage."""
    reference = fulfilled_case(env, "erasure", "en")

    answer = rights(bot_url, fake_slack, f"not-done {number} {RETIRED}", "odd")

    assert answer.startswith("Usage: `/rights not-done TASK REASON`")
    assert task_of(env, reference)["status"] == "open"


def events_all(engine: Engine) -> list[CaseEvent]:
    """Every audit event, the desk's own too."""
    with new_session(engine) as session:
        return list(session.exec(select(CaseEvent)).all())


def test_without_a_channel_the_owner_still_gets_the_task_in_a_dm(
    env: dict[str, str], engine: Engine, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    """RIGHTSDESK_SLACK_CHANNEL is optional: no case goes to a channel, the task still does."""
    no_channel = {k: v for k, v in env.items() if k != "RIGHTSDESK_SLACK_CHANNEL"}
    with running_bot(no_channel, tmp_path):
        reference = fulfilled_case(no_channel, "erasure")
        dm = dm_of(fake_slack, task_of(no_channel, reference)["id"])
    assert dm["channel"] == OWNER_DM
    assert [m["channel"] for m in fake_slack.messages()] == [OWNER_DM]


def test_a_desk_killed_while_posting_a_task_finds_the_dm_and_does_not_post_it_twice(
    env: dict[str, str], engine: Engine, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    """Slack posts the task's DM but its answer is lost; the desk is killed then. The desk
    started again looks for the message in the DM (its D… id; a user id is no conversation)
    and finds it instead of posting it again."""
    no_channel = {k: v for k, v in env.items() if k != "RIGHTSDESK_SLACK_CHANNEL"}
    reference = fulfilled_case(no_channel, "erasure")
    task = task_of(no_channel, reference)
    key = f"task:{task['id']}"
    fake_slack.lose_answer("chat.postMessage")
    # Until the kill, the lookup fails too: only the restarted desk may find the message.
    fake_slack.fail("conversations.history", "internal_error")
    http = ("--http", str(free_port()))
    with bot_process(no_channel, tmp_path, *http) as first:
        dm_of(fake_slack, task["id"])  # posted; the bot never heard so
        first.kill()
        first.wait(10)
    assert post_state(engine, key) == "posting"
    fake_slack.reset_responses()

    with bot_process(no_channel, tmp_path, *http):
        wait_until(lambda: post_state(engine, key) == "posted", "the DM found after the restart")
    posts = [m for m in fake_slack.messages() if m["metadata"]["event_payload"]["key"] == key]
    assert len(posts) == 1 and posts[0]["channel"] == OWNER_DM
    lookups = [c.body.get("channel") for c in fake_slack.calls("conversations.history")]
    assert lookups and set(lookups) == {OWNER_DM}


def post_state(engine: Engine, key: str) -> str | None:
    with new_session(engine) as session:
        row = session.get(SlackPost, key)
        return row.state if row is not None else None


def test_a_lift_task_on_a_closed_case_is_reminded_by_dm_and_shown_on_the_home_tab(
    env: dict[str, str], engine: Engine, bot_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    """The restriction was answered and the case closed; lifting it weeks later opens a task
    for the firm. The assignee is reminded of it when it is late, the digest and App Home
    list it, and the closed case (its own deadline long past) gets no deadline reminder."""
    customers = tmp_path / "customers.csv"
    customers.write_text(f"customer_number,name,email\nC-1,{ALICE[0]},{ALICE[1]}\n", "utf-8")
    cli(env, "register", "import", str(customers))
    reference = fulfilled_case(env, "restriction")
    cli(env, "cases", "assign", reference, "slack:U0PASI")
    cli(env, "tasks", "done", str(task_of(env, reference)["id"]), "--note", "Marked restricted.")
    cli(env, "cases", "approve", reference)
    all_sent(env)  # the bot's outbox sends the confirmation before it is lifted (Art. 18(3))
    cli(env, "cases", "close", reference)
    # The case was due 2026-04-09; it is lifted on 2026-04-14, so the task is due 2026-04-21.
    lifting = {**env, "RIGHTSDESK_NOW": "2026-04-14T10:00:00+03:00"}
    cli(
        lifting, "cases", "lift-restriction", reference, "--reason", "accuracy checked",
        "--informed-at", "2026-04-13",
    )  # fmt: skip
    rows = json.loads(cli(env, "tasks", "list", "--case", reference, "--json"))
    (lift,) = [t for t in rows if t["kind"] == "lift_restriction"]
    assert (lift["status"], lift["owner"], lift["due"]) == ("open", OWNER, "2026-04-21")

    home = sig.event_body({"type": "app_home_opened", "user": "U1", "tab": "home"})
    assert sig.post_signed(bot_url, SECRET, home).status == 200
    (publish,) = fake_slack.wait_for("views.publish")
    home_text = json.dumps(publish.body, ensure_ascii=False)
    assert "Open tasks" in home_text
    assert f"*{reference}* · restriction lift in {FIRM} · task due 2026-04-21" in home_text
    assert "(case closed)" in home_text

    before = len(fake_slack.calls("chat.postMessage"))
    cli({**env, "RIGHTSDESK_NOW": "2026-04-22T09:30:00+03:00"}, "remind", "--once")
    sent = reminders_posted(fake_slack)[before:]
    assert [p for p in sent if p[1] == reference] == [("tasks", reference, "DU0PASI", None)]
    calls = fake_slack.calls("chat.postMessage")[before:]
    (reminder,) = [c for c in calls if c.body["channel"] == "DU0PASI"]
    text = str(reminder.body["text"])
    assert text.startswith(f"{reference} is answered, but a manual system's task is still open")
    assert "was due Tue 2026-04-21, 1 day ago" in text
    (digest,) = [c for c in calls if str(c.body["text"]).startswith("Rights desk digest")]
    assert f"{reference}: task due 2026-04-21 (case closed)" in json.dumps(digest.body["blocks"])
    for call in (reminder, digest):  # only the owner's own DM names the person
        assert ALICE[0] not in json.dumps(call.body) and ALICE[1] not in json.dumps(call.body)


def test_an_e_mail_owner_whose_address_starts_like_a_slack_id_gets_no_slack_message(
    db_url: str, engine: Engine, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    """Only a Slack user ID is DMed: "ulla@..." begins with a "u" that SQLite's LIKE takes
    for "U", and her address must not go to Slack's conversations.open (Art. 5(1)(c)); the
    task mail reaches her through the outbox instead."""
    mailed = DATA_MAP.replace(f'name = "{FIRM}"', 'name = "Netvisor"').replace(
        f'owner = "{OWNER}"', 'owner = "ulla@tilitoimisto.example.com"'
    )
    config = tmp_path / "rightsdesk.toml"
    example = (ROOT / "rightsdesk.example.toml").read_text(encoding="utf-8")
    both = DATA_MAP + mailed.split("[[systems]]", 2)[2].join(["[[systems]]", ""])
    config.write_text(example + both, encoding="utf-8")
    env = bot_environment(db_url, fake_slack, RIGHTSDESK_CONFIG=str(config))
    with running_bot(env, tmp_path):
        reference = fulfilled_case(env)
        slack_task, mail_task = json.loads(cli(env, "tasks", "list", "--case", reference, "--json"))
        assert (slack_task["owner"], mail_task["owner"]) == (OWNER, "ulla@tilitoimisto.example.com")
        dm_of(fake_slack, slack_task["id"])  # the notifier's round has reached the tasks
    opened = [c.body for c in fake_slack.calls("conversations.open")]
    assert all("@" not in json.dumps(body) for body in opened), opened
    assert all(
        m["metadata"]["event_payload"]["key"] != f"task:{mail_task['id']}"
        for m in fake_slack.messages()
        if m.get("metadata")
    )
