"""Slang one-liners delivered to the Maildir and taken in by `rightsdesk poll --once` open cases.

Fictional people on example.com; the acknowledgement goes out in the language of the words,
not of the sender's name.
"""

from __future__ import annotations

import json
import mailbox
import os
import subprocess
import sys
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DESK = "privacy@targetpartners.example"
# sender, display name, subject, body, the reply's language, status, kinds
MAILS = [
    (
        "bjorn@example.com",
        "Björn Lindqvist",
        "",
        "mitä tietoja teil on musta??\n\nBjörn Lindqvist",
        "fi",
        "received",
        ["access"],
    ),
    ("sam@example.com", "Sam Doe", "hey", "what do you have on me?", "en", "needs_triage", []),
    (
        "matti@example.com",
        "Matti Virtanen",
        "",
        "radera allt ni har om mej!!\n\nMatti Virtanen",
        "sv",
        "received",
        ["erasure"],
    ),
    ("aino@example.com", "Aino Asiakas", "", "vad vet ni om mig", "sv", "needs_triage", []),
]
SUBJECT_START = {
    "fi": "Saimme",
    "sv": "Vi har tagit emot",
    "en": "We have received",
}


def _rightsdesk(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("RIGHTSDESK_", "SLACK_"))}
    result = subprocess.run(
        [sys.executable, "-m", "rightsdesk", *args],
        env={**base, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result


def _deliver(maildir: Path, sender: str, name: str, subject: str, body: str, n: int) -> None:
    msg = EmailMessage()
    msg["From"] = f"{name} <{sender}>"
    msg["To"] = DESK
    msg["Subject"] = subject
    msg["Date"] = f"Tue, 24 Nov 2026 09:0{n} +0200"
    msg["Message-ID"] = f"<informal-{n}@example.com>"
    msg.set_content(body)
    maildir.mkdir(exist_ok=True)
    mailbox.Maildir(maildir / "inbox", create=True).add(msg.as_bytes())


def test_slang_one_liners_open_cases_with_a_due_date_and_are_acknowledged_in_their_language(
    tmp_path: Path,
) -> None:
    maildir = tmp_path / "mail"
    env = {
        "RIGHTSDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'desk.db'}",
        "RIGHTSDESK_CONFIG": str(ROOT / "rightsdesk.example.toml"),
        "RIGHTSDESK_NOW": "2026-11-24T10:00:00+02:00",
        "RIGHTSDESK_MAILDIR": str(maildir),
    }
    for n, (sender, name, subject, body, *_) in enumerate(MAILS):
        _deliver(maildir, sender, name, subject, body, n)
    pitch = "We are a growth agency. Quick call next week to show you our platform?"
    _deliver(maildir, "seller@example.com", "Sam Seller", "Partnership", pitch, 9)

    _rightsdesk("poll", "--once", env=env)

    cases = json.loads(_rightsdesk("cases", "list", "--json", env=env).stdout)
    by_sender = {c["requester_email"]: c for c in cases}
    assert sorted(by_sender) == sorted(m[0] for m in MAILS)  # the sales pitch opened nothing
    acknowledgements = {}
    for path in (maildir / "outbox" / "new").iterdir():
        sent = BytesParser(policy=default).parsebytes(path.read_bytes())
        acknowledgements[str(sent["To"])] = str(sent["Subject"])
    for sender, _, _, _, language, status, kinds in MAILS:
        case = by_sender[sender]
        assert (case["status"], case["kinds"], case["language"]) == (status, kinds, language)
        assert case["due_date"] == "2026-12-28"  # Art. 12(3): one month from receipt
        subject = acknowledgements[sender]
        assert subject.startswith(f"[{case['reference']}] {SUBJECT_START[language]}")
    assert "seller@example.com" not in acknowledgements
    listed = json.loads(_rightsdesk("non-requests", "list", "--json", env=env).stdout)
    assert [(m["from"], m["subject"]) for m in listed] == [("seller@example.com", "Partnership")]


def test_a_greeting_in_triage_is_dismissed_as_no_request_without_a_reply(tmp_path: Path) -> None:
    maildir = tmp_path / "mail"
    env = {
        "RIGHTSDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'desk.db'}",
        "RIGHTSDESK_CONFIG": str(ROOT / "rightsdesk.example.toml"),
        "RIGHTSDESK_NOW": "2026-11-24T10:00:00+02:00",
        "RIGHTSDESK_MAILDIR": str(maildir),
    }
    _deliver(maildir, "tuula@example.com", "Tuula Tervehdys", "Moi", "Moi! Kiitos vaan.", 1)
    _rightsdesk("poll", "--once", env=env)
    (case,) = json.loads(_rightsdesk("cases", "list", "--json", env=env).stdout)
    assert case["status"] == "needs_triage"  # the clock ran until a person looked
    sent_before = len(list((maildir / "outbox" / "new").iterdir()))

    _rightsdesk("cases", "dismiss", case["reference"], "--reason", "a greeting", env=env)

    shown = json.loads(_rightsdesk("cases", "show", case["reference"], "--json", env=env).stdout)
    assert shown["status"] == "closed"
    assert shown["outcome"] == "not a request: a greeting"
    assert [e["action"] for e in shown["events"]][-1] == "dismiss"
    assert len(list((maildir / "outbox" / "new").iterdir())) == sent_before  # no reply


DISCLAIMER = (
    "This e-mail and any attachments are confidential and may be privileged. If you are not"
    " the intended recipient, please notify the sender immediately by replying to this e-mail"
    " and delete it from your system. Any unauthorised use, disclosure or copying of this"
    " e-mail is strictly prohibited. Example Oy accepts no liability for any damage caused by"
    " viruses transmitted by this e-mail, and e-mail communication cannot be guaranteed to be"
    " secure or error-free."
)
# sender, display name, body above the disclaimer, the reply's language, kinds
UNDER_A_DISCLAIMER = [
    (
        "kaisa@example.com",
        "Kaisa Kivi",
        "Hei,\n\npyydän kopion kaikista minua koskevista henkilötiedoista.",
        "fi",
        ["access"],
    ),
    (
        "greta@example.com",
        "Greta Gran",
        "Hej,\n\njag vill att ni raderar mina personuppgifter.",
        "sv",
        ["erasure"],
    ),
]


def test_a_request_above_an_english_disclaimer_is_acknowledged_in_its_own_language(
    tmp_path: Path,
) -> None:
    maildir = tmp_path / "mail"
    env = {
        "RIGHTSDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'desk.db'}",
        "RIGHTSDESK_CONFIG": str(ROOT / "rightsdesk.example.toml"),
        "RIGHTSDESK_NOW": "2026-11-24T10:00:00+02:00",
        "RIGHTSDESK_MAILDIR": str(maildir),
    }
    for n, (sender, name, body, *_) in enumerate(UNDER_A_DISCLAIMER):
        _deliver(maildir, sender, name, "", f"{body}\n\n{DISCLAIMER}\n", n)

    _rightsdesk("poll", "--once", env=env)

    cases = json.loads(_rightsdesk("cases", "list", "--json", env=env).stdout)
    by_sender = {c["requester_email"]: c for c in cases}
    acknowledgements = {}
    for path in (maildir / "outbox" / "new").iterdir():
        sent = BytesParser(policy=default).parsebytes(path.read_bytes())
        acknowledgements[str(sent["To"])] = str(sent["Subject"])
    for sender, _, _, language, kinds in UNDER_A_DISCLAIMER:
        case = by_sender[sender]
        # The disclaimer's "delete it from your system" asks for nothing either.
        assert (case["kinds"], case["language"]) == (kinds, language)
        assert acknowledgements[sender].startswith(
            f"[{case['reference']}] {SUBJECT_START[language]}"
        )
