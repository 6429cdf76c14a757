"""`rightsdesk poll --once`: one pass of intake and the outbox, then the command ends."""

from __future__ import annotations

import mailbox
import subprocess
import sys
from pathlib import Path

from tests.e2e.outbox_journey import ROOT, desk_env, rightsdesk
from tests.servers.smtp import SmtpSink

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
    db_url: str, tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    env = desk_env(db_url, tmp_path, smtp_sink.port)
    rightsdesk(env, "db", "upgrade")
    inbox = mailbox.Maildir(tmp_path / "mail" / "inbox", create=True)
    inbox.add(
        b"From: Aino Example <aino@example.com>\r\nTo: privacy@example.com\r\n"
        b"Subject: Tietopyynto\r\nMessage-ID: <once-1@example.com>\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
        + "Hei, haluan tietää mitä tietoja minusta on tallennettu.\r\n".encode()
    )

    def poll_once() -> str:
        run = subprocess.run(
            [sys.executable, "-c", _STRETCHED],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert run.returncode == 0, run.stderr
        return run.stdout.strip()

    assert poll_once() == "intake: 1 case_opened; outbox: 1 sent, 0 deferred, 0 failed"
    smtp_sink.wait_for(1, timeout=30)
    (ack,) = smtp_sink.messages
    assert ack.rcpt_tos == ("aino@example.com",)
    assert ack.message["In-Reply-To"] == "<once-1@example.com>"
    # Nothing new and nothing to send: no mail's commit wakes the outbox, the end must.
    assert poll_once() == "intake: nothing new; outbox: 0 sent, 0 deferred, 0 failed"
