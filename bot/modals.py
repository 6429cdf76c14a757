"""The modals: a new case from a letter or call, extend, refuse, verify identity, lift."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from bot.blocks import Block, section
from cases import deadlines
from cases.kinds import CaseKind
from cases.operations import CHANNELS, IDENTITY_METHODS, LANGUAGES
from store.models import Case
from templates.labels import EXTENSION_GROUNDS

NEW_CASE = "new_case"
EXTEND_CASE = "extend_case"
REFUSE_CASE = "refuse_case"
VERIFY_CASE = "verify_identity"
LIFT_CASE = "lift_case"

# Block ids; a validation error is keyed by these (Slack: response_action "errors").
REQUESTER_NAME = "requester_name"
REQUESTER_EMAIL = "requester_email"
KINDS = "kinds"
CHANNEL = "channel"
RECEIVED = "received"
LANGUAGE = "language"
EXTEND_REASONS = "extend_reasons"
EXTEND_GROUND = "extend_ground"
REFUSE_REASONS = "refuse_reasons"
VERIFY_METHOD = "verify_method"
VERIFY_REASON = "verify_reason"
LIFT_REASON = "lift_reason"
LIFT_INFORMED = "lift_informed"
VALUE = "value"  # the one action id inside every input block

_LANGUAGE_NAMES = {"fi": "Finnish", "sv": "Swedish", "en": "English"}


def _text(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def _option(value: str, label: str | None = None) -> dict[str, Any]:
    return {"text": _text(label or value.replace("_", " ")), "value": value}


def _input(block_id: str, label: str, element: Block, *, optional: bool = False) -> Block:
    element = {**element, "action_id": VALUE}
    return {
        "type": "input",
        "block_id": block_id,
        "label": _text(label),
        "element": element,
        "optional": optional,
    }


def _modal(
    callback_id: str, title: str, submit: str, blocks: list[Block], meta: dict[str, Any]
) -> Block:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": _text(title),
        "submit": _text(submit),
        "close": _text("Cancel"),
        "private_metadata": json.dumps(meta, separators=(",", ":")),
        "blocks": blocks,
    }


def new_case(today: date, meta: dict[str, Any]) -> Block:
    """A request that came by letter, phone or in person: the clock starts at receipt."""
    kinds = [_option(k.value) for k in CaseKind]
    # Letters and calls first; no default, so nobody opens a letter as a Slack message.
    first = [c for c in ("letter", "phone") if c in CHANNELS]
    channels = [_option(c) for c in first + [c for c in CHANNELS if c not in first]]
    languages = [_option(code, _LANGUAGE_NAMES[code]) for code in LANGUAGES]
    blocks = [
        _input(REQUESTER_NAME, "Requester's name", {"type": "plain_text_input"}),
        _input(REQUESTER_EMAIL, "Requester's email", {"type": "email_text_input"}, optional=True),
        _input(
            KINDS,
            "What do they ask for?",
            {"type": "multi_static_select", "options": kinds},
        ),
        _input(
            CHANNEL,
            "How did it arrive?",
            {"type": "static_select", "options": channels},
        ),
        _input(
            RECEIVED,
            "Received on (Helsinki date)",
            {"type": "datepicker", "initial_date": today.isoformat()},
        ),
        _input(
            LANGUAGE,
            "Answer in",
            {"type": "static_select", "options": languages, "initial_option": languages[0]},
        ),
    ]
    return _modal(NEW_CASE, "New request", "Open case", blocks, meta)


# The grounds as the contact person weighs them; the requester reads them in their own
# language from templates.labels.EXTENSION_GROUNDS ("your request is complex").
_GROUND_LABELS = {
    "complexity": "Complexity of the request",
    "number_of_requests": "Number of requests received",
}


def extend(case: Case, meta: dict[str, Any]) -> Block:
    """Art. 12(3): two more months, only with reasons told to the requester."""
    extended = deadlines.extended_due_date(case.receipt_date, paused_days=case.paused_days)
    blocks = [
        section(
            f"*{case.reference}* is due {case.due_date.isoformat()}. Extending moves it to"
            f" {extended.isoformat()}. The requester is told the ground and your reasons,"
            " quoted as your own words (GDPR Art. 12(3))."
        ),
        _input(
            EXTEND_GROUND,
            "Ground (Art. 12(3))",
            {
                "type": "radio_buttons",
                # No default: the ground is chosen per case, never assumed.
                "options": [_option(code, _GROUND_LABELS[code]) for code in EXTENSION_GROUNDS],
            },
        ),
        _input(
            EXTEND_REASONS,
            "Reasons for the extension",
            {"type": "plain_text_input", "multiline": True},
        ),
    ]
    return _modal(EXTEND_CASE, "Extend deadline", "Extend", blocks, meta)


def refuse(case: Case, meta: dict[str, Any]) -> Block:
    """Art. 12(4): the reasons go to the requester with their right to complain."""
    blocks = [
        section(
            f"Refusing *{case.reference}*. The reply states these reasons, the right to"
            " complain to the Data Protection Ombudsman and to a judicial remedy"
            " (GDPR Art. 12(4))."
        ),
        _input(
            REFUSE_REASONS,
            "Reasons for the refusal",
            {"type": "plain_text_input", "multiline": True},
        ),
    ]
    return _modal(REFUSE_CASE, "Refuse request", "Refuse", blocks, meta)


def verify(case: Case, meta: dict[str, Any]) -> Block:
    """Art. 12(6): record how identity was checked; ask for more only on reasonable doubt."""
    methods = [_option(m) for m in IDENTITY_METHODS]
    blocks = [
        section(f"Identity check for *{case.reference}*."),
        _input(
            VERIFY_METHOD,
            "How was it checked?",
            {"type": "static_select", "options": methods, "initial_option": methods[0]},
        ),
        _input(
            VERIFY_REASON,
            "Why it suffices",
            {"type": "plain_text_input", "multiline": True},
        ),
    ]
    return _modal(VERIFY_CASE, "Verify identity", "Verify", blocks, meta)


def lift(case: Case, meta: dict[str, Any]) -> Block:
    """Art. 18(3): the person is told before the restriction is lifted; the day they were."""
    blocks = [
        section(
            f"Lifting the restriction of *{case.reference}*: every system it marked gets its"
            " values back, a system restricted by hand gets a task, and the register's flag"
            " is cleared. The person must be told before it is lifted (GDPR Art. 18(3))."
        ),
        _input(
            LIFT_REASON,
            "Why the restriction ends",
            {"type": "plain_text_input", "multiline": True},
        ),
        _input(
            LIFT_INFORMED,
            "The person was told of the lifting on (Helsinki date)",
            # No initial date: the day is an attestation (Art. 18(3)), so someone must pick
            # it, as the terminal requires an explicit --informed-at.
            {"type": "datepicker"},
        ),
    ]
    return _modal(LIFT_CASE, "Lift restriction", "Lift", blocks, meta)


def message(title: str, text: str) -> Block:
    """A modal that only says something (used to replace a modal after a failure)."""
    return {"type": "modal", "title": _text(title), "blocks": [section(text)]}


def metadata(view: dict[str, Any]) -> dict[str, Any]:
    """The JSON a modal carries from the command that opened it."""
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return meta if isinstance(meta, dict) else {}


def value(view: dict[str, Any], block_id: str) -> str | list[str] | None:
    """The submitted value of one input block, whatever its element type."""
    state = view.get("state", {}).get("values", {}).get(block_id, {}).get(VALUE, {})
    if "selected_options" in state:
        return [o["value"] for o in state["selected_options"] or []]
    if "selected_option" in state:
        option = state["selected_option"]
        return str(option["value"]) if option else None
    if "selected_date" in state:
        return str(state["selected_date"]) if state["selected_date"] else None
    found = state.get("value")
    return str(found) if found is not None else None


def text_value(view: dict[str, Any], block_id: str) -> str:
    """A text input's value, stripped; empty when missing."""
    found = value(view, block_id)
    return found.strip() if isinstance(found, str) else ""
