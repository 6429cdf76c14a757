"""One running desk as people run it: `rightsdesk run`, `rightsdesk bot --http`, the terminal."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any, TypeVar

from tests.servers import slack_signing as sig
from tests.servers.dovecot import Mailbox
from tests.servers.slack_fake import Call, FakeSlack
from tests.servers.smtp import ReceivedMail, SmtpSink

ROOT = Path(__file__).resolve().parents[2]
PRIVACY = "privacy@targetpartners.example"  # the privacy address of rightsdesk.example.toml
SECRET = "journey-signing-secret"
CHANNEL = "C0JOURNEY"
# The receiving server in front of the mailbox: its RFC 8601 verdict is what the desk trusts.
AUTHSERV_ID = "mx.journeys.invalid"
USER = "U0PASI"  # the contact person in Slack, on the allow-list (a real-looking id)
WAIT = 60.0  # outcomes are awaited this long; nothing here measures speed
# A Wednesday morning in Helsinki: a working day after 08:00, when reminders go out.
NOW = "2026-12-09T10:00:00+02:00"
# Eight days earlier, for what happened before today (a letter that came in, a code asked for).
EARLIER = "2026-12-01T10:00:00+02:00"

T = TypeVar("T")

# Fictional customers on reserved domains, imported with `rightsdesk register import`.
CUSTOMERS = """\
customer_number,name,email,postal_address,relationship_start
C-3001,Maija Mäkinen,maija.makinen@example.com,Testitie 1 00100 Helsinki,2019-05-01
C-3002,Johan Berg,johan.berg@example.com,Provgatan 2 65100 Vasa,2020-02-01
C-3003,Liisa Korhonen,liisa.korhonen@example.com,Testikatu 3 33100 Tampere,2021-03-01
C-3004,Oliver Brown,oliver.brown@example.com,1 Example Road London,2022-04-01
C-3005,Mikko Virtanen,mikko.virtanen@example.com,Koekuja 5 90100 Oulu,2018-06-01
C-3006,Aino Laine,aino.laine@example.com,Kokeilutie 6 20100 Turku,2019-09-01
C-3007,Elsa Holm,elsa.holm@example.com,Provvägen 7 10600 Ekenäs,2020-10-01
"""


@dataclass
class Desk:
    """The processes of one store, and what a test does with them as a person would."""

    store: str
    root: Path
    env: dict[str, str]
    mailbox: Mailbox
    smtp: SmtpSink
    slack: FakeSlack
    bot_url: str = ""
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    # the terminal -----------------------------------------------------------------------------

    def cli(self, *args: str, now: str | None = None, ok: bool = True) -> str:
        """`python -m rightsdesk ARGS` at the terminal; returns stdout, fails on a non-zero exit."""
        env = self.env if now is None else {**self.env, "RIGHTSDESK_NOW": now}
        done = subprocess.run(
            [sys.executable, "-m", "rightsdesk", *args],
            env=env,
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if ok and done.returncode != 0:
            raise AssertionError(f"rightsdesk {' '.join(args)} exited {done.returncode}:\n{done}")
        return done.stdout

    def cli_error(self, *args: str) -> str:
        """`python -m rightsdesk ARGS` that must refuse: exit 2, one line on stderr, returned."""
        done = subprocess.run(
            [sys.executable, "-m", "rightsdesk", *args],
            env=self.env,
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 2, done
        assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
        return done.stderr.strip()

    def cases(self) -> list[dict[str, Any]]:
        """`rightsdesk cases list --json`."""
        rows: list[dict[str, Any]] = json.loads(self.cli("cases", "list", "--json"))
        return rows

    def show(self, reference: str) -> dict[str, Any]:
        """`rightsdesk cases show REF --json`."""
        shown: dict[str, Any] = json.loads(self.cli("cases", "show", reference, "--json"))
        return shown

    def case_from(self, address: str) -> dict[str, Any]:
        """Wait until intake has opened the case of the mail from ADDRESS; returns its row."""
        return self.wait(
            lambda: next((c for c in self.cases() if c["requester_email"] == address), None),
            f"a case for the mail from {address}",
        )

    # mail -----------------------------------------------------------------------------------

    def send(self, message: EmailMessage) -> None:
        """The requester's mail reaches the privacy mailbox as an MTA delivers it (LMTP)."""
        self.mailbox.deliver_lmtp(message.as_bytes(), sender=str(message["From"].addresses[0]))

    def mail_to(self, address: str, *words: str) -> ReceivedMail:
        """Wait for a mail to ADDRESS at the SMTP server whose subject has all WORDS."""

        def found() -> ReceivedMail | None:
            for mail in list(self.smtp.messages):
                subject = str(mail.message["Subject"])
                if address in mail.rcpt_tos and all(w in subject for w in words):
                    return mail
            return None

        return self.wait(found, f"a mail to {address} about {words}")

    # Slack ----------------------------------------------------------------------------------

    def post(self, body: str) -> sig.Response:
        """POST a signed request to `rightsdesk bot --http`, as Slack does."""
        answer = sig.post_signed(self.bot_url, SECRET, body)
        assert answer.status == 200, answer
        return answer

    def click(self, action_id: str, value: str, *, channel: str = CHANNEL, ts: str = "") -> Call:
        """Click a button; returns what the bot answered at the click's response_url."""
        hook = f"click-{uuid.uuid4().hex[:10]}"
        payload = sig.block_actions_payload(
            action_id,
            value,
            user_id=USER,
            channel_id=channel,
            message_ts=ts or "1700000000.000001",
            response_url=self.slack.webhook_url(hook),
            trigger_id=f"trigger-{hook}",
        )
        self.post(sig.interaction_body(payload))
        return self.wait(
            lambda: next((c for c in self.slack.calls("webhook") if c.path.endswith(hook)), None),
            f"the answer to the {action_id} click",
        )

    def opened_view(self, trigger: str) -> dict[str, Any]:
        """The modal the bot opened for the click with this trigger id."""

        def found() -> dict[str, Any] | None:
            for call in self.slack.calls("views.open"):
                if call.body.get("trigger_id") == trigger:
                    view = call.body["view"]
                    parsed: dict[str, Any] = json.loads(view) if isinstance(view, str) else view
                    return parsed
            return None

        return self.wait(found, "the modal")

    def click_for_modal(self, action_id: str, value: str, ts: str) -> dict[str, Any]:
        """Click a button that opens a modal; returns the modal."""
        trigger = f"trigger-{uuid.uuid4().hex[:10]}"
        payload = sig.block_actions_payload(
            action_id,
            value,
            user_id=USER,
            channel_id=CHANNEL,
            message_ts=ts,
            response_url=self.slack.webhook_url(trigger),
            trigger_id=trigger,
        )
        self.post(sig.interaction_body(payload))
        return self.opened_view(trigger)

    def submit(self, view: dict[str, Any], values: dict[str, dict[str, Any]]) -> sig.Response:
        """Submit a modal with these state values."""
        payload = sig.view_submission_payload(
            view["callback_id"], values, private_metadata=view["private_metadata"], user_id=USER
        )
        return self.post(sig.interaction_body(payload))

    def root_ts(self, reference: str) -> str:
        """Wait until the case's message is in the channel; returns its ts."""

        def found() -> str | None:
            for call, answer in self.slack.answers("chat.postMessage"):
                text = str(call.body.get("text", ""))
                posted = answer.get("ok") and not call.body.get("thread_ts")
                if posted and text.startswith(f"{reference}:"):
                    return str(answer["ts"])
            return None

        return self.wait(found, f"{reference} in the channel")

    def thread_lines(self, ts: str) -> list[str]:
        """The lines posted in the thread under TS."""
        calls = self.slack.calls("chat.postMessage")
        return [str(c.body.get("text", "")) for c in calls if c.body.get("thread_ts") == ts]

    # waiting --------------------------------------------------------------------------------

    def wait(self, probe: Callable[[], T | None], what: str, timeout: float = WAIT) -> T:
        """Poll PROBE until it gives something (up to WAIT s); else fail with the logs."""
        deadline = time.monotonic() + timeout
        while True:
            value = probe()
            if value:
                return value
            dead = [n for n, p in self.processes.items() if p.poll() is not None]
            if dead or time.monotonic() > deadline:
                raise AssertionError(
                    f"[{self.store}] no {what} within {timeout:.0f} s"
                    + (f"; exited: {dead}" if dead else "")
                    + f"\n{self.logs()}"
                )
            time.sleep(0.5)

    def logs(self) -> str:
        """The tails of the processes' logs, for a failure message."""
        parts = []
        for name in self.processes:
            log = self.root / f"{name}.log"
            text = log.read_text(errors="replace") if log.exists() else ""
            parts.append(f"--- {name}.log (tail)\n{text[-3000:]}")
        return "\n".join(parts)

    # processes ------------------------------------------------------------------------------

    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        """`python -m rightsdesk ARGS` in the background, its output in NAME.log."""
        with (self.root / f"{name}.log").open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "rightsdesk", *args],
                env=self.env,
                cwd=self.root,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.processes[name] = process
        return process

    def stop(self) -> None:
        """SIGTERM every process and wait for it, as systemd stops the service."""
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)

    def unclean_stops(self) -> str:
        """What did not stop cleanly (an exit code, a traceback), with the logs; else ''."""
        unclean = []
        for name, process in self.processes.items():
            log = self.root / f"{name}.log"
            text = log.read_text(errors="replace") if log.exists() else ""
            if process.returncode != 0 or "Traceback" in text:
                unclean.append(f"{name} exited {process.returncode}")
        return f"[{self.store}] {', '.join(unclean)}\n{self.logs()}" if unclean else ""


def environment(
    *, db_url: str, root: Path, mailbox: Mailbox, smtp: SmtpSink, slack: FakeSlack
) -> dict[str, str]:
    """One settings file for the service and the terminal, as rightsdesk.env would hold."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "RIGHTSDESK_")) and "proxy" not in k.lower()
    }
    env.update(
        {
            "PYTHONPATH": str(ROOT),
            "PYTHONUNBUFFERED": "1",
            "RIGHTSDESK_DATABASE_URL": db_url,
            "RIGHTSDESK_CONFIG": str(ROOT / "rightsdesk.example.toml"),
            "RIGHTSDESK_NOW": NOW,
            "RIGHTSDESK_MAILDIR": str(root / "mail"),
            "RIGHTSDESK_IMAP_HOST": mailbox.host,
            "RIGHTSDESK_IMAP_PORT": str(mailbox.imap_port),
            "RIGHTSDESK_IMAP_USER": mailbox.user,
            "RIGHTSDESK_IMAP_PASSWORD": mailbox.password,
            "RIGHTSDESK_IMAP_SECURITY": "plain",
            "RIGHTSDESK_SMTP_HOST": smtp.host,
            "RIGHTSDESK_SMTP_PORT": str(smtp.port),
            "RIGHTSDESK_SMTP_SECURITY": "plain",
            "SLACK_BOT_TOKEN": "xoxb-journey-token",
            "SLACK_SIGNING_SECRET": SECRET,
            "RIGHTSDESK_SLACK_API_URL": slack.url,
            "RIGHTSDESK_SLACK_CHANNEL": CHANNEL,
            "RIGHTSDESK_SLACK_ALLOWED_USERS": USER,
            "RIGHTSDESK_TRUSTED_AUTHSERV_IDS": AUTHSERV_ID,
        }
    )
    return env


def wait_for_port(port: int, desk: Desk) -> None:
    """Wait until `bot --http` listens."""

    def listening() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
        except OSError:
            return False

    desk.wait(listening, f"bot listening on {port}", timeout=120)


def mail(
    sender: tuple[str, str],
    subject: str,
    body: str,
    *,
    reply_to: ReceivedMail | None = None,
    at: str = NOW,
) -> EmailMessage:
    """A mail a requester writes to the privacy address; a reply threads onto REPLY_TO."""
    message = EmailMessage()
    domain = sender[1].split("@")[1]
    message["Authentication-Results"] = f"{AUTHSERV_ID}; dmarc=pass header.from={domain}"
    message["From"] = f"{sender[0]} <{sender[1]}>"
    message["To"] = PRIVACY
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.fromisoformat(at))
    message["Message-ID"] = make_msgid(domain=sender[1].split("@")[1])
    if reply_to is not None:
        parent = str(reply_to.message["Message-ID"])
        message["In-Reply-To"] = parent
        message["References"] = parent
    message.set_content(body)
    return message


def text_of(received: ReceivedMail) -> str:
    """The plain-text body of a mail the SMTP server received."""
    part = received.message.get_body(("plain",))
    assert part is not None, "no text/plain part"
    return str(part.get_content())


def one_time_code(text: str) -> str:
    """The one-time code in the code mail: 4 + 4 characters of its alphabet (no 0, 1, I, O).

    The alphabet matters: "2026-0001" in the case reference has the same shape.
    """
    found = re.search(r"\b[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}\b", text)
    assert found is not None, "no one-time code in the mail"
    return found.group(0)
