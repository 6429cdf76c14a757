"""A manual system's task in Slack: a direct message to its owner with Done and Nothing there.

The owner needs the person's name and address to find them, so the task goes only to the
owner's DM, never to a channel (Art. 5(1)(c), 32). An owner need not be on the allow-list:
they may answer their own tasks, and nothing else. An e-mail owner answers by mail; the
thread line of that answer carries Record outcome and Nothing there for the contact person.
"""

from __future__ import annotations

import hashlib
import json
import logging
import urllib.request
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlmodel import Session, col, or_, select

from bot.blocks import Block, button, escape, mrkdwn, row_id, section
from bot.deps import BotDeps
from bot.slack_calls import Refused, SlackCalls
from bot.slack_posts import CHANNEL_ERRORS, RETRY_CHANNEL_AFTER, content_hash, deliver
from cases.errors import UserError
from cases.fulfilment.lifting import LIFTED_BEFORE_DONE
from cases.tasks import VERBS, TaskFile, mailed_file_sizes, mailed_files, owner_text
from store.models import Case, SlackPost, Task

log = logging.getLogger(__name__)

TASK_DONE = "task_done"
TASK_NOTHING = "task_nothing_there"
TASK_MODAL = "task_done_form"
TASK_NOTE = "task_note"
TASK_FILE = "task_file"
# The contact person's buttons under the thread line of an owner's mailed answer.
TASK_RECORD = "task_record_outcome"
TASK_RECORD_NOTHING = "task_record_nothing_there"
TASK_MAILED = "task_mailed_file"  # the form's choice among the files the owner mailed
NO_MAILED_FILE = "none"
MAX_OPTIONS = 100  # Slack's static_select takes at most 100 options
OPTION_TEXT = 75  # and an option's text at most 75 characters
TASK_BUTTONS = (TASK_DONE, TASK_NOTHING, TASK_RECORD, TASK_RECORD_NOTHING)
BATCH = 20
MAX_DOWNLOAD = 10 * 1024 * 1024


def task_key(task_id: int | None) -> str:
    """The notifier's once-only key of a task's direct message."""
    return f"task:{task_id}"


def task_message(task: Task, case: Case) -> tuple[str, list[Block]]:
    """The direct message: what to do, for whom, by when; Done and Nothing there."""
    text = f"{case.reference}: please {VERBS[task.kind]} data in {task.system}"
    value = str(task.id)
    nothing = nothing_button(task, TASK_NOTHING)
    blocks: list[Block] = [
        section(f"*Task {task.id}* · {escape(owner_text(case, task))}"),
        {
            "type": "actions",
            "block_id": f"task:{task.id}",
            "elements": [button("Done", TASK_DONE, value, style="primary"), nothing],
        },
    ]
    return text, blocks


def nothing_button(task: Task, action_id: str) -> Block:
    """Nothing there, confirmed first: it ends the task without a note."""
    nothing = button("Nothing there", action_id, str(task.id))
    nothing["confirm"] = {
        "title": {"type": "plain_text", "text": "Nothing there?"},
        "text": mrkdwn(f"{escape(task.system)} holds nothing about this person."),
        "confirm": {"type": "plain_text", "text": "Nothing there"},
        "deny": {"type": "plain_text", "text": "Back"},
    }
    return nothing


def answer_blocks(line: str, task: Task | None) -> list[Block] | None:
    """The thread line of an owner's mailed answer, with Record outcome and Nothing there.

    Only while the task is open: the contact person records what the mail says, as
    `rightsdesk tasks done` does at the terminal. None leaves the line as plain text.
    """
    if task is None or task.status != "open":
        return None
    return [
        section(line),
        {
            "type": "actions",
            "block_id": f"task_answer:{task.id}",
            "elements": [
                button("Record outcome", TASK_RECORD, str(task.id), style="primary"),
                nothing_button(task, TASK_RECORD_NOTHING),
            ],
        },
    ]


def closed_text(task: Task, case: Case | None) -> str | None:
    """Why a task takes no answer any more (done, or its case ended), or None while open.

    As for `tasks done`, the task's own state decides: a case that ends without its answer
    ends its open tasks (cases.operations), one answered outside rightsdesk does not.
    """
    if task.status != "done" and case is not None:
        return None
    if task.outcome == "case_ended" or case is None:
        reference = case.reference if case is not None else "its case"
        return f"Task {task.id} is closed: {reference} has ended, nothing more is recorded."
    if task.outcome == LIFTED_BEFORE_DONE:
        return (
            f"Task {task.id} is closed: the restriction in {case.reference} was lifted before"
            f" it was done; do not restrict {task.system} now, nothing more is recorded."
        )
    outcome = (task.outcome or "").replace("_", " ")
    return f"Task {task.id} is already done ({outcome}); nothing was changed."


def post_task_messages(session: Session, calls: SlackCalls, *, now: datetime) -> int:
    """DM each open task of a Slack owner once; returns the messages posted."""
    key = sa.literal("task:") + sa.cast(Task.id, sa.String)
    rows = session.exec(
        select(Task, Case)
        .join(Case, col(Case.id) == col(Task.case_id))
        .join(SlackPost, col(SlackPost.key) == key, isouter=True)
        .where(
            col(Task.status) == "open",
            # A Slack user ID (U…, W…), never an address: SQLite's LIKE ignores case, so an
            # owner "ulla@…" also starts with "U" there, and her address must not go to Slack.
            or_(col(Task.owner).startswith("U"), col(Task.owner).startswith("W")),
            col(Task.owner).not_like("%@%"),
            or_(
                col(SlackPost.key).is_(None),
                col(SlackPost.state).not_in(("posted", "refused")),  # a lost answer: look it up
                sa.and_(
                    col(SlackPost.state) == "refused",
                    col(SlackPost.error).in_(CHANNEL_ERRORS),
                    col(SlackPost.attempted_at) <= now - RETRY_CHANNEL_AFTER,
                ),
            ),
        )
        .order_by(col(Task.id))
        .limit(BATCH)
    ).all()
    posted = 0
    for task, case in rows:  # an e-mail owner got the request through the outbox
        text, blocks = task_message(task, case)
        row = deliver(
            session,
            calls,
            key=task_key(task.id),
            case_id=case.id,
            reference=case.reference,
            channel=dm_channel(calls, task.owner),
            thread_ts=None,
            text=text,
            blocks=blocks,
            now=now,
        )
        if row is not None:
            session.add(row)
            session.commit()
            posted += 1
    return posted


def ended_message(task: Task, case: Case) -> tuple[str, list[Block]]:
    """A closed task's direct message: its outcome, without buttons or the person's details.

    An owner still reading "please erase" on a withdrawn case's task could erase data with
    no request behind it; and once answered, the person's name and address need not stay
    in the owner's DM (Art. 5(1)(c), 5(1)(e)).
    """
    what = f"{VERBS[task.kind]} data in {task.system}"
    if task.outcome == "case_ended":
        state = (
            f"no longer needed: {case.reference} ended before it was done. Do not {what};"
            " if you already did, tell the privacy desk what you did."
        )
    elif task.outcome == LIFTED_BEFORE_DONE:
        # Restricted by hand but not yet recorded, it would stay restricted unseen (Art. 18(3)).
        state = (
            f"no longer needed: the restriction in {case.reference} was lifted before it was"
            f" done. Do not {what}; if you already did, lift it again and tell the privacy desk."
        )
    else:
        outcome = (task.outcome or "done").replace("_", " ")
        state = f"recorded ({outcome}). Thank you, nothing more is needed."
    text = f"Task {task.id} ({case.reference}, {task.system}): {state}"
    return text, [section(f"*Task {task.id}* · {escape(text.partition(': ')[2])}")]


def close_task_messages(session: Session, calls: SlackCalls, *, now: datetime) -> int:
    """Bring each closed task's direct message to its outcome; returns the messages updated.

    A DM last sent before the task closed is a candidate, edited once, a batch a round
    (chat.update is Tier 3); one whose blocks already say the outcome is only marked.
    """
    key = sa.literal("task:") + sa.cast(Task.id, sa.String)
    rows = session.exec(
        select(Task, Case, SlackPost)
        .join(Case, col(Case.id) == col(Task.case_id))
        .join(SlackPost, col(SlackPost.key) == key)
        .where(
            col(Task.status) == "done",
            col(SlackPost.state) == "posted",
            col(SlackPost.ts).is_not(None),
            col(SlackPost.attempted_at) <= col(Task.done_at),
        )
        .order_by(col(Task.id))
        .limit(BATCH)
    ).all()
    updated = 0
    for task, case, post in rows:
        text, blocks = ended_message(task, case)
        digest = content_hash(text, blocks)
        try:
            if post.content_hash != digest:
                calls.call(
                    "chat.update",
                    channel=post.channel or "",
                    ts=post.ts or "",
                    text=text,
                    blocks=blocks,
                )
                updated += 1
        except Refused as refused:  # e.g. the owner deleted the DM: nothing left to correct
            log.warning("Slack refused the update of task %s: %s", task.id, refused.code)
        # A watermark past the close, not the call's time alone: a task closed during this
        # round (or on a clock a little ahead) is edited once and never selected again.
        post.content_hash = digest
        post.attempted_at = max(now, task.done_at or now) + timedelta(microseconds=1)
        session.add(post)
        session.commit()
    return updated


def waiting_text(waiting: str | None) -> str:
    """What the owner reads when the reply must wait for a system that is down."""
    if waiting is None:
        return ""
    return (
        f" The case waits for a system: {waiting}. Your answer is kept; the reply is drafted"
        " with it once the system is back, nothing more is needed from you."
    )


def dm_channel(calls: SlackCalls, user: str) -> str:
    """The app's DM channel (D…) with the user, where a lost answer's post is looked up.

    conversations.history takes a conversation id, never a user id; a user Slack will not
    open a DM with is posted to by id, which Slack then refuses and the post records.
    """
    try:
        opened = calls.call("conversations.open", users=user)
    except Refused:
        return user
    return str((opened.get("channel") or {}).get("id") or user)


def owner_may(deps: BotDeps, body: dict[str, Any], user: str | None) -> bool:
    """Whether a user off the allow-list is answering a task of their own (and only that)."""
    if not user:
        return False
    task_id: str | None = None
    if body.get("type") == "block_actions":
        actions = body.get("actions") or []
        if len(actions) == 1 and actions[0].get("action_id") in TASK_BUTTONS:
            task_id = str(actions[0].get("value") or "")
    elif body.get("type") == "view_submission":
        view = body.get("view") or {}
        if view.get("callback_id") == TASK_MODAL:
            task_id = str(_meta(view).get("task_id") or "")
    number = row_id(task_id or "")
    if number is None:
        return False
    with deps.session_factory() as session:
        task = session.get(Task, number)
        return task is not None and task.owner == user


def _meta(view: dict[str, Any]) -> dict[str, Any]:
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return meta if isinstance(meta, dict) else {}


def done_form(
    task: Task, case: Case, meta: dict[str, Any], offered: list[tuple[str, int]] | None = None
) -> Block:
    """The Done modal: a note, and for a copy the export as a file.

    With `offered` (the contact person recording a mailed answer) it speaks of the owner
    and, when the owner mailed files, asks which one goes with the copy, if any.
    """
    desk = offered is not None
    note = "What did the owner find or do?" if desk else "What did you find or do?"
    blocks: list[Block] = [
        section(f"*Task {task.id}* ({case.reference}): {VERBS[task.kind]} data in {task.system}."),
        {
            "type": "input",
            "block_id": TASK_NOTE,
            "label": {"type": "plain_text", "text": f"{note} (quoted in the reply)"},
            "element": {"type": "plain_text_input", "multiline": True, "action_id": "value"},
        },
    ]
    if offered:
        blocks.append(_mailed_choice(offered))
    if task.kind == "access":
        blocks.append(
            {
                "type": "input",
                "block_id": TASK_FILE,
                "optional": True,
                "label": {"type": "plain_text", "text": "The export (goes with the copy)"},
                "element": {"type": "file_input", "action_id": "value", "max_files": 1},
            }
        )
    return {
        "type": "modal",
        "callback_id": TASK_MODAL,
        "title": {"type": "plain_text", "text": "Record outcome" if desk else "Task done"},
        "submit": {"type": "plain_text", "text": "Record" if desk else "Done"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": json.dumps(
            {**meta, "task_id": task.id, **({"desk": True} if desk else {})},
            separators=(",", ":"),
        ),
        "blocks": blocks,
    }


def file_key(name: str) -> str:
    """An option's value for a mailed file: short and fixed, whatever the name's length."""
    return "file:" + hashlib.sha256(name.encode()).hexdigest()[:32]


def _mailed_choice(offered: list[tuple[str, int]]) -> Block:
    """Which mailed file goes with the copy; no default, as `tasks done` refuses to guess."""

    def option(value: str, text: str) -> dict[str, Any]:
        if len(text) > OPTION_TEXT:
            text = text[: OPTION_TEXT - 1] + "…"
        return {"text": {"type": "plain_text", "text": text}, "value": value}

    options = [
        option(file_key(name), f"{name} ({size:,} bytes)")
        for name, size in offered[: MAX_OPTIONS - 1]
    ]
    options.append(option(NO_MAILED_FILE, "None of them"))
    return {
        "type": "input",
        "block_id": TASK_MAILED,
        "label": {"type": "plain_text", "text": "The file the owner mailed (goes with the copy)"},
        "element": {"type": "static_select", "action_id": "value", "options": options},
    }


def chosen_file(
    session: Session, task: Task, choice: str | None, *, uploaded: bool
) -> TaskFile | None:
    """The mailed file the form chose, None for none; the rules of `tasks done --mailed-file`.

    A mailed answer may carry a signature logo or a file for someone else, so nothing
    goes with the copy unchosen (Art. 15(3)); an uploaded file and a mailed one exclude
    each other.
    """
    if choice == NO_MAILED_FILE:
        return None
    if choice is None:
        listed = mailed_file_sizes(session, task)  # their bytes are read only once chosen
        if listed and not uploaded and task.status == "open":
            names = ", ".join(f"{name} ({size:,} bytes)" for name, size in listed)
            raise UserError(
                f"task {task.id}'s owner mailed {names}: choose the one that goes with the"
                " copy, or none of them"
            )
        return None
    if uploaded:
        raise UserError("give an uploaded file or a file the owner mailed, not both")
    found = [f for f in mailed_files(session, task) if file_key(f.name) == choice]
    if not found:
        raise UserError(f"that file of task {task.id}'s owner is no longer there: choose again")
    return found[0]


def _uploads(view: dict[str, Any]) -> list[dict[str, Any]]:
    state = view.get("state", {}).get("values", {}).get(TASK_FILE, {}).get("value", {})
    files = state.get("files") or []
    return files if isinstance(files, list) else []


def has_upload(view: dict[str, Any]) -> bool:
    """Whether the Done modal came with an uploaded file (not yet fetched)."""
    return bool(_uploads(view))


def submitted_file(deps: BotDeps, view: dict[str, Any]) -> TaskFile | None:
    """The file uploaded in the Done modal, fetched from Slack with the bot token."""
    files = _uploads(view)
    if not files:
        return None
    meta = files[0]
    url = str(meta.get("url_private_download") or meta.get("url_private") or "")
    if not _trusted(deps, url):
        raise ValueError("the file link is not Slack's")
    data = _download(deps, url)
    return TaskFile(
        name=str(meta.get("name") or "export"),
        content_type=str(meta.get("mimetype") or "application/octet-stream"),
        data=data,
    )


def _trusted(deps: BotDeps, url: str) -> bool:
    """Only Slack's file host (or the API host a test points the bot at) gets our token."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname == "files.slack.com":
        return True
    api = urlsplit(deps.api_url or "")
    return bool(deps.api_url) and (parts.scheme, parts.netloc) == (api.scheme, api.netloc)


def _download(deps: BotDeps, url: str) -> bytes:
    token = {"Authorization": f"Bearer {deps.bot_token}"}
    request = urllib.request.Request(url, headers=token)  # noqa: S310 (a Slack https URL)
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (checked above)
        data: bytes = response.read(MAX_DOWNLOAD + 1)
    return data  # one byte too many is refused as too large by complete_task
