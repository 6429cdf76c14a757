"""Demo mail: requests in Finnish, Swedish and English, and a returned code, for the Maildir."""

from __future__ import annotations

import mailbox
import re
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from pathlib import Path

# The demo's own receiving server: its Authentication-Results are trusted in the demo only
# (RIGHTSDESK_TRUSTED_AUTHSERV_IDS), so sender match verifies as on an authenticated desk.
DEMO_AUTHSERV_ID = "mx.demo.rightsdesk.invalid"

SAMPLES: tuple[tuple[str, str, str, str, str | None], ...] = (
    (
        "Aino Asiakas <aino.asiakas@example.com>",
        "Tietopyyntö",
        "Hei,\n\npyydän EU:n tietosuoja-asetuksen 15 artiklan nojalla kopion kaikista "
        "minua koskevista henkilötiedoista, joita asiakasrekisterissänne on.\n\n"
        "Ystävällisin terveisin\nAino Asiakas\n",
        "fi",
        None,
    ),
    (
        "Sofia Berg <sofia.berg@example.com>",
        "Radering av mina uppgifter",
        "Hej!\n\nJag begär att ni raderar alla personuppgifter om mig enligt artikel 17 "
        "i dataskyddsförordningen. Jag vill inte heller få någon direktmarknadsföring.\n\n"
        "Med vänliga hälsningar\nSofia Berg\n",
        "sv",
        None,
    ),
    (
        "John Smith <john.smith@example.com>",
        "Please correct my address",
        "Hello,\n\nmy postal address in your records is out of date. Please rectify it to "
        "2 Sample Street, London.\n\nKind regards,\nJohn Smith\n",
        "en",
        None,
    ),
    (
        "Matti Meikäläinen <matti.meikalainen@example.com>",
        "Automaattinen vastaus: Tilausvahvistus",
        "Olen lomalla 1.12. asti. Vastaan viesteihin palattuani.\n",
        "fi",
        "auto-replied",
    ),
)


def build_sample(index: int, now: datetime, domain: str) -> bytes:
    """One sample request (or auto-reply) as RFC 5322 bytes."""
    sender, subject, body, _language, auto = SAMPLES[index]
    msg = EmailMessage()
    from_domain = sender.rpartition("@")[2].rstrip(">")
    # RFC 8601: what the receiving server found; DKIM aligned, DMARC passed.
    msg["Authentication-Results"] = (
        f"{DEMO_AUTHSERV_ID}; dkim=pass header.d={from_domain};"
        f" dmarc=pass (p=reject) header.from={from_domain}"
    )
    msg["From"] = sender
    msg["To"] = f"privacy@{domain}"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(now - timedelta(minutes=30 - index))
    msg["Message-ID"] = f"<demo-{index}-{int(now.timestamp())}@example.com>"
    if auto:
        msg["Auto-Submitted"] = auto
    msg.set_content(body)
    return msg.as_bytes()


def drop_samples(maildir: Path, now: datetime, domain: str) -> int:
    """Deliver the samples into `maildir/inbox` as a mail server would."""
    maildir.mkdir(parents=True, exist_ok=True)
    inbox = mailbox.Maildir(maildir / "inbox", factory=None, create=True)
    for index in range(len(SAMPLES)):
        inbox.add(build_sample(index, now, domain))
    return len(SAMPLES)


def _answer(mail: EmailMessage, sender: str, kind: str, domain: str, at: datetime) -> EmailMessage:
    """The headers of an answer to `mail` from `sender`, threaded to it (RFC 5322 3.6.4)."""
    answer = EmailMessage()
    answer["From"] = sender
    answer["To"] = str(mail["From"])
    answer["Subject"] = f"Re: {mail['Subject']}"
    answer["Date"] = format_datetime(at)
    answer["Message-ID"] = f"<demo-{kind}-{int(at.timestamp())}@{domain}>"
    answer["In-Reply-To"] = str(mail["Message-ID"])
    answer["References"] = str(mail["Message-ID"])
    return answer


def code_reply(code_mail: bytes, at: datetime) -> bytes:
    """The customer's answer to our code mail: the code typed on top, our mail quoted below."""
    mail = message_from_bytes(code_mail, policy=policy.default)
    body = mail.get_body(("plain",)) if isinstance(mail, EmailMessage) else None
    text = str(body.get_content()) if body is not None else ""
    found = re.search(r"\b[A-Z2-9]{4}-[A-Z2-9]{4}\b", text)
    name, address = parseaddr(str(mail["To"]))
    answer = _answer(mail, formataddr((name, address)), "code", "example.com", at)
    quoted = "\n".join(f"> {line}" for line in text.splitlines())
    answer.set_content(
        f"Hello,\n\nhere is the code: {found.group(0) if found else ''}\n\n{name}\n\n"
        f"On {format_datetime(at)}, {mail['From']} wrote:\n{quoted}\n"
    )
    return answer.as_bytes()


def notice_confirmation(notice: bytes, at: datetime) -> bytes:
    """A recipient's answer to our Art. 19 notice: it has acted on it, our mail quoted."""
    mail = message_from_bytes(notice, policy=policy.default)
    _name, address = parseaddr(str(mail["To"]))
    answer = _answer(mail, address, "confirm", address.rpartition("@")[2], at)
    answer.set_content(
        "Hei,\n\nvahvistamme, että olemme toimineet ilmoituksenne mukaisesti: poistimme muut"
        " tiedot ja säilytämme ilmoituksessa luetellut tiedot.\n\nYstävällisin terveisin\n"
    )
    return answer.as_bytes()


def drop(maildir: Path, raw: bytes) -> None:
    """Deliver one mail into `maildir/inbox` as a mail server would."""
    mailbox.Maildir(maildir / "inbox", factory=None, create=True).add(raw)
