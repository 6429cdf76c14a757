"""`rightsdesk poll --once`: one pass of intake and the outbox, then the command ends."""

from __future__ import annotations

import mailbox
import os
import subprocess
import sys
from email import message_from_bytes
from email.policy import default
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# The CLI with the outbox's wait slice stretched to an hour: a pass that waited its slice
# out after intake's end would be killed by the timeout below instead of ending.
_STRETCHED = (
    "import sys\n"
    "import rightsdesk.outbox_component as outbox\n"
    "outbox.WAIT_SLICE = 3600.0\n"
    "from rightsdesk.cli import main\n"
    "sys.exit(main(['poll', '--once']))\n"
)


def test_a_single_pass_ends_when_intake_ends_with_or_without_mail_to_send(
    tmp_path: Path,
) -> None:
    (tmp_path / "mail").mkdir()
    inbox = mailbox.Maildir(tmp_path / "mail" / "inbox", create=True)
    inbox.add(
        b"From: Aino Example <aino@example.com>\r\nTo: privacy@example.com\r\n"
        b"Subject: Tietopyynto\r\nMessage-ID: <once-1@example.com>\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
        + "Hei, haluan tietää mitä tietoja minusta on tallennettu.\r\n".encode()
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RIGHTSDESK_", "SLACK_"))}
    env.update(
        RIGHTSDESK_DATABASE_URL=f"sqlite:///{tmp_path / 'desk.db'}",
        RIGHTSDESK_MAILDIR=str(tmp_path / "mail"),
        RIGHTSDESK_CONFIG=str(ROOT / "rightsdesk.example.toml"),
    )
    subprocess.run(
        [sys.executable, "-m", "rightsdesk", "db", "upgrade"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        check=True,
        timeout=120,
    )

    def poll_once() -> str:
        run = subprocess.run(
            [sys.executable, "-c", _STRETCHED],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert run.returncode == 0, run.stderr
        return run.stdout.strip()

    assert poll_once() == "intake: 1 case_opened; outbox: 1 sent, 0 deferred, 0 failed"
    sent = mailbox.Maildir(tmp_path / "mail" / "outbox", factory=None)
    (key,) = list(sent.keys())
    ack = message_from_bytes(sent.get_bytes(key), policy=default)
    assert ack["To"] == "aino@example.com"
    assert ack["In-Reply-To"] == "<once-1@example.com>"
    # Nothing new and nothing to send: no mail's commit wakes the outbox, the end must.
    assert poll_once() == "intake: nothing new; outbox: 0 sent, 0 deferred, 0 failed"
