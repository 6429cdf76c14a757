"""`rightsdesk mail check` against a real Dovecot and aiosmtpd: it reports, changes nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.servers.dovecot import Mailbox
from tests.servers.smtp import SmtpSink

ROOT = Path(__file__).resolve().parents[2]
TRUSTED = "mx.rightsdesk-test.invalid"

pytestmark = pytest.mark.dovecot


def _mail(tag: str, *auth: str) -> bytes:
    head = "".join(f"Authentication-Results: {a}\r\n" for a in auth)
    return (
        f"{head}From: Aino <aino@example.com>\r\nTo: privacy@targetpartners.example\r\n"
        f"Subject: Tietopyynto\r\nMessage-ID: <{tag}@example.com>\r\n\r\nHei.\r\n"
    ).encode()


def _env(mailbox: Mailbox, smtp_sink: SmtpSink, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RIGHTSDESK_", "SLACK_"))}
    env.update(
        RIGHTSDESK_CONFIG=str(ROOT / "rightsdesk.example.toml"),
        RIGHTSDESK_IMAP_HOST=mailbox.host,
        RIGHTSDESK_IMAP_PORT=str(mailbox.imap_port),
        RIGHTSDESK_IMAP_USER=mailbox.user,
        RIGHTSDESK_IMAP_PASSWORD=mailbox.password,
        RIGHTSDESK_IMAP_SECURITY="plain",
        RIGHTSDESK_SMTP_HOST="127.0.0.1",
        RIGHTSDESK_SMTP_PORT=str(smtp_sink.port),
        RIGHTSDESK_SMTP_SECURITY="plain",
        RIGHTSDESK_TRUSTED_AUTHSERV_IDS=TRUSTED,
    )
    env.update(extra)
    return env


def _check(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rightsdesk", "mail", "check"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_good_mailbox_is_reported_and_left_as_it_was(mailbox: Mailbox, smtp_sink: Any) -> None:
    mailbox.append(_mail("a-1", f"{TRUSTED}; dmarc=pass header.from=example.com"))
    mailbox.append(_mail("a-2"))
    mailbox.append(_mail("a-3", f"{TRUSTED}; spf=pass smtp.mailfrom=example.com"), "Processed")

    # The test Dovecot creates the usual folders itself; a failed folder of another name not.
    done = _check(_env(mailbox, smtp_sink, RIGHTSDESK_IMAP_FAILED_FOLDER="Rejected"))

    assert done.returncode == 0, done.stderr
    out = done.stdout.splitlines()
    assert (
        f"IMAP {mailbox.host}:{mailbox.imap_port}: logged in as {mailbox.user} (plain, password)"
        in out
    )
    assert "folder inbox: INBOX (exists)" in out
    assert "folder processed: Processed (exists)" in out
    assert "folder failed: Rejected (missing)" in out
    assert any(line.startswith("folder sent: Sent (") for line in out)
    assert "recent mail: 2 of the last 3 carry a trusted Authentication-Results header" in out
    assert f"SMTP 127.0.0.1:{smtp_sink.port}: logged in (plain, no login), nothing sent" in out
    assert done.stderr == ""
    assert smtp_sink.messages == []
    with mailbox.client() as client:
        assert not client.folder_exists("Rejected")  # a check creates nothing
        client.select_folder("INBOX", readonly=True)
        assert all(b"\\Seen" not in f for f in client.get_flags(client.search("ALL")).values())


def test_each_problem_is_one_line_and_the_exit_code_is_1(mailbox: Mailbox, smtp_sink: Any) -> None:
    mailbox.append(_mail("b-1", "mx.evil.invalid; dmarc=pass header.from=example.com"))
    foreign = _check(_env(mailbox, smtp_sink))
    assert foreign.returncode == 1
    assert foreign.stderr.splitlines() == [
        "problem: none of the last 1 messages has an Authentication-Results header from"
        " RIGHTSDESK_TRUSTED_AUTHSERV_IDS (authserv-ids found: mx.evil.invalid)"
    ]

    smtp_sink.stop()
    broken = _check(
        _env(
            mailbox, smtp_sink, RIGHTSDESK_IMAP_PASSWORD="wrong", RIGHTSDESK_TRUSTED_AUTHSERV_IDS=""
        )
    )
    smtp_sink.start()
    assert broken.returncode == 1
    problems = broken.stderr.splitlines()
    assert len(problems) == 2 and all(p.startswith("problem: ") for p in problems)
    assert problems[0].startswith(f"problem: IMAP {mailbox.host}:{mailbox.imap_port}: ")
    assert problems[1].startswith(f"problem: SMTP 127.0.0.1:{smtp_sink.port}: ")
    assert "wrong" not in broken.stdout + broken.stderr and "Traceback" not in broken.stderr


def test_the_maildir_is_checked_when_imap_is_not_configured(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RIGHTSDESK_", "SLACK_"))}
    env.update(
        RIGHTSDESK_CONFIG=str(ROOT / "rightsdesk.example.toml"),
        RIGHTSDESK_MAILDIR=str(tmp_path / "mail"),
        RIGHTSDESK_TRUSTED_AUTHSERV_IDS="google-workspace",
    )
    inbox = tmp_path / "mail" / "inbox"
    for sub in ("new", "cur", "tmp"):
        (inbox / sub).mkdir(parents=True)
    (inbox / "new" / "1.eml").write_bytes(
        _mail("c-1", "mx.google.com; dmarc=pass header.from=x.example")
    )

    done = _check(env)

    assert done.returncode == 0, done.stderr
    assert "recent mail: 1 of the last 1 carry a trusted Authentication-Results header" in (
        done.stdout
    )
    assert f"SMTP is not configured: replies go to {tmp_path / 'mail' / 'outbox'}" in done.stdout
