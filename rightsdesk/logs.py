"""Structured logs: one line per event, key=value, case references only."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

# slack_sdk logs whole request bodies at DEBUG and Bolt logs bodies on signature
# failures (design.md §3): those loggers never go below WARNING here.
_NOISY = ("slack_sdk", "slack_bolt", "urllib3", "websocket", "imapclient", "flufl.bounce")


class JsonLineFormatter(logging.Formatter):
    """A JSON object per line: time, level, logger, message (no arguments beyond the message)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "thread": record.threadName,
            "msg": record.getMessage(),
        }
        if record.exc_info and record.levelno >= logging.DEBUG:
            entry["error"] = record.exc_info[0].__name__ if record.exc_info[0] else "error"
        return json.dumps(entry, ensure_ascii=False)


def configure(level: str = "INFO", *, json_lines: bool = True) -> None:
    """Configure the root logger for a long-running process."""
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonLineFormatter()
        if json_lines
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(getattr(logging, level.upper(), logging.INFO))
    for name in _NOISY:
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.getLogger("flufl.bounce").setLevel(logging.CRITICAL)  # tracebacks quote mail
