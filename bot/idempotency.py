"""Each signed Slack request acts once: a replayed body (same signature, within Bolt's
five-minute window) is acknowledged and changes nothing."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltRequest, BoltResponse
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from bot.access import surface
from bot.deps import BotDeps
from store.models import SlackRequest

# Requests that change state or answer with case data. Events are left out: Slack retries
# them by design and their listeners are keyed on the event itself.
ONCE_ONLY = frozenset({"command", "block_actions", "view_submission", "shortcut", "message_action"})
# Bolt refuses a timestamp more than 5 minutes off (slack_bolt/request/... SignatureVerifier);
# a key older than twice that can no longer be replayed, so it is dropped.
KEEP_SECONDS = 600
ALREADY_HANDLED = "This request was already handled; nothing was done twice."


def body_key(request: BoltRequest) -> str:
    """The key of one request: the hash of its exact signed body (it holds the trigger id).

    Socket Mode hands Bolt the parsed payload only, so its canonical JSON is hashed instead.
    """
    raw = request.raw_body or json.dumps(request.body, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def signed_at(request: BoltRequest) -> int:
    """The request's signed timestamp; Socket Mode has none, so the wall clock stands in."""
    values = request.headers.get("x-slack-request-timestamp") or []
    try:
        return int(values[0])
    except (IndexError, ValueError):
        return int(time.time())


def first_time(deps: BotDeps, *, key: str, at: int, where: str) -> bool:
    """Record the key; False if it was recorded before (the unique key decides, not a read)."""
    with deps.session_factory() as session:
        session.execute(delete(SlackRequest).where(col(SlackRequest.signed_at) < at - KEEP_SECONDS))
        session.add(SlackRequest(body_sha256=key, signed_at=at, surface=where))
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            return False
    return True


def once_only(deps: BotDeps) -> Callable[..., BoltResponse | None]:
    """Global middleware: a request body seen before is acknowledged without acting again."""

    def replay_guard(
        request: BoltRequest, body: dict[str, Any], next_: Callable[[], None]
    ) -> BoltResponse | None:
        where = surface(body)
        if where not in ONCE_ONLY:
            next_()
            return None
        if first_time(deps, key=body_key(request), at=signed_at(request), where=where):
            next_()
            return None
        if where == "command":
            return BoltResponse(
                status=200, body={"response_type": "ephemeral", "text": ALREADY_HANDLED}
            )
        return BoltResponse(status=200, body="")  # a modal closes, a click does nothing more

    return replay_guard
