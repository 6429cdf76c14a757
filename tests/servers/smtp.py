"""An aiosmtpd sink on a free loopback port that records every message it receives."""

from __future__ import annotations

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


@dataclass(frozen=True)
class ReceivedMail:
    """One message as the sink received it."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes
    message: EmailMessage
    login: str | None  # the AUTH user, when the client authenticated


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
        message = email.message_from_bytes(raw, policy=policy.default)
        self._sink._record(
            ReceivedMail(envelope.mail_from or "", tuple(envelope.rcpt_tos), raw, message, login)
        )
        return "250 OK message accepted"


class SmtpSink:
    """aiosmtpd Controller on 127.0.0.1; restart() keeps the port, messages keep accumulating."""

    host = "127.0.0.1"

    def __init__(self, *, credentials: tuple[str, str] | None = None) -> None:
        self.port = 0
        self.credentials = credentials
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
        controller = Controller(_Recorder(self), hostname=self.host, port=self.port, **kwargs)
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
