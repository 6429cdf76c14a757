"""`rightsdesk poll --once` against a real Dovecot and a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from tests.mailgen import request_mail

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "mail"
US = "privacy@targetpartners.example"

pytestmark = pytest.mark.dovecot


def _env(mailbox: Any, smtp_sink: Any, db: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RIGHTSDESK_", "SLACK_"))}
    env.update(
        RIGHTSDESK_DATABASE_URL=db,
        RIGHTSDESK_CONFIG=str(ROOT / "rightsdesk.example.toml"),
        RIGHTSDESK_IMAP_HOST=mailbox.host,
        RIGHTSDESK_IMAP_PORT=str(mailbox.imap_port),
        RIGHTSDESK_IMAP_USER=mailbox.user,
        RIGHTSDESK_IMAP_PASSWORD=mailbox.password,
        RIGHTSDESK_IMAP_SECURITY="plain",
        RIGHTSDESK_SMTP_HOST="127.0.0.1",
        RIGHTSDESK_SMTP_PORT=str(smtp_sink.port),
        RIGHTSDESK_SMTP_SECURITY="plain",
        RIGHTSDESK_MAIL_FROM=US,
        RIGHTSDESK_NOW="2026-11-24T09:00:00+00:00",
    )
    return env


def _rightsdesk(
    env: dict[str, str], *args: str, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rightsdesk", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _cases(env: dict[str, str]) -> list[dict[str, Any]]:
    out = _rightsdesk(env, "cases", "list", "--json")
    assert out.returncode == 0, out.stderr
    return list(json.loads(out.stdout))


def _mail(
    sender: str,
    subject: str,
    body: str,
    *,
    html: bool = False,
    charset: str = "utf-8",
    **headers: str,
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = US
    msg["Subject"] = subject
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    if html:
        msg.set_content(body, subtype="html", charset=charset)
    else:
        msg.set_content(body, charset=charset)
    return msg.as_bytes()


def test_requests_in_three_languages_become_threaded_cases_with_acknowledgements(
    mailbox: Any, smtp_sink: Any, db_url: str
) -> None:
    env = _env(mailbox, smtp_sink, db_url)
    fi = _mail(
        "Aino Asiakas <aino@example.com>",
        "Tietopyyntö",
        "Hei, pyydän kopion kaikista minua koskevista henkilötiedoista (artikla 15).",
        Message_ID="<fi-1@example.com>",
    )
    sv_html = _mail(
        "Elin <elin@example.com>",
        "Radering",
        "<html><body><p>Hej!</p><p>Jag vill att ni <b>raderar</b> alla mina "
        "personuppgifter.</p></body></html>",
        html=True,
        Message_ID="<sv-1@example.com>",
    )
    en_latin1 = _mail(
        "Zoë Example <zoe@example.com>",
        "Opt-out",
        "Hello, I object to direct marketing. Please stop sending me marketing "
        "e-mails. Regards, Zoë",
        charset="iso-8859-1",
        Message_ID="<en-1@example.com>",
    )
    with_pdf, _, _ = request_mail(9, language="en", attachment=True)
    ooo = _mail(
        "Matti <matti@example.com>",
        "Out of Office",
        "I am away until Monday.",
        Auto_Submitted="auto-replied",
        Message_ID="<ooo-1@example.com>",
    )
    for raw in (fi, sv_html, en_latin1, with_pdf, ooo):
        mailbox.deliver_lmtp(raw)

    first = _rightsdesk(env, "poll", "--once")
    assert first.returncode == 0, first.stderr
    cases = {c["requester_email"]: c for c in _cases(env)}
    assert cases["aino@example.com"]["kinds"] == ["access"]
    assert cases["aino@example.com"]["language"] == "fi"
    assert cases["elin@example.com"]["kinds"] == ["erasure"]
    assert cases["elin@example.com"]["language"] == "sv"
    assert "marketing_opt_out" in cases["zoe@example.com"]["kinds"]
    assert cases["zoe@example.com"]["language"] == "en"
    assert "matti@example.com" not in cases
    assert len(cases) == 4

    smtp_sink.wait_for(4, timeout=10)
    acks = {m.rcpt_tos[0]: m for m in smtp_sink.messages}
    assert set(acks) == {
        "aino@example.com",
        "elin@example.com",
        "zoe@example.com",
        "person9@example.com",
    }
    ref = cases["aino@example.com"]["reference"]
    aino_ack = acks["aino@example.com"].message
    assert f"[{ref}]" in aino_ack["Subject"] and aino_ack["In-Reply-To"] == "<fi-1@example.com>"
    assert aino_ack["Auto-Submitted"] == "auto-replied"

    # A follow-up in the thread, an out-of-office answer to our ack and a bounce of it.
    followup = _mail(
        "aino@example.com",
        f"Vs: [{ref}] Tietopyyntö",
        "Asiakasnumeroni on C-1001.\n\nAino Asiakas kirjoitti:\n> Hei, pyydän kopion",
        Message_ID="<fi-2@example.com>",
    )
    ooo_reply = _mail(
        "elin@example.com",
        "Autosvar: ack",
        "Jag är ledig.",
        Auto_Submitted="auto-replied",
        In_Reply_To=acks["elin@example.com"].message["Message-ID"],
        Message_ID="<ooo-2@example.com>",
    )
    for raw in (followup, ooo_reply):
        mailbox.deliver_lmtp(raw)
    second = _rightsdesk(env, "poll", "--once")
    assert second.returncode == 0, second.stderr
    assert len(_cases(env)) == 4
    shown = json.loads(_rightsdesk(env, "cases", "show", ref, "--json").stdout)
    assert "message_received" in [e["action"] for e in shown["events"]]
    time.sleep(0.5)
    assert len(smtp_sink.messages) == 4  # no machine mail answered, no second ack

    third = _rightsdesk(env, "poll", "--once")
    assert "nothing new" in third.stdout
    assert mailbox.folder_uids("INBOX") == []
    assert len(mailbox.folder_uids("Processed")) == 7
    assert len(mailbox.folder_uids("Sent")) == 4


def test_the_shared_corpus_is_ingested_or_quarantined_and_the_poller_keeps_going(
    mailbox: Any, smtp_sink: Any, db_url: str
) -> None:
    corpus = sorted((ROOT.parent / "shared" / "corpus" / "mime-edge").iterdir())
    for path in corpus:
        mailbox.append(path.read_bytes())
    env = _env(mailbox, smtp_sink, db_url)
    result = _rightsdesk(env, "poll", "--once")
    assert result.returncode == 0, result.stderr
    assert mailbox.folder_uids("INBOX") == []
    processed = len(mailbox.folder_uids("Processed"))
    failed = len(mailbox.folder_uids("Failed"))
    assert processed + failed == len(corpus)
    listing = _rightsdesk(env, "quarantine", "list")
    assert listing.returncode == 0
    assert len([ln for ln in listing.stdout.splitlines() if " open " in ln]) == failed


@pytest.mark.slow
def test_killing_the_poller_mid_batch_loses_and_duplicates_nothing(
    mailbox: Any, smtp_sink: Any, db_url: str
) -> None:
    total = 60
    for i in range(total):
        mailbox.append(request_mail(i, seed=7)[0])
    env = _env(mailbox, smtp_sink, db_url)
    rnd = random.Random(42)
    for _ in range(6):
        proc = subprocess.Popen(
            [sys.executable, "-m", "rightsdesk", "poll", "--once"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rnd.uniform(0.8, 2.5))
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    final = _rightsdesk(env, "poll", "--once", timeout=300)
    assert final.returncode == 0, final.stderr
    again = _rightsdesk(env, "poll", "--once")
    assert "nothing new" in again.stdout

    cases = _cases(env)
    assert len(cases) == total
    assert len({c["requester_email"] for c in cases}) == total
    assert mailbox.folder_uids("INBOX") == []
    assert len(mailbox.folder_uids("Processed")) == total
    # A kill between recording the hand-over and the final dot leaves a mail that may not
    # have arrived; the exactly-once rule (issue 10) does not send it again but shows it as
    # unconfirmed (as tests/reliability/test_kill_mid_batch.py). All else arrives once.
    # The sink records a mail before its 250, so all that was sent is there once the last
    # `poll --once` has returned: nothing to wait for.
    references = {c["requester_email"]: c["reference"] for c in cases}
    per_address = Counter(m.rcpt_tos[0] for m in smtp_sink.messages)
    assert set(per_address) <= {f"person{i}@example.com" for i in range(total)}
    assert set(per_address.values()) == {1}, per_address  # never acknowledged twice
    missing = set(references) - set(per_address)
    assert len(missing) <= 6, missing  # at most one per kill
    for address in missing:
        shown = _rightsdesk(env, "cases", "show", references[address], "--json")
        assert [m["delivery"] for m in json.loads(shown.stdout)["mail"]] == ["unconfirmed"]


def _with_passport(sender: str, message_id: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = US
    msg["Subject"] = "Tietopyyntö"
    msg["Message-ID"] = message_id
    msg.set_content("Hei, pyydän kopion tiedoistani. Passikopio liitteenä.")
    scan = b"\x89PNG fictional passport scan of Aino Asiakas"
    msg.add_attachment(scan, maintype="image", subtype="png", filename="passport_aino.png")
    return msg.as_bytes()


def test_an_identity_document_leaves_the_mail_server_too_once_identity_is_checked(
    mailbox: Any, smtp_sink: Any, db_url: str
) -> None:
    env = _env(mailbox, smtp_sink, db_url)
    mailbox.append(_with_passport("Aino Asiakas <aino@example.com>", "<id-1@example.com>"))
    mailbox.append(_mail("Eino <eino@example.com>", "Poisto", "Poistakaa tietoni."))
    assert _rightsdesk(env, "poll", "--once").returncode == 0
    (ref,) = [c["reference"] for c in _cases(env) if c["requester_email"] == "aino@example.com"]
    verified = _rightsdesk(
        env, "cases", "verify", ref, "--method", "document", "--reason", "passport matches"
    )
    assert verified.returncode == 0, verified.stderr

    polled = _rightsdesk(env, "poll", "--once")

    assert polled.returncode == 0, polled.stderr
    assert "1 originals_redacted" in polled.stdout
    client = mailbox.client()
    client.select_folder("Processed", readonly=True)
    bodies = [d[b"BODY[]"] for d in client.fetch(client.search(["ALL"]), ["BODY[]"]).values()]
    client.logout()
    assert len(bodies) == 2  # the other mail is untouched, and nothing else was removed
    mine = [b for b in bodies if b"id-1@example.com" in b]
    assert len(mine) == 1
    assert b"fictional passport" not in mine[0] and b"passport_aino" not in mine[0]
    assert b"identity document removed" in mine[0]
    again = _rightsdesk(env, "poll", "--once")
    assert again.returncode == 0 and "originals_redacted" not in again.stdout
