"""Manual systems become tasks (issue 15): opened by `cases fulfil`, answered by `tasks done`.

Every step is a `rightsdesk` process; the owner's mail and the replies arrive at the
aiosmtpd sink through `rightsdesk poll --once`, as the outbox sends them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from email.message import EmailMessage
from mailbox import Maildir
from pathlib import Path

import pytest

from tests.e2e.outbox_journey import US, desk_env, rightsdesk
from tests.servers.dovecot import Mailbox
from tests.servers.smtp import ReceivedMail, SmtpSink

ROOT = Path(__file__).resolve().parents[2]
OWNER = "kirjanpito@tilitoimisto.example.com"
FIRM = "Esimerkki Tilitoimisto Oy"
# A fictional customer on a reserved domain.
PERSON = ("Maija Esimerkki", "maija.esimerkki@example.com")
DATA_MAP = f"""
[[systems]]
name = "Asiakasrekisteri"
kind = "register"

[[systems]]
name = "{FIRM}"
kind = "manual"
owner = "{OWNER}"
[systems.instructions]
access = "Hae asiakas Netvisorista sähköpostiosoitteella ja vie hänen laskunsa CSV-tiedostoon."
erasure = "Poista asiakkaan yhteystiedot Netvisorista; tositteet säilytetään (KPL 2:10)."
"""


def config_with_data_map(tmp_path: Path) -> Path:
    """rightsdesk.example.toml plus a data map: the built-in register and the accounting firm."""
    path = tmp_path / "rightsdesk.toml"
    example = (ROOT / "rightsdesk.example.toml").read_text(encoding="utf-8")
    path.write_text(example + DATA_MAP, encoding="utf-8")
    return path


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rightsdesk", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


ok = rightsdesk  # its stdout, or an AssertionError with what it said


def refused(env: dict[str, str], *args: str) -> str:
    """The command exits 2 with one line on stderr and no traceback; that line."""
    done = cli(env, *args)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


def tasks(env: dict[str, str], reference: str) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = json.loads(
        ok(env, "tasks", "list", "--case", reference, "--json")
    )
    return rows


def verified_case(env: dict[str, str], kinds: str) -> str:
    """A case for the fictional customer, opened yesterday, identity checked by phone."""
    opened = ok(
        env, "cases", "open", "--kinds", kinds, "--email", PERSON[1], "--name", PERSON[0],
        "--received", "2026-03-09", "--json",
    )  # fmt: skip
    reference = str(json.loads(opened)["reference"])
    ok(env, "cases", "verify", reference, "--method", "manual", "--reason", "called back")
    return reference


def mail_to(sink: SmtpSink, address: str, count: int) -> list[ReceivedMail]:
    sink.wait_for(count, timeout=30)
    return [m for m in sink.messages if address in m.rcpt_tos]


def text_of(mail: ReceivedMail) -> str:
    body = mail.message.get_body(preferencelist=("plain",))
    assert isinstance(body, EmailMessage)
    return str(body.get_content())


@pytest.fixture
def env(db_url: str, tmp_path: Path, smtp_sink: SmtpSink) -> dict[str, str]:
    environment = desk_env(
        db_url,
        tmp_path,
        smtp_sink.port,
        RIGHTSDESK_CONFIG=str(config_with_data_map(tmp_path)),
        RIGHTSDESK_NOW="2026-03-10T10:00:00+02:00",
    )
    ok(environment, "db", "upgrade")
    customers = tmp_path / "customers.csv"
    customers.write_text(
        "customer_number,name,email,relationship_start,relationship_end\n"
        f"C-1,{PERSON[0]},{PERSON[1]},2020-01-01,\n",
        encoding="utf-8",
    )
    ok(environment, "register", "import", str(customers))
    return environment


def test_an_access_and_erasure_case_waits_for_the_accounting_firm_until_its_tasks_are_done(
    env: dict[str, str], smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    reference = verified_case(env, "access,erasure")

    # Access first: the firm gets a task, due a week before the case (Art. 12(3)).
    fulfilled = ok(env, "cases", "fulfil", reference)
    (task,) = tasks(env, reference)
    assert {k: task[k] for k in ("case", "system", "kind", "status")} == {
        "case": reference,
        "system": FIRM,
        "kind": "access",
        "status": "open",
    }
    assert isinstance(task["id"], int)
    assert task["due"] == "2026-04-02"  # the case is due 2026-04-09
    assert f"task {task['id']}" in fulfilled

    line = refused(env, "cases", "approve", reference)
    assert f"task {task['id']}" in line and FIRM in line

    # The owner is an address: the request reaches them by mail, with whom to look for.
    ok(env, "poll", "--once")
    (owner_mail,) = mail_to(smtp_sink, OWNER, 1)
    body = text_of(owner_mail)
    assert reference in str(owner_mail.message["Subject"])
    assert PERSON[0] in body and PERSON[1] in body
    assert "vie hänen laskunsa CSV-tiedostoon" in body
    assert str(owner_mail.message["From"]).endswith(f"<{US}>")

    export = tmp_path / "netvisor-export.csv"
    export.write_text("lasku,pvm,summa\n1001,2025-05-02,120.00\n", encoding="utf-8")
    done = ok(
        env, "tasks", "done", str(task["id"]), "--note", "Kaksi laskua löytyi.",
        "--file", str(export), "--actor", "pasi",
    )  # fmt: skip
    assert "drafted again" in done
    assert tasks(env, reference)[0]["status"] == "done"
    second = refused(env, "tasks", "done", str(task["id"]), "--note", "Ei mitään.")
    assert second == f"error: task {task['id']} is already done (done, by pasi)"

    ok(env, "cases", "approve", reference)
    ok(env, "poll", "--once")
    (reply,) = [
        m
        for m in mail_to(smtp_sink, PERSON[1], 2)
        if f"[{reference}]" in str(m.message["Subject"]) and m.message["Auto-Submitted"] is None
    ]
    assert f"{FIRM}: Kaksi laskua löytyi. (liitteenä: netvisor-export.csv)" in text_of(reply)
    files = {p.get_filename(): p.get_content() for p in reply.message.iter_attachments()}
    assert "1001,2025-05-02,120.00" in str(files["netvisor-export.csv"])
    assert f"{reference.lower()}.json" in files

    # Then the erasure: a second task for the firm, and again no answer without it.
    ok(env, "cases", "fulfil", reference)
    open_now = [t for t in tasks(env, reference) if t["status"] == "open"]
    assert [(t["system"], t["kind"]) for t in open_now] == [(FIRM, "erasure")]
    assert f"task {open_now[0]['id']}" in refused(env, "cases", "approve", reference)
    said = ok(env, "tasks", "done", str(open_now[0]["id"]), "--nothing-there")
    assert f"task {open_now[0]['id']} ({reference}): nothing there" in said
    ok(env, "cases", "approve", reference)
    ok(env, "poll", "--once")
    erasure_reply = [
        m for m in mail_to(smtp_sink, PERSON[1], 4) if "poist" in str(m.message["Subject"]).lower()
    ]
    assert f"{FIRM}: ei sinua koskevia tietoja" in text_of(erasure_reply[-1])

    # The outcomes are in the audit trail; the note only in its purgeable personal part.
    shown = json.loads(ok(env, "cases", "show", reference, "--json"))
    done_events = [e for e in shown["events"] if e["action"] == "task_done"]
    assert [e["detail"]["result"] for e in done_events] == ["done", "nothing_there"]
    assert shown["status"] == "responded"

    # The dossier lists each task and what its owner answered.
    dossier = tmp_path / "dossier.html"
    ok(env, "dossier", reference, "--out", str(dossier))
    html = dossier.read_text(encoding="utf-8")
    # The case's language first, then English (issue 14.9).
    assert "Tehtävät manuaalisesti hoidettavissa järjestelmissä" in html
    assert "Kaksi laskua löytyi. (tiedosto netvisor-export.csv)" in html
    assert "ei tietoja järjestelmässä" in html
    assert "Tasks in the systems handled by hand" in html
    assert "Kaksi laskua löytyi. (file netvisor-export.csv)" in html
    assert "nothing there" in html


def test_a_withdrawn_case_ends_its_open_tasks_so_no_owner_is_chased_for_them(
    env: dict[str, str], tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    reference = verified_case(env, "erasure")
    ok(env, "cases", "fulfil", reference)
    (task,) = tasks(env, reference)
    assert task["status"] == "open"
    ok(env, "poll", "--once")
    (asked,) = mail_to(smtp_sink, OWNER, 1)

    ok(env, "cases", "withdraw", reference, "--reason", "the customer withdrew by phone")
    # The owner's mail still says "erase": they are told, in its thread, to leave the data.
    ok(env, "poll", "--once")
    asked_then_told = mail_to(smtp_sink, OWNER, 2)
    assert asked_then_told[0] is asked
    told = asked_then_told[1]
    assert str(told.message["Subject"]) == f"Re: {asked.message['Subject']}"
    assert str(told.message["In-Reply-To"]) == str(asked.message["Message-ID"])
    told_text = text_of(told).replace("\r\n", "\n")
    assert told_text.startswith(
        f"Task {task['id']} ({reference}) is no longer needed: the requester withdrew the"
        f" request.\n\nDo not act on our earlier message about it; if you already did it, reply"
        " to tell us what you did."
    )
    assert "withdrew by phone" not in told_text  # the desk's own note stays with it
    (ended,) = tasks(env, reference)
    assert (ended["status"], ended["outcome"]) == ("done", "case_ended")
    assert "already done" in refused(env, "tasks", "done", str(task["id"]), "--note", "x")
    events = json.loads(ok(env, "cases", "show", reference, "--json"))["events"]
    (mark,) = [e for e in events if e["action"] == "tasks_ended"]
    assert mark["detail"]["task_ids"] == [task["id"]]
    dossier = tmp_path / "dossier.html"
    ok(env, "dossier", reference, "--out", str(dossier))
    assert "tarpeeton, koska asian käsittely päättyi" in dossier.read_text(encoding="utf-8")


def test_a_task_mail_not_yet_sent_when_its_case_ends_is_never_sent(
    env: dict[str, str], smtp_sink: SmtpSink
) -> None:
    """Withdrawn before the outbox sent the owner's request: a notice could overtake a
    request still retried, so the request is withdrawn and the owner gets neither."""
    reference = verified_case(env, "erasure")
    ok(env, "cases", "fulfil", reference)
    ok(env, "cases", "withdraw", reference, "--reason", "the customer withdrew by phone")
    assert ok(env, "poll", "--once").endswith("; outbox: 0 sent, 0 deferred, 0 failed\n")
    assert [m for m in smtp_sink.messages if OWNER in m.rcpt_tos] == []
    (task,) = tasks(env, reference)
    assert task["outcome"] == "case_ended"


# A task that will never be done: the erasure reply names the system and says, in the
# case's language, that nothing was erased there and why (Art. 5(2), 12(4)).
RETIRED = "Netvisor was retired in 2025; its data was deleted with it."
NOT_DONE_REPLY = {
    "fi": f"{FIRM}: tietojasi ei ole poistettu: {RETIRED}",
    "sv": f"{FIRM}: dina uppgifter har inte raderats: {RETIRED}",
    "en": f"{FIRM}: your data has not been erased: {RETIRED}",
}
NOT_DONE_LABEL = {"fi": "ei tehty", "sv": "inte utförd", "en": "not done"}


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_a_task_that_will_never_be_done_is_recorded_with_its_reason_and_the_reply_says_so(
    env: dict[str, str], smtp_sink: SmtpSink, tmp_path: Path, language: str
) -> None:
    opened = ok(
        env, "cases", "open", "--kinds", "erasure", "--email", PERSON[1], "--name", PERSON[0],
        "--received", "2026-03-09", "--language", language, "--json",
    )  # fmt: skip
    reference = str(json.loads(opened)["reference"])
    ok(env, "cases", "verify", reference, "--method", "manual", "--reason", "called back")
    ok(env, "cases", "fulfil", reference)
    (task,) = tasks(env, reference)

    # A reason is required: "not done" alone would explain nothing (Art. 5(2)).
    assert refused(env, "tasks", "not-done", str(task["id"]), "--reason", " ") == (
        "error: say why it will not be done: a reason is required"
    )
    said = ok(env, "tasks", "not-done", str(task["id"]), "--reason", RETIRED, "--actor", "pasi")
    assert f"task {task['id']} ({reference}): not done" in said
    assert "drafted again" in said
    (listed,) = tasks(env, reference)
    assert (listed["status"], listed["outcome"]) == ("done", "not_done")
    (row,) = ok(env, "tasks", "list", "--case", reference).splitlines()[1:]
    assert f"{reference}  {FIRM}  erasure  not done" in row
    assert "already done (not_done, by pasi)" in refused(
        env, "tasks", "done", str(task["id"]), "--note", "x"
    )

    # The reply says nothing was erased there, and why; it never quotes the reason as work.
    ok(env, "cases", "approve", reference)
    ok(env, "poll", "--once")
    (reply,) = [
        m
        for m in mail_to(smtp_sink, PERSON[1], 2)
        if f"[{reference}]" in str(m.message["Subject"]) and m.message["Auto-Submitted"] is None
    ]
    assert NOT_DONE_REPLY[language] in text_of(reply)

    # The trail keeps the reason; the dossier labels the outcome.
    shown = json.loads(ok(env, "cases", "show", reference, "--json"))
    (event,) = [e for e in shown["events"] if e["action"] == "task_not_done"]
    assert (event["detail"]["task_id"], event["detail"]["reason"]) == (task["id"], RETIRED)
    assert not [e for e in shown["events"] if e["action"] == "task_done"]
    dossier = tmp_path / "dossier.html"
    ok(env, "dossier", reference, "--out", str(dossier))
    html = dossier.read_text(encoding="utf-8")
    assert f"{NOT_DONE_LABEL[language]}: {RETIRED}" in html
    assert f"not done: {RETIRED}" in html


def test_an_open_task_is_reminded_on_its_own_due_date_and_listed_in_the_digest(
    env: dict[str, str],
) -> None:
    reference = verified_case(env, "erasure")
    ok(env, "cases", "fulfil", reference)
    (task,) = tasks(env, reference)
    assert task["due"] == "2026-04-02"

    # 09:30 in Helsinki on the task's due date: the reminder and the digest are due.
    morning = {**env, "RIGHTSDESK_NOW": "2026-04-02T09:30:00+03:00"}
    out = ok(morning, "remind", "--once")
    assert f"reminder {reference} tasks due 2026-04-02" in out.splitlines()
    assert "Open tasks of manual systems (1):" in out
    assert f"{reference}: task due 2026-04-02" in out
    assert PERSON[1] not in out and PERSON[0] not in out

    # Late (after Easter, 3-6 April are holidays), daily; once answered, nothing more.
    late = ok({**env, "RIGHTSDESK_NOW": "2026-04-07T09:30:00+03:00"}, "remind", "--once")
    assert f"reminder {reference} tasks due 2026-04-02" in late.splitlines()  # daily when late
    ok(env, "tasks", "done", str(task["id"]), "--note", "Yhteystiedot poistettu Netvisorista.")
    after = ok({**env, "RIGHTSDESK_NOW": "2026-04-08T09:30:00+03:00"}, "remind", "--once")
    assert "tasks due" not in after and "Open tasks" not in after


def test_tasks_done_refuses_an_unknown_task(env: dict[str, str]) -> None:
    assert refused(env, "tasks", "done", "999", "--note", "x") == "error: no task 999"
    assert ok(env, "tasks", "list") == "no tasks\n"
    assert json.loads(ok(env, "tasks", "list", "--json")) == []


def test_without_a_data_map_fulfilment_opens_no_task(env: dict[str, str]) -> None:
    plain = {**env, "RIGHTSDESK_CONFIG": str(ROOT / "rightsdesk.example.toml")}
    reference = json.loads(
        ok(plain, "cases", "open", "--kinds", "access", "--email", PERSON[1], "--json")
    )["reference"]
    ok(plain, "cases", "verify", reference, "--method", "manual", "--reason", "called back")
    ok(plain, "cases", "fulfil", reference)
    assert tasks(plain, reference) == []
    ok(plain, "cases", "approve", reference)


def test_an_answer_redrafts_the_copy_with_the_shop_read_again(
    env: dict[str, str], smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    """The README's example desk: the shop's `${SHOP_DATABASE_URL}` is read again for the copy."""
    example = ROOT / "examples" / "woocommerce"
    shop_url = f"sqlite:///{tmp_path / 'shop.db'}"
    seeded = subprocess.run(
        [sys.executable, str(example / "seed.py"), shop_url], capture_output=True, check=False
    )
    assert seeded.returncode == 0, seeded.stderr
    shop = {
        **env,
        "RIGHTSDESK_CONFIG": str(example / "rightsdesk.toml"),
        "SHOP_DATABASE_URL": shop_url,
    }
    reference = verified_case(shop, "access")
    ok(shop, "cases", "fulfil", reference)
    (task,) = tasks(shop, reference)
    done = ok(shop, "tasks", "done", str(task["id"]), "--note", "Kaksi laskua Netvisorissa.")
    assert "drafted again" in done
    ok(shop, "cases", "approve", reference)
    ok(shop, "poll", "--once")
    (reply,) = [
        m
        for m in mail_to(smtp_sink, PERSON[1], 2)
        if f"[{reference}]" in str(m.message["Subject"]) and m.message["Auto-Submitted"] is None
    ]
    assert "Tilitoimisto Esimerkki Oy: Kaksi laskua Netvisorissa." in text_of(reply)
    files = [p.get_filename() or "" for p in reply.message.iter_attachments()]
    assert any(f.endswith("wp_wc_orders.csv") for f in files), files


def test_a_purged_tasks_number_is_never_given_to_another_task(env: dict[str, str]) -> None:
    """SQLite would hand the number of a deleted row's to the next one; after the retention
    purge, `tasks done` with the old number must not reach the new case's task."""
    first = verified_case(env, "access")
    ok(env, "cases", "fulfil", first)
    (old,) = tasks(env, first)
    ok(env, "cases", "withdraw", first, "--reason", "the requester withdrew by phone")
    ok(env, "cases", "close", first)

    later = {**env, "RIGHTSDESK_NOW": "2030-03-12T10:00:00+02:00"}  # past case_retention_years
    assert first in ok(later, "retention", "sweep")
    opened = ok(
        later, "cases", "open", "--kinds", "access", "--email", PERSON[1], "--name", PERSON[0],
        "--json",
    )  # fmt: skip
    second = str(json.loads(opened)["reference"])
    ok(later, "cases", "verify", second, "--method", "manual", "--reason", "called back")
    ok(later, "cases", "fulfil", second)
    (new,) = tasks(later, second)
    assert isinstance(new["id"], int) and isinstance(old["id"], int)
    assert new["id"] > old["id"]
    assert refused(later, "tasks", "done", str(old["id"]), "--note", "Found.") == (
        f"error: no task {old['id']}"
    )
    assert tasks(later, second)[0]["status"] == "open"


@pytest.mark.dovecot
def owner_asked_by_mail(
    db_url: str, tmp_path: Path, smtp_sink: SmtpSink, mailbox: Mailbox
) -> tuple[dict[str, str], str, dict[str, object], ReceivedMail]:
    """A desk reading Dovecot; an access case whose task mail reached the firm's owner."""
    env = desk_env(
        db_url,
        tmp_path,
        smtp_sink.port,
        RIGHTSDESK_CONFIG=str(config_with_data_map(tmp_path)),
        RIGHTSDESK_NOW="2026-03-10T10:00:00+02:00",
        RIGHTSDESK_IMAP_HOST=mailbox.host,
        RIGHTSDESK_IMAP_PORT=str(mailbox.imap_port),
        RIGHTSDESK_IMAP_USER=mailbox.user,
        RIGHTSDESK_IMAP_PASSWORD=mailbox.password,
        RIGHTSDESK_IMAP_SECURITY="plain",
    )
    env.pop("RIGHTSDESK_MAILDIR")
    ok(env, "db", "upgrade")
    reference = verified_case(env, "access")
    ok(env, "cases", "fulfil", reference)
    (task,) = tasks(env, reference)
    ok(env, "poll", "--once")
    (request,) = mail_to(smtp_sink, OWNER, 1)
    return env, reference, task, request


def test_an_owners_mailed_answer_becomes_a_note_for_the_contact_person_not_done(
    db_url: str, tmp_path: Path, smtp_sink: SmtpSink, mailbox: Mailbox
) -> None:
    """The owner replies to the task mail (Dovecot, by LMTP); intake threads it onto the task
    by the subject's tag and keeps it as a note; the contact person records the outcome."""
    env, reference, task, request = owner_asked_by_mail(db_url, tmp_path, smtp_sink, mailbox)
    subject = str(request.message["Subject"])
    assert f"Task {task['id']}:" in subject

    def reply(sender: str, text: str, message_id: str) -> bytes:
        answer = EmailMessage()
        answer["From"], answer["To"] = sender, US
        answer["Subject"], answer["Message-ID"] = f"Re: {subject}", message_id
        answer["In-Reply-To"] = str(request.message["Message-ID"])
        answer.set_content(f"{text}\n\nOn Tuesday the privacy desk wrote:\n> {PERSON[0]}\n")
        return answer.as_bytes()

    mailbox.deliver_lmtp(
        reply(
            f"Kirjanpito <{OWNER}>", "Kaksi laskua löytyi.", "<answer-1@tilitoimisto.example.com>"
        )
    )
    mailbox.deliver_lmtp(reply("someone@example.org", "Done!", "<forged-1@example.org>"))
    ok(env, "poll", "--once")

    (listed,) = tasks(env, reference)
    assert listed["status"] == "open"  # not done: the contact person decides
    assert listed["mailed_answer"] == "Kaksi laskua löytyi."
    assert "open (answered by mail)" in ok(env, "tasks", "list", "--case", reference)
    trail = json.loads(ok(env, "cases", "show", reference, "--json"))["events"]
    (answer,) = [e for e in trail if e["action"] == "task_answer_received"]
    assert answer["detail"]["task_id"] == task["id"]
    assert answer["detail"]["note"] == "Kaksi laskua löytyi."
    # Someone else using the same subject is a third party, not the owner.
    assert [e["action"] for e in trail].count("third_party_message") == 1

    ok(env, "tasks", "done", str(task["id"]), "--note", "Kaksi laskua löytyi.")
    assert tasks(env, reference)[0]["status"] == "done"


def test_a_file_the_owner_mailed_goes_with_the_copy_only_when_the_contact_person_chooses_it(
    db_url: str, tmp_path: Path, smtp_sink: SmtpSink, mailbox: Mailbox
) -> None:
    """The accounting firm mails its export and a signature logo; `tasks done` refuses to
    guess, attaches the export it is told to, and the person's copy carries that file."""
    env, reference, task, request = owner_asked_by_mail(db_url, tmp_path, smtp_sink, mailbox)

    export = b"lasku,pvm,summa\n1001,2025-05-02,120.00\n1002,2025-09-14,80.00\n"
    logo = b"\x89PNG\r\n\x1a\nlogo"

    def answer(number: int, text: str, files: list[tuple[bytes, str, str, str]]) -> bytes:
        mail = EmailMessage()
        mail["From"], mail["To"] = f"Kirjanpito <{OWNER}>", US
        mail["Subject"] = f"Re: {request.message['Subject']}"
        mail["Message-ID"] = f"<answer-{number}@tilitoimisto.example.com>"
        mail["In-Reply-To"] = str(request.message["Message-ID"])
        mail.set_content(text + "\n")
        for data, maintype, subtype, filename in files:
            mail.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
        return mail.as_bytes()

    # The export with two signature logos of the same name, then a line without files.
    mailbox.deliver_lmtp(
        answer(
            2,
            "Liitteenä kaksi laskua.",
            [
                (export, "text", "csv", "laskut.csv"),
                (logo, "image", "png", "image001.png"),
                (logo, "image", "png", "image001.png"),
            ],
        )
    )
    ok(env, "poll", "--once")
    mailbox.deliver_lmtp(answer(3, "Laskut ovat vuodelta 2025.", []))
    ok(env, "poll", "--once")

    (listed,) = tasks(env, reference)
    assert listed["mailed_answer"] == "Laskut ovat vuodelta 2025."
    assert listed["mailed_files"] == ["laskut.csv", "image001.png", "image001 (2).png"]
    assert "open (answered by mail, 3 files)" in ok(env, "tasks", "list", "--case", reference)
    task_id = str(task["id"])
    note = "Kaksi laskua Netvisorissa."
    mailed = (
        f"laskut.csv ({len(export)} bytes), image001.png ({len(logo)} bytes),"
        f" image001 (2).png ({len(logo)} bytes)"
    )
    guess = refused(env, "tasks", "done", task_id, "--note", note)
    assert guess == (
        f"error: task {task_id}'s owner mailed {mailed}: attach one with"
        " --mailed-file NAME, or record the answer without it with --no-mailed-file"
    )
    wrong = refused(env, "tasks", "done", task_id, "--note", note, "--mailed-file", "lasku.csv")
    assert wrong == (
        f"error: task {task_id}'s owner mailed no file named 'lasku.csv'; it mailed: {mailed}"
    )
    both = refused(
        env, "tasks", "done", task_id, "--note", note,
        "--mailed-file", "laskut.csv", "--no-mailed-file",
    )  # fmt: skip
    assert both == "error: give --mailed-file or --no-mailed-file, not both"
    assert tasks(env, reference)[0]["status"] == "open"  # refusals record nothing

    done = ok(env, "tasks", "done", task_id, "--note", note, "--mailed-file", "laskut.csv")
    assert f"task {task_id}: attached laskut.csv, as its owner mailed it" in done
    assert "drafted again" in done
    assert tasks(env, reference)[0]["file"] == "laskut.csv"

    ok(env, "cases", "approve", reference)
    ok(env, "poll", "--once")
    (reply,) = [
        m
        for m in mail_to(smtp_sink, PERSON[1], 2)
        if f"[{reference}]" in str(m.message["Subject"]) and m.message["Auto-Submitted"] is None
    ]
    assert f"{FIRM}: {note} (liitteenä: laskut.csv)" in text_of(reply)
    files = {p.get_filename(): p.get_content() for p in reply.message.iter_attachments()}
    assert "1002,2025-09-14,80.00" in str(files["laskut.csv"])
    assert not [name for name in files if (name or "").startswith("image001")]


def test_an_owner_who_found_data_for_someone_outside_the_register_turns_the_copy_into_a_yes(
    env: dict[str, str],
) -> None:
    """Nobody in the register, but the accounting firm's owner finds an invoice: the redrafted
    copy must confirm the processing (Art. 15(1)) and carry the owner's answer, not say that
    nothing is held about them."""
    opened = ok(
        env, "cases", "open", "--kinds", "access", "--email", "ingen@example.com",
        "--name", "Ingen Alls", "--language", "sv", "--json",
    )  # fmt: skip
    reference = str(json.loads(opened)["reference"])
    ok(env, "cases", "verify", reference, "--method", "manual", "--reason", "called back")
    ok(env, "cases", "fulfil", reference)
    (task,) = tasks(env, reference)
    done = ok(env, "tasks", "done", str(task["id"]), "--note", "En faktura hittades.")
    assert "drafted again" in done
    draft = ok(env, "cases", "draft", reference)
    assert "Vi bekräftar att vi behandlar personuppgifter om dig" in draft
    assert "innehåller inga personuppgifter om dig" not in draft
    assert f"{FIRM}: En faktura hittades." in draft


@pytest.mark.parametrize(
    "owner", ["kirjanpito@tilitoimistö.invalid", "kirjanpito@xn--tilitoimist-1fb.invalid"]
)
def test_an_owner_at_a_domain_beyond_ascii_is_recognised_in_either_form_of_it(
    db_url: str, tmp_path: Path, smtp_sink: SmtpSink, owner: str
) -> None:
    """The data map may name the owner as people write the domain (U-labels) or as DNS has
    it (A-labels, copied from a signature); intake reads the answer's sender as U-labels.
    The same address (RFC 5891 §5): the answer is the owner's, not a stranger's line."""
    config = tmp_path / "rightsdesk.toml"
    example = (ROOT / "rightsdesk.example.toml").read_text(encoding="utf-8")
    config.write_text(example + DATA_MAP.replace(OWNER, owner), encoding="utf-8")
    env = desk_env(
        db_url,
        tmp_path,
        smtp_sink.port,
        RIGHTSDESK_CONFIG=str(config),
        RIGHTSDESK_NOW="2026-03-10T10:00:00+02:00",
    )
    ok(env, "db", "upgrade")
    reference = verified_case(env, "access")
    ok(env, "cases", "fulfil", reference)
    ok(env, "poll", "--once")
    ascii_owner = "kirjanpito@xn--tilitoimist-1fb.invalid"
    (request,) = mail_to(smtp_sink, ascii_owner, 1)
    answer = EmailMessage()
    answer["From"], answer["To"] = f"Kirjanpito <{ascii_owner}>", US
    answer["Subject"] = f"Re: {request.message['Subject']}"
    answer["Message-ID"] = "<answer-1@xn--tilitoimist-1fb.invalid>"
    answer["In-Reply-To"] = str(request.message["Message-ID"])
    answer.set_content("Kaksi laskua löytyi.\n")
    inbox = Maildir(tmp_path / "mail" / "inbox", create=True)
    inbox.add(answer.as_bytes())
    ok(env, "poll", "--once")
    (listed,) = tasks(env, reference)
    assert listed["mailed_answer"] == "Kaksi laskua löytyi."
    trail = json.loads(ok(env, "cases", "show", reference, "--json"))["events"]
    assert "third_party_message" not in [e["action"] for e in trail]
