"""An IMAP folder as the inbox, through imapclient: PEEK fetches, UID checkpoints, IDLE."""

from __future__ import annotations

import hashlib
import logging
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from imapclient import IMAPClient, SocketTimeout
from imapclient.exceptions import IMAPClientError, LoginError

from cases.errors import UserError
from mail_intake.sources import Fetched, RedactionRefused, SourceUnavailable

log = logging.getLogger(__name__)

SENT_BATCH = 50  # copies per MULTIAPPEND (RFC 3502): one server round trip and sync for all
SENT_BUFFER_MAX = 2000  # copies kept for a later attempt while the server is away

# Connection failures that mean "reconnect", not "this message is bad" (design.md §2.10).
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    IMAPClientError,
    OSError,
    ssl.SSLError,
    socket.timeout,
    EOFError,
)


@dataclass(frozen=True)
class ImapAccount:
    """Where and how to log in; the password never appears in repr()."""

    host: str
    port: int
    user: str
    password: str
    security: Literal["ssl", "starttls", "plain"] = "ssl"
    folder: str = "INBOX"
    processed_folder: str = "Processed"
    failed_folder: str = "Failed"
    sent_folder: str | None = "Sent"
    connect_timeout: float = 15.0
    read_timeout: float = 120.0
    # OAuth 2.0: a fresh access token for each login (mail_intake.oauth.TokenProvider.token).
    token: Callable[[], str] | None = None
    forget: Callable[[], None] | None = None  # drops the cached token the server refused

    def __repr__(self) -> str:
        return f"ImapAccount({self.user}@{self.host}:{self.port}, {self.security})"

    def log_in(self, client: IMAPClient) -> None:
        """LOGIN with the password, or SASL XOAUTH2 / OAUTHBEARER (RFC 7628) with a token."""
        if self.token is None:
            client.login(self.user, self.password)
            return
        try:
            self._sasl_login(client, self.token())
        except LoginError:  # AUTHENTICATIONFAILED: revoked early, or our clock is off
            if self.forget is None:
                raise
            log.warning("IMAP refused the cached OAuth token: fetching a fresh one")
            self.forget()
            self._sasl_login(client, self.token())  # a second refusal counts as a failure

    def _sasl_login(self, client: IMAPClient, token: str) -> None:
        if client.has_capability("AUTH=XOAUTH2") or not client.has_capability("AUTH=OAUTHBEARER"):
            client.oauth2_login(self.user, token)
        else:
            client.oauthbearer_login(self.user, token)


class ImapSource:
    """One IMAP folder, read by UID above a (UIDVALIDITY, last UID) checkpoint.

    RFC 3501 §2.3.1.1: UIDs only keep their meaning while UIDVALIDITY stays the same.
    """

    def __init__(self, account: ImapAccount, *, max_size: int = 25 * 1024 * 1024) -> None:
        self.account = account
        self.name = f"imap:{account.folder}"
        self.max_size = max_size
        self._client: IMAPClient | None = None
        self._uidvalidity = 0
        self._highest = 0
        self._idle_ok = False
        self._sent: list[bytes] = []
        self._appender: threading.Thread | None = None
        self._appender_error: BaseException | None = None

    # -- connection -----------------------------------------------------------------------

    def connect(self) -> None:
        """Connect, log in, select the folder and make sure Processed and Failed exist."""
        acc = self.account
        timeout = _timeout(acc.connect_timeout, acc.read_timeout)
        try:
            client = IMAPClient(acc.host, port=acc.port, ssl=acc.security == "ssl", timeout=timeout)
            if acc.security == "starttls":
                client.starttls(ssl.create_default_context())
            try:
                acc.log_in(client)
            except UserError:  # the token server refused: close the socket, say why
                client.shutdown()
                raise
            for folder in (acc.processed_folder, acc.failed_folder, acc.sent_folder):
                if folder and not client.folder_exists(folder):
                    client.create_folder(folder)
            info = client.select_folder(acc.folder)
            uidvalidity = int(info.get(b"UIDVALIDITY", 0))
            if uidvalidity != self._uidvalidity:
                self._highest = 0  # RFC 3501 §2.3.1.1: the old UIDs mean nothing now
            self._uidvalidity = uidvalidity
            self._idle_ok = client.has_capability("IDLE")
            self._client = client
        except CONNECTION_ERRORS as exc:
            self._disconnect()
            raise SourceUnavailable(f"IMAP {acc.host}:{acc.port}: {type(exc).__name__}") from exc

    def close(self) -> None:
        """Store the Sent copies still buffered, then log out, quietly: the server may be gone."""
        try:
            self.flush_sent()
        except SourceUnavailable:
            log.warning("%d Sent copies not stored: the IMAP connection is gone", len(self._sent))
        self._disconnect()

    def _disconnect(self) -> None:
        self._join_appender()
        client, self._client = self._client, None
        if client is None:
            return
        try:
            client.logout()
        except Exception:
            try:
                client.shutdown()
            except Exception:
                log.debug("IMAP shutdown after failed logout", exc_info=True)

    @property
    def client(self) -> IMAPClient:
        """The live connection."""
        if self._client is None:
            raise SourceUnavailable("IMAP not connected")
        return self._client

    def _call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        self._join_appender()  # one command at a time on the connection
        try:
            return fn(*args, **kwargs)
        except CONNECTION_ERRORS as exc:
            self._disconnect()
            raise SourceUnavailable(f"IMAP lost: {type(exc).__name__}") from exc

    # -- reading --------------------------------------------------------------------------

    def checkpoint(self) -> tuple[int, int]:
        """(UIDVALIDITY, the highest UID fetched so far)."""
        return (self._uidvalidity, self._highest)

    def _uids_above(self, last: int) -> list[int]:
        # imapclient facts (design.md §2): the server answers n:* with the highest UID even
        # when it is below n, so filter; fetch takes lists of ints, not "1:*" strings.
        uids = self._call(self.client.search, ["UID", f"{last + 1}:*"])
        return sorted(int(u) for u in uids if int(u) > last)

    def fetch_new(self, *, last_key: int, batch: int = 50) -> Iterator[Fetched]:
        """Messages above `last_key`, sizes checked first, bodies by BODY.PEEK[] (no \\Seen)."""
        self._highest = max(self._highest, last_key)
        uids = self._uids_above(last_key)
        yield from self._fetch(uids, batch)

    def leftovers(self, *, last_key: int) -> Iterator[Fetched]:
        """Messages at or below the checkpoint that are still here (taken in, not yet moved)."""
        if last_key <= 0:
            return iter(())
        uids = self._call(self.client.search, ["UID", f"1:{last_key}"])
        return self._fetch(sorted(int(u) for u in uids if int(u) <= last_key), 50)

    def _fetch(self, uids: list[int], batch: int) -> Iterator[Fetched]:
        folder = self.account.folder
        for start in range(0, len(uids), batch):
            chunk = uids[start : start + batch]
            sizes = self._call(self.client.fetch, chunk, ["RFC822.SIZE"])
            small = [
                u for u in chunk if int(sizes.get(u, {}).get(b"RFC822.SIZE", 0)) <= self.max_size
            ]
            bodies = self._call(self.client.fetch, small, ["BODY.PEEK[]"]) if small else {}
            for uid in chunk:
                size = int(sizes.get(uid, {}).get(b"RFC822.SIZE", 0))
                self._highest = max(self._highest, uid)
                if uid not in small:
                    yield Fetched(key=uid, raw=None, size=size, folder=folder, oversize=True)
                    continue
                raw = bodies.get(uid, {}).get(b"BODY[]")
                if raw is None:  # expunged by someone else between SEARCH and FETCH
                    continue
                yield Fetched(key=uid, raw=bytes(raw), size=size, folder=folder)

    # -- after the commit -----------------------------------------------------------------

    def _move(self, keys: list[int | str], folder: str) -> None:
        uids = [int(k) for k in keys]
        if not uids:
            return
        client = self.client
        if client.has_capability("MOVE"):  # RFC 6851: one command for the whole batch
            self._call(client.move, uids, folder)
        else:  # COPY, then expunge exactly those UIDs (RFC 4315 UID EXPUNGE when offered)
            self._call(client.copy, uids, folder)
            self._call(client.add_flags, uids, [b"\\Deleted"])
            self._call(
                client.uid_expunge if client.has_capability("UIDPLUS") else client.expunge, uids
            )

    def mark_processed(self, keys: list[int | str]) -> None:
        """Move to the Processed folder: only after the messages are committed to the store."""
        self._move(keys, self.account.processed_folder)

    def mark_failed(self, keys: list[int | str]) -> None:
        """Move to the Failed folder: the messages are quarantined in the store with reasons."""
        self._move(keys, self.account.failed_folder)

    def store_sent(self, raw: bytes) -> None:
        """Keep a copy of our sent mail for the Sent folder (marked seen), appended in batches.

        A full batch is appended by a helper thread while the caller goes on sending:
        the server's per-message sync overlaps the SMTP round trips. Every other
        command waits for it first, and close() and IDLE store what is left.
        """
        if not self.account.sent_folder:
            return
        self._sent.append(raw)
        if self._appender is not None and not self._appender.is_alive():
            self._join_appender()  # reap it; one that lost the connection disconnects
        if len(self._sent) < SENT_BATCH:
            return
        if self._appender is not None:  # still storing the previous batch
            if len(self._sent) < SENT_BUFFER_MAX:
                return
            self._join_appender()  # far behind: wait for it rather than grow
        if self._client is None:  # disconnected: keep the newest until the next connection
            if len(self._sent) > SENT_BUFFER_MAX:
                del self._sent[: len(self._sent) - SENT_BUFFER_MAX]
                log.warning("Sent copies dropped: the IMAP connection is gone")
            return
        batch, self._sent = self._sent, []
        self._appender = threading.Thread(
            target=self._append_in_background, args=(batch,), name="sent-copies", daemon=True
        )
        self._appender.start()

    def flush_sent(self) -> None:
        """Append every buffered Sent copy now."""
        self._join_appender()
        if self._sent and self._client is not None:
            batch, self._sent = self._sent, []
            try:
                self._append(batch)
            except CONNECTION_ERRORS as exc:
                self._sent[:0] = batch
                self._disconnect()
                raise SourceUnavailable(f"IMAP lost: {type(exc).__name__}") from exc

    def _append(self, batch: list[bytes]) -> None:
        client, folder = self.client, self.account.sent_folder
        if client.has_capability("MULTIAPPEND"):
            client.multiappend(folder, [{"msg": m, "flags": [b"\\Seen"]} for m in batch])
        else:
            for raw in batch:
                client.append(folder, raw, flags=[b"\\Seen"])

    def _append_in_background(self, batch: list[bytes]) -> None:
        try:
            self._append(batch)
        except BaseException as exc:  # handed to the thread that joins
            self._sent[:0] = batch
            self._appender_error = exc

    def _join_appender(self) -> None:
        appender = self._appender
        if appender is None or appender is threading.current_thread():
            return
        appender.join()
        self._appender = None
        error, self._appender_error = self._appender_error, None
        if error is not None:
            log.warning("Sent copies not stored yet (%s); retrying later", type(error).__name__)
            if isinstance(error, CONNECTION_ERRORS):
                self._disconnect()  # the next command reconnects

    def replace_original(self, message_id: str, raw_sha256: str, replacement: bytes) -> bool:
        """Replace a mail in the Processed folder by its redacted copy: APPEND, then UID EXPUNGE.

        Found by Message-ID (SEARCH HEADER, RFC 3501 §6.4.4) and confirmed by the sha256 of
        its bytes, so no other mail is touched; the copy keeps the original's INTERNALDATE.
        A copy already appended by an attempt that was cut short is not appended twice.
        Without UIDPLUS (RFC 4315) only a plain EXPUNGE exists, which would also remove
        whatever else someone flagged \\Deleted there, so the original is left alone.
        """
        client, folder = self.client, self.account.processed_folder
        self.flush_sent()
        if not client.has_capability("UIDPLUS"):
            raise RedactionRefused("the IMAP server offers no UID EXPUNGE (RFC 4315)")
        self._call(client.select_folder, folder)
        try:
            uids = self._call(client.search, ["HEADER", "Message-ID", message_id])
            found = self._call(client.fetch, uids, ["BODY.PEEK[]", "INTERNALDATE"]) if uids else {}
            digests = {
                uid: hashlib.sha256(bytes(data.get(b"BODY[]", b""))).hexdigest()
                for uid, data in found.items()
            }
            originals = [uid for uid, digest in digests.items() if digest == raw_sha256]
            if not originals:
                return False
            if hashlib.sha256(replacement).hexdigest() not in digests.values():
                when = found[originals[0]].get(b"INTERNALDATE")
                self._call(client.append, folder, replacement, flags=[b"\\Seen"], msg_time=when)
            self._call(client.add_flags, originals, [b"\\Deleted"])
            self._call(client.uid_expunge, originals)
            return True
        finally:
            if self._client is not None:
                self._call(client.select_folder, self.account.folder)

    # -- waiting --------------------------------------------------------------------------

    def wait_for_mail(self, timeout: float, stop: threading.Event | None = None) -> bool:
        """IDLE (RFC 2177) up to `timeout` seconds, or sleep-poll with NOOP without IDLE.

        The wait is cut into one-second checks so that a stop request ends IDLE
        promptly. A BYE, an empty answer after the server died, or an abort from
        idle_done() all mean the connection is gone (design.md §2 imapclient facts).
        """
        self.flush_sent()  # our sent mail reaches the Sent folder before we wait
        client = self.client
        deadline = time.monotonic() + timeout

        def stopping() -> bool:
            return stop is not None and stop.is_set()

        # An EXISTS the server sent with an earlier command's answer is not repeated in IDLE:
        # mail that came in during the last pass would wait a whole IDLE period. Look first.
        if self._uids_above(self._highest):
            return True
        if not self._idle_ok:
            while time.monotonic() < deadline and not stopping():
                time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))
            self._call(client.noop)
            return True
        self._call(client.idle)
        responses: list[Any] = []
        try:
            while not responses and time.monotonic() < deadline and not stopping():
                responses = self._call(client.idle_check, timeout=1.0)
        finally:
            done = self._call(client.idle_done)
        for resp in [*responses, *(done[1] if isinstance(done, tuple) else [])]:
            if isinstance(resp, tuple) and len(resp) > 1 and resp[1] == b"BYE":
                self._disconnect()
                raise SourceUnavailable("IMAP server said BYE")
        return bool(responses)


def _timeout(connect: float, read: float) -> Any:
    return SocketTimeout(connect=connect, read=read)
