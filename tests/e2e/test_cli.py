"""The `rightsdesk` command as a user runs it: exit codes, one-line errors, JSON contracts."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]

DEADLINES = [
    ("2027-03-05", [], "2027-04-05"),
    ("2027-03-05", ["--extended"], "2027-06-07"),
    ("2026-03-05", [], "2026-04-07"),
    ("2026-03-05", ["--extended"], "2026-06-05"),
    ("2026-01-31", [], "2026-03-02"),
    ("2026-01-31", ["--extended"], "2026-04-30"),
    ("2026-11-24", [], "2026-12-28"),
    ("2026-11-24", ["--extended"], "2027-02-24"),
    ("2026-03-31", [], "2026-04-30"),
    ("2026-03-31T22:30:00Z", [], "2026-05-04"),
    ("2026-02-23", ["--paused-days", "11"], "2026-04-07"),
]


def run(
    *args: str, env: dict[str, str] | None = None, cwd: Path = ROOT, check_ok: bool = False
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("RIGHTSDESK_", "SLACK_"))}
    base.update(env or {})
    result = subprocess.run(
        [sys.executable, "-m", "rightsdesk", *args],
        env=base,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if check_ok:
        assert result.returncode == 0, result.stderr
    return result


@pytest.fixture
def desk_env(tmp_path: Path) -> dict[str, str]:
    return {
        "RIGHTSDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'desk.db'}",
        "RIGHTSDESK_CONFIG": str(ROOT / "rightsdesk.example.toml"),
        "RIGHTSDESK_NOW": "2026-11-24T10:00:00+02:00",
    }


@pytest.mark.parametrize(
    ("received", "flags", "due"),
    DEADLINES,
    ids=[f"{r} {' '.join(f)} is due {d}" for r, f, d in DEADLINES],
)
def test_deadline_prints_the_statutory_due_date(received: str, flags: list[str], due: str) -> None:
    result = run("deadline", received, *flags, check_ok=True)
    assert result.stdout == f"{due}\n"


@pytest.mark.parametrize("bad", ["2026-13-01", "tomorrow", "2026-03-31T22:30:00", ""])
def test_deadline_with_bad_input_says_so_in_one_line_and_exits_2(bad: str) -> None:
    result = run("deadline", bad)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    if bad:
        assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "args",
    [["9999-12-31"], ["9999-11-30", "--extended"], ["2026-01-01", "--paused-days", "99999999"]],
)
def test_a_deadline_past_the_calendars_end_is_one_line_not_an_internal_error(
    args: list[str],
) -> None:
    result = run("deadline", *args)
    assert result.returncode == 2
    assert result.stderr == f"error: the period from {args[0]} ends after the year 9999\n"


def test_non_requests_of_too_many_days_back_get_a_usage_message(
    desk_env: dict[str, str],
) -> None:
    result = run("non-requests", "list", "--days", "100000000", env=desk_env)
    assert result.returncode == 2
    assert "Invalid value for '--days'" in result.stderr and "internal error" not in result.stderr


def test_the_lifecycle_works_from_the_terminal_and_lists_as_json(desk_env: dict[str, str]) -> None:
    opened = run(
        "cases",
        "open",
        "--kinds",
        "access,portability",
        "--email",
        "aino@example.com",
        "--name",
        "Aino Asiakas",
        "--channel",
        "letter",
        "--received",
        "2026-11-20",
        "--language",
        "fi",
        env=desk_env,
        check_ok=True,
    )
    assert "DSR-2026-0001" in opened.stdout
    ref = "DSR-2026-0001"
    run("cases", "assign", ref, "pasi", env=desk_env, check_ok=True)
    run(
        "cases",
        "verify",
        ref,
        "--method",
        "manual",
        "--reason",
        "signed letter, address in register",
        env=desk_env,
        check_ok=True,
    )
    run(
        "cases",
        "extend",
        ref,
        "--reason",
        "ten years of archived orders",
        "--ground",
        "complexity",
        env=desk_env,
        check_ok=True,
    )
    run("cases", "note", ref, "archive search started", env=desk_env, check_ok=True)
    listed = json.loads(run("cases", "list", "--json", env=desk_env, check_ok=True).stdout)
    assert len(listed) == 1
    case: dict[str, Any] = listed[0]
    for key in (
        "reference",
        "kinds",
        "status",
        "language",
        "requester_email",
        "received_at",
        "due_date",
        "extended_due_date",
        "assignee",
    ):
        assert key in case
    assert case["kinds"] == ["access", "portability"]
    assert case["status"] == "in_progress" and case["assignee"] == "pasi"
    assert case["due_date"] == "2026-12-21" and case["extended_due_date"] == "2027-02-22"
    shown = json.loads(run("cases", "show", ref, "--json", env=desk_env, check_ok=True).stdout)
    # The extension drafts its notice to the requester at once (Art. 12(3)).
    assert [e["action"] for e in shown["events"]] == [
        "open",
        "assign",
        "verify",
        "extend",
        "draft",
        "note",
    ]
    closing = run("cases", "close", ref, env=desk_env)
    assert closing.returncode == 2
    assert closing.stderr.strip() == (
        "error: cannot close a case that is in_progress"
        " (allowed from: refused, responded, withdrawn)"
    )
    assert run("cases", "show", "DSR-2026-0099", env=desk_env).returncode == 2
    open_only = json.loads(run("cases", "list", "--status", "open", "--json", env=desk_env).stdout)
    assert [c["reference"] for c in open_only] == [ref]


def test_a_store_named_by_sqlites_own_uri_form_opens_and_numbers_cases(tmp_path: Path) -> None:
    """`sqlite:///file:PATH?uri=true` (SQLite's URI filenames) is a store like any other:
    the references' high-water mark is kept beside its file, not under a path "file:", and
    the file is the owner's alone, as a store named by its path is."""
    env = {
        "RIGHTSDESK_DATABASE_URL": f"sqlite:///file:{tmp_path / 'desk.db'}?uri=true",
        "RIGHTSDESK_CONFIG": str(ROOT / "rightsdesk.example.toml"),
        "RIGHTSDESK_NOW": "2026-11-24T10:00:00+02:00",
        "PYTHONPATH": str(ROOT),  # run from tmp_path, where a path "file:" would show
    }
    for n, email in enumerate(["aino@example.com", "pekka@example.com"], start=1):
        opened = run("cases", "open", "--kinds", "access", "--email", email, env=env, cwd=tmp_path)
        assert opened.returncode == 0, opened.stderr
        assert f"DSR-2026-{n:04d}" in opened.stdout
    marks = json.loads((tmp_path / "desk.db-refs").read_text("utf-8"))
    assert marks == {"DSR-2026": 2}
    assert not (tmp_path / "file:").exists()
    assert (tmp_path / "desk.db").stat().st_mode & 0o777 == 0o600  # personal data: not 0644


def test_audit_verify_fails_naming_the_row_edited_in_the_database(
    desk_env: dict[str, str], tmp_path: Path
) -> None:
    run(
        "cases",
        "open",
        "--kinds",
        "erasure",
        "--email",
        "eero@example.com",
        env=desk_env,
        check_ok=True,
    )
    run("cases", "note", "DSR-2026-0001", "called the requester", env=desk_env, check_ok=True)
    ok = run("audit", "verify", env=desk_env)
    assert ok.returncode == 0 and "intact" in ok.stdout
    with sqlite3.connect(tmp_path / "desk.db") as db:
        db.execute('UPDATE case_event SET detail = \'{"text": "nothing happened"}\' WHERE id = 2')
    broken = run("audit", "verify", env=desk_env)
    assert broken.returncode == 1
    assert "event 2" in broken.stderr


def test_the_retention_purge_erases_the_notes_and_the_chain_still_verifies(
    desk_env: dict[str, str], tmp_path: Path
) -> None:
    opened = ["cases", "open", "--kinds", "erasure", "--email", "eero@example.com"]
    run(*opened, env=desk_env, check_ok=True)
    ref = "DSR-2026-0001"
    run("cases", "note", ref, "Eero called from 040 1234567", env=desk_env, check_ok=True)
    run("cases", "withdraw", ref, "--reason", "Eero changed his mind", env=desk_env, check_ok=True)
    run("cases", "close", ref, env=desk_env, check_ok=True)
    later = {**desk_env, "RIGHTSDESK_NOW": "2030-01-15T10:00:00+02:00"}

    swept = run("retention", "sweep", env=later, check_ok=True)

    assert f"purged 1 case records: {ref}" in swept.stdout
    verified = run("audit", "verify", env=later)
    assert verified.returncode == 0 and "intact" in verified.stdout, verified.stderr
    shown = run("cases", "show", ref, "--json", env=later, check_ok=True).stdout
    assert "Eero" not in shown and "eero@example.com" not in shown and "040" not in shown
    actions = [e["action"] for e in json.loads(shown)["events"]]
    assert actions == ["open", "note", "withdraw", "close", "retention_purge"]
    with sqlite3.connect(tmp_path / "desk.db") as db:  # the mallory who tidies up by hand
        db.execute("UPDATE case_event SET actor = 'nobody' WHERE action = 'note'")
    assert run("audit", "verify", env=later).returncode == 1


def test_register_import_is_all_or_nothing_with_row_errors(
    desk_env: dict[str, str], tmp_path: Path
) -> None:
    good = tmp_path / "customers.csv"
    good.write_text(
        "customer_number,name,email,relationship_start\n"
        "C-1,Aino Asiakas,aino@example.com,2020-01-01\n",
        encoding="utf-8",
    )
    bad = tmp_path / "orders.csv"
    bad.write_text(
        "customer_number,ordered_on,amount\nC-1,2024-01-01,10.00\n"
        "C-1,2024-02-30,20.00\nC-2,2024-03-01,30.00\n",
        encoding="utf-8",
    )
    assert (
        "imported 1 rows"
        in run("register", "import", str(good), env=desk_env, check_ok=True).stdout
    )
    result = run("register", "import", str(bad), env=desk_env)
    assert result.returncode == 2
    assert "nothing imported" in result.stderr
    assert "2 error(s)" in result.stderr
    assert "line 3: ordered_on" in result.stderr and "line 4: customer_number" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_broken_config_is_one_line_naming_the_field(
    desk_env: dict[str, str], tmp_path: Path
) -> None:
    broken = tmp_path / "broken.toml"
    text = (ROOT / "rightsdesk.example.toml").read_text(encoding="utf-8")
    broken.write_text(
        text.replace("[supervisory_authority]", "[supervisory_authority_x]"), encoding="utf-8"
    )
    result = run(
        "cases", "open", "--kinds", "access", env={**desk_env, "RIGHTSDESK_CONFIG": str(broken)}
    )
    assert result.returncode == 2
    assert "supervisory_authority" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_an_unknown_command_gets_a_usage_message() -> None:
    result = run("cases", "explode")
    assert result.returncode == 2
    assert "Usage" in result.stderr and "Traceback" not in result.stderr


def test_the_demo_prints_the_case_table_and_an_intact_audit_trail(tmp_path: Path) -> None:
    result = run("demo", "--dir", str(tmp_path / "demo"), check_ok=True)
    assert "OVERDUE" in result.stdout and " ext " in result.stdout
    assert "audit trail: intact" in result.stdout
    assert "[DSR-" in result.stdout  # acknowledgement subjects
    assert (tmp_path / "demo" / "rightsdesk.db").exists()
    assert any((tmp_path / "demo" / "mail" / "outbox" / "new").iterdir())


def test_the_demo_tells_one_consistent_story_and_its_dossier_says_so_in_two_languages(
    tmp_path: Path,
) -> None:
    demo = tmp_path / "demo"
    result = run("demo", "--dir", str(demo), check_ok=True)
    # The customer past the register's retention is flagged, not left silently in the register.
    assert "PAST RETENTION: C-1004 (relationship ended 2015-12-31)" in result.stdout

    db = sqlite3.connect(demo / "rightsdesk.db")
    try:
        events = db.execute("SELECT case_id, at FROM case_event ORDER BY id").fetchall()
        sends = db.execute("SELECT created_at, sent_at FROM outbox").fetchall()
        people = db.execute(
            'SELECT lower(requester_email), kinds, status FROM "case"'
            " WHERE requester_email IS NOT NULL"
        ).fetchall()
    finally:
        db.close()
    by_case: dict[int, list[str]] = {}
    for case_id, at in events:
        by_case.setdefault(case_id, []).append(at)
    for case_id, times in by_case.items():
        assert times == sorted(times), f"case {case_id}: an event before its cause"
    assert all(sent is not None and sent >= queued for queued, sent in sends)
    # The recipients' answers to their Art. 19 notices ("we erased the rest") are lines of
    # the erasure's thread, not requests of their own.
    assert not [p for p in people if p[0].endswith(("perinta.example", "tilitoimisto.example"))]
    # No one asks for the same right twice with one answered and the other still open.
    asked: dict[tuple[str, str], set[str]] = {}
    for email, kinds, status in people:
        for kind in json.loads(kinds):
            asked.setdefault((email, kind), set()).add(status)
    for (email, kind), statuses in asked.items():
        assert not ({"responded", "closed"} & statuses and statuses - {"responded", "closed"}), (
            email,
            kind,
            statuses,
        )

    env = {
        "RIGHTSDESK_DATABASE_URL": f"sqlite:///{demo / 'rightsdesk.db'}",
        "RIGHTSDESK_CONFIG": str(ROOT / "rightsdesk.example.toml"),
    }
    out = tmp_path / "DSR-2026-0013.html"
    run("dossier", "DSR-2026-0013", "--out", str(out), env=env, check_ok=True)
    html = out.read_text(encoding="utf-8")
    swedish, english = html.split('<section lang="en"')
    assert (
        '<html lang="sv">' in html
        and "Redogörelse för hanteringen av begäran DSR-2026-0013" in swedish
    )
    assert "Case dossier DSR-2026-0013" in english
    for part, phrases in (
        (
            swedish,
            (
                "Efterlevnad av tidsfristen",
                "Svaret gavs inom tidsfristen.",
                "Beslutsfattare",
                "demo:contact-person",
                "till och med 31 december 2031",  # the voucher's deletion date
                "tills fordran är betald eller preskriberad",
                "perinta@perinta.example",
                "vahvistamme, että olemme toimineet ilmoituksenne mukaisesti",
                "DSR-2026-0017: förbud mot publicering i förteckningar",
            ),
        ),
        (
            english,
            (
                "Compliance",
                "Answered on time.",
                "Decisions and who made them",
                "31 December 2031",
                "until the claim is paid or time-barred",
                "Art. 19 notices to recipients and their confirmations",
                "kirjanpito@tilitoimisto.example",
                "DSR-2026-0017: opting out of publication in lists",
            ),
        ),
    ):
        for phrase in phrases:
            assert phrase in part, phrase
    assert "ännu inte bekräftad" not in swedish  # both recipients confirmed by mail
    # The deadline's reckoning is told in Swedish too, not only in the English version.
    assert "Enligt artikel 12.3 i dataskyddsförordningen är tidsfristen" in swedish
    assert "GDPR Art. 12(3) sets a period" not in swedish
    assert "GDPR Art. 12(3) sets a period" in english
    # The timeline names each event's details in the section's own language.
    timeline_sv = swedish[swedish.index('id="timeline-sv"') :]
    for label in (
        "<strong>Kanal</strong>",
        "<strong>Rättigheter</strong>",
        "<strong>Metod</strong>",
    ):
        assert label in timeline_sv, label
    assert "<strong>kinds</strong>" not in timeline_sv and "radering" in timeline_sv
    timeline_en = english[english.index('id="timeline-en"') :]
    assert "<strong>Kinds</strong>: erasure" in timeline_en
    # Facts, not internal data structures: no raw JSON for a regulator to decode.
    assert '{"' not in html and "': '" not in html and "reply_context" not in html

    # A colleague of the debt collector answers the notice from an address of their own: the
    # desk wrote to that organisation about the case, so it is a line of the thread.
    colleague = EmailMessage()
    colleague["From"] = "Ville Virtanen <ville.virtanen@perinta.example>"
    colleague["To"] = "tietosuoja@targetpartners.example"
    colleague["Subject"] = "Re: [DSR-2026-0013] Ilmoitus henkilötietojen poistamisesta"
    colleague["Message-ID"] = "<ville-1@perinta.example>"
    colleague["Date"] = "Fri, 04 Dec 2026 09:00:00 +0200"
    colleague.set_content(
        "Hei,\n\nolemme poistaneet asiakkaan tiedot perintäjärjestelmästämme ilmoituksenne"
        " mukaisesti. Säilytämme vain perintälain edellyttämät tiedot.\n\nVille Virtanen\n"
    )
    (demo / "mail" / "inbox" / "new" / "ville-1.eml").write_bytes(colleague.as_bytes())
    polled = run("poll", "--once", env={**env, "RIGHTSDESK_MAILDIR": str(demo / "mail")})
    assert "1 follow_up" in polled.stdout, polled.stdout + polled.stderr


def test_db_upgrade_brings_a_postgresql_database_to_the_current_schema(pg_url: str) -> None:
    env = {
        "RIGHTSDESK_DATABASE_URL": pg_url,
        "RIGHTSDESK_CONFIG": str(ROOT / "rightsdesk.example.toml"),
    }
    first = run("db", "upgrade", env=env, check_ok=True)
    assert "was empty" in first.stdout
    assert run("cases", "list", "--json", env=env, check_ok=True).stdout.strip() == "[]"


def test_db_copy_moves_a_sqlite_store_to_postgresql_with_the_chain_intact(
    desk_env: dict[str, str], pg_url: str
) -> None:
    run(
        "cases",
        "open",
        "--kinds",
        "access",
        "--email",
        "aino@example.com",
        env=desk_env,
        check_ok=True,
    )
    run("cases", "note", "DSR-2026-0001", "called back", env=desk_env, check_ok=True)
    pg_env = {**desk_env, "RIGHTSDESK_DATABASE_URL": pg_url}
    run("db", "upgrade", env=pg_env, check_ok=True)
    copied = run(
        "db", "copy", "--from", desk_env["RIGHTSDESK_DATABASE_URL"], env=pg_env, check_ok=True
    )
    assert "copied" in copied.stdout
    assert "intact: 2 events" in run("audit", "verify", env=pg_env, check_ok=True).stdout
    run(
        "cases",
        "open",
        "--kinds",
        "erasure",
        "--email",
        "eero@example.com",
        env=pg_env,
        check_ok=True,
    )
    refs = [c["reference"] for c in json.loads(run("cases", "list", "--json", env=pg_env).stdout)]
    assert sorted(refs) == ["DSR-2026-0001", "DSR-2026-0002"]
    assert run("audit", "verify", env=pg_env).returncode == 0
    again = run("db", "copy", "--from", desk_env["RIGHTSDESK_DATABASE_URL"], env=pg_env)
    assert again.returncode == 2 and "already holds" in again.stderr


def test_the_requester_is_reminded_once_at_the_address_the_code_went_to(
    desk_env: dict[str, str], tmp_path: Path
) -> None:
    env = {**desk_env, "RIGHTSDESK_MAILDIR": str(tmp_path / "mail")}
    customers = tmp_path / "customers.csv"
    customers.write_text(
        "customer_number,name,email\nC-1,Aino Asiakas,aino@example.com\n", encoding="utf-8"
    )
    run("register", "import", str(customers), env=env, check_ok=True)
    run(
        "cases",
        "open",
        "--kinds",
        "access",
        "--email",
        "someone@example.invalid",
        "--name",
        "Aino Asiakas",
        "--channel",
        "email",
        env=env,
        check_ok=True,
    )
    run("cases", "link", "DSR-2026-0001", "C-1", env=env, check_ok=True)
    sent = run("cases", "identify", "DSR-2026-0001", env=env, check_ok=True)
    assert "one-time code" in sent.stdout
    reminded = run("cases", "remind-requester", "DSR-2026-0001", env=env, check_ok=True)
    assert "reminder queued" in reminded.stdout
    again = run("cases", "remind-requester", "DSR-2026-0001", env=env)
    assert again.returncode == 2 and "already reminded once" in again.stderr
    run("poll", "--once", env=env, check_ok=True)
    outbox = tmp_path / "mail" / "outbox" / "new"
    mails = [p.read_text(encoding="utf-8", errors="replace") for p in outbox.iterdir()]
    assert len(mails) == 2
    reminder = next(m for m in mails if "Muistutus" in m)
    assert "To: aino@example.com" in reminder and "someone@example.invalid" not in reminder
    shown = json.loads(run("cases", "show", "DSR-2026-0001", "--json", env=env).stdout)
    assert shown["status"] == "awaiting_identity"
    assert "requester_reminded" in [e["action"] for e in shown["events"]]


def test_cases_show_links_the_same_persons_other_cases(desk_env: dict[str, str]) -> None:
    def opened(email: str, received: str, kinds: str) -> str:
        out = run(
            "cases", "open", "--kinds", kinds, "--email", email, "--received", received,
            "--json", env=desk_env, check_ok=True,
        ).stdout  # fmt: skip
        return str(json.loads(out)["reference"])

    first = opened("Aino.Laine@example.com", "2026-11-02", "access")
    other = opened("elsa.holm@example.com", "2026-11-03", "erasure")
    second = opened("aino.laine@example.com", "2026-11-20", "erasure")

    shown = run("cases", "show", second, env=desk_env, check_ok=True).stdout
    data = json.loads(run("cases", "show", second, "--json", env=desk_env, check_ok=True).stdout)

    assert f"related case: {first} (access, received, received 2026-11-02)" in shown
    assert other not in shown
    assert data["related_cases"] == [
        {
            "reference": first,
            "kinds": ["access"],
            "status": "received",
            "receipt_date": "2026-11-02",
        }
    ]
    back = json.loads(run("cases", "show", first, "--json", env=desk_env, check_ok=True).stdout)
    assert [c["reference"] for c in back["related_cases"]] == [second]


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("fi", "Suomessa valvontaviranomainen on tietosuojavaltuutettu"),
        ("sv", "I Finland är tillsynsmyndigheten dataombudsmannen"),
        ("en", "the supervisory authority is the Data Protection Ombudsman"),
    ],
)
def test_a_refusal_at_the_terminal_tells_the_requester_why_once_approved(
    desk_env: dict[str, str], tmp_path: Path, language: str, words: str
) -> None:
    """Art. 12(4): the reasons and the right to complain go to the requester; `cases refuse`
    drafts that reply in their language, and approving it sends it and refuses the case."""
    env = {**desk_env, "RIGHTSDESK_MAILDIR": str(tmp_path / "mail")}
    opened = run(
        "cases", "open", "--kinds", "erasure", "--email", "aino.asiakas@example.com",
        "--language", language, "--channel", "email", "--json", env=env, check_ok=True,
    )  # fmt: skip
    ref = json.loads(opened.stdout)["reference"]
    refused = run("cases", "refuse", ref, "--reasons", "Sama pyyntö 40 kertaa", env=env)
    assert refused.returncode == 0, refused.stderr
    assert "Sama pyyntö 40 kertaa" in refused.stdout
    assert f"approve with: rightsdesk cases approve {ref}" in refused.stdout
    shown = json.loads(run("cases", "show", ref, "--json", env=env, check_ok=True).stdout)
    assert shown["status"] != "refused"  # not before the requester is told
    run("cases", "approve", ref, env=env, check_ok=True)
    run("poll", "--once", env=env, check_ok=True)
    sent = [p.read_bytes() for p in (tmp_path / "mail" / "outbox").glob("*/*") if p.is_file()]
    (mail,) = [m for m in sent if b"aino.asiakas@example.com" in m]
    body = message_from_bytes(mail, policy=default_policy).get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert "Sama pyyntö 40 kertaa" in text and words in text
    shown = json.loads(run("cases", "show", ref, "--json", env=env, check_ok=True).stdout)
    assert shown["status"] == "refused"


def test_a_refusal_of_a_case_without_an_address_is_recorded_at_once(
    desk_env: dict[str, str],
) -> None:
    opened = run(
        "cases", "open", "--kinds", "access", "--name", "Kalle Kirje", "--json",
        env=desk_env, check_ok=True,
    )  # fmt: skip
    ref = json.loads(opened.stdout)["reference"]
    refused = run("cases", "refuse", ref, "--reasons", "manifestly unfounded", env=desk_env)
    assert refused.returncode == 0, refused.stderr
    assert f"{ref}: refused" in refused.stdout
    assert run("cases", "refuse", ref, "--reasons", " ", env=desk_env).returncode == 2


def test_verifying_the_requester_withdraws_the_identity_request_still_waiting_for_approval(
    desk_env: dict[str, str], tmp_path: Path
) -> None:
    """The identity request was drafted, then the contact person verified the requester by
    other means: approving must not send it, nor pause the verified case's clock."""
    env = {**desk_env, "RIGHTSDESK_MAILDIR": str(tmp_path / "mail")}
    opened = run(
        "cases", "open", "--kinds", "access", "--email", "teemu.testinen@example.com",
        "--language", "en", "--channel", "email", "--json", env=env, check_ok=True,
    )  # fmt: skip
    ref = json.loads(opened.stdout)["reference"]
    drafted = run("cases", "draft", ref, env=env, check_ok=True)
    assert "confirm your identity" in drafted.stdout
    run("cases", "verify", ref, "--method", "manual", "--reason", "known", env=env, check_ok=True)
    approved = run("cases", "approve", ref, env=env)
    assert approved.returncode == 2
    assert f"{ref} has no pending draft" in approved.stderr
    shown = json.loads(run("cases", "show", ref, "--json", env=env, check_ok=True).stdout)
    assert shown["status"] == "in_progress"
    assert shown["identity_status"] == "verified"
    assert shown["mail"] == []  # nothing queued for the requester


@pytest.mark.parametrize(
    "bad",
    [
        "not-an-email",
        "aino@localhost",
        "aino example@example.com",
        '"aino example@example.com',
        '"aino example"@',
        "aino@-esimerkkiä.invalid",  # no A-label (RFC 5891 §4.2.3.1): mail could never go
        "aino@esimerkkiä..invalid",
    ],
)
def test_a_case_opened_at_the_terminal_refuses_an_address_that_cannot_be_one(
    desk_env: dict[str, str], bad: str
) -> None:
    result = run("cases", "open", "--kinds", "access", "--email", bad, env=desk_env)
    assert result.returncode == 2
    assert result.stderr == f"error: not an e-mail address: {bad!r}\n"
    assert run("cases", "list", "--json", env=desk_env, check_ok=True).stdout.strip() == "[]"


def test_a_case_opened_at_the_terminal_takes_an_address_with_a_quoted_local_part(
    desk_env: dict[str, str],
) -> None:
    """RFC 5322 §3.4.1: `"aino laine"@example.com` is one address, its quotes part of it."""
    opened = run(
        "cases", "open", "--kinds", "access", "--email", '"aino laine"@example.com', "--json",
        env=desk_env, check_ok=True,
    )  # fmt: skip
    ref = json.loads(opened.stdout)["reference"]
    shown = json.loads(run("cases", "show", ref, "--json", env=desk_env, check_ok=True).stdout)
    assert shown["requester_email"] == '"aino laine"@example.com'


@pytest.mark.parametrize("address", ["asiakas@exämple.invalid", "åsa.kund@exämpel.example"])
def test_a_case_opened_at_the_terminal_takes_an_internationalised_address_as_written(
    desk_env: dict[str, str], address: str
) -> None:
    """RFC 6531, RFC 6532: an IDN domain and a non-ASCII local part are kept as typed."""
    opened = run(
        "cases", "open", "--kinds", "access", "--email", address, "--json",
        env=desk_env, check_ok=True,
    )  # fmt: skip
    ref = json.loads(opened.stdout)["reference"]
    shown = json.loads(run("cases", "show", ref, "--json", env=desk_env, check_ok=True).stdout)
    assert shown["requester_email"] == address


def test_fulfilling_a_right_the_case_does_not_ask_for_says_which_it_asks_for(
    desk_env: dict[str, str],
) -> None:
    opened = run(
        "cases", "open", "--kinds", "access", "--email", "aino@example.com", "--json",
        env=desk_env, check_ok=True,
    )  # fmt: skip
    ref = json.loads(opened.stdout)["reference"]
    run(
        "cases",
        "verify",
        ref,
        "--method",
        "manual",
        "--reason",
        "known",
        env=desk_env,
        check_ok=True,
    )
    other = run("cases", "fulfil", ref, "--kind", "erasure", env=desk_env)
    assert (other.returncode, other.stderr) == (
        2,
        f"error: {ref} does not ask for erasure (it asks for: access)\n",
    )
    bogus = run("cases", "fulfil", ref, "--kind", "bogus", env=desk_env)
    assert bogus.returncode == 2 and bogus.stderr.startswith("error: unknown kind 'bogus'; use")


def test_classify_reads_a_question_about_what_an_erasure_would_do_as_no_request(
    tmp_path: Path,
) -> None:
    texts = {
        "fi.eml": "Mitä tapahtuisi, jos poistaisin tietoni?",
        "sv.eml": "Vad skulle hända om jag raderade mina uppgifter?",
        "en.eml": "What would happen if I deleted my data?",
        "asked.eml": "Please delete my data. What happens to my orders?",
    }
    for name, text in texts.items():
        mail = EmailMessage()
        mail["From"] = "Aino Example <aino@example.com>"
        mail["To"] = "privacy@example.com"
        mail["Subject"] = "Question"
        mail["Message-ID"] = f"<{name}@example.com>"
        mail.set_content(f"{text}\n\nAino Example\n")
        (tmp_path / name).write_bytes(mail.as_bytes())

    result = run("classify", "--json", *(str(tmp_path / n) for n in texts), check_ok=True)

    kinds = {
        Path(line["file"]).name: line["kinds"]
        for line in map(json.loads, result.stdout.splitlines())
    }
    # A person answers the question; only the mail that asks for erasure opens one.
    assert kinds == {"fi.eml": [], "sv.eml": [], "en.eml": [], "asked.eml": ["erasure"]}


def test_classify_reads_a_colleagues_forward_as_intake_does_with_the_config(
    tmp_path: Path,
) -> None:
    """The customer names herself in the request a colleague forwarded: with the config
    saying who the colleagues are, her own erasure, as intake opens it; without a config,
    the forwarder's mail, in which another person's data is named."""
    fixture = ROOT / "tests" / "fixtures" / "mail" / "fi_forwarded_by_colleague.eml"
    forward = fixture.read_text(encoding="utf-8")
    asked = "haluan tietää, mitä henkilötietoja minusta on tallennettu rekisteriinne."
    path = tmp_path / "forward.eml"
    path.write_text(forward.replace(asked, "poistakaa Ainon tiedot."), encoding="utf-8")
    config = {"RIGHTSDESK_CONFIG": str(ROOT / "rightsdesk.example.toml")}

    with_config = run("classify", "--json", str(path), env=config, check_ok=True)
    missing = {"RIGHTSDESK_CONFIG": str(tmp_path / "no-config.toml")}  # not the default's
    bare = run("classify", "--json", str(path), env=missing, cwd=tmp_path, check_ok=True)

    assert json.loads(with_config.stdout)["kinds"] == ["access", "erasure"]  # "Tietopyyntö"
    assert json.loads(bare.stdout)["kinds"] == []
