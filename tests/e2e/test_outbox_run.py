"""Mail queued at the terminal leaves through the outbox component of a running process.

`rightsdesk run` (and `rightsdesk bot --http` on its own) runs as a subprocess against
aiosmtpd; the contact person acts at the terminal in separate processes. The inbox stays
empty, so no intake pass is what sends the mail.
"""

from __future__ import annotations

from collections.abc import Callable
from email import message_from_bytes
from pathlib import Path

from tests.e2e.outbox_journey import (
    customer,
    desk_env,
    import_register,
    open_linked_case,
    rightsdesk,
    start_run,
    stop,
    verify_and_fulfil,
    wait,
    wait_outbox_running,
)
from tests.e2e.slack_bot import bot_environment, running_bot
from tests.servers.slack_fake import FakeSlack
from tests.servers.smtp import ReceivedMail, SmtpSink


def _arrived(sink: SmtpSink, to: str, subject_part: str) -> Callable[[], ReceivedMail | None]:
    def found() -> ReceivedMail | None:
        return next(
            (
                m
                for m in list(sink.messages)
                if m.rcpt_tos == (to,) and subject_part in str(m.message["Subject"])
            ),
            None,
        )

    return found


def test_code_and_approved_reply_queued_at_the_terminal_leave_while_run_runs(
    db_url: str, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    env = desk_env(db_url, tmp_path, smtp_sink.port)
    import_register(env, tmp_path, 1)
    reference = open_linked_case(env, 1)
    _, register_address, other_address = customer(1)
    proc = start_run(env, tmp_path, "--no-bot")
    try:
        wait_outbox_running(env)
        assert smtp_sink.messages == []  # nothing queued yet: the letter gets no acknowledgement

        rightsdesk(env, "cases", "identify", reference)
        code = wait(_arrived(smtp_sink, register_address, reference), "the code mail at SMTP")
        verify_and_fulfil(env, reference)
        rightsdesk(env, "cases", "approve", reference)
        reply = wait(_arrived(smtp_sink, other_address, reference), "the approved reply at SMTP")
        assert proc.poll() is None
    finally:
        stderr = stop(proc, tmp_path)
    assert proc.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert "component=intake event=pass" not in stderr  # intake had nothing to do
    assert "component=outbox event=pass sent=1" in stderr
    assert [code.message["Message-ID"], reply.message["Message-ID"]] == [
        m.message["Message-ID"] for m in smtp_sink.messages
    ]  # each once, the code first
    copies = [
        str(message_from_bytes(path.read_bytes())["Message-ID"])
        for path in (tmp_path / "mail" / "sent" / "new").iterdir()
    ]  # the outbox keeps a copy of each in the Maildir's sent/, as intake did
    assert sorted(copies) == sorted([code.message["Message-ID"], reply.message["Message-ID"]])


def test_bot_http_alone_sends_a_reply_approved_at_the_terminal(
    db_url: str, smtp_sink: SmtpSink, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    env = desk_env(db_url, tmp_path, smtp_sink.port)
    env.update(bot_environment(db_url, fake_slack, RIGHTSDESK_SLACK_CHANNEL=""))
    env.pop("RIGHTSDESK_NOW")  # the terminal and the bot share the real clock
    import_register(env, tmp_path, 1)
    reference = open_linked_case(env, 1)
    _, _, other_address = customer(1)
    with running_bot(env, tmp_path):
        wait_outbox_running(env)
        verify_and_fulfil(env, reference)
        rightsdesk(env, "cases", "approve", reference)
        reply = wait(_arrived(smtp_sink, other_address, reference), "the approved reply at SMTP")
    assert f"[{reference}]" in str(reply.message["Subject"])
    assert len(smtp_sink.messages) == 1
    log = (tmp_path / "bot.log").read_text(errors="replace")
    assert "Traceback" not in log
