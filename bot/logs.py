"""Loggers for the Slack libraries that never carry a request body (personal data) to a log."""

from __future__ import annotations

import logging

# slack_sdk logs whole request and response bodies at DEBUG; Bolt logs request bodies at
# INFO on a bad signature and at WARNING for unhandled requests (design.md §3). Bodies hold
# requester names, addresses and free text, so those lines are replaced, never passed on.
_BODY_MARKERS = ("body", "payload", "{'", '{"', "response_url", "trigger_id")
BOLT_LOGGER_NAME = "rightsdesk.bot.slack"
# Bolt reads SLACK_BOT_TOKEN itself and warns that our prepared client wins: expected, noise.
_NOISE = ("As you gave `client` as well, `token` will be unused.",)


class WithholdBodies(logging.Filter):
    """Replace any log line that may quote a Slack payload with a fixed, data-free text."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            text = record.getMessage()
        except (TypeError, ValueError):
            text = str(record.msg)
        if text in _NOISE:
            return False
        if any(marker in text for marker in _BODY_MARKERS):
            record.msg = "%s: message withheld (it may quote a Slack payload)"
            record.args = (record.name,)
            record.exc_info = None
            record.exc_text = None
        return True


def slack_logger(level: int = logging.WARNING) -> logging.Logger:
    """The base logger handed to Bolt: its level and filter reach every Bolt logger."""
    logger = logging.getLogger(BOLT_LOGGER_NAME)
    logger.setLevel(max(level, logging.INFO))
    if not any(isinstance(f, WithholdBodies) for f in logger.filters):
        logger.addFilter(WithholdBodies())
    for name in ("slack_sdk", "slack_bolt"):
        library = logging.getLogger(name)
        library.setLevel(max(level, logging.WARNING))
        if not any(isinstance(f, WithholdBodies) for f in library.filters):
            library.addFilter(WithholdBodies())
    return logger
