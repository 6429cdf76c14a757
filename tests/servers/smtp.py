"""An aiosmtpd sink on a free loopback port that records every message it receives."""

from __future__ import annotations

import base64
import email
import threading
import time
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from . import free_port, wait_until_bindable
from .oauth import OAuthServer


@dataclass(frozen=True)
class ReceivedMail:
    """One message as the sink received it."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes
    message: EmailMessage
    login: str | None  # the AUTH user, when the client authenticated
    smtputf8: bool = False  # MAIL FROM asked for SMTPUTF8 (RFC 6531)
    body: str | None = None  # MAIL FROM's BODY= (RFC 6152): 7BIT, 8BITMIME, or None unasked


class _Recorder:
    """aiosmtpd handler: stores each DATA, or answers with an injected failure."""

    def __init__(self, sink: SmtpSink) -> None:
        self._sink = sink

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        failure = self._sink._take_failure()
        if failure is not None:
            return failure
        raw = envelope.original_content
        if raw is None:
            content = envelope.content
            raw = content.encode() if isinstance(content, str) else (content or b"")
        auth = session.auth_data
        login = auth.login.decode() if isinstance(auth, LoginPassword) else None
        if isinstance(auth, str):  # a bearer token's user (XOAUTH2, OAUTHBEARER)
            login = auth
        message = email.message_from_bytes(raw, policy=policy.default)
        self._sink._record(
            ReceivedMail(
                envelope.mail_from or "",
                tuple(envelope.rcpt_tos),
                raw,
                message,
                login,
                envelope.smtp_utf8,
                next(
                    (o[5:] for o in envelope.mail_options if o.upper().startswith("BODY=")),
                    None,
                ),
            )
        )
        return "250 OK message accepted"


class _OAuthRecorder(_Recorder):
    """Also takes AUTH XOAUTH2 and OAUTHBEARER, checking the token by introspection."""

    def __init__(self, sink: SmtpSink, oauth: OAuthServer) -> None:
        super().__init__(sink)
        self._oauth = oauth

    async def _bearer(self, server: SMTP, args: list[str], mechanism: str) -> AuthResult:
        # args: the mechanism, then the initial response if the client sent one (RFC 4954 §4).
        if len(args) > 1:
            try:
                raw = base64.b64decode(args[1].encode(), validate=True)
            except ValueError:
                return AuthResult(success=False, handled=False)
        else:
            answer = await server.challenge_auth("")
            if not isinstance(answer, bytes):
                return AuthResult(success=False, handled=False)
            raw = answer
        text = raw.decode(errors="replace")
        fields = dict(
            part.split("=", 1) for part in text.split("\x01") if "=" in part and part[:2] != "n,"
        )
        user = fields.get("user") or _gs2_user(text)
        token = fields.get("auth", "").removeprefix("Bearer ")
        seen = self._oauth.introspect(token)
        if not seen.get("active") or seen.get("username") != user:
            self._sink.refused_logins += 1
            return AuthResult(success=False, handled=False)
        self._sink.mechanisms.append(mechanism)
        return AuthResult(success=True, auth_data=user)

    async def auth_XOAUTH2(self, server: SMTP, args: list[str]) -> AuthResult:
        return await self._bearer(server, args, "XOAUTH2")

    async def auth_OAUTHBEARER(self, server: SMTP, args: list[str]) -> AuthResult:
        return await self._bearer(server, args, "OAUTHBEARER")


def _gs2_user(text: str) -> str | None:
    """The authzid of an OAUTHBEARER GS2 header: `n,a=user,` (RFC 7628 §3.1)."""
    header = text.split("\x01", 1)[0]
    for part in header.split(","):
        if part.startswith("a="):
            return part[2:]
    return None


class SmtpSink:
    """aiosmtpd Controller on 127.0.0.1; restart() keeps the port, messages keep accumulating.

    `smtputf8` makes it offer SMTPUTF8 (RFC 6531) from the next start; off by default.
    `eightbitmime` off makes it not offer 8BITMIME (RFC 6152) from the next start; it then
    refuses a BODY= parameter, as such a server does.
    """

    host = "127.0.0.1"

    def __init__(
        self, *, credentials: tuple[str, str] | None = None, oauth: OAuthServer | None = None
    ) -> None:
        self.port = 0
        self.credentials = credentials
        self.oauth = oauth  # OAuth-only: PLAIN and LOGIN are switched off
        self.smtputf8 = False
        self.eightbitmime = True
        self.mechanisms: list[str] = []
        self.refused_logins = 0
        self.messages: list[ReceivedMail] = []
        self._cond = threading.Condition()
        self._failures: list[str] = []
        self._controller: Controller | None = None

    def start(self) -> None:
        """Listen (on the same port as before after a stop)."""
        if self._controller is not None:
            raise RuntimeError("SmtpSink is already running")
        if not self.port:
            self.port = free_port(self.host)
        kwargs: dict[str, Any] = {}
        if self.credentials is not None:
            # Plain AUTH without TLS: loopback only, the client under test sends credentials.
            kwargs = {"authenticator": self._authenticate, "auth_require_tls": False}
        handler: _Recorder = _Recorder(self)
        if self.oauth is not None:
            handler = _OAuthRecorder(self, self.oauth)
            kwargs = {
                "auth_require_tls": False,  # loopback only
                "auth_required": True,
                "auth_exclude_mechanism": ["PLAIN", "LOGIN"],
            }
        kwargs["enable_SMTPUTF8"] = self.smtputf8
        kwargs["decode_data"] = not self.eightbitmime  # aiosmtpd offers 8BITMIME unless it decodes
        controller = Controller(handler, hostname=self.host, port=self.port, **kwargs)
        controller.start()
        self._controller = controller

    def stop(self) -> None:
        """Stop listening; the recorded messages stay."""
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()
            wait_until_bindable(self.port, self.host)

    def restart(self) -> None:
        """Stop and start again on the same port."""
        self.stop()
        self.start()

    @property
    def running(self) -> bool:
        """Whether the sink listens."""
        return self._controller is not None

    def fail_next(self, count: int = 1, reply: str = "451 4.3.0 Try again later") -> None:
        """Answer the next COUNT DATA commands with REPLY instead of accepting the message."""
        with self._cond:
            self._failures.extend([reply] * count)

    def wait_for(self, n: int = 1, timeout: float = 5.0) -> list[ReceivedMail]:
        """Wait until at least N messages arrived; returns them all, raises TimeoutError."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.messages) < n:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"expected {n} messages, got {len(self.messages)}")
                self._cond.wait(remaining)
            return list(self.messages)

    def clear(self) -> None:
        """Forget the recorded messages."""
        with self._cond:
            self.messages.clear()

    def _record(self, mail: ReceivedMail) -> None:
        with self._cond:
            self.messages.append(mail)
            self._cond.notify_all()

    def _take_failure(self) -> str | None:
        with self._cond:
            return self._failures.pop(0) if self._failures else None

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = (
            self.credentials is not None
            and isinstance(data, LoginPassword)
            and (data.login.decode(), data.password.decode()) == self.credentials
        )
        if not ok:
            return AuthResult(success=False, handled=False)  # aiosmtpd then answers 535
        return AuthResult(success=True, auth_data=data)
