"""Nobody becomes a customer by mail: forged or unauthenticated senders never verify (issue 11).

Mail arrives in the Maildir as a mail server delivers it and `rightsdesk poll --once` takes
it in; the outcome is read from `rightsdesk cases show`, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import mailbox
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from cases.views import case_detail
from store.engine import make_engine, new_session
from store.models import Case
from tests.e2e.test_cli import ROOT, run

TRUSTED = "mx.rightsdesk-test.invalid"
MAIJA = "maija.virtanen@example.com"
NOW = datetime(2026, 11, 24, 8, tzinfo=UTC)
BODY = "Hei,\n\npyydän kopion kaikista minua koskevista henkilötiedoista (15 artikla).\n"


def _mail(tag: str, sender: str, *auth: str, received_spf: str | None = None) -> bytes:
    msg = EmailMessage()
    for value in auth:  # topmost first, as the receiving servers prepend them
        msg["Authentication-Results"] = value
    if received_spf:
        msg["Received-SPF"] = received_spf
    msg["From"] = sender
    msg["To"] = "privacy@targetpartners.example"
    msg["Subject"] = "Tietopyyntö"
    msg["Date"] = "Tue, 24 Nov 2026 09:00:00 +0200"
    msg["Message-ID"] = f"<{tag}@sender.example>"
    msg.set_content(BODY)
    raw = msg.as_bytes()
    # EmailMessage would re-encode a crafted From; the probe's bytes go in as written.
    head, _, rest = raw.partition(b"\n\n")
    lines = [ln for ln in head.split(b"\n") if not ln.lower().startswith(b"from:")]
    return b"\n".join([*lines, b"From: " + sender.encode()]) + b"\n\n" + rest


MAILS = {
    "display-name": _mail(
        "display-name",
        f"{MAIJA} <attacker@evil.invalid>",
        f"{TRUSTED}; spf=pass smtp.mailfrom=evil.invalid; dmarc=pass header.from=evil.invalid",
    ),
    "encoded-word": _mail(
        "encoded-word",
        f"=?utf-8?q?=22?= <{MAIJA}>=?utf-8?q?=22?= <attacker@evil.invalid>",
        f"{TRUSTED}; dmarc=pass header.from=evil.invalid",
    ),
    "dmarc-fail": _mail(
        "dmarc-fail",
        f"Maija Virtanen <{MAIJA}>",
        f"{TRUSTED}; spf=fail smtp.mailfrom=evil.invalid; dkim=none;"
        " dmarc=fail (p=none) header.from=example.com",
        received_spf="fail (mx.rightsdesk-test.invalid: domain of evil.invalid does not"
        " designate 198.51.100.7 as permitted sender)",
    ),
    "no-header": _mail("no-header", f"Visit evil.invalid today <{MAIJA}>"),
    "foreign-id": _mail(
        "foreign-id",
        f"Maija Virtanen <{MAIJA}>",
        "mx.evil.invalid; dmarc=pass header.from=example.com",
    ),
    "trusted-pass": _mail(
        "trusted-pass",
        f"Visit evil.invalid today <{MAIJA}>",
        f"{TRUSTED}; dkim=pass header.d=example.com; dmarc=pass (p=reject) header.from=example.com",
        "mx.evil.invalid; dmarc=fail header.from=example.com",
    ),
}


def _texts(raw: bytes) -> list[str]:
    """The plain and HTML bodies of a mail we sent, decoded."""
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(msg, EmailMessage)
    parts = [msg.get_body(("plain",)), msg.get_body(("html",))]
    return [p.get_content() for p in parts if isinstance(p, EmailMessage)]


@pytest.fixture
def desk(db_url: str, tmp_path: Path) -> dict[str, str]:
    env = {
        "RIGHTSDESK_DATABASE_URL": db_url,
        "RIGHTSDESK_CONFIG": str(ROOT / "rightsdesk.example.toml"),
        "RIGHTSDESK_NOW": "2026-11-24T10:00:00+02:00",
        "RIGHTSDESK_MAILDIR": str(tmp_path / "mail"),
        "RIGHTSDESK_TRUSTED_AUTHSERV_IDS": f"{TRUSTED}, google-workspace",
        "RIGHTSDESK_DAILY_AUTO_MAIL_CAP": "20",
    }
    run("db", "upgrade", env=env, check_ok=True)
    customers = tmp_path / "customers.csv"
    customers.write_text(
        f"customer_number,name,email\nC-1001,Maija Virtanen,{MAIJA}\n", encoding="utf-8"
    )
    run("register", "import", str(customers), env=env, check_ok=True)
    return env


def _deliver(env: dict[str, str], mails: dict[str, bytes]) -> dict[str, dict[str, Any]]:
    """Drop the mails into the inbox, poll once, and show each case by the mail that opened it."""
    Path(env["RIGHTSDESK_MAILDIR"]).mkdir(exist_ok=True)
    inbox = mailbox.Maildir(Path(env["RIGHTSDESK_MAILDIR"]) / "inbox", factory=None, create=True)
    for raw in mails.values():
        inbox.add(raw)
    run("poll", "--once", env=env, check_ok=True)
    # What `cases show --json` prints (cases.views.case_detail), read in-process: one
    # subprocess per case would make this test slow without testing more.
    engine = make_engine(env["RIGHTSDESK_DATABASE_URL"])
    try:
        with new_session(engine) as session:
            shown = {}
            for case in session.exec(select(Case)).all():
                detail = case_detail(session, case, NOW)
                shown[detail["evidence"]["message"].split("@")[0]] = detail
    finally:
        engine.dispose()
    assert sorted(shown) == sorted(mails)
    return shown


def test_forged_and_unauthenticated_senders_never_verify_and_an_aligned_pass_does(
    desk: dict[str, str], tmp_path: Path
) -> None:
    cases = _deliver(desk, MAILS)

    verified = {tag for tag, c in cases.items() if c["identity_status"] == "verified"}
    assert verified == {"trusted-pass"}
    assert cases["trusted-pass"]["identity_method"] == "sender_match"
    assert "dmarc=pass for example.com" in cases["trusted-pass"]["identity_reason"]
    for tag in ("display-name", "encoded-word"):
        assert cases[tag]["sender_check"].startswith("sender unclear")
        assert cases[tag]["requester_email"] is None  # neither Maija's nor the attacker's
    for tag in ("dmarc-fail", "no-header", "foreign-id"):
        assert cases[tag]["requester_email"] == MAIJA
        assert cases[tag]["sender_check"].startswith("address matches, not authenticated")
        actions = [e["action"] for e in cases[tag]["events"]]
        assert "sender_match_unauthenticated" in actions and "verify" not in actions
    assert "dmarc=fail" in cases["dmarc-fail"]["sender_check"]
    assert "untrusted" in cases["foreign-id"]["sender_check"]
    assert "no Authentication-Results" in cases["no-header"]["sender_check"]

    # The acknowledgements: no display name echoed; the register's name once verified.
    outbox = Path(desk["RIGHTSDESK_MAILDIR"]) / "outbox" / "new"
    acks = [_texts(p.read_bytes()) for p in outbox.iterdir()]
    assert len(acks) == 4  # the two unclear senders have no address to answer
    assert not any("evil.invalid" in text for ack in acks for text in ack)
    greetings = sorted(ack[0].lstrip().split("\n", 1)[0] for ack in acks)
    assert greetings == ["Hei Maija Virtanen,", "Hei,", "Hei,", "Hei,"]


def test_the_contact_person_sees_why_and_sends_the_code_instead(
    desk: dict[str, str], tmp_path: Path
) -> None:
    cases = _deliver(desk, {"dmarc-fail": MAILS["dmarc-fail"]})
    reference = cases["dmarc-fail"]["reference"]

    shown = run("cases", "show", reference, env=desk, check_ok=True).stdout
    assert "address matches, not authenticated (dmarc=fail for example.com" in shown
    sent = run("cases", "identify", reference, env=desk, check_ok=True)
    assert "one-time code queued" in sent.stdout
    case = json.loads(run("cases", "show", reference, "--json", env=desk).stdout)
    assert case["status"] == "awaiting_identity" and case["identity_status"] == "unverified"
    assert "verification_code_sent" in [e["action"] for e in case["events"]]


def test_without_trusted_authserv_ids_no_mail_is_authenticated(
    desk: dict[str, str], tmp_path: Path
) -> None:
    env = {**desk, "RIGHTSDESK_TRUSTED_AUTHSERV_IDS": ""}
    cases = _deliver(env, {"trusted-pass": MAILS["trusted-pass"]})
    case = cases["trusted-pass"]
    assert case["identity_status"] == "unverified"
    assert "no trusted authserv-id configured" in case["sender_check"]


@pytest.mark.parametrize("method", ["dmarc=pass header.from", "dkim=pass header.d"])
def test_a_customer_at_a_domain_beyond_ascii_is_authenticated_by_the_a_labels_of_the_header(
    desk: dict[str, str], tmp_path: Path, method: str
) -> None:
    """Authentication-Results names the domain as DNS has it (A-labels, RFC 8601 §2.2);
    intake reads the sender as U-labels. Compared as written, an IDN customer's passing
    mail was never authenticated and never matched the register."""
    customers = tmp_path / "more" / "customers.csv"
    customers.parent.mkdir()
    customers.write_text(
        "customer_number,name,email\nC-2002,Matti Meikäläinen,matti@exämpel.invalid\n",
        encoding="utf-8",
    )
    run("register", "import", str(customers), env=desk, check_ok=True)
    raw = _mail(
        "idn-pass",
        "Matti Meikäläinen <matti@xn--exmpel-cua.invalid>",
        f"{TRUSTED}; {method}=xn--exmpel-cua.invalid",
    )
    (case,) = _deliver(desk, {"idn-pass": raw}).values()
    assert case["identity_status"] == "verified", case["sender_check"]
    assert case["identity_method"] == "sender_match"
    assert "exämpel.invalid" in case["identity_reason"]
