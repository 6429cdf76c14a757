"""A marketing opt-out is in force as soon as the mail is taken in (GDPR Art. 21(3)).

No identity check comes first: the address the mail came from stops receiving marketing at
once, the acknowledgement says so in the requester's language, and `register suppressed`
shows it. Fictional senders on example.com, unknown to the register.
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

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAILS = {
    "fi": (
        "Markkinointikielto",
        "Hei,\n\nkiellän tietojeni käytön suoramarkkinointiin. Älkää lähettäkö minulle enää"
        " mainoksia.\n\nTerveisin\nOskari Oja",
        "Kieltosi on jo voimassa sähköpostiosoitteesi",
    ),
    "sv": (
        "Förbud mot marknadsföring",
        "Hej,\n\njag förbjuder användning av mina uppgifter för direktmarknadsföring. Skicka"
        " inte mer reklam till mig.\n\nHälsningar\nOlga Ek",
        "Ditt förbud gäller redan för e-postadressen",
    ),
    "en": (
        "Stop marketing",
        "Hello,\n\nI object to the use of my data for direct marketing. Please stop sending me"
        " advertising.\n\nRegards\nOwen Oak",
        "We have already put your objection in force",
    ),
}


def _rightsdesk(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("RIGHTSDESK_", "SLACK_"))}
    done = subprocess.run(
        [sys.executable, "-m", "rightsdesk", *args],
        env={**base, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done


@pytest.mark.parametrize("lang", sorted(MAILS))
def test_an_opt_out_from_an_unknown_address_is_in_force_right_after_intake(
    tmp_path: Path, lang: str
) -> None:
    subject, body, said = MAILS[lang]
    sender = f"optout-{lang}@example.com"
    env = {
        "RIGHTSDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'desk.db'}",
        "RIGHTSDESK_CONFIG": str(ROOT / "rightsdesk.example.toml"),
        "RIGHTSDESK_MAILDIR": str(tmp_path / "mail"),
    }
    msg = EmailMessage()
    msg["From"] = f"Opt Out <{sender}>"
    msg["To"] = "privacy@targetpartners.example"
    msg["Subject"] = subject
    msg["Message-ID"] = f"<optout-{lang}@example.com>"
    msg["Date"] = "Tue, 24 Nov 2026 09:00 +0200"
    msg.set_content(body)
    (tmp_path / "mail").mkdir()
    mailbox.Maildir(tmp_path / "mail" / "inbox", create=True).add(msg.as_bytes())

    _rightsdesk("poll", "--once", env=env)

    (case,) = json.loads(_rightsdesk("cases", "list", "--json", env=env).stdout)
    assert "marketing_opt_out" in case["kinds"]
    assert case["identity_status"] != "verified"  # in force before any identity check
    assert "marketing" in _rightsdesk("register", "suppressed", sender, env=env).stdout
    (ack,) = (tmp_path / "mail" / "outbox" / "new").iterdir()
    text = BytesParser(policy=default).parsebytes(ack.read_bytes()).get_body(("plain",))
    assert text is not None and said in text.get_content()
