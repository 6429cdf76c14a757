"""Web API calls for the notifier: per-method backoff, refusals told apart, a health state."""

from __future__ import annotations

import logging
import random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

log = logging.getLogger(__name__)

# Slack refuses these for this one message whatever we do: retrying changes nothing.
PERMANENT = frozenset(
    {
        "not_in_channel",
        "is_archived",
        "channel_not_found",
        "invalid_blocks",
        "invalid_blocks_format",
        "invalid_attachments",
        "invalid_metadata_format",
        "invalid_metadata_schema",
        "metadata_too_large",
        "msg_too_long",
        "no_text",
        "too_many_attachments",
        "restricted_action",
        "restricted_action_read_only_channel",
        "restricted_action_thread_only_channel",
        "restricted_action_non_threadable_channel",
        "cant_update_message",
        "message_not_found",
        "edit_window_closed",
        "thread_not_found",
        "missing_scope",  # the app needs reinstalling from slack/manifest.yaml
    }
)
# Slack refuses every call, not one message: the token or the channel is gone. One such
# answer is enough to call delivery failing; other errors must repeat FAILING_AFTER times.
DELIVERY_GONE = frozenset(
    {
        "token_revoked",
        "token_expired",
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "not_in_channel",
        "is_archived",
        "channel_not_found",
    }
)
# Slack's error codes are short snake_case words; anything else in "error" (slack_sdk puts the
# start of a non-JSON page there, e.g. a proxy's 502 page) is a body, never shown or logged.
SLACK_CODE = re.compile(r"[a-z0-9_]{1,60}")
BASE_DELAY = 1.0
MAX_DELAY = 300.0
FAILING_AFTER = 3  # consecutive failed calls before Slack delivery counts as failing


class Deferred(Exception):
    """Not now: the method is backing off, or the call failed in a way worth retrying.

    `unknown` is True when Slack may have acted on the call although no answer came back.
    """

    def __init__(self, method: str, *, unknown: bool = False) -> None:
        super().__init__(method)
        self.method = method
        self.unknown = unknown


class Refused(Exception):
    """Slack refused this message for good; `code` is Slack's error code (never a body)."""

    def __init__(self, method: str, code: str) -> None:
        super().__init__(code)
        self.method = method
        self.code = code


def error_code(exc: BaseException) -> str:
    """Slack's error code for a refused call, else the exception's type (no message: data)."""
    if isinstance(exc, SlackApiError):
        code = exc.response.get("error") if exc.response is not None else None
        if isinstance(code, str) and SLACK_CODE.fullmatch(code):
            return code
        status = getattr(exc.response, "status_code", None)
        return f"http_{status}" if status else "api_error"
    return type(exc).__name__


def _form(value: Any) -> Any:
    """A query parameter as Slack reads it (true, not True)."""
    return str(value).lower() if isinstance(value, bool) else value


def retry_after(exc: BaseException) -> float | None:
    """Seconds Slack asked us to wait (a 429's Retry-After header), if it said so."""
    if not isinstance(exc, SlackApiError) or exc.response is None:
        return None
    headers = {k.lower(): v for k, v in (exc.response.headers or {}).items()}
    value = headers.get("retry-after")
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


@dataclass
class Backoff:
    """Per-method waiting: Slack rate-limits each method on its own (Tier 2, 3, special)."""

    clock: Callable[[], float] = time.monotonic
    jitter: Callable[[float, float], float] = random.uniform
    _failures: dict[str, int] = field(default_factory=dict)
    _not_before: dict[str, float] = field(default_factory=dict)
    _asked: set[str] = field(default_factory=set)  # waits Slack itself set (Retry-After)

    def ready(self, method: str) -> bool:
        """Whether METHOD may be called now."""
        return self.clock() >= self._not_before.get(method, 0.0)

    def failed(self, method: str, wait: float | None = None, *, cap: float = MAX_DELAY) -> float:
        """Wait Retry-After when Slack gave it, else exponentially more (up to `cap`); jitter."""
        n = self._failures.get(method, 0)
        self._failures[method] = n + 1
        if wait is not None:
            delay = wait + self.jitter(0.0, min(1.0, wait / 4 + 0.1))
            self._asked.add(method)
        else:
            delay = self.jitter(0.5, 1.0) * min(cap, BASE_DELAY * 2.0**n)
            self._asked.discard(method)
        self._not_before[method] = self.clock() + delay
        return delay

    def succeeded(self, method: str) -> None:
        """METHOD works again."""
        self._failures.pop(method, None)
        self._not_before.pop(method, None)
        self._asked.discard(method)

    def slack_is_back(self) -> None:
        """Another call got through: end the waits we chose, keep those Slack asked for."""
        for method in [m for m in self._not_before if m not in self._asked]:
            self.succeeded(method)

    def next_ready(self) -> float | None:
        """Seconds until the earliest waiting method may be called again (None: none waits)."""
        now = self.clock()
        waits = [t - now for t in self._not_before.values() if t > now]
        return min(waits) if waits else None


@dataclass
class SlackCalls:
    """The notifier's client: each call is ready-checked, classified and counted for health."""

    client: WebClient
    backoff: Backoff = field(default_factory=Backoff)
    last_call_at: float = 0.0
    missing_scope: set[str] = field(default_factory=set)  # methods the app may not call
    # method -> (failed calls in a row, Slack's code of the last): Slack limits per method,
    # so a probe that gets through does not hide chat.update failing on its own.
    streaks: dict[str, tuple[int, str]] = field(default_factory=dict)
    # Once set, no call is made: a round in progress ends at its next call instead of
    # posting on while a restarted notifier starts (rightsdesk.notifier_wiring).
    stop: threading.Event | None = None

    @property
    def failing(self) -> bool:
        """A method failed FAILING_AFTER times in a row, or the token or channel is gone."""
        return any(n >= FAILING_AFTER or code in DELIVERY_GONE for n, code in self.streaks.values())

    @property
    def last_error(self) -> str | None:
        """Slack's code (or the exception's type) of the worst current streak."""
        streaks = self.streaks.values()
        worst = max(streaks, default=None, key=lambda s: (s[1] in DELIVERY_GONE, s[0]))
        return worst[1] if worst else None

    def call(self, method: str, *, cap: float = MAX_DELAY, **kwargs: Any) -> SlackResponse:
        """Call METHOD; raises Deferred (try later) or Refused (give this message up).

        `cap` bounds the backoff after a failure (a health probe must not wait minutes).
        """
        if (self.stop is not None and self.stop.is_set()) or not self.backoff.ready(method):
            raise Deferred(method)
        self.last_call_at = self.backoff.clock()
        try:
            if method in ("conversations.replies", "conversations.history", "auth.test"):
                params = {k: _form(v) for k, v in kwargs.items()}
                answer = self.client.api_call(method, http_verb="GET", params=params)
            else:
                answer = self.client.api_call(method, json=kwargs)
        except SlackApiError as exc:
            code = error_code(exc)
            if code not in PERMANENT or code in DELIVERY_GONE or code == "missing_scope":
                self._failed(method, code)  # not a refusal of this one message's content
            if code == "missing_scope":
                self.missing_scope.add(method)
            if code in PERMANENT:
                raise Refused(method, code) from None
            delay = self.backoff.failed(method, retry_after(exc), cap=cap)
            log.warning("Slack %s: %s (next try in %.0fs)", method, code, delay)
            # A server error may come after Slack acted (RFC 9110 §15.6: 5xx says nothing
            # about what was done): a post is looked up before it is sent again.
            status = getattr(exc.response, "status_code", None)
            raise Deferred(method, unknown=isinstance(status, int) and status >= 500) from None
        except Exception as exc:  # no answer: Slack may or may not have acted on it
            self._failed(method, type(exc).__name__)
            delay = self.backoff.failed(method, cap=cap)
            log.warning("Slack %s: %s (next try in %.0fs)", method, type(exc).__name__, delay)
            raise Deferred(method, unknown=True) from None
        self.backoff.succeeded(method)
        self._succeeded(method)
        return answer

    def _failed(self, method: str, code: str) -> None:
        n, _ = self.streaks.get(method, (0, code))
        self.streaks[method] = (n + 1, code)

    def _succeeded(self, method: str) -> None:
        """A call got through: its own streak ends, and so do those Slack-wide faults caused."""
        if not self.streaks:
            return
        self.streaks.pop(method, None)
        for other, (_, code) in list(self.streaks.items()):
            if code != "ratelimited":  # a rate limit is the one fault that is per method
                del self.streaks[other]
        self.backoff.slack_is_back()
