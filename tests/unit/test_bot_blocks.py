"""What the bot puts into Slack: cues, buttons, and never the requester in a channel."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest

from bot.blocks import (
    due_cue,
    escape,
    event_line,
    next_step_button,
    notification,
    parse_mention,
    who,
)
from store.models import Case, CaseEvent

NOW = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)


def make_case(**fields: Any) -> Case:
    values: dict[str, Any] = {
        "reference": "DSR-2026-0001",
        "kinds": ["access", "erasure"],
        "status": "received",
        "language": "fi",
        "requester_name": "Aino Virtanen",
        "requester_email": "aino@example.com",
        "received_at": datetime(2026, 3, 5, 9, tzinfo=UTC),
        "receipt_date": date(2026, 3, 5),
        "due_date": date(2026, 4, 7),
        "effective_due_date": date(2026, 4, 7),
        "created_at": NOW,
        "updated_at": NOW,
    }
    values.update(fields)
    return Case(**values)


@pytest.mark.parametrize(
    ("due", "status", "cue"),
    [
        (date(2026, 3, 9), "received", "🔴 1 day overdue"),
        (date(2026, 2, 5), "in_progress", "🔴 33 days overdue"),
        (date(2026, 3, 10), "received", "🟠 0 days left"),
        (date(2026, 3, 13), "awaiting_identity", "🟠 3 days left"),
        (date(2026, 3, 14), "received", "🟢 4 days left"),
        (date(2026, 3, 1), "responded", "answered"),
    ],
)
def test_the_due_cue_is_red_when_overdue_orange_within_three_days_else_green(
    due: date, status: str, cue: str
) -> None:
    assert due_cue(make_case(effective_due_date=due, status=status), NOW) == cue


def test_the_channel_message_names_no_requester_unless_configured() -> None:
    case = make_case()

    hidden = json.dumps(notification(case, NOW), ensure_ascii=False)
    shown = json.dumps(notification(case, NOW, show_identity=True), ensure_ascii=False)

    assert "Aino" not in hidden and "aino@example.com" not in hidden
    assert "Aino Virtanen" in shown and "aino@example.com" in shown
    assert "DSR-2026-0001" in hidden and "2026-04-07" in hidden and "access, erasure" in hidden


def test_an_open_case_message_has_the_four_buttons_and_an_answered_one_none() -> None:
    _, open_blocks = notification(make_case(), NOW)
    _, closed_blocks = notification(make_case(status="closed", is_active=False), NOW)

    buttons = [e["action_id"] for b in open_blocks if b["type"] == "actions" for e in b["elements"]]
    assert buttons == ["assign_to_me", "verify_identity", "preview_reply", "extend_case"]
    assert {e["value"] for b in open_blocks if b["type"] == "actions" for e in b["elements"]} == {
        "DSR-2026-0001"
    }
    assert [b for b in closed_blocks if b["type"] == "actions"] == []


@pytest.mark.parametrize(
    ("action", "detail", "line"),
    [
        ("note", {"text": "Aino called from 040 123"}, "note by <@U1>"),
        ("refuse", {"reasons": "Aino asked 40 times"}, "refuse by <@U1>"),
        (
            "reply_approved",
            {"to": "aino@example.com", "body_text": "Hei Aino", "template": "access_response"},
            "reply approved by <@U1> (template access_response)",
        ),
        (
            "verify",
            {"method": "sender_match", "reason": "Aino's address"},
            "verify by <@U1> (method sender_match)",
        ),
        ("assign", {"assignee": "slack:U2"}, "assign by <@U1> (to <@U2>)"),
    ],
)
def test_a_thread_line_says_what_happened_and_who_did_it_never_the_free_text(
    action: str, detail: dict[str, Any], line: str
) -> None:
    event = CaseEvent(
        case_id=1, at=NOW, actor="slack:U1", action=action, detail=detail, prev_hash="", hash=""
    )

    assert event_line(event) == line


def test_an_actor_that_is_a_mail_address_is_never_echoed_into_slack() -> None:
    assert who("aino@example.com") == "mail"
    assert who("slack:U123") == "<@U123>"
    assert who("cli:pasi") == "cli:pasi"
    assert who(None) == "nobody"


@pytest.mark.parametrize(
    ("text", "user"),
    [
        ("<@U123ABC|bob>", "U123ABC"),
        ("<@W42>", "W42"),
        ("U0LAN0Z89", "U0LAN0Z89"),
        ("@bob", None),
        ("<#C123|general>", None),
    ],
)
def test_a_mention_is_read_the_way_slack_escapes_it(text: str, user: str | None) -> None:
    assert parse_mention(text) == user


def test_app_home_offers_the_next_step_for_where_the_case_stands() -> None:
    def step(**fields: Any) -> str | None:
        button = next_step_button(make_case(**fields))
        return None if button is None else str(button["text"]["text"])

    assert step() == "Assign to me"
    assert step(assignee="slack:U1", status="awaiting_identity") == "Resume"
    assert step(assignee="slack:U1") == "Verify identity"
    assert step(assignee="slack:U1", status="in_progress", identity_status="verified") == (
        "Preview reply"
    )


def test_user_text_cannot_mention_the_channel_and_sections_are_verbatim() -> None:
    text = escape("@channel @here <!everyone> see http://evil.example & aino@example.com")

    assert text == (
        "@\u200dchannel @\u200dhere &lt;!everyone&gt; see http://evil.example &amp;"
        " aino@example.com"
    )
    _, blocks = notification(make_case(), NOW)
    texts = [blocks[0]["text"], *blocks[1]["fields"]]
    assert all(t["verbatim"] is True for t in texts)
