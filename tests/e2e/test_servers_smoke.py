"""The loopback servers behave like the real ones the tests stand in for."""

from __future__ import annotations

import smtplib
import time
from email import policy
from email.message import EmailMessage

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook import WebhookClient
from sqlalchemy import create_engine, text

from tests.servers import ci_or_skip
from tests.servers import postgres as pg
from tests.servers.dovecot import DovecotServer, Mailbox
from tests.servers.slack_fake import WEBHOOK, FakeSlack
from tests.servers.slack_signing import signed_headers, slash_command_body
from tests.servers.smtp import SmtpSink


def _raw(subject: str, message_id: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Maija Meikäläinen <maija@example.com>"
    msg["To"] = "desk@example.com"
    msg["Subject"] = subject
    msg["Message-ID"] = message_id
    msg.set_content("Pyydän pääsyä tietoihini.\n")
    return msg.as_bytes(policy=policy.SMTP)  # CRLF, as on the wire


def test_mail_delivered_by_lmtp_is_fetched_with_body_peek_and_stays_unseen(
    mailbox: Mailbox,
) -> None:
    mailbox.deliver_lmtp(_raw("Tietopyyntö", "<smoke-1@example.com>"))

    client = mailbox.client()
    try:
        client.select_folder("INBOX")
        uids = client.search(["UID", "1:*"])
        fetched = client.fetch(uids, ["BODY.PEEK[]", "FLAGS"])
    finally:
        client.logout()

    assert len(uids) == 1
    (data,) = fetched.values()
    assert b"Message-ID: <smoke-1@example.com>" in data[b"BODY[]"]
    assert b"Delivered-To: " + mailbox.user.encode() in data[b"BODY[]"]
    assert b"\\Seen" not in data[b"FLAGS"]
    assert b"\\Seen" not in mailbox.flags("INBOX", uids[0])


def test_a_message_appended_to_processed_gets_a_uid_there_and_not_in_the_inbox(
    mailbox: Mailbox,
) -> None:
    uid = mailbox.append(_raw("Done", "<smoke-2@example.com>"), folder="Processed")

    assert uid is not None
    assert mailbox.folder_uids("Processed") == [uid]
    assert mailbox.folder_uids("INBOX") == []


def test_each_mailbox_starts_with_the_four_folders_and_nothing_in_them(mailbox: Mailbox) -> None:
    client = mailbox.client()
    try:
        names = {name for _flags, _sep, name in client.list_folders()}
    finally:
        client.logout()

    assert names == {"INBOX", "Processed", "Failed", "Sent"}
    assert all(mailbox.folder_uids(name) == [] for name in names)


def test_mail_survives_a_dovecot_stop_and_restart_on_the_same_ports(
    private_dovecot: DovecotServer,
) -> None:
    ports = (private_dovecot.imap_port, private_dovecot.lmtp_port)
    private_dovecot.deliver_lmtp(_raw("Before restart", "<smoke-3@example.com>"))

    private_dovecot.stop()
    with pytest.raises(OSError):
        private_dovecot.client()
    private_dovecot.start()

    assert (private_dovecot.imap_port, private_dovecot.lmtp_port) == ports
    assert private_dovecot.folder_uids("INBOX") == [1]


def test_mail_survives_a_dovecot_crash(private_dovecot: DovecotServer) -> None:
    private_dovecot.deliver_lmtp(_raw("Before crash", "<smoke-4@example.com>"))

    private_dovecot.kill()
    private_dovecot.start()

    assert private_dovecot.folder_uids("INBOX") == [1]


def test_mail_sent_with_smtplib_is_recorded_by_the_sink_as_sent(smtp_sink: SmtpSink) -> None:
    raw = _raw("Vastaus", "<smoke-5@example.com>")
    with smtplib.SMTP(smtp_sink.host, smtp_sink.port, timeout=5) as smtp:
        smtp.sendmail("desk@example.com", ["maija@example.com"], raw)

    (mail,) = smtp_sink.wait_for(1)
    assert mail.mail_from == "desk@example.com"
    assert mail.rcpt_tos == ("maija@example.com",)
    assert mail.message["Message-ID"] == "<smoke-5@example.com>"
    assert mail.message.get_content().splitlines() == ["Pyydän pääsyä tietoihini."]


def test_the_sink_accepts_mail_again_after_a_restart_on_the_same_port(
    smtp_sink: SmtpSink,
) -> None:
    port = smtp_sink.port
    smtp_sink.stop()
    with pytest.raises(OSError):
        smtplib.SMTP(smtp_sink.host, port, timeout=2)
    smtp_sink.start()

    with smtplib.SMTP(smtp_sink.host, smtp_sink.port, timeout=5) as smtp:
        smtp.sendmail("desk@example.com", ["maija@example.com"], _raw("Again", "<smoke-6@x>"))

    assert smtp_sink.port == port
    assert len(smtp_sink.wait_for(1)) == 1


def test_a_failure_injected_in_the_sink_reaches_the_client_as_a_temporary_error(
    smtp_sink: SmtpSink,
) -> None:
    smtp_sink.fail_next(1)
    with smtplib.SMTP(smtp_sink.host, smtp_sink.port, timeout=5) as smtp:
        with pytest.raises(smtplib.SMTPDataError) as failure:
            smtp.sendmail("desk@example.com", ["maija@example.com"], _raw("A", "<smoke-7@x>"))
        smtp.sendmail("desk@example.com", ["maija@example.com"], _raw("B", "<smoke-8@x>"))

    assert failure.value.smtp_code == 451
    assert [m.message["Subject"] for m in smtp_sink.wait_for(1)] == ["B"]


@pytest.mark.postgres
def test_a_postgres_database_can_be_created_queried_and_dropped() -> None:
    if not pg.available():
        ci_or_skip("PostgreSQL is not reachable")
    name = pg.unique_name()
    engine = create_engine(pg.create_database(name))
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT current_database()")).scalar() == name
            assert conn.execute(text("SELECT 1")).scalar() == 1
    finally:
        engine.dispose()
        pg.drop_database(name)

    admin = create_engine(pg.postgres_admin_url())
    try:
        with admin.connect() as conn:
            query = text("SELECT count(*) FROM pg_database WHERE datname = :n")
            assert conn.execute(query, {"n": name}).scalar() == 0
    finally:
        admin.dispose()


def test_db_url_gives_an_empty_working_database(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE probe (id INTEGER PRIMARY KEY)"))
            conn.execute(text("INSERT INTO probe (id) VALUES (1)"))
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM probe")).scalar() == 1
    finally:
        engine.dispose()


def test_chat_post_message_through_web_client_is_recorded_with_its_token(
    fake_slack: FakeSlack,
) -> None:
    client = WebClient(token="xoxb-test", base_url=fake_slack.url)

    first = client.chat_postMessage(channel="C1", text="New request DSR-2026-0001")
    second = client.chat_postMessage(channel="C1", text="Another")

    (call, _) = fake_slack.wait_for("chat.postMessage", 2)
    assert call.token == "xoxb-test"
    assert call.body["text"] == "New request DSR-2026-0001"
    assert first["channel"] == "C1"
    assert float(second["ts"]) > float(first["ts"])
    assert client.auth_test()["user_id"] == "UBOT"


def test_a_rate_limit_set_on_the_fake_reaches_the_client_then_clears(
    fake_slack: FakeSlack,
) -> None:
    fake_slack.set_response(
        "chat.postMessage",
        {"ok": False, "error": "ratelimited"},
        status=429,
        headers={"Retry-After": "1"},
        times=1,
    )
    client = WebClient(token="xoxb-test", base_url=fake_slack.url)

    with pytest.raises(SlackApiError) as failure:
        client.chat_postMessage(channel="C1", text="x")

    assert failure.value.response.status_code == 429
    assert failure.value.response.headers["retry-after"] == "1"
    assert client.chat_postMessage(channel="C1", text="x")["ok"] is True


def test_posts_to_a_response_url_are_recorded_as_webhooks(fake_slack: FakeSlack) -> None:
    response = WebhookClient(fake_slack.webhook_url("r1")).send(text="Case opened")

    assert response.status_code == 200
    (call,) = fake_slack.calls(WEBHOOK)
    assert call.path == "/webhook/r1"
    assert call.body["text"] == "Case opened"


def test_a_signed_slash_command_passes_slack_sdk_verification_and_a_stale_one_fails() -> None:
    body = slash_command_body(text="list")
    now = int(time.time())
    verifier = SignatureVerifier("shh")

    fresh = signed_headers("shh", body, now)
    stale = signed_headers("shh", body, now - 600)

    assert fresh["Content-Type"] == "application/x-www-form-urlencoded"
    assert verifier.is_valid_request(body, fresh)
    assert not verifier.is_valid_request(body, stale)
    assert not SignatureVerifier("other").is_valid_request(body, fresh)
