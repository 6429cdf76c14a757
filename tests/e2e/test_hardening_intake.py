"""Hostile bytes in mail through `rightsdesk poll` on a Maildir: cases open, logs stay clean."""

from __future__ import annotations

import json
import mailbox
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import select

from store import migrate
from store.engine import make_engine, new_session
from store.models import Message, Quarantine
from tests.e2e.slack_bot import ROOT

NOW = "2026-03-10T10:00:00+02:00"
SECRET_PHRASE = "Salainen lause: kissani nimi on Viiru"


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    migrate.upgrade(eng)
    yield eng
    eng.dispose()


def _env(db_url: str, maildir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RIGHTSDESK_", "SLACK_"))}
    env.update(
        RIGHTSDESK_DATABASE_URL=db_url,
        RIGHTSDESK_CONFIG=str(ROOT / "rightsdesk.example.toml"),
        RIGHTSDESK_NOW=NOW,
        RIGHTSDESK_MAILDIR=str(maildir),
        **extra,
    )
    return env


def _rightsdesk(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rightsdesk", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _deliver(maildir: Path, raw: bytes) -> None:
    maildir.mkdir(parents=True, exist_ok=True)
    mailbox.Maildir(maildir / "inbox", factory=None, create=True).add(raw)


def _mail(subject: bytes, body: bytes, *, name: bytes = b"Maija Virtanen") -> bytes:
    return (
        b'From: "' + name + b'" <maija.virtanen@example.com>\r\n'
        b"To: privacy@targetpartners.example\r\n"
        b"Subject: " + subject + b"\r\n"
        b"Message-ID: <hostile-1@example.com>\r\n"
        b"Date: Tue, 10 Mar 2026 09:00:00 +0200\r\n"
        b"MIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n" + body
    )


def test_a_nul_byte_in_the_body_opens_the_case_with_the_text_around_it(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    maildir = tmp_path / "mail"
    body = b"Hei,\r\nhaluan kopion tiedoistani.\x00\x00 Kiitos, Maija\r\n"
    _deliver(maildir, _mail("Tietopyyntö".encode(), body))

    polled = _rightsdesk(_env(db_url, maildir), "poll", "--once")

    assert polled.returncode == 0, polled.stderr
    listed = _rightsdesk(_env(db_url, maildir), "cases", "list", "--json")
    assert len(json.loads(listed.stdout)) == 1
    with new_session(engine) as session:
        assert session.exec(select(Quarantine)).all() == []
        stored = session.exec(select(Message).where(Message.direction == "in")).one()
    assert "\x00" not in stored.body_text
    assert "haluan kopion tiedoistani. Kiitos, Maija" in stored.body_text


def test_escape_sequences_in_the_subject_and_name_never_reach_the_terminal(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    maildir = tmp_path / "mail"
    subject = b"\x1b]0;owned\x07Tietopyynt\xc3\xb6 \x1b[2J\x1b[31mkiireellinen =?utf-8?q?=1B=5B5m?="
    _deliver(
        maildir, _mail(subject, b"Haluan kopion tiedoistani.\r\n", name=b"Maija \x1b[31mVirtanen")
    )
    env = _env(db_url, maildir)

    assert _rightsdesk(env, "poll", "--once").returncode == 0
    listed = _rightsdesk(env, "cases", "list")
    reference = json.loads(_rightsdesk(env, "cases", "list", "--json").stdout)[0]["reference"]
    shown = _rightsdesk(env, "cases", "show", reference)

    for output in (listed.stdout, shown.stdout, listed.stderr, shown.stderr):
        assert "\x1b" not in output and "\x07" not in output and "\x9b" not in output
    assert "Maija Virtanen" in shown.stdout
    with new_session(engine) as session:
        stored = session.exec(select(Message).where(Message.direction == "in")).one()
    assert stored.subject == "Tietopyyntö kiireellinen"


def _refuse_message_inserts(engine: Engine) -> None:
    """Make the database refuse every stored mail, as a broken constraint or disk would."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            # PostgreSQL repeats the whole failing row in the error's DETAIL.
            conn.execute(
                text("ALTER TABLE message ADD CONSTRAINT refuse_all CHECK (false) NOT VALID")
            )
        else:
            conn.execute(
                text(
                    "CREATE TRIGGER refuse_all BEFORE INSERT ON message "
                    "BEGIN SELECT RAISE(ABORT, 'refused'); END"
                )
            )


def test_debug_logs_of_a_failing_insert_hold_no_mail_text(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    maildir = tmp_path / "mail"
    _refuse_message_inserts(engine)
    _deliver(maildir, _mail(b"Tietopyynto", f"Hei,\r\n{SECRET_PHRASE}\r\n".encode()))

    polled = _rightsdesk(_env(db_url, maildir, RIGHTSDESK_LOG_LEVEL="DEBUG"), "poll", "--once")

    logs = polled.stdout + polled.stderr
    assert "intake failed" in logs and "Traceback (frames only)" in logs  # DEBUG is on
    assert "IntegrityError" in logs
    for personal in (SECRET_PHRASE, "Viiru", "Maija", "maija.virtanen@example.com"):
        assert personal not in logs
    with new_session(engine) as session:
        held = session.exec(select(Quarantine)).one()
    assert SECRET_PHRASE.encode() in held.raw  # nothing lost: quarantined for a retry


SIZE = 1024 * 1024 * 1024


def test_an_oversized_maildir_file_is_quarantined_without_being_read(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    maildir = tmp_path / "mail"
    _deliver(maildir, _mail(b"Iso liite", b"Liitteena kaikki.\r\n"))
    (path,) = (maildir / "inbox" / "new").iterdir()
    with path.open("r+b") as handle:  # 1 GiB, sparse: nothing of it is on the disk
        handle.truncate(SIZE)

    poller = subprocess.Popen(
        [sys.executable, "-m", "rightsdesk", "poll", "--once"],
        env=_env(db_url, maildir),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(poller.pid, 0)
    poller.returncode = os.waitstatus_to_exitcode(status)

    assert poller.returncode == 0
    # KiB. The process itself (Python, SQLAlchemy, the classifier's tables) takes 150-300 MB
    # depending on what it loads; reading the file whole would add the whole GiB.
    assert usage.ru_maxrss < SIZE // 2 // 1024
    with new_session(engine) as session:
        held = session.exec(select(Quarantine)).one()
    assert "over the" in held.reason and str(SIZE) in held.reason
    assert held.raw == b""
    assert [p.stat().st_size for p in (maildir / "failed" / "new").iterdir()] == [SIZE]
    assert not any((maildir / "inbox" / "new").iterdir())
