"""Reminders and the digest in Slack: to the assignee by DM, else the case's thread or channel."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import (
    ASSIGN_TO_ME,
    EXTEND,
    MESSAGE_BLOCKS,
    PREVIEW_REPLY,
    REMIND_REQUESTER,
    RESUME,
    SECTION_MAX,
    VERIFY_IDENTITY,
    Block,
    button,
    escape,
    mrkdwn,
    section,
)
from cases.reminder_ledger import Claimed
from cases.reminder_texts import digest_lines, reminder_text
from cases.reminders import Digest, Reminder

log = logging.getLogger(__name__)

_SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")
_ICONS = {
    "due_today": ":rotating_light:",
    "overdue": ":red_circle:",
    "extension_window": ":hourglass_flowing_sand:",
    "awaiting_requester": ":mailbox_with_no_mail:",
    "unassigned": ":raising_hand:",
    "tasks": ":clipboard:",
}


def slack_user(target: str | None) -> str | None:
    """The Slack user id of an assignee ("slack:U123" or "U123"), else None."""
    if not target:
        return None
    user = target.removeprefix("slack:")
    return user if _SLACK_USER.fullmatch(user) else None


def _buttons(reminder: Reminder) -> list[Block]:
    """The next steps for this reminder; the bot's listeners handle these action ids."""
    ref = reminder.reference
    key = reminder.text_key
    if key.endswith("_after_answer"):
        return []  # the reply went out: nothing to assign, preview or extend any more
    elements: list[Block] = []
    if reminder.target is None:
        elements.append(button("Assign to me", ASSIGN_TO_ME, ref))
    if key == "awaiting_identity":
        elements.append(button("Verify identity", VERIFY_IDENTITY, ref))
    if key.startswith("awaiting_"):
        elements.append(button("Remind requester", REMIND_REQUESTER, ref))
        elements.append(button("Resume", RESUME, ref))
    elif key == "extension_decide":
        elements.append(button("Extend", EXTEND, ref))
    if not key.startswith("awaiting_"):
        elements.append(button("Preview reply", PREVIEW_REPLY, ref, style="primary"))
    # The block id names the reminder (kind and reference only), for tests and audits.
    block_id = f"reminder:{reminder.kind}:{ref}"
    return [{"type": "actions", "block_id": block_id, "elements": elements}]


def reminder_message(reminder: Reminder) -> tuple[str, list[Block]]:
    """Fallback text and blocks of one reminder."""
    text = reminder_text(reminder)
    icon = _ICONS.get(reminder.kind, ":alarm_clock:")
    assignee = slack_user(reminder.target)
    mention = f" <@{assignee}>" if assignee else ""
    line = section(f"{icon} {escape(text)}{mention}")
    actions = _buttons(reminder)
    if not actions:  # Slack refuses an empty actions block: the section carries the name
        line["block_id"] = f"reminder:{reminder.kind}:{reminder.reference}"
    return text, [line, *actions]


def _digest_sections(lines: list[str]) -> list[Block]:
    """The digest's lines in code-block sections within Slack's 3,000 characters each."""
    room = SECTION_MAX - 8  # the fences and the newline between lines
    sections: list[Block] = []
    current: list[str] = []
    for line in (escape(line)[:room] for line in lines):
        if current and len("\n".join([*current, line])) > room:
            sections.append(section_exact("```" + "\n".join(current) + "```"))
            current = []
        current.append(line)
    if current:
        sections.append(section_exact("```" + "\n".join(current) + "```"))
    return sections


def digest_messages(digest: Digest, *, command: str = "/rights") -> list[tuple[str, list[Block]]]:
    """The daily digest, every case in it: as many messages as Slack's 50 blocks need."""
    lines = digest_lines(digest, limit=None, command=command)
    title, body = lines[0], lines[1:]
    summary = (
        f"{title}: {len(digest.overdue)} overdue, {len(digest.due_this_week)} due this week, "
        f"{len(digest.awaiting_requester)} awaiting the requester, "
        f"{len(digest.drafts_waiting)} drafts to approve, "
        f"{len(digest.tasks_open)} open tasks"
    )
    header: Block = {"type": "header", "text": {"type": "plain_text", "text": title[:150]}}
    sections = _digest_sections(body) or [section("Nothing to report.")]
    per_message = MESSAGE_BLOCKS - 1
    parts = [sections[i : i + per_message] for i in range(0, len(sections), per_message)]
    messages = []
    for n, part in enumerate(parts, start=1):
        text = summary if len(parts) == 1 else f"{summary} (part {n} of {len(parts)})"
        messages.append((text, [header, *part] if n == 1 else part))
    return messages


def section_exact(text: str) -> Block:
    """A section whose text is already within Slack's limit (never cut)."""
    return {"type": "section", "text": mrkdwn(text)}


@dataclass
class SlackReminders:
    """Posts claimed reminders; `channel` is where the unassigned ones and the digest go."""

    client: WebClient
    channel: str
    command: str = "/rights"

    def __call__(self, item: Claimed) -> None:
        """Post one claimed item; raises SlackApiError so the ledger keeps it for a retry."""
        if item.reminder is not None:
            self.post_reminder(item.reminder, thread=(item.thread_channel, item.thread_ts))
        elif item.digest is not None:
            for text, blocks in digest_messages(item.digest, command=self.command):
                self.client.chat_postMessage(channel=self.channel, text=text, blocks=blocks)

    def post_reminder(
        self, reminder: Reminder, *, thread: tuple[str | None, str | None] = (None, None)
    ) -> None:
        """DM the assignee; without one (or when the DM fails), the case's thread or channel."""
        text, blocks = reminder_message(reminder)
        user = slack_user(reminder.target)
        if user is not None:
            try:
                opened = self.client.conversations_open(users=user)
                dm = str((opened.get("channel") or {}).get("id") or "")
            except SlackApiError as exc:
                # The assignee left, or the app cannot DM them: the channel still hears it.
                log.warning("DM for %s failed (%s)", reminder.reference, exc.response.get("error"))
            else:
                if dm:
                    self.client.chat_postMessage(channel=dm, text=text, blocks=blocks)
                    return
        channel, ts = thread
        if channel and ts:
            self.client.chat_postMessage(channel=channel, thread_ts=ts, text=text, blocks=blocks)
        else:
            self.client.chat_postMessage(channel=self.channel, text=text, blocks=blocks)
