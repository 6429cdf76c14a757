"""Structured logs: one line per event, key=value, case references only."""

from __future__ import annotations

import json
import logging
import traceback
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


class FramesOnly(logging.Filter):
    """Tracebacks as file, line and function only, never an exception's message."""

    # A message can quote the mail: a PostgreSQL error repeats the failing row, SQLAlchemy
    # the SQL parameters, the email package a header value (issue 11).

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if error is not None:
            parts: list[str] = []
            seen: set[int] = set()
            while error is not None and id(error) not in seen and len(parts) < 5:
                seen.add(id(error))
                frames = "".join(traceback.format_tb(error.__traceback__))
                parts.insert(0, f"Traceback (frames only):\n{frames}{type(error).__name__}")
                error = error.__cause__ or error.__context__
            record.exc_info = None
            record.exc_text = "\n\nwhile handling it:\n".join(parts)
        return True


def private_handlers() -> None:
    """Put `FramesOnly` on every handler of the root logger."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, FramesOnly) for f in handler.filters):
            handler.addFilter(FramesOnly())


def configure(level: str = "INFO", *, json_lines: bool = True) -> None:
    """Configure the root logger for a long-running process."""
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonLineFormatter()
        if json_lines
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    if not json_lines:  # JSON lines carry the error's type only, never a traceback
        handler.addFilter(FramesOnly())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(getattr(logging, level.upper(), logging.INFO))
    for name in _NOISY:
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.getLogger("flufl.bounce").setLevel(logging.CRITICAL)  # tracebacks quote mail
