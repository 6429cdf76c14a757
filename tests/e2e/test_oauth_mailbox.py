"""A mailbox that takes only OAuth 2.0: Dovecot's oauth2 passdb and an XOAUTH2-only SMTP server.

Each grant rightsdesk supports signs in for real against the tests' own authorization server;
the mail server checks every token there by introspection (RFC 7662).
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import create_engine, text

from tests.mailgen import request_mail
from tests.servers import ci_or_skip
from tests.servers.dovecot import DovecotServer, find_dovecot
from tests.servers.oauth import CLIENT_ID, CLIENT_SECRET, OAuthServer
from tests.servers.smtp import SmtpSink

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def oauth_server() -> Iterator[OAuthServer]:
    server = OAuthServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def oauth_dovecot(oauth_server: OAuthServer) -> Iterator[DovecotServer]:
    binary = find_dovecot()
    if binary is None:
        ci_or_skip("dovecot is not installed (scripts/install-test-servers.sh)")
    server = DovecotServer(binary=binary, oauth=oauth_server)
    server.start()
    yield server
    server.close()


@pytest.fixture(scope="module")
def oauth_smtp(oauth_server: OAuthServer) -> Iterator[SmtpSink]:
    sink = SmtpSink(oauth=oauth_server)
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def desk(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    oauth_server: OAuthServer,
    oauth_dovecot: DovecotServer,
    oauth_smtp: SmtpSink,
) -> dict[str, Any]:
    """A mailbox of the test's own and the environment of a desk that signs in with OAuth."""
    mailbox = f"desk-{request.node.name[:40].replace('_', '-')}@example.com".lower()
    oauth_server.state.app_user = mailbox
    oauth_server.state.consent_user = mailbox
    oauth_server.state.lifetime = 3600
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RIGHTSDESK_", "SLACK_"))}
    env.update(
        RIGHTSDESK_DATABASE_URL=f"sqlite:///{tmp_path / 'desk.db'}",
        RIGHTSDESK_CONFIG=str(ROOT / "rightsdesk.example.toml"),
        RIGHTSDESK_MAILDIR=str(tmp_path / "mail"),
        RIGHTSDESK_IMAP_HOST="127.0.0.1",
        RIGHTSDESK_IMAP_PORT=str(oauth_dovecot.imap_port),
        RIGHTSDESK_IMAP_SECURITY="plain",
        RIGHTSDESK_IMAP_USER=mailbox,
        RIGHTSDESK_IMAP_AUTH="oauth2",
        RIGHTSDESK_SMTP_HOST="127.0.0.1",
        RIGHTSDESK_SMTP_PORT=str(oauth_smtp.port),
        RIGHTSDESK_SMTP_SECURITY="plain",
        RIGHTSDESK_SMTP_AUTH="oauth2",
        RIGHTSDESK_MAIL_FROM=mailbox,
        RIGHTSDESK_OAUTH_PROVIDER="custom",
        RIGHTSDESK_OAUTH_CLIENT_ID=CLIENT_ID,
        RIGHTSDESK_OAUTH_TOKEN_URL=f"{oauth_server.url}/token",
        RIGHTSDESK_OAUTH_DEVICE_URL=f"{oauth_server.url}/device",
        RIGHTSDESK_OAUTH_AUTHORIZE_URL=f"{oauth_server.url}/authorize",
        RIGHTSDESK_OAUTH_SCOPE="mail offline_access",
        RIGHTSDESK_OAUTH_TOKEN_FILE=str(tmp_path / "oauth.json"),
    )
    return {"env": env, "mailbox": mailbox, "tmp": tmp_path}


def _cli(env: dict[str, str], *args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rightsdesk", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        **kwargs,
    )


def _deliver(server: DovecotServer, mailbox: str, n: int) -> str:
    """A request from person{n}@example.com into the mailbox's INBOX; returns the sender."""
    server.append(request_mail(n, language="fi")[0], user=mailbox)
    return f"person{n}@example.com"


def _acknowledged(sink: SmtpSink, requester: str, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for mail in sink.messages:
            if requester in mail.rcpt_tos:
                return mail
        time.sleep(0.2)
    raise AssertionError(f"no acknowledgement to {requester} at the SMTP server")


def test_app_only_client_credentials_take_in_and_acknowledge_mail(
    desk: dict[str, Any],
    oauth_server: OAuthServer,
    oauth_dovecot: DovecotServer,
    oauth_smtp: SmtpSink,
) -> None:
    env = {**desk["env"], "RIGHTSDESK_OAUTH_CLIENT_SECRET": CLIENT_SECRET}
    requester = _deliver(oauth_dovecot, desk["mailbox"], 101)
    done = _cli(env, "poll", "--once")
    assert done.returncode == 0, done.stderr
    mail = _acknowledged(oauth_smtp, requester)
    assert mail.login == desk["mailbox"]
    assert oauth_dovecot.folder_uids("Processed", user=desk["mailbox"])
    assert "client_credentials" in oauth_server.state.grants


def test_a_saved_refresh_token_works_without_a_client_secret_and_is_rotated_on_disk(
    desk: dict[str, Any],
    oauth_server: OAuthServer,
    oauth_dovecot: DovecotServer,
    oauth_smtp: SmtpSink,
) -> None:
    old = "rt-saved-by-an-earlier-login"
    oauth_server.state.refresh[old] = desk["mailbox"]
    token_file: Path = desk["tmp"] / "oauth.json"
    token_file.write_text(json.dumps({"refresh_token": old}))
    requester = _deliver(oauth_dovecot, desk["mailbox"], 102)
    done = _cli(desk["env"], "poll", "--once")
    assert done.returncode == 0, done.stderr
    _acknowledged(oauth_smtp, requester)
    saved = json.loads(token_file.read_text())
    assert saved["refresh_token"] != old and saved["refresh_token"] in oauth_server.state.refresh
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert old not in token_file.read_text()


def test_mail_login_with_the_device_grant_saves_a_token_that_a_poll_then_uses(
    desk: dict[str, Any],
    oauth_server: OAuthServer,
    oauth_dovecot: DovecotServer,
    oauth_smtp: SmtpSink,
) -> None:
    login = subprocess.Popen(
        [sys.executable, "-m", "rightsdesk", "mail", "login"],
        env=desk["env"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert login.stdout is not None
    first = login.stdout.readline()  # "Open URL and enter the code CODE"
    assert "/device" in first
    oauth_server.approve_device(first.split()[-1], desk["mailbox"])
    out, err = login.communicate(timeout=60)
    assert login.returncode == 0, err
    assert "signed in" in out
    token_file: Path = desk["tmp"] / "oauth.json"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    requester = _deliver(oauth_dovecot, desk["mailbox"], 103)
    done = _cli(desk["env"], "poll", "--once")  # no client secret anywhere
    assert done.returncode == 0, done.stderr
    _acknowledged(oauth_smtp, requester)


def test_mail_login_with_pkce_takes_the_redirected_address_pasted_back(
    desk: dict[str, Any], oauth_server: OAuthServer
) -> None:
    login = subprocess.Popen(
        [sys.executable, "-m", "rightsdesk", "mail", "login", "--flow", "code"],
        env=desk["env"],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert login.stdout is not None and login.stdin is not None
    login.stdout.readline()  # the instruction
    url = login.stdout.readline().strip()
    assert "code_challenge=" in url and "code_challenge_method=S256" in url
    # The browser: the provider redirects to the loopback address with the code.
    redirected = requests.get(url, allow_redirects=False, timeout=10).headers["Location"]
    _, err = login.communicate(redirected + "\n", timeout=60)
    assert login.returncode == 0, err
    saved = json.loads((desk["tmp"] / "oauth.json").read_text())
    assert oauth_server.state.refresh[saved["refresh_token"]] == desk["mailbox"]


def test_a_google_style_service_account_signs_in_with_a_jwt_bearer_assertion(
    desk: dict[str, Any],
    oauth_server: OAuthServer,
    oauth_dovecot: DovecotServer,
    oauth_smtp: SmtpSink,
) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    issuer = "rightsdesk@project.iam.example.com"
    oauth_server.state.public_keys[issuer] = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    account: Path = desk["tmp"] / "service-account.json"
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    account.write_text(
        json.dumps(
            {
                "type": "service_account",
                "client_email": issuer,
                "private_key_id": "k1",
                "private_key": pem,
                "token_uri": f"{oauth_server.url}/token",
            }
        )
    )
    env = {**desk["env"], "RIGHTSDESK_OAUTH_SERVICE_ACCOUNT_FILE": str(account)}
    requester = _deliver(oauth_dovecot, desk["mailbox"], 104)
    done = _cli(env, "poll", "--once")
    assert done.returncode == 0, done.stderr
    assert _acknowledged(oauth_smtp, requester).login == desk["mailbox"]
    assert "urn:ietf:params:oauth:grant-type:jwt-bearer" in oauth_server.state.grants


def test_a_wrong_client_secret_is_one_line_naming_the_setting(
    desk: dict[str, Any], oauth_dovecot: DovecotServer
) -> None:
    _deliver(oauth_dovecot, desk["mailbox"], 105)
    env = {**desk["env"], "RIGHTSDESK_OAUTH_CLIENT_SECRET": "not-the-secret"}
    done = _cli(env, "poll", "--once")
    assert done.returncode == 2
    errors = [line for line in done.stderr.splitlines() if "example controller config" not in line]
    assert len(errors) == 1, done.stderr  # one line (besides the example config's warning)
    assert "invalid_client" in done.stderr and "RIGHTSDESK_OAUTH_CLIENT_SECRET" in done.stderr
    assert "Traceback" not in done.stderr
    assert oauth_dovecot.folder_uids("INBOX", user=desk["mailbox"])  # nothing lost


def test_a_revoked_refresh_token_asks_for_a_new_login(desk: dict[str, Any]) -> None:
    (desk["tmp"] / "oauth.json").write_text(json.dumps({"refresh_token": "rt-revoked"}))
    done = _cli(desk["env"], "poll", "--once")
    assert done.returncode == 2
    assert "invalid_grant" in done.stderr and "rightsdesk mail login" in done.stderr


def _run(env: dict[str, str], tmp: Path) -> subprocess.Popen[bytes]:
    with (tmp / "run.out").open("wb") as out, (tmp / "run.err").open("wb") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "rightsdesk", "run", "--plain-logs"],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=err,
        )


def test_run_keeps_working_across_token_expiry_and_a_token_server_outage(
    desk: dict[str, Any],
    oauth_server: OAuthServer,
    oauth_dovecot: DovecotServer,
    oauth_smtp: SmtpSink,
) -> None:
    oauth_server.state.lifetime = 62  # renewed a minute early: a fresh token every session
    env = {**desk["env"], "RIGHTSDESK_OAUTH_CLIENT_SECRET": CLIENT_SECRET}
    first = _deliver(oauth_dovecot, desk["mailbox"], 106)
    oauth_server.stop()  # the token server is down when the desk starts
    proc = _run(env, desk["tmp"])
    try:
        deadline = time.monotonic() + 60
        shown = ""
        while time.monotonic() < deadline and "unreachable" not in shown:
            assert proc.poll() is None, (desk["tmp"] / "run.err").read_text()
            shown = _cli(env, "health", "--json").stdout  # the reason, for the person
            time.sleep(1)
        assert "OAuthTokenError: unreachable" in shown
        assert not [m for m in oauth_smtp.messages if first in m.rcpt_tos]
        oauth_server.start()
        _acknowledged(oauth_smtp, first, timeout=90)  # taken in and sent once it is back
        requested = len(oauth_server.state.grants)
        time.sleep(2.5)  # the token of the first session has gone stale meanwhile
        second = _deliver(oauth_dovecot, desk["mailbox"], 107)
        _acknowledged(oauth_smtp, second, timeout=90)
        assert len(oauth_server.state.grants) > requested  # a new token for the new session
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    err = (desk["tmp"] / "run.err").read_text()
    assert "Traceback" not in err and CLIENT_SECRET not in err


def test_a_refused_cached_token_is_forgotten_and_a_fresh_one_fetched_without_spending_attempts(
    desk: dict[str, Any],
    oauth_server: OAuthServer,
    oauth_dovecot: DovecotServer,
    oauth_smtp: SmtpSink,
) -> None:
    """The servers refuse the cached token (revoked an hour before its expiry): IMAP answers
    AUTHENTICATIONFAILED, SMTP 535. The desk drops it, fetches a fresh one once and goes on;
    the acknowledgement's outbox row spends one attempt, its own."""
    env = {**desk["env"], "RIGHTSDESK_OAUTH_CLIENT_SECRET": CLIENT_SECRET}
    env["RIGHTSDESK_IMAP_SENT_FOLDER"] = ""  # no IMAP login after a send: SMTP meets it first
    first = _deliver(oauth_dovecot, desk["mailbox"], 108)
    proc = _run(env, desk["tmp"])
    try:
        _acknowledged(oauth_smtp, first, timeout=90)
        requested = len(oauth_server.state.grants)
        oauth_server.revoke_access_tokens()  # the cached token is an hour from its expiry
        second = _deliver(oauth_dovecot, desk["mailbox"], 109)  # the IDLE session goes on
        _acknowledged(oauth_smtp, second, timeout=90)  # SMTP said 535 to the cached token
        assert len(oauth_server.state.grants) > requested  # a fresh token was fetched
        requested = len(oauth_server.state.grants)
        oauth_server.revoke_access_tokens()
        oauth_dovecot.restart()  # the IDLE session ends: the next login uses the cached token
        third = _deliver(oauth_dovecot, desk["mailbox"], 110)
        _acknowledged(oauth_smtp, third, timeout=90)
        assert len(oauth_server.state.grants) > requested
        assert proc.poll() is None
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    err = (desk["tmp"] / "run.err").read_text()
    assert "IMAP refused the cached OAuth token" in err
    assert "SMTP refused the cached OAuth token" in err
    assert "Traceback" not in err and CLIENT_SECRET not in err
    engine = create_engine(env["RIGHTSDESK_DATABASE_URL"])
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT status, attempts FROM outbox")).all()
    finally:
        engine.dispose()
    assert sorted(tuple(r) for r in rows) == [("sent", 1)] * 3


def test_mail_check_logs_in_to_both_servers_with_oauth_and_names_a_broken_secret(
    desk: dict[str, Any], oauth_dovecot: DovecotServer
) -> None:
    env = {
        **desk["env"],
        "RIGHTSDESK_OAUTH_CLIENT_SECRET": CLIENT_SECRET,
        "RIGHTSDESK_TRUSTED_AUTHSERV_IDS": "mx.oauth.example",
    }
    stamped = b"Authentication-Results: mx.oauth.example; dmarc=pass header.from=example.com\r\n"
    oauth_dovecot.append(stamped + request_mail(108, language="fi")[0], user=desk["mailbox"])
    checked = _cli(env, "mail", "check", "--create-folders")
    assert checked.returncode == 0, checked.stderr
    assert f"logged in as {desk['mailbox']} (plain, OAuth 2.0)" in checked.stdout
    assert "logged in (plain, OAuth 2.0), nothing sent" in checked.stdout
    assert "recent mail: 1 of the last 1 carry a trusted" in checked.stdout

    broken = _cli({**env, "RIGHTSDESK_OAUTH_CLIENT_SECRET": "wrong"}, "mail", "check")
    assert broken.returncode == 1
    problems = [line for line in broken.stderr.splitlines() if line.startswith("problem:")]
    assert any("IMAP" in p and "invalid_client" in p for p in problems)
    assert any("SMTP" in p and "invalid_client" in p for p in problems)
    assert "Traceback" not in broken.stderr
