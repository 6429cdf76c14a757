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


# Access requests that name marketing without refusing it: a job title under the sign-off,
# a newsletter the sender wants to keep.
NOT_OPT_OUTS = {
    "fi": (
        "Tietopyyntö",
        "Hei,\n\nlähettäkää edelleen uutiskirjettänne, mutta lähettäkää minulle myös kopio"
        " tiedoistani.\n\nTerveisin\nMarja Meri\nMarkkinointipäällikkö, Example Oy",
    ),
    "sv": (
        "Registerutdrag",
        "Hej,\n\nfortsätt gärna skicka ert nyhetsbrev, men skicka mig en kopia av mina"
        " uppgifter.\n\nHälsningar\nMia Mo\nMarknadschef, Example Ab",
    ),
    "en": (
        "Access request",
        "Hello,\n\nplease keep sending me the newsletter, but send me a copy of my data."
        "\n\nBest regards\nMay Moss\nHead of Marketing, Example Oy",
    ),
}


def _rightsdesk(
    *args: str, env: dict[str, str], exit_code: int = 0
) -> subprocess.CompletedProcess[str]:
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
    assert done.returncode == exit_code, done.stderr
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


def test_marketing_named_without_a_refusal_opens_an_access_case_and_suppresses_nothing(
    tmp_path: Path,
) -> None:
    env = {
        "RIGHTSDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'desk.db'}",
        "RIGHTSDESK_CONFIG": str(ROOT / "rightsdesk.example.toml"),
        "RIGHTSDESK_MAILDIR": str(tmp_path / "mail"),
    }
    (tmp_path / "mail").mkdir()
    inbox = mailbox.Maildir(tmp_path / "mail" / "inbox", create=True)
    for lang, (subject, body) in NOT_OPT_OUTS.items():
        msg = EmailMessage()
        msg["From"] = f"Reader <reader-{lang}@example.com>"
        msg["To"] = "privacy@targetpartners.example"
        msg["Subject"] = subject
        msg["Message-ID"] = f"<reader-{lang}@example.com>"
        msg["Date"] = "Tue, 24 Nov 2026 09:00 +0200"
        msg.set_content(body)
        inbox.add(msg.as_bytes())

    _rightsdesk("poll", "--once", env=env)

    cases = json.loads(_rightsdesk("cases", "list", "--json", env=env).stdout)
    found = {case["requester_email"]: (case["kinds"], case["language"]) for case in cases}
    assert found == {f"reader-{lang}@example.com": (["access"], lang) for lang in NOT_OPT_OUTS}
    for lang in NOT_OPT_OUTS:
        said = _rightsdesk(
            "register", "suppressed", f"reader-{lang}@example.com", env=env, exit_code=1
        )
        assert said.stdout.strip() == "not suppressed"
