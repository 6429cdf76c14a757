"""Mail the classifier set aside, from the terminal: quarantine retry and non-requests."""

from __future__ import annotations

import json
import mailbox
import sqlite3
from pathlib import Path

from tests.e2e.test_cli import run
from tests.mailgen import request_mail

ROOT = Path(__file__).resolve().parents[2]
ARRIVED = "2026-11-20T10:00:00+02:00"  # a Friday; due 2026-12-21 (20 Dec is a Sunday)
LATER = "2026-11-24T10:00:00+02:00"


def _env(tmp_path: Path, now: str) -> dict[str, str]:
    return {
        "RIGHTSDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'desk.db'}",
        "RIGHTSDESK_CONFIG": str(ROOT / "rightsdesk.example.toml"),
        "RIGHTSDESK_MAILDIR": str(tmp_path / "mail"),
        "RIGHTSDESK_NOW": now,
    }


def _inbox(tmp_path: Path) -> mailbox.Maildir:
    (tmp_path / "mail").mkdir(exist_ok=True)
    return mailbox.Maildir(tmp_path / "mail" / "inbox", factory=None, create=True)


def _outbox(tmp_path: Path) -> list[bytes]:
    box = mailbox.Maildir(tmp_path / "mail" / "outbox", factory=None, create=True)
    return [box.get_bytes(k) for k in box.iterkeys()]


def test_a_mail_read_as_no_request_can_become_its_case_with_the_clock_from_its_arrival(
    tmp_path: Path,
) -> None:
    question = (
        b"From: Aino Asiakas <aino@example.com>\r\nTo: privacy@targetpartners.example\r\n"
        b"Subject: Kysymys\r\nMessage-ID: <q-1@example.com>\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
        + "Hei, haluan tietää mitä teillä on tilauksestani tallessa.".encode()
    )
    _inbox(tmp_path).add(question)
    run("poll", "--once", env=_env(tmp_path, ARRIVED), check_ok=True)
    listed = run("non-requests", "list", "--json", env=_env(tmp_path, LATER), check_ok=True)
    (mail,) = json.loads(listed.stdout)
    assert (mail["from"], mail["received"]) == ("aino@example.com", "2026-11-20")
    assert _outbox(tmp_path) == []  # not a request: no acknowledgement

    opened = run(
        "non-requests", "open", str(mail["id"]), "--kinds", "access", env=_env(tmp_path, LATER)
    )

    assert opened.returncode == 0, opened.stderr
    assert "due 2026-12-21" in opened.stdout  # from 20 November, not from today
    (case,) = json.loads(run("cases", "list", "--json", env=_env(tmp_path, LATER)).stdout)
    assert case["kinds"] == ["access"] and case["requester_email"] == "aino@example.com"
    run("poll", "--once", env=_env(tmp_path, LATER), check_ok=True)  # sends the outbox
    (ack,) = _outbox(tmp_path)
    assert case["reference"].encode() in ack and b"q-1@example.com" in ack
    again = run("non-requests", "list", env=_env(tmp_path, LATER), check_ok=True)
    assert "no mail read as a non-request" in again.stdout
    twice = run(
        "non-requests", "open", str(mail["id"]), "--kinds", "access", env=_env(tmp_path, LATER)
    )
    assert twice.returncode == 2 and twice.stderr.startswith("error: mail")
    assert "Traceback" not in twice.stderr


def test_a_quarantined_request_retried_later_keeps_the_day_it_arrived(tmp_path: Path) -> None:
    run("db", "upgrade", env=_env(tmp_path, ARRIVED), check_ok=True)
    raw, _, _ = request_mail(1, language="fi")
    with sqlite3.connect(tmp_path / "desk.db") as db:  # quarantined by an older version's bug
        db.execute(
            "INSERT INTO quarantine (source, raw, raw_sha256, size, reason, created_at, attempts)"
            " VALUES ('maildir', ?, 'x', ?, 'internal error (KeyError)',"
            " '2026-11-20 08:00:00.000000', 1)",
            (raw, len(raw)),
        )

    retried = run("quarantine", "retry", "1", env=_env(tmp_path, LATER))

    assert retried.returncode == 0, retried.stderr
    assert "case_opened" in retried.stdout
    (case,) = json.loads(run("cases", "list", "--json", env=_env(tmp_path, LATER)).stdout)
    assert case["received_at"].startswith("2026-11-20T08:00") and case["due_date"] == "2026-12-21"
    listing = run("quarantine", "list", env=_env(tmp_path, LATER), check_ok=True)
    assert "quarantine is empty" in listing.stdout
    missing = run("quarantine", "retry", "9", env=_env(tmp_path, LATER))
    assert missing.returncode == 2 and missing.stderr.strip() == "error: no quarantine record 9"
