"""How outgoing mail leaves: SMTP submission, or files in a local Maildir."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import smtplib
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from cases.addresses import ascii_domain
from mail_intake import oauth

log = logging.getLogger(__name__)
_CRLF = re.compile(rb"\r?\n")
_LEADING_DOT = re.compile(rb"(?m)^\.")

HandOver = Callable[[], None]


class Undeliverable(smtplib.SMTPException):
    """A mail this transport can never send as it is: its text says why, without addresses."""


class NoSmtpUtf8(Undeliverable):
    """The server does not offer SMTPUTF8, which a non-ASCII local part needs (RFC 6531 §3.4)."""

    def __init__(self) -> None:
        super().__init__(
            "not sent: the SMTP server does not offer SMTPUTF8 (RFC 6531), which the "
            "recipient's non-ASCII address needs"
        )


class No8BitMime(Undeliverable):
    """The server offers SMTPUTF8 without 8BITMIME, which a UTF-8 header needs (RFC 6531 §3.4)."""

    def __init__(self) -> None:
        super().__init__(
            "not sent: the SMTP server offers SMTPUTF8 but not 8BITMIME (RFC 6152), which "
            "the mail's UTF-8 header needs (RFC 6531 §3.4)"
        )


class Transport(Protocol):
    """Something that delivers one RFC 5322 message."""

    def send(self, raw: bytes, *, to: str, handed_over: HandOver | None = None) -> None:
        """Deliver or raise OSError / smtplib.SMTPException.

        `handed_over` is called at the point of no return (SMTP: before the final dot);
        a transport that can repeat a delivery harmlessly need not call it.
        """

    def close(self) -> None:
        """Release the connection."""


def _data(conn: smtplib.SMTP, msg: bytes, hook: HandOver | None) -> tuple[int, bytes]:
    """smtplib's DATA, with `hook` run between the message text and the final dot."""
    conn.putcmd("data")
    code, reply = conn.getreply()
    if code != 354:
        raise smtplib.SMTPDataError(code, reply)
    quoted = _LEADING_DOT.sub(b"..", msg)  # RFC 5321 §4.5.2 transparency
    if not quoted.endswith(b"\r\n"):
        quoted += b"\r\n"
    conn.send(quoted)
    if hook is not None:
        hook()
    conn.send(b".\r\n")
    return conn.getreply()


class _Smtp(smtplib.SMTP):
    hook: HandOver | None = None

    def data(self, msg: Any) -> tuple[int, bytes]:
        return _data(self, msg, self.hook)


class _SmtpSsl(smtplib.SMTP_SSL):
    hook: HandOver | None = None

    def data(self, msg: Any) -> tuple[int, bytes]:
        return _data(self, msg, self.hook)


@dataclass
class SmtpTransport:
    """SMTP submission with one connection reused for a batch (RFC 6409)."""

    host: str
    port: int
    sender: str
    security: Literal["ssl", "starttls", "plain"] = "starttls"
    user: str | None = None
    password: str | None = None
    timeout: float = 30.0
    # OAuth 2.0: a fresh access token for each session (mail_intake.oauth.TokenProvider.token).
    token: Callable[[], str] | None = None
    forget: Callable[[], None] | None = None  # drops the cached token the server refused
    _conn: _Smtp | _SmtpSsl | None = None
    _tls: ssl.SSLContext | None = None

    def _context(self) -> ssl.SSLContext:
        """One TLS context for all of this transport's connections.

        Building one loads the system's CA bundle, tens of milliseconds of CPU; the outbox
        reconnects for every pass, so the context is built once and reused.
        """
        if self._tls is None:
            self._tls = ssl.create_default_context()
        return self._tls

    def _authenticate(self, conn: smtplib.SMTP) -> None:
        """AUTH XOAUTH2 (or OAUTHBEARER, RFC 7628) with a token, else LOGIN with the password."""
        if self.token is None:
            if self.user and self.password:
                conn.login(self.user, self.password)
            return
        try:
            self._sasl(conn, self.token())
        except smtplib.SMTPAuthenticationError:  # 535: revoked early, or our clock is off
            if self.forget is None:
                raise
            log.warning("SMTP refused the cached OAuth token: fetching a fresh one")
            self.forget()
            self._sasl(conn, self.token())  # RFC 4954 §4: AUTH may be tried again at once

    def _sasl(self, conn: smtplib.SMTP, token: str) -> None:
        user = self.user or self.sender
        conn.ehlo_or_helo_if_needed()
        offered = conn.esmtp_features.get("auth", "").upper().split()
        if "XOAUTH2" in offered or "OAUTHBEARER" not in offered:
            mechanism, initial = "XOAUTH2", oauth.xoauth2_string(user, token)
        else:
            mechanism, initial = "OAUTHBEARER", oauth.oauthbearer_string(user, token)

        def respond(challenge: bytes | None = None) -> str:
            # A 334 after the initial response carries the server's error (JSON); an empty
            # answer ends the exchange so that the server reports it as a 5xx (RFC 7628 §3.2.3).
            return initial if challenge is None else ""

        conn.auth(mechanism, respond, initial_response_ok=True)

    def _connect(self) -> _Smtp | _SmtpSsl:
        if self._conn is not None:
            return self._conn
        conn: _Smtp | _SmtpSsl
        if self.security == "ssl":
            conn = _SmtpSsl(self.host, self.port, timeout=self.timeout, context=self._context())
        else:
            conn = _Smtp(self.host, self.port, timeout=self.timeout)
            if self.security == "starttls":
                conn.starttls(context=self._context())
        self._authenticate(conn)
        # The final dot goes out as its own small write: without NODELAY, Nagle's algorithm
        # holds it until the server's delayed ACK of the text (~40 ms per message).
        if conn.sock is not None:
            conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._conn = conn
        return conn

    def check(self) -> str:
        """Connect, secure and authenticate as a send would, then QUIT; says how it logged in."""
        self.close()
        self._connect()
        self.close()
        if self.token is not None:
            return "OAuth 2.0"
        return "password" if self.user and self.password else "no login"

    def send(self, raw: bytes, *, to: str, handed_over: HandOver | None = None) -> None:
        """Send over the open connection; one dropped before the DATA is reopened once."""
        # RFC 5321 §2.3.8: lines end in CRLF on the wire; smtplib sends bytes unchanged.
        wire = _CRLF.sub(b"\r\n", raw)
        # An IDN domain goes as A-labels (RFC 5321 §2.3.5, RFC 5890); what is still not ASCII,
        # a local part or a header (RFC 6532), needs the server's SMTPUTF8 (RFC 6531).
        try:
            sender, rcpt = ascii_domain(self.sender), ascii_domain(to)
        except ValueError as exc:
            raise Undeliverable(f"not sent: {exc}") from None
        end = wire.find(b"\r\n\r\n")  # the header only, not a copy of the whole mail
        head = wire if end < 0 else wire[:end]
        utf8 = not (sender.isascii() and rcpt.isascii() and head.isascii())
        options: list[str] = []
        passed = False

        def hook() -> None:
            nonlocal passed
            if handed_over is not None:
                handed_over()
            passed = True

        for attempt in (1, 2):
            conn = self._connect()
            conn.hook = hook
            try:
                if utf8:
                    conn.ehlo_or_helo_if_needed()
                    if not conn.has_extn("smtputf8"):
                        raise NoSmtpUtf8()
                    # RFC 6531 §3.4: 8-bit content with SMTPUTF8 goes as BODY=8BITMIME; a
                    # server without 8BITMIME cannot take the UTF-8 header honestly.
                    if conn.has_extn("8bitmime"):
                        options = ["SMTPUTF8", "BODY=8BITMIME"]
                    elif not wire.isascii():
                        raise No8BitMime()
                    else:
                        options = ["SMTPUTF8"]
                conn.sendmail(sender, [rcpt], wire, mail_options=options)
                return
            except smtplib.SMTPServerDisconnected:
                self._conn = None
                if passed or attempt == 2:
                    raise
            except BaseException:
                if not passed:  # mid-DATA without the dot: drop the line so nothing is kept
                    self._drop()
                raise
            finally:
                conn.hook = None

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    def close(self) -> None:
        """QUIT, quietly."""
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.quit()
            except (OSError, smtplib.SMTPException):
                conn.close()


@dataclass
class MaildirTransport:
    """Writes mail into a local Maildir (the offline default: `RIGHTSDESK_MAILDIR/outbox`).

    The file name is the hash of the message, so sending the same row twice after a
    crash leaves one file: delivery here is idempotent and needs no hand-over mark.
    """

    root: Path

    def send(self, raw: bytes, *, to: str, handed_over: HandOver | None = None) -> None:
        """Drop the message into the Maildir (tmp/, then an atomic rename into new/)."""
        name = f"{hashlib.sha256(raw).hexdigest()[:40]}.rightsdesk"
        for sub in ("tmp", "new", "cur"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        cur = self.root / "cur"
        if (self.root / "new" / name).exists() or any(
            (cur / f"{name}{suffix}").exists() for suffix in ("", ":2,", ":2,S")
        ):
            return
        tmp = self.root / "tmp" / name
        tmp.write_bytes(raw)
        os.replace(tmp, self.root / "new" / name)

    def close(self) -> None:
        """Nothing to release."""
