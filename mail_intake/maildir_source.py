"""A local Maildir as the inbox: the offline default for the demo and for users without IMAP."""

from __future__ import annotations

import glob
import hashlib
import mailbox
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from mail_intake.sources import Fetched


class MaildirSource:
    """Reads `DIR/inbox` (a Maildir); processed mail moves to `DIR/processed`, failed to `failed/`.

    Maildir keys are file names, not UIDs, so there is no checkpoint: whatever is
    still in the inbox is new or was left by a crash, and de-duplication in the
    store (Message-ID and raw hash) makes taking it in again harmless.
    """

    def __init__(self, root: Path, *, max_size: int = 25 * 1024 * 1024) -> None:
        self.root = root
        self.name = "maildir"
        self.max_size = max_size
        self._inbox: mailbox.Maildir | None = None

    def _box(self, name: str) -> mailbox.Maildir:
        self.root.mkdir(parents=True, exist_ok=True)
        return mailbox.Maildir(self.root / name, factory=None, create=True)

    def connect(self) -> None:
        """Create the folders if needed."""
        self._inbox = self._box("inbox")
        for name in ("processed", "failed", "sent", "outbox"):
            self._box(name)

    def close(self) -> None:
        """Nothing to close for files."""
        self._inbox = None

    @property
    def inbox(self) -> mailbox.Maildir:
        """The inbox Maildir, opened on first use."""
        if self._inbox is None:
            self.connect()
        assert self._inbox is not None
        return self._inbox

    def fetch_new(self, *, last_key: int = 0, batch: int = 100) -> Iterator[Fetched]:
        """Every message in the inbox, in delivery order (Maildir names start with the time).

        The size is read from the file system first, as the IMAP source asks RFC822.SIZE:
        an oversized mail is reported, never read into memory.
        """
        for key in sorted(self.inbox.keys()):
            path = self._path_of("inbox", key)
            if path is None:
                continue  # taken by another reader meanwhile
            try:
                size = path.stat().st_size
                if size > self.max_size:
                    yield Fetched(key=key, raw=None, size=size, folder="inbox", oversize=True)
                    continue
                with path.open("rb") as handle:
                    raw = handle.read(self.max_size + 1)
            except FileNotFoundError:
                continue
            if len(raw) > self.max_size:  # it grew after the check
                yield Fetched(key=key, raw=None, size=len(raw), folder="inbox", oversize=True)
                continue
            yield Fetched(key=key, raw=raw, size=len(raw), folder="inbox")

    def _path_of(self, folder: str, key: str) -> Path | None:
        """The file of KEY in a Maildir folder: its name is the key, maybe with `:2,FLAGS`."""
        for sub in ("new", "cur"):
            exact = self.root / folder / sub / key
            if exact.is_file():
                return exact
        # A flagged file carries the info suffix: in cur/, and in new/ as some syncing tools
        # (mbsync) write it; the mailbox module lists both under the bare key.
        for sub in ("new", "cur"):
            flagged = sorted((self.root / folder / sub).glob(f"{glob.escape(key)}:*"))
            if flagged:
                return flagged[0]
        return None

    def checkpoint(self) -> tuple[int, int]:
        """Maildirs have no UIDs."""
        return (0, 0)

    def leftovers(self, *, last_key: int = 0) -> Iterator[Fetched]:
        """Everything left in the inbox is fetched again by fetch_new."""
        return iter(())

    def _move(self, key: int | str, folder: str) -> None:
        """Rename the file into FOLDER: atomic, and a huge mail is never read to move it."""
        source = self._path_of("inbox", str(key))
        if source is None:
            return
        self._box(folder)  # creates tmp/, new/ and cur/
        try:
            os.replace(source, self.root / folder / source.parent.name / source.name)
        except FileNotFoundError:  # taken by another reader meanwhile
            return

    def mark_processed(self, keys: list[int | str]) -> None:
        """Move to processed/ (the original is kept, never deleted)."""
        for key in keys:
            self._move(key, "processed")

    def mark_failed(self, keys: list[int | str]) -> None:
        """Move to failed/."""
        for key in keys:
            self._move(key, "failed")

    def wait_for_mail(self, timeout: float, stop: threading.Event | None = None) -> bool:
        """Poll the inbox's new/ directory until something appears, `timeout` passes or stop."""
        deadline = time.monotonic() + timeout
        new_dir = self.root / "inbox" / "new"
        while time.monotonic() < deadline and not (stop is not None and stop.is_set()):
            if any(new_dir.iterdir()):
                return True
            time.sleep(min(0.25, max(0.0, deadline - time.monotonic())))
        return False

    def store_sent(self, raw: bytes) -> None:
        """Keep a copy in sent/."""
        self._box("sent").add(raw)

    def replace_original(self, message_id: str, raw_sha256: str, replacement: bytes) -> bool:
        """Replace the message in processed/ whose bytes hash to `raw_sha256` by `replacement`."""
        box = self._box("processed")
        for key in list(box.iterkeys()):
            try:
                raw = box.get_bytes(key)
            except KeyError:
                continue
            if hashlib.sha256(raw).hexdigest() == raw_sha256:
                box.add(replacement)
                box.discard(key)
                return True
        return False
