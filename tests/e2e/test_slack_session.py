"""The contact person at work in Slack: notification, buttons, modals and App Home, over HTTP."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from cases import operations as ops
from cases.replies import pending_drafts
from mail_intake.quarantine import quarantine
from store.engine import new_session
from store.models import Case, Draft, Outbox, RecipientNoticeNeeded
from tests.e2e.slack_bot import (
    ALICE,
    CHANNEL,
    NOW,
    SECRET,
    bot_environment,
    events,
    load_case,
    migrated_engine,
    open_case,
    running_bot,
    wait_for_event,
    wait_for_slack_ts,
)
from tests.servers import slack_signing as sig
from tests.servers.slack_fake import Call, FakeSlack

RECEIVED = datetime(2026, 3, 5, 9, tzinfo=UTC)  # due 2026-04-07 (Easter), NOW is 10 March
LONG_AGO = datetime(2026, 1, 5, 9, tzinfo=UTC)  # due 2026-02-05: overdue, too late to extend


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = migrated_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def bot_url(engine: Engine, db_url: str, fake_slack: FakeSlack, tmp_path: Path) -> Iterator[str]:
    with running_bot(bot_environment(db_url, fake_slack), tmp_path) as url:
        yield url


def _post(url: str, body: str) -> sig.Response:
    answer = sig.post_signed(url, SECRET, body)
    assert answer.status == 200, answer.body
    return answer


def _command(url: str, fake: FakeSlack, text: str) -> sig.Response:
    return _post(url, sig.slash_command_body(text=text, response_url=fake.webhook_url()))


def _click(url: str, fake: FakeSlack, action_id: str, value: str) -> sig.Response:
    payload = sig.block_actions_payload(action_id, value, response_url=fake.webhook_url())
    return _post(url, sig.interaction_body(payload))


def _submit(url: str, opened: Call, values: dict[str, Any]) -> sig.Response:
    view = _view(opened)
    payload = sig.view_submission_payload(
        view["callback_id"], values, private_metadata=view["private_metadata"]
    )
    return _post(url, sig.interaction_body(payload))


def _view(call: Call) -> dict[str, Any]:
    view = call.body["view"]
    parsed: dict[str, Any] = json.loads(view) if isinstance(view, str) else view
    return parsed


def _blocks(call: Call) -> list[dict[str, Any]]:
    blocks = call.body.get("blocks") or "[]"
    parsed: list[dict[str, Any]] = json.loads(blocks) if isinstance(blocks, str) else blocks
    return parsed


def _text(value: str) -> dict[str, Any]:
    return {"value": {"type": "plain_text_input", "value": value}}


def _select(value: str) -> dict[str, Any]:
    return {"value": {"type": "static_select", "selected_option": {"value": value}}}


def _after(fake: FakeSlack, method: str, action: Callable[[], object]) -> Call:
    """Do ACTION and return the next call of METHOD it causes."""
    before = len(fake.calls(method))
    action()
    return fake.wait_for(method, before + 1)[before]


def _thread_lines(fake: FakeSlack, ts: str) -> list[str]:
    return [c.body["text"] for c in fake.calls("chat.postMessage") if c.body.get("thread_ts") == ts]


def _wait_for_thread_line(fake: FakeSlack, ts: str, words: str) -> None:
    for n in range(1, 100):
        fake.wait_for("chat.postMessage", n + 1, timeout=10)
        if any(words in line for line in _thread_lines(fake, ts)):
            return
    raise AssertionError(f"no thread line with {words!r}: {_thread_lines(fake, ts)}")


def _wait_for_root_update(fake: FakeSlack, ts: str, words: str) -> Call:
    for n in range(1, 100):
        updates = [c for c in fake.wait_for("chat.update", n, timeout=10) if c.body["ts"] == ts]
        if updates and words in updates[-1].body["text"]:
            return updates[-1]
    raise AssertionError(f"the root message never said {words!r}")


def _click_through_to_verified(url: str, fake: FakeSlack, engine: Engine) -> tuple[str, str]:
    """Notification, Assign to me, Verify identity: returns the reference and the root ts."""
    ref = open_case(engine, received=RECEIVED)
    root = fake.wait_for("chat.postMessage")[0]
    assert root.body["channel"] == CHANNEL
    assert ref in root.body["text"] and "due 2026-04-07" in root.body["text"]
    assert ALICE[0] not in root.raw.decode() and ALICE[1] not in root.raw.decode()
    buttons = [
        e["action_id"] for b in _blocks(root) if b["type"] == "actions" for e in b["elements"]
    ]
    assert buttons == ["assign_to_me", "verify_identity", "preview_reply", "extend_case"]
    ts = wait_for_slack_ts(engine, ref)

    _click(url, fake, "assign_to_me", ref)
    assert wait_for_event(engine, ref, "assign").actor == "slack:U1"
    _wait_for_thread_line(fake, ts, "assign by <@U1>")

    _click(url, fake, "verify_identity", ref)
    form = fake.wait_for("views.open")[-1]
    assert _view(form)["callback_id"] == "verify_identity"
    ack = _submit(
        url,
        form,
        {
            "verify_method": _select("sender_match"),
            "verify_reason": _text("sender address matches the register"),
        },
    )
    assert ack.body == ""  # an empty acknowledgement closes the modal
    assert wait_for_event(engine, ref, "verify").actor == "slack:U1"
    _wait_for_thread_line(fake, ts, "verify by <@U1> (method sender_match)")
    return ref, ts


def _add_draft(engine: Engine, reference: str) -> int:
    with new_session(engine) as session:
        case = ops.get_case(session, reference)
        draft = Draft(
            case_id=case.id or 0,
            template="access_response",
            language="fi",
            subject=f"[{reference}] Vastaus tietopyyntöönne",
            body_text="Hei,\n\nohessa pyytämänne tiedot.\n",
            to_addr=ALICE[1],
            status="pending",
            created_at=NOW,
            created_by="rightsdesk",
        )
        session.add(draft)
        session.commit()
        return draft.id or 0


def test_assigning_and_verifying_from_the_channel_message_are_audited_and_threaded(
    bot_url: str, fake_slack: FakeSlack, engine: Engine
) -> None:
    ref, ts = _click_through_to_verified(bot_url, fake_slack, engine)

    case = load_case(engine, ref)
    assert (case.assignee, case.status, case.identity_status) == (
        "slack:U1",
        "in_progress",
        "verified",
    )
    root = _wait_for_root_update(fake_slack, ts, "in progress")
    assert "<@U1>" in json.dumps(_blocks(root))  # the assignee, in place
    for line in _thread_lines(fake_slack, ts):
        assert ALICE[0] not in line and ALICE[1] not in line


def test_the_contact_person_takes_a_case_from_its_notification_to_an_approved_reply(
    bot_url: str, fake_slack: FakeSlack, engine: Engine
) -> None:
    ref, ts = _click_through_to_verified(bot_url, fake_slack, engine)
    draft_id = _add_draft(engine, ref)
    with new_session(engine) as session:  # what approval sends besides the reply (Art. 19)
        case = ops.get_case(session, ref)
        session.add(
            Draft(
                case_id=case.id or 0,
                template="recipient_notice",
                language="fi",
                subject=f"[{ref}] Ilmoitus (19 artikla)",
                body_text="Hei,\n\nasiakkaan tiedot on oikaistu.\n",
                to_addr="kirjanpito@tilitoimisto.example",
                status="pending",
                created_at=NOW,
                created_by="rightsdesk",
            )
        )
        session.add(  # as fulfilment leaves it for a recipient with no address on file
            RecipientNoticeNeeded(
                case_id=case.id or 0,
                recipients=["Luottotieto Esimerkki Oy"],
                reason="no contact address in the register",
                created_at=NOW,
            )
        )
        session.commit()

    preview = _after(
        fake_slack, "webhook", lambda: _click(bot_url, fake_slack, "preview_reply", ref)
    )
    assert preview.body["response_type"] == "ephemeral"
    shown = json.dumps(preview.body, ensure_ascii=False)
    assert "ohessa pyytämänne tiedot" in shown
    assert "Also sent on approval: Art. 19 notice to kirjanpito@tilitoimisto.example" in shown
    assert "tell Luottotieto Esimerkki Oy by other means before approving" in shown
    approve = next(
        e for b in preview.body["blocks"] if b["type"] == "actions" for e in b["elements"]
    )
    assert approve["action_id"] == "approve_reply"

    done = _after(
        fake_slack,
        "webhook",
        lambda: _click(bot_url, fake_slack, "approve_reply", approve["value"]),
    )
    approved = wait_for_event(engine, ref, "reply_approved")

    assert approved.actor == "slack:U1"
    with new_session(engine) as session:
        draft = session.get(Draft, draft_id)
        outbox = session.exec(
            select(Outbox).where(Outbox.id == (draft.outbox_id if draft else 0))
        ).one()
    assert draft is not None and draft.status == "approved"
    assert outbox.to_addr == ALICE[1]
    actors = [e.actor for e in events(engine, ref)]
    assert actors[0] == "mail" and set(actors[1:]) == {"slack:U1"}
    _wait_for_thread_line(fake_slack, ts, "reply approved by <@U1>")
    _wait_for_thread_line(fake_slack, ts, "respond by <@U1>")
    root = _wait_for_root_update(fake_slack, ts, "responded")
    assert not [b for b in _blocks(root) if b["type"] == "actions"]  # no buttons once answered
    assert f"the reply to {ref} is queued" in done.body["text"]


def test_draft_and_approve_commands_preview_and_send_the_pending_reply(
    bot_url: str, fake_slack: FakeSlack, engine: Engine
) -> None:
    ref = open_case(engine, received=RECEIVED)
    with new_session(engine) as session:
        ops.verify(session, reference=ref, method="manual", reason="known", actor="t", now=NOW)
    _add_draft(engine, ref)

    _command(bot_url, fake_slack, f"draft {ref}")
    preview = fake_slack.wait_for("webhook")[0]
    _command(bot_url, fake_slack, f"approve {ref}")

    assert "Vastaus tietopyyntöönne" in preview.body["text"]
    assert wait_for_event(engine, ref, "reply_approved").actor == "slack:U1"
    assert "queued for sending" in fake_slack.wait_for("webhook", 2)[1].body["text"]


def test_the_new_modal_opens_a_case_for_a_letter_with_its_receipt_date(
    bot_url: str, fake_slack: FakeSlack, engine: Engine
) -> None:
    _command(bot_url, fake_slack, "new")
    form = fake_slack.wait_for("views.open")[0]
    how = next(b for b in _view(form)["blocks"] if b["block_id"] == "channel")["element"]
    assert "initial_option" not in how  # a letter or a call: the user says which
    assert [o["value"] for o in how["options"]][:2] == ["letter", "phone"]
    values = {
        "requester_name": _text("Elin Andersson"),
        "requester_email": {"value": {"type": "email_text_input", "value": "elin@example.com"}},
        "kinds": {
            "value": {
                "type": "multi_static_select",
                "selected_options": [{"value": "access"}, {"value": "erasure"}],
            }
        },
        "channel": _select("letter"),
        "received": {"value": {"type": "datepicker", "selected_date": "2026-03-02"}},
        "language": _select("sv"),
    }

    ack = _submit(bot_url, form, values)

    assert ack.body == ""
    opened = fake_slack.wait_for("webhook")[0].body["text"]
    assert opened.startswith("Opened DSR-2026-") and "due 2026-04-02" in opened
    with new_session(engine) as session:
        case = session.exec(select(Case).where(Case.requester_name == "Elin Andersson")).one()
    assert (case.channel, case.language, case.kinds) == ("letter", "sv", ["access", "erasure"])
    assert case.receipt_date.isoformat() == "2026-03-02"
    assert events(engine, case.reference)[0].actor == "slack:U1"


def test_the_new_modal_refuses_a_received_date_in_the_future_on_that_field(
    bot_url: str, fake_slack: FakeSlack, engine: Engine
) -> None:
    _command(bot_url, fake_slack, "new")
    form = fake_slack.wait_for("views.open")[0]

    ack = _submit(
        bot_url,
        form,
        {
            "requester_name": _text("Elin Andersson"),
            "kinds": {
                "value": {"type": "multi_static_select", "selected_options": [{"value": "access"}]}
            },
            "channel": _select("phone"),
            "received": {"value": {"type": "datepicker", "selected_date": "2026-03-11"}},
        },
    )

    assert ack.json() == {
        "response_action": "errors",
        "errors": {"received": "The received date cannot be in the future."},
    }
    with new_session(engine) as session:
        assert session.exec(select(Case)).all() == []


def _radio(value: str) -> dict[str, Any]:
    return {"value": {"type": "radio_buttons", "selected_option": {"value": value}}}


def test_an_extension_without_reasons_or_ground_is_refused_on_that_field(
    bot_url: str, fake_slack: FakeSlack, engine: Engine
) -> None:
    ref = open_case(engine, received=RECEIVED)
    _command(bot_url, fake_slack, f"extend {ref}")
    form = fake_slack.wait_for("views.open")[0]
    assert "2026-06-05" in json.dumps(_view(form))  # the extended date it would give
    ground_block = next(b for b in _view(form)["blocks"] if b.get("block_id") == "extend_ground")
    # Art. 12(3)'s two grounds, and no default: the contact person chooses per case.
    assert [o["value"] for o in ground_block["element"]["options"]] == [
        "complexity",
        "number_of_requests",
    ]
    assert "initial_option" not in ground_block["element"]
    # Labelled for the person who decides, not in the words the requester will read.
    assert [o["text"]["text"] for o in ground_block["element"]["options"]] == [
        "Complexity of the request",
        "Number of requests received",
    ]

    empty = _submit(
        bot_url, form, {"extend_reasons": _text("   "), "extend_ground": _radio("complexity")}
    )
    no_ground = _submit(bot_url, form, {"extend_reasons": _text("many systems to search")})
    given = _submit(
        bot_url,
        form,
        {
            "extend_reasons": _text("many systems to search"),
            "extend_ground": _radio("number_of_requests"),
        },
    )

    assert empty.json()["response_action"] == "errors"
    assert list(empty.json()["errors"]) == ["extend_reasons"]
    assert no_ground.json()["response_action"] == "errors"
    assert list(no_ground.json()["errors"]) == ["extend_ground"]
    assert given.body == ""
    extended = wait_for_event(engine, ref, "extend")
    assert (extended.actor, extended.full_detail["reason"], extended.full_detail["ground"]) == (
        "slack:U1",
        "many systems to search",
        "number_of_requests",
    )
    case = load_case(engine, ref)
    assert case.effective_due_date.isoformat() == "2026-06-05"
    assert case.extension_ground == "number_of_requests"


def test_extending_after_the_one_month_due_date_is_refused_with_an_explanation(
    bot_url: str, fake_slack: FakeSlack, engine: Engine
) -> None:
    ref = open_case(engine, received=LONG_AGO)

    _command(bot_url, fake_slack, f"extend {ref}")

    answer = fake_slack.wait_for("webhook")[0].body["text"]
    assert "Too late to extend" in answer and "2026-02-05" in answer
    assert fake_slack.calls("views.open") == []
    assert load_case(engine, ref).extended_due_date is None


def test_the_refuse_modal_drafts_the_refusal_with_the_reasons_for_approval(
    bot_url: str, fake_slack: FakeSlack, engine: Engine
) -> None:
    ref = open_case(engine, received=RECEIVED)
    _command(bot_url, fake_slack, f"refuse {ref}")
    form = fake_slack.wait_for("views.open")[0]

    _submit(bot_url, form, {"refuse_reasons": _text("manifestly unfounded: 40th copy this year")})

    drafted = wait_for_event(engine, ref, "draft")
    assert drafted.actor == "slack:U1"
    with new_session(engine) as session:
        (draft,) = pending_drafts(session, reference=ref)
    assert draft.template == "refusal"
    assert "manifestly unfounded: 40th copy this year" in draft.body_text
    # Refused when the reply with the reasons and remedies is approved (Art. 12(4)).
    assert load_case(engine, ref).status != "refused"


def test_app_home_shows_the_users_and_the_teams_cases_overdue_first(
    bot_url: str, fake_slack: FakeSlack, engine: Engine
) -> None:
    soon = open_case(engine, received=RECEIVED)
    overdue = open_case(engine, received=LONG_AGO)
    with new_session(engine) as session:
        ops.assign(session, reference=soon, assignee="slack:U1", actor="t", now=NOW)
        quarantine(
            session,
            raw=b"\x00",
            reason="no From address",
            source="maildir",
            folder=None,
            uid=None,
            now=NOW,
        )

    _post(bot_url, sig.event_body({"type": "app_home_opened", "user": "U1", "tab": "home"}))

    home = fake_slack.wait_for("views.publish")[0]
    assert home.body["user_id"] == "U1"
    view = json.dumps(_view(home), ensure_ascii=False)
    mine, team = view.split("Team: all open cases")
    assert soon in mine and overdue not in mine
    assert team.index(overdue) < team.index(soon)
    assert "🔴 33 days overdue" in team
    assert ALICE[1] not in view
    assert "1 quarantined, 0 read as not a request in 14 days. `/rights mail`" in mine
