"""Answers through a response_url are checked: a refused one is logged with its case only."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext
from slack_bolt.context.respond import Respond
from slack_sdk.webhook import WebhookResponse

from bot.errors import reference_in
from bot.slack_calls import SLACK_CODE

log = logging.getLogger(__name__)


def check_webhook(answer: WebhookResponse, reference: str | None) -> bool:
    """Whether Slack took the answer; if not, one log line with the code, never the body."""
    if answer.status_code == 200:
        return True
    body = (answer.body or "").strip()
    try:
        parsed = json.loads(body)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        body = str(parsed.get("error") or "")
    code = body if SLACK_CODE.fullmatch(body) else "no error code"
    log.warning(
        "Slack refused the response_url answer for case %s: HTTP %s (%s)",
        reference or "none",
        answer.status_code,
        code,
    )
    return False


class CheckedRespond:
    """Bolt's respond(), whose answer is checked and logged (case reference only)."""

    def __init__(self, inner: Respond, reference: str | None) -> None:
        self._inner = inner
        self._reference = reference

    def __call__(self, *args: Any, **kwargs: Any) -> WebhookResponse:
        try:
            answer = self._inner(*args, **kwargs)
        except Exception as exc:
            log.warning(
                "The response_url answer for case %s failed: %s",
                self._reference or "none",
                type(exc).__name__,
            )
            raise
        check_webhook(answer, self._reference)
        return answer


def check_responses(context: BoltContext, body: dict[str, Any], next_: Callable[[], Any]) -> Any:
    """Middleware: every listener's respond() is a checked one."""
    inner = context.respond
    if inner is not None and context.response_url:
        context["respond"] = CheckedRespond(inner, reference_in(body))
    return next_()
