"""Block Kit for cases: the channel message, one-line rows and the detail view."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cases.lifecycle import ACTIVE_STATUSES, PAUSED_STATUSES, Status
from cases.sender_check import code_offered, sender_note
from cases.views import days_left
from store.actions import AuditAction
from store.models import Case, CaseEvent

Block = dict[str, Any]

# Action ids. Buttons in lists carry ":<reference>" so each id is unique in its view.
ASSIGN_TO_ME = "assign_to_me"
VERIFY_IDENTITY = "verify_identity"
PREVIEW_REPLY = "preview_reply"
EXTEND = "extend_case"
RESUME = "resume_case"
REMIND_REQUESTER = "remind_requester"
APPROVE_REPLY = "approve_reply"
SEND_CODE = "send_code"

SECTION_MAX = 3000  # Slack refuses section text over 3,000 characters
SECTION_LIMIT = 2900  # what a section built from our own words is cut to
MESSAGE_BLOCKS = 50  # blocks in one message (a modal takes 100)
ZWJ = "\u200d"  # after an @ in user text: Slack reads no @here or @channel in it
_MENTION_AT = re.compile(r"(?<![\w.+-])@(?=\w)")


@dataclass(frozen=True)
class Reply:
    """An answer to the user: fallback text and optional blocks."""

    text: str
    blocks: list[Block] = field(default_factory=list)

    def as_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ack(), respond() and chat.postMessage."""
        return {"text": self.text, "blocks": self.blocks or None}


def row_id(text: str) -> int | None:
    """A row id as Slack carried it (typed, or a button's value), or None if it is not one.

    Only ASCII digits ("²".isdigit() is True and int() refuses it), within a 63-bit signed
    integer: a larger number fails in the database rather than finding nothing.
    """
    if not (text.isascii() and text.isdecimal()) or not 0 < int(text) < 2**63:
        return None
    return int(text)


def escape_exact(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape(text: str) -> str:
    """User text for mrkdwn: escaped, and a zero-width joiner after a leading @ (no @here)."""
    return _MENTION_AT.sub("@" + ZWJ, escape_exact(text))


def who(actor: str | None) -> str:
    """An actor or assignee as Slack shows it; mail addresses are never echoed into Slack."""
    if not actor:
        return "nobody"
    if actor.startswith("slack:"):
        return f"<@{actor.removeprefix('slack:')}>"
    if "@" in actor:
        return "mail"
    return escape(actor)


def status_label(case: Case) -> str:
    """The status in words, with the pause made visible."""
    label = case.status.replace("_", " ")
    return f"{label} (clock paused)" if Status(case.status) in PAUSED_STATUSES else label


def due_cue(case: Case, now: datetime) -> str:
    """Days left with a colour cue: 🔴 overdue, 🟠 three days or fewer, 🟢 otherwise."""
    left = days_left(case, now)
    if left is None:
        return "answered"
    if left < 0:
        return f"🔴 {-left} day{'s' if left != -1 else ''} overdue"
    if left <= 3:
        return f"🟠 {left} day{'s' if left != 1 else ''} left"
    return f"🟢 {left} days left"


def kinds_text(case: Case) -> str:
    """The kinds of request, or a plea for triage."""
    return ", ".join(k.replace("_", " ") for k in case.kinds) or "needs triage"


def due_text(case: Case) -> str:
    """The effective due date, marked when extended (Art. 12(3))."""
    due = case.effective_due_date.isoformat()
    return f"{due} (extended)" if case.extended_due_date else due


def identity_text(case: Case) -> str:
    """Requester name and address, for allowed users who asked for them."""
    parts = [escape(p) for p in (case.requester_name, case.requester_email) if p]
    return " · ".join(parts) or "unknown requester"


def case_line(case: Case, now: datetime, *, show_identity: bool = False) -> str:
    """One mrkdwn line: reference, kinds, language, due date, cue, status, assignee."""
    line = (
        f"*{case.reference}* · {kinds_text(case)} · {case.language} · due {due_text(case)}"
        f" ({due_cue(case, now)}) · {status_label(case)}"
    )
    if case.assignee:
        line += f" · {who(case.assignee)}"
    if show_identity:
        line += f"\n{identity_text(case)}"
    return line


def button(text: str, action_id: str, value: str, *, style: str | None = None) -> Block:
    """A button element."""
    element: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action_id,
        "value": value,
    }
    if style:
        element["style"] = style
    return element


def mrkdwn(text: str) -> Block:
    """A mrkdwn text object; verbatim: Slack links no bare URL and reads no @here in it."""
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def section(text: str) -> Block:
    """A mrkdwn section, cut to what Slack accepts."""
    if len(text) > SECTION_LIMIT:
        text = text[: SECTION_LIMIT - 1] + "…"
    return {"type": "section", "text": mrkdwn(text)}


def case_buttons(case: Case) -> Block:
    """The four next steps of the channel message (action ids are unique in one message)."""
    ref = case.reference
    return {
        "type": "actions",
        "block_id": f"case_actions:{ref}",
        "elements": [
            button("Assign to me", ASSIGN_TO_ME, ref),
            button("Verify identity", VERIFY_IDENTITY, ref),
            button("Preview reply", PREVIEW_REPLY, ref, style="primary"),
            button("Extend", EXTEND, ref),
        ],
    }


def notification(
    case: Case, now: datetime, *, show_identity: bool = False
) -> tuple[str, list[Block]]:
    """The channel message of a case: fallback text and blocks, buttons while it is open."""
    text = f"{case.reference}: {kinds_text(case)}, due {due_text(case)} ({status_label(case)})"
    blocks: list[Block] = [
        section(
            f"*New request {case.reference}*"
            if case.status == Status.RECEIVED
            else f"*Request {case.reference}*"
        ),
        {
            "type": "section",
            "fields": [
                mrkdwn(f"*Kinds*\n{kinds_text(case)}"),
                mrkdwn(f"*Language*\n{case.language}"),
                mrkdwn(f"*Due*\n{due_text(case)}\n{due_cue(case, now)}"),
                mrkdwn(f"*Status*\n{status_label(case)}"),
                mrkdwn(f"*Assignee*\n{who(case.assignee)}"),
                mrkdwn(f"*Channel*\n{case.channel}"),
            ],
        },
    ]
    if show_identity:
        blocks.append(section(f"*Requester*\n{identity_text(case)}"))
    blocks.extend(sender_blocks(case))
    if Status(case.status) in ACTIVE_STATUSES:
        blocks.append(case_buttons(case))
    return text, blocks


def sender_blocks(case: Case) -> list[Block]:
    """Why the sender is or is not verified by address, and the code offered in one click."""
    note = sender_note(case)
    if note is None:
        return []
    found: list[Block] = [section(f"*Sender check*\n{escape(note)}")]
    if code_offered(case) and Status(case.status) in ACTIVE_STATUSES:
        send = button("Send code", f"{SEND_CODE}:{case.reference}", case.reference)
        found.append(
            {"type": "actions", "block_id": f"sender:{case.reference}", "elements": [send]}
        )
    return found


def next_step_button(case: Case) -> Block | None:
    """The one button that moves the case on, for App Home rows."""
    ref = case.reference
    status = Status(case.status)
    if case.assignee is None:
        return button("Assign to me", f"{ASSIGN_TO_ME}:{ref}", ref)
    if status in PAUSED_STATUSES:
        return button("Resume", f"{RESUME}:{ref}", ref)
    if case.identity_status != "verified":
        return button("Verify identity", f"{VERIFY_IDENTITY}:{ref}", ref)
    if status == Status.IN_PROGRESS:
        return button("Preview reply", f"{PREVIEW_REPLY}:{ref}", ref, style="primary")
    return None


def _event_at(event: CaseEvent) -> str:
    return event.at.strftime("%Y-%m-%d %H:%M UTC")


# Event details that are safe in a channel: dates and codes, never free text or addresses.
SAFE_DETAIL_KEYS = (
    "status",
    "due_date",
    "extended_due_date",
    "method",
    "waiting_for",
    "kinds",
    "template",
    "result",  # set only to fixed, non-personal text (e.g. a code reply's verdict)
    "attempts_left",
    "system",  # a system of the data map, by its configured name
    "task_kind",
    "task_due",
)


def _request_in_thread_line(event: CaseEvent) -> str | None:
    """The line for a new request found in the case's thread, which a person must not miss."""
    detail = event.full_detail
    kinds = ", ".join(map(str, detail.get("kinds") or []))
    if event.action == AuditAction.KINDS_ADDED:
        due = escape(str(detail.get("due_date", "")))
        return (
            f"🆕 A new right was asked for in this thread: {escape(kinds)}."
            f" Added to the case by {who(event.actor)}; the case's due date {due} holds for it."
        )
    if event.action == AuditAction.SEPARATE_CASE_OPENED:
        reference = escape(str(detail.get("separate_case", "")))
        if kinds:
            return (
                f"🆕 A new right was asked for in this thread ({escape(kinds)}): it has a case"
                f" of its own, {reference}, with its own due date (by {who(event.actor)})."
            )
        return (
            f"🆕 Another person wrote in this thread with a request of their own: a separate"
            f" case was opened, {reference} (by {who(event.actor)})."
        )
    if event.action == AuditAction.OTHERS_DATA_IN_THREAD:
        # Names no one: whose data it is stays in the mail, for the contact person to read.
        return (
            "🆕 A reply in this thread asks about another person's data: nothing was added"
            " to the case. Decide whether the writer may act for them (Art. 12(2))"
            f" (noted by {who(event.actor)})."
        )
    return None


def event_line(event: CaseEvent) -> str:
    """A short thread line for an audit event: what happened and who did it."""
    action = event.action.replace("_", " ")
    detail = event.full_detail
    special = _request_in_thread_line(event)
    if special is not None:
        return special
    extras = []
    for key in SAFE_DETAIL_KEYS:
        value = detail.get(key)
        if value:
            shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
            extras.append(f"{key.replace('_', ' ')} {escape(shown)}")
    if event.action == AuditAction.ASSIGN and detail.get("assignee"):
        extras.append(f"to {who(str(detail['assignee']))}")
    tail = f" ({'; '.join(extras)})" if extras else ""
    return f"{action} by {who(event.actor)}{tail}"


def detail_blocks(
    case: Case, events: list[CaseEvent], now: datetime, related: Sequence[Case] = ()
) -> list[Block]:
    """`/rights show`: the case with its requester (asked for by an allowed user) and history."""
    lines = [
        case_line(case, now),
        f"Requester: {identity_text(case)}",
        f"Received {case.receipt_date.isoformat()} by {case.channel}; identity"
        f" {case.identity_status}" + (f" ({case.identity_method})" if case.identity_method else ""),
    ]
    if case.extension_reason:
        ground = (case.extension_ground or "no ground recorded").replace("_", " ")
        lines.append(f"Extended ({ground}, Art. 12(3)): {escape(case.extension_reason)}")
    if related:
        # The same person's other cases (issue 14.4), so they are answered consistently.
        lines.append(
            "Same person's other cases: "
            + ", ".join(
                f"{c.reference} ({', '.join(c.kinds) or 'triage'}, {c.status})" for c in related
            )
        )
    if case.outcome:
        lines.append(f"Outcome: {escape(case.outcome)}")
    history = "\n".join(f"• {_event_at(e)} {event_line(e)}" for e in events[-15:])
    blocks = [section("\n".join(lines)), *sender_blocks(case)]
    if history:
        blocks.append(section(f"*History*\n{history}"))
    if Status(case.status) in ACTIVE_STATUSES:
        blocks.append(case_buttons(case))
    return blocks


MENTION_RE = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")


def parse_mention(text: str) -> str | None:
    """The user id in Slack's escaped mention `<@U123|name>`, or a bare `U123`."""
    token = text.strip()
    found = MENTION_RE.match(token)
    if found:
        return found.group(1)
    if re.fullmatch(r"[UW][A-Z0-9]{2,}", token):
        return token
    return None
