"""The small interface every mail source offers to the poller."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

from cases.errors import InternalError


class SourceUnavailable(InternalError):
    """The mail server cannot be reached or dropped the connection: reconnect with backoff."""


class RedactionRefused(Exception):
    """The mail server cannot replace exactly one message (e.g. no UID EXPUNGE)."""


@dataclass(frozen=True)
class Fetched:
    """One message as fetched: its bytes (None when over the size limit) and where it sits."""

    key: int | str  # an IMAP UID, or a Maildir key
    raw: bytes | None
    size: int
    folder: str
    oversize: bool = False
    extra: dict[str, str] = field(default_factory=dict)


class MailSource(Protocol):
    """Where inbound mail comes from: an IMAP folder or a local Maildir."""

    name: str  # e.g. "imap:INBOX" or "maildir"

    def connect(self) -> None:
        """Open the connection (a no-op for a Maildir)."""

    def close(self) -> None:
        """Close the connection, ending IDLE if it is running."""

    def fetch_new(self, *, last_key: int, batch: int) -> Iterator[Fetched]:
        """Messages not yet taken in, oldest first, without marking them seen."""
        ...

    def checkpoint(self) -> tuple[int, int]:
        """(UIDVALIDITY, highest UID seen) for IMAP; (0, 0) for a Maildir."""
        ...

    def leftovers(self, *, last_key: int) -> Iterator[Fetched]:
        """Messages at or below the checkpoint still in the inbox (a crash before the move)."""
        ...

    def mark_processed(self, keys: list[int | str]) -> None:
        """Move messages to the Processed folder, only after their database commits."""

    def mark_failed(self, keys: list[int | str]) -> None:
        """Move messages to the Failed folder (they are quarantined in the database too)."""

    def wait_for_mail(self, timeout: float, stop: threading.Event | None = None) -> bool:
        """Block until new mail may have arrived, `timeout` passes or `stop` is set."""
        ...

    def store_sent(self, raw: bytes) -> None:
        """Keep a copy of a mail we sent in the Sent folder, where there is one."""

    def replace_original(self, message_id: str, raw_sha256: str, replacement: bytes) -> bool:
        """Replace the processed mail whose bytes hash to `raw_sha256`; False if it is not there.

        Raises RedactionRefused when the server cannot remove exactly that one message.
        """
        ...
