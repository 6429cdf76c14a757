"""Each message the notifier owes, posted once: `posting` is stored before the call.

When the answer to a post is lost, Slack may have posted it anyway; the next round looks for
the message by the key in its metadata (conversations.replies or .history) before posting
again. A post Slack refuses for good is recorded with its error code and skipped.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from bot.blocks import Block
from bot.slack_calls import Deferred, Refused, SlackCalls
from store.models import SlackPost

log = logging.getLogger(__name__)

EVENT_TYPE = "rightsdesk_post"  # message metadata: {"event_payload": {"key": KEY}}
LOOKUP_PAGES = 5
# Refusals about the channel or the app, not the message: once someone invites the bot again,
# unarchives the channel or reinstalls the app the post can go; tried again once an hour.
CHANNEL_ERRORS = ("not_in_channel", "is_archived", "channel_not_found", "missing_scope")
RETRY_CHANNEL_AFTER = timedelta(hours=1)


def content_hash(text: str, blocks: list[Block]) -> str:
    """What a channel message shows, as a short digest to compare with the last one sent."""
    data = json.dumps({"text": text, "blocks": blocks}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(data.encode()).hexdigest()


def find_posted(calls: SlackCalls, *, key: str, channel: str, thread_ts: str | None) -> str | None:
    """The ts of the message that carries KEY in its metadata, if Slack has it."""
    method = "conversations.replies" if thread_ts else "conversations.history"
    if method in calls.missing_scope:
        return None  # installed without *:history: at worst a lost answer is posted twice
    params: dict[str, Any] = {"channel": channel, "include_all_metadata": True, "limit": 200}
    if thread_ts:
        params["ts"] = thread_ts
    for _ in range(LOOKUP_PAGES):
        try:
            answer = calls.call(method, **params)
        except Refused:
            return None  # the conversation is gone: the post itself will say so
        for message in answer.get("messages") or []:
            payload = (message.get("metadata") or {}).get("event_payload") or {}
            if payload.get("key") == key:
                return str(message["ts"])
        cursor = (answer.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return None
        params["cursor"] = cursor
    return None


def deliver(
    session: Session,
    calls: SlackCalls,
    *,
    key: str,
    case_id: int | None,
    reference: str,
    channel: str,
    thread_ts: str | None,
    text: str,
    blocks: list[Block] | None,
    now: datetime,
) -> SlackPost | None:
    """Post once; the returned row is `posted` but uncommitted (the caller commits).

    None: Slack refused it for good (recorded and committed). Raises Deferred: try later.
    """
    row = session.get(SlackPost, key)
    if row is not None and row.state == "posted":
        return row
    if row is not None and row.state == "refused" and not retry_due(row, now):
        return None
    if not calls.backoff.ready("chat.postMessage"):
        raise Deferred("chat.postMessage")  # before any write: a wait costs the store nothing
    if row is not None and row.state == "posting":  # the last answer never came back
        ts = find_posted(calls, key=key, channel=row.channel or channel, thread_ts=thread_ts)
        if ts is not None:
            found = _posted(row, ts=ts, channel=row.channel or channel, text=text, blocks=blocks)
            found.content_hash = None  # posted as it was then: the next round brings it up to date
            return found
    row = row or SlackPost(key=key, case_id=case_id, state="posting", attempted_at=now)
    row.state, row.channel, row.attempted_at = "posting", channel, now
    session.add(row)
    session.commit()  # before the call: a lost answer is looked up next time, never reposted
    kwargs: dict[str, Any] = {
        "channel": channel,
        "text": text,
        "metadata": {"event_type": EVENT_TYPE, "event_payload": {"key": key}},
    }
    if blocks:
        kwargs["blocks"] = blocks
    if thread_ts:
        kwargs["thread_ts"] = thread_ts
    try:
        answer = calls.call("chat.postMessage", **kwargs)
    except Refused as refused:
        row.state, row.error = "refused", refused.code
        session.add(row)
        session.commit()
        log.warning(
            "Slack refused %s for %s: %s; recorded and skipped", key, reference, refused.code
        )
        return None
    except Deferred as deferred:
        if not deferred.unknown:  # Slack answered: nothing was posted
            row.state = "failed"
            session.add(row)
            session.commit()
        raise
    posted_in = str(answer.get("channel") or channel)
    return _posted(row, ts=str(answer["ts"]), channel=posted_in, text=text, blocks=blocks)


def _posted(
    row: SlackPost, *, ts: str, channel: str, text: str, blocks: list[Block] | None
) -> SlackPost:
    row.state, row.ts, row.channel, row.error = "posted", ts, channel, None
    row.content_hash = content_hash(text, blocks) if blocks else None
    return row


def retry_due(row: SlackPost, now: datetime) -> bool:
    """Whether a refusal about the channel is old enough to try the post again."""
    return row.error in CHANNEL_ERRORS and now - row.attempted_at >= RETRY_CHANNEL_AFTER


def is_refused(session: Session, key: str) -> bool:
    """Whether Slack refused this message (for good, or for now for its channel)."""
    row = session.get(SlackPost, key)
    return row is not None and row.state == "refused"
