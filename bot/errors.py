"""The one error handler: a short answer to the user, a case reference in the log, no data."""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltResponse
from slack_sdk import WebClient

from bot.access import requesting_user, surface
from bot.modals import message
from cases.errors import UserError
from cases.references import REFERENCE_RE, normalise_reference

log = logging.getLogger(__name__)


class UsageError(UserError):
    """A subcommand was given the wrong arguments; the message is its usage line."""


def reference_in(body: dict[str, Any]) -> str | None:
    """The case reference a request is about, read only from fields that name one."""
    places: list[str] = [str(body.get("text") or "")]
    places += [str(a.get("value") or "") for a in body.get("actions") or []]
    places.append(str((body.get("view") or {}).get("private_metadata") or ""))
    for place in places:
        for word in re.split(r"[\s#\"{}:,]+", place):
            reference = normalise_reference(word)
            if REFERENCE_RE.fullmatch(reference):
                return reference
    return None


def failure_text(error: Exception, reference: str | None) -> str:
    """What the user reads: a user error as is, our own failure in one neutral sentence."""
    if isinstance(error, UserError):
        return str(error)
    about = f" on {reference}" if reference else ""
    return f"Sorry, something went wrong{about}. It has been logged; try again or use the CLI."


def log_failure(error: Exception, where: str, reference: str | None) -> None:
    """Log our failure with its type and the case reference; exception messages may hold data."""
    log.error("Slack %s failed: %s (case %s)", where, type(error).__name__, reference or "none")
    # Frames only: file, line and function name, never the exception's message or locals.
    frames = "".join(traceback.format_tb(error.__traceback__))
    log.debug("traceback of the %s failure:\n%s", type(error).__name__, frames)


def answer_error(
    error: Exception,
    body: dict[str, Any],
    response: BoltResponse | None,
    respond: Callable[..., Any] | None,
    client: WebClient,
) -> BoltResponse | None:
    """Bolt's error handler: `response` is None once the request was acknowledged."""
    where = surface(body)
    reference = reference_in(body)
    if not isinstance(error, UserError):
        log_failure(error, where, reference)
    text = failure_text(error, reference)
    if response is not None:  # not acknowledged yet: the answer rides on the acknowledgement
        if where == "command":
            return BoltResponse(status=200, body={"response_type": "ephemeral", "text": text})
        if where == "view_submission":
            view = message("Not done", text)
            return BoltResponse(status=200, body={"response_action": "update", "view": view})
        if where.startswith("event"):
            return BoltResponse(status=200, body="")  # acknowledged, so Slack does not retry
    tell_user(body, text=text, respond=respond, client=client)
    return None


class _TrackingAck:
    """Bolt's ack(), remembering whether it was called."""

    def __init__(self, ack: Callable[..., Any]) -> None:
        self._ack = ack
        self.called = False

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.called = True
        return self._ack(*args, **kwargs)


def run_guarded(
    handler: Callable[..., None],
    *,
    ack: Callable[..., Any],
    body: dict[str, Any],
    respond: Callable[..., Any] | None,
    client: WebClient,
) -> None:
    """Run `handler(ack=...)`; a failure after its ack() is answered here, not re-raised.

    bolt-python's thread runner replaces an acknowledged response with None when the
    listener raises afterwards (slack_bolt/listener/thread_runner.py), and Slack would then
    get a 404 instead of the acknowledgement. Failures before ack() still go to Bolt,
    which hands them to `answer_error` with the pending response.
    """
    tracking = _TrackingAck(ack)
    try:
        handler(ack=tracking)
    except Exception as error:
        if not tracking.called:
            raise
        answer_error(error, body, None, respond, client)


def tell_user(
    body: dict[str, Any],
    *,
    text: str,
    respond: Callable[..., Any] | None,
    client: WebClient,
) -> None:
    """Answer privately: in place of a modal, through the response URL, else by direct message."""
    view = body.get("view") or {}
    if view.get("type") == "modal" and view.get("id") and body.get("type") == "block_actions":
        client.views_update(view_id=view["id"], view=message("rightsdesk", text))
        return
    if respond is not None and body.get("response_url"):
        respond(text=text, response_type="ephemeral", replace_original=False)
        return
    user = requesting_user(body)
    if user:
        # The app's own direct-message channel with the user (App Home's Messages tab).
        client.chat_postMessage(channel=user, text=text)
