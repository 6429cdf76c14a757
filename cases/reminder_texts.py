"""Reminders and the digest in words: reference and dates only, never personal data."""

from __future__ import annotations

from cases.lifecycle import ACTIVE_STATUSES, Status
from cases.mail_review import REVIEW_DAYS
from cases.reminders import DUE_TODAY, OVERDUE, UNASSIGNED, Digest, Reminder

_TEXTS = {
    DUE_TODAY: "{ref} is due today, {due}: answer by 23:59 Helsinki time (GDPR Art. 12(3)).",
    OVERDUE: "{ref} is {days} {day_word} overdue: it was due {due} (GDPR Art. 12(3)).",
    "extension_decide": (
        "{ref} is marked complex and not extended: if it needs the two extra months, the "
        "requester must be told, with reasons, by {due} (GDPR Art. 12(3)); "
        "{days} working {day_word} left."
    ),
    "extension_notify": (
        "{ref} is extended but the requester has not been told: send the notice with the "
        "reasons by {due} (GDPR Art. 12(3)); {days} working {day_word} left."
    ),
    "awaiting_identity": (
        "{ref} has waited {days} working {day_word} for the requester's identity details; "
        "the clock is paused (Art. 12(6), EDPB 01/2022 §159)."
    ),
    "awaiting_clarification": (
        "{ref} has waited {days} working {day_word} for the requester's clarification; "
        "the clock is paused (EDPB 01/2022 §159)."
    ),
    UNASSIGNED: "{ref} has no assignee after {days} working {day_word}; it is due {due}.",
    "tasks_due": (
        "{ref}: a manual system's task is due {due}, {days} working {day_word} left; the reply"
        " waits for its owner (`rightsdesk tasks list --case {ref}`)."
    ),
    "tasks_overdue": (
        "{ref}: a manual system's task was due {due}, {days} {day_word} ago; the reply waits"
        " for its owner and the case's own deadline still runs (GDPR Art. 12(3))."
    ),
    # The case is answered or closed: the task (e.g. lifting a restriction by hand) is not.
    "tasks_due_after_answer": (
        "{ref} is answered, but a manual system's task is still open: due {due}, {days}"
        " working {day_word} left (`rightsdesk tasks list --case {ref}`)."
    ),
    "tasks_overdue_after_answer": (
        "{ref} is answered, but a manual system's task is still open: it was due {due},"
        " {days} {day_word} ago (`rightsdesk tasks list --case {ref}`)."
    ),
}
_BEFORE_TEXT = "{ref} is due {due}: {days} working {day_word} left (GDPR Art. 12(3))."


def reminder_text(reminder: Reminder) -> str:
    """One line in English for Slack, the console and mail: reference and dates only."""
    template = _TEXTS.get(reminder.text_key, _BEFORE_TEXT)
    return template.format(
        ref=reminder.reference,
        due=f"{reminder.due_date:%a} {reminder.due_date.isoformat()}",
        days=reminder.days,
        day_word="day" if reminder.days == 1 else "days",
    )


def digest_lines(d: Digest, *, limit: int | None = 20, command: str = "/rights") -> list[str]:
    """The digest as plain text lines, each section capped at `limit` cases (None: all)."""
    lines = [f"Rights desk digest for {d.day:%a} {d.day.isoformat()}"]
    sections = (
        ("Overdue", d.overdue, "{ref}: due {due}, {late} days overdue{who}"),
        ("Due in the next 7 days", d.due_this_week, "{ref}: due {due}{who}"),
        ("Awaiting the requester", d.awaiting_requester, "{ref}: waiting {days} working days"),
        ("Drafts waiting for approval", d.drafts_waiting, "{ref}: due {due}"),
        ("Open tasks of manual systems", d.tasks_open, "{ref}: task due {due}{who}{state}"),
    )
    for title, items, line in sections:
        if not items:
            continue
        lines.append(f"{title} ({len(items)}):")
        for item in items[:limit] if limit is not None else items:
            who = "" if item.assignee else " (unassigned)"  # staff names stay out of logs
            # A task opened after the answer (a lifted restriction) belongs to a case no
            # longer active: say so, or the line reads like a reply still owed.
            state = "" if Status(item.status) in ACTIVE_STATUSES else f" (case {item.status})"
            lines.append(
                "  "
                + line.format(
                    ref=item.reference,
                    due=item.due_date.isoformat(),
                    late=-item.days,
                    days=item.days,
                    who=who,
                    state=state,
                )
            )
        if limit is not None and len(items) > limit:
            lines.append(f"  … and {len(items) - limit} more")
    if d.quarantined or d.not_requests:
        lines.append(
            f"Mail set aside by the intake: {d.quarantined} quarantined, {d.not_requests} read"
            f" as not a request in {REVIEW_DAYS} days (`{command} mail`,"
            " `rightsdesk non-requests list`)"
        )
    return lines
