"""The data map on a real WooCommerce shop: SQLite, PostgreSQL and MariaDB, through the CLI.

Each test seeds the example shop (examples/woocommerce/seed.py) into a fresh database,
points RIGHTSDESK_CONFIG at examples/woocommerce/rightsdesk.toml and SHOP_DATABASE_URL at
the shop, and drives `rightsdesk` as a subprocess.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.pool import NullPool
from sqlmodel import Session, select

from cases.controller import ControllerConfig, load_controller_toml
from cases.errors import UserError
from cases.fulfilment.lifting import lift_case
from cases.fulfilment.retention import purge_case
from cases.sql_connector import SqlConnector
from cases.systems import SqlSystem
from store.engine import new_session
from store.models import Case, CaseEvent
from tests.e2e.slack_bot import migrated_engine
from tests.servers import ci_or_skip
from tests.servers import postgres as pg
from tests.servers.mariadb import MariaDbServer

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "woocommerce"
MAIJA = "maija.esimerkki@example.com"
NOW = "2026-12-02T10:00:00+02:00"


def rightsdesk(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("RIGHTSDESK_", "SLACK_"))}
    return subprocess.run(
        [sys.executable, "-m", "rightsdesk", *args],
        env={**base, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def ok(env: dict[str, str], *args: str) -> str:
    result = rightsdesk(env, *args)
    assert result.returncode == 0, (args, result.stdout, result.stderr)
    return result.stdout


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def shop_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A freshly seeded shop on each kind of server."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'shop.db'}"
        name = None
    elif request.param == "postgresql":
        if not pg.available():
            ci_or_skip("PostgreSQL is not reachable (pg_ctlcluster 15 main start)")
        name = pg.unique_name("rightsdesk_shop")
        url = pg.create_database(name)
    else:
        server: MariaDbServer = request.getfixturevalue("mariadb")
        url = server.create_database()
        name = None
    seeded = subprocess.run(
        [sys.executable, str(EXAMPLE / "seed.py"), url], capture_output=True, text=True, check=False
    )
    assert seeded.returncode == 0, seeded.stderr
    yield url
    if name is not None:
        pg.drop_database(name)


@pytest.fixture
def env(tmp_path: Path, shop_url: str) -> dict[str, str]:
    return {
        "RIGHTSDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'desk.db'}",
        "RIGHTSDESK_CONFIG": str(EXAMPLE / "rightsdesk.toml"),
        "RIGHTSDESK_NOW": NOW,
        "RIGHTSDESK_MAILDIR": str(tmp_path / "mail"),  # where `poll` sends to
        "SHOP_DATABASE_URL": shop_url,
    }


def shop(url: str, sql: str, **params: Any) -> list[Any]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            if ":m" in sql:
                params["m"] = MAIJA
            return [tuple(r) for r in conn.execute(text(sql), params).all()]
    finally:
        engine.dispose()


def open_case(env: dict[str, str], kinds: str, language: str = "en") -> str:
    out = ok(
        env,
        "cases", "open", "--kinds", kinds, "--email", MAIJA, "--name", "Maija Esimerkki",
        "--language", language, "--channel", "email",
    )  # fmt: skip
    reference = out.split(":")[0].split()[-1]
    ok(env, "cases", "verify", reference, "--method", "manual", "--reason", "known customer")
    return reference


def drafts(env: dict[str, str], reference: str) -> list[dict[str, Any]]:
    engine = create_engine(env["RIGHTSDESK_DATABASE_URL"], poolclass=NullPool)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT d.template, d.body_text, d.attachments FROM draft d"
                    ' JOIN "case" c ON c.id = d.case_id WHERE c.reference = :r ORDER BY d.id'
                ),
                {"r": reference},
            ).all()
    finally:
        engine.dispose()
    return [
        {
            "template": r[0],
            "body": r[1],
            "files": json.loads(r[2]) if isinstance(r[2], str) else r[2],
        }
        for r in rows
    ]


def dossier_of(env: dict[str, str], reference: str, tmp_path: Path) -> str:
    """The case's dossier as `rightsdesk dossier` writes it."""
    out = tmp_path / "dossier.html"
    ok(env, "dossier", reference, "--out", str(out), "--force")
    return out.read_text("utf-8")


def progress(env: dict[str, str]) -> list[tuple[str, str, Any]]:
    """The desk's record of how far each system's erasure got: system, state, plan."""
    engine = create_engine(env["RIGHTSDESK_DATABASE_URL"], poolclass=NullPool)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT system, state, plan FROM system_erasure")).all()
    finally:
        engine.dispose()
    return [(r[0], r[1], json.loads(r[2]) if isinstance(r[2], str) else r[2]) for r in rows]


def events(env: dict[str, str], reference: str) -> list[dict[str, Any]]:
    shown = json.loads(ok(env, "cases", "show", reference, "--json"))
    return list(shown["events"])


def test_systems_check_passes_and_names_a_column_that_is_gone(env: dict[str, str]) -> None:
    listed = json.loads(ok(env, "systems", "list", "--json"))
    assert [(s["name"], s["kind"]) for s in listed] == [
        ("Asiakasrekisteri", "register"),
        ("Verkkokauppa", "sql"),
        ("Tilitoimisto Esimerkki Oy", "manual"),
    ]
    assert listed[1]["url"] == "${SHOP_DATABASE_URL}"  # the secret is never printed
    assert "ok: 1 sql system" in ok(env, "systems", "check")

    url = env["SHOP_DATABASE_URL"]
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE wp_wc_customer_lookup DROP COLUMN postcode"))
    engine.dispose()
    result = rightsdesk(env, "systems", "check")
    assert result.returncode == 1
    assert result.stdout.strip().splitlines() == [
        "Verkkokauppa: table wp_wc_customer_lookup: column postcode does not exist"
    ]


def test_access_and_erasure_for_maija_across_the_shop(env: dict[str, str]) -> None:
    url = env["SHOP_DATABASE_URL"]
    reference = open_case(env, "access,erasure")
    her_orders = {
        str(r[0]) for r in shop(url, "SELECT id FROM wp_wc_orders WHERE billing_email = :m")
    }
    assert len(her_orders) >= 2

    ok(env, "cases", "fulfil", reference, "--kind", "access")
    # The accounting firm's task holds the reply; its answer redrafts it, reading the shop again.
    (task,) = json.loads(ok(env, "tasks", "list", "--case", reference, "--json"))
    held = rightsdesk(env, "cases", "approve", reference)
    assert held.returncode == 2 and f"task {task['id']}" in held.stderr
    ok(env, "tasks", "done", str(task["id"]), "--note", "Two invoices found.")
    access = [d for d in drafts(env, reference) if d["template"] == "access_response"][-1]
    assert "Tilitoimisto Esimerkki Oy: Two invoices found." in access["body"]
    # She is in the shop, not in the desk's register copy: the reply says where her data is
    # and shows no empty register summary.
    assert "Your data is not in our customer register but in the other systems" in access["body"]
    assert "Orders (0)" not in access["body"] and "has not been disclosed" not in access["body"]
    assert "- Verkkokauppa" in access["body"]
    copy = next(f for f in access["files"] if f["filename"].endswith(".json"))
    payload = json.loads(base64.b64decode(copy["data_b64"]))
    shop_part = payload["systems"]["Verkkokauppa"]
    assert {str(o["id"]) for o in shop_part["tables"]["wp_wc_orders"]} == her_orders
    assert payload["systems"]["Tilitoimisto Esimerkki Oy"]["kind"] == "manual"
    assert any(f["filename"].endswith("wp_wc_orders.csv") for f in access["files"])

    preview = ok(env, "cases", "fulfil", reference, "--kind", "erasure", "--dry-run")
    assert "Verkkokauppa: would erase" in preview and "Verkkokauppa: would keep" in preview
    assert shop(url, "SELECT count(*) FROM wp_users WHERE user_email = :m") == [(1,)]

    ok(env, "cases", "fulfil", reference, "--kind", "erasure")
    assert shop(url, "SELECT count(*) FROM wp_users WHERE user_email = :m") == [(0,)]
    assert shop(url, "SELECT count(*) FROM wp_users WHERE display_name LIKE '%Esimerkki%'") == [
        (0,)
    ]
    assert shop(url, "SELECT count(*) FROM wp_wc_customer_lookup WHERE email = :m") == [(0,)]
    assert shop(url, "SELECT count(*) FROM wp_wc_customer_lookup WHERE postcode = '00100'") == [
        (0,)
    ]
    others = shop(url, "SELECT count(*) FROM wp_wc_customer_lookup")
    assert others == [(2,)]  # the other customers are untouched
    reply = next(d for d in drafts(env, reference) if d["template"] == "erasure_done")["body"]
    assert "Verkkokauppa: the rows of table wp_wc_orders" in reply
    assert "Kirjanpitolaki 1336/1997 2:10" in reply and "until 31 December 2030" in reply
    assert "Laki velan vanhentumisesta 728/2003" in reply
    erased = [e for e in events(env, reference) if e["action"] == "system_erased"]
    assert len(erased) == 1 and erased[0]["detail"]["system"] == "Verkkokauppa"
    assert [(system, state) for system, state, _ in progress(env)] == [("Verkkokauppa", "erased")]
    change = erased[0]["detail"]["changes"][0]
    assert len(change["before_sha256"]) == 64 and "before" not in change


def test_an_erasure_leaves_no_copy_of_the_erased_values_in_the_desk(
    env: dict[str, str], tmp_path: Path
) -> None:
    """The trail records which rows changed, with digests; the erased values themselves must
    not stay behind in the desk's store, nor reach its dossier."""
    url = env["SHOP_DATABASE_URL"]
    erased = ["Esimerkkikatu 5 B 12", "+358 40 123 4567", "Ovikoodi 1234"]
    ((ip,),) = shop(url, "SELECT ip_address FROM wp_wc_orders WHERE billing_email = :m LIMIT 1")
    assert ip
    reference = open_case(env, "erasure")
    ok(env, "cases", "fulfil", reference)
    assert shop(url, "SELECT count(*) FROM wp_usermeta WHERE meta_value = :v", v=erased[1]) == [
        (0,)
    ]
    store = sqlite3.connect(tmp_path / "desk.db")
    dump = "\n".join(store.iterdump())
    store.close()
    dossier = dossier_of(env, reference, tmp_path)
    for value in [*erased, str(ip)]:
        assert value not in dump, value
        assert value not in dossier, value
    assert "erased in " in dossier


def test_a_shop_that_is_down_makes_the_case_wait(env: dict[str, str], tmp_path: Path) -> None:
    down = {**env, "SHOP_DATABASE_URL": "postgresql+psycopg://nobody:x@127.0.0.1:1/shop"}
    reference = open_case(down, "erasure")
    result = rightsdesk(down, "cases", "fulfil", reference)
    assert result.returncode == 75, result.stderr
    assert result.stderr.startswith("waiting: Verkkokauppa is not reachable")
    assert "Traceback" not in result.stderr
    shown = json.loads(ok(down, "cases", "show", reference, "--json"))
    assert shown["status"] == "in_progress"
    assert any(e["action"] == "waiting_for_system" for e in shown["events"])
    # Back up: the same command finishes the work.
    ok(env, "cases", "fulfil", reference)
    assert any(e["action"] == "system_erased" for e in events(env, reference))
    # The dossier tells both: the wait, then the erasure (each line of its own kind).
    dossier = dossier_of(env, reference, tmp_path)
    assert "waited for the system: Verkkokauppa is not reachable" in dossier
    assert "erased in " in dossier


@pytest.fixture
def pg_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """The seeded shop on PostgreSQL, where a test can hold a row lock to pause an erasure."""
    if not pg.available():
        ci_or_skip("PostgreSQL is not reachable (pg_ctlcluster 15 main start)")
    name = pg.unique_name("rightsdesk_shop")
    url = pg.create_database(name)
    try:
        subprocess.run(
            [sys.executable, str(EXAMPLE / "seed.py"), url], check=True, capture_output=True
        )
        yield {
            "RIGHTSDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'desk.db'}",
            "RIGHTSDESK_CONFIG": str(EXAMPLE / "rightsdesk.toml"),
            "RIGHTSDESK_NOW": NOW,
            "RIGHTSDESK_MAILDIR": str(tmp_path / "mail"),  # where `poll` sends to
            "SHOP_DATABASE_URL": url,
        }
    finally:
        pg.drop_database(name)


def paused_at_maijas_account(env: dict[str, str], *command: str) -> Any:
    """Start `rightsdesk COMMAND` (`cases fulfil`, `cases lift-restriction`), holding a lock on
    Maija's wp_users row; return once it (its plan already committed in the desk) waits for
    that lock, with the lock's connection."""
    url = env["SHOP_DATABASE_URL"]
    engine = create_engine(url, poolclass=NullPool)
    blocker = engine.connect()
    blocker.begin()
    blocker.execute(text("SELECT 1 FROM wp_users WHERE user_email = :m FOR UPDATE"), {"m": MAIJA})
    base = {k: v for k, v in os.environ.items() if not k.startswith("RIGHTSDESK_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "rightsdesk", *command],
        env={**base, **env},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    waiting = (
        "SELECT 1 FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    deadline = time.monotonic() + 60
    while not shop(url, waiting):
        assert time.monotonic() < deadline, f"{command} never reached the locked row"
        time.sleep(0.1)
    return proc, blocker


def interrupted(
    env: dict[str, str], reference: str, right: str = "erasure"
) -> list[dict[str, Any]]:
    trail = events(env, reference)
    return [e["detail"] for e in trail if e["action"] == f"system_{right}_interrupted"]


def test_kill_9_in_the_middle_of_an_erasure_leaves_the_shop_unchanged(
    pg_env: dict[str, str],
) -> None:
    """The erasure, its plan recorded, blocks on Maija's locked account row inside its
    transaction; kill -9 then; the shop must show no change."""
    env, url = pg_env, pg_env["SHOP_DATABASE_URL"]
    reference = open_case(env, "erasure")
    before = shop(url, "SELECT count(*) FROM wp_usermeta")
    proc, blocker = paused_at_maijas_account(env, "cases", "fulfil", reference)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    blocker.rollback()
    blocker.close()
    # Unchanged: the other tables' deletions went with the killed transaction.
    assert shop(url, "SELECT count(*) FROM wp_usermeta") == before
    assert shop(url, "SELECT count(*) FROM wp_users WHERE user_email = :m") == [(1,)]
    ok(env, "cases", "fulfil", reference)
    assert interrupted(env, reference) == [{"system": "Verkkokauppa", "state": "unchanged"}]
    assert shop(url, "SELECT count(*) FROM wp_users WHERE user_email = :m") == [(0,)]


def test_an_erasure_without_its_deletions_still_reads_back_as_fully_changed(
    env: dict[str, str],
) -> None:
    """After an erasure, each updated row must read back as the plan left it, on every kind
    of server (hashes, masks and NULLs round-trip): a recovery that saw only updates would
    otherwise take a finished erasure for one that others changed, and do it again."""
    reference = open_case(env, "erasure")
    ok(env, "cases", "fulfil", reference)
    ((system, state, plan),) = progress(env)
    assert (system, state) == ("Verkkokauppa", "erased")
    updates = [c for c in plan["changes"] if c["after_sha256"] is not None]
    tables = {c["table"] for c in updates}
    assert {"wp_users", "wp_wc_orders"} <= tables
    controller = load_controller_toml((EXAMPLE / "rightsdesk.toml").read_text("utf-8"))
    (shop_system,) = [s for s in controller.systems if isinstance(s, SqlSystem)]
    connector = SqlConnector(shop_system, {"SHOP_DATABASE_URL": env["SHOP_DATABASE_URL"]})
    try:
        assert connector.state(updates) == "fully changed"
        for table in tables:  # each table's own rows tell it too
            assert connector.state([c for c in updates if c["table"] == table]) == "fully changed"
    finally:
        connector.dispose()


# The shop's own key of each mapped table, and columns it may edit (examples/woocommerce).
KEYS = {"wp_users": "ID", "wp_usermeta": "umeta_id", "wp_wc_customer_lookup": "customer_id"}
KEYS |= {t: "id" for t in ("wp_wc_orders", "wp_wc_order_addresses", "wp_wc_orders_meta")}
EDITABLE = ("meta_value", "display_name", "customer_note", "ip_address", "user_agent", "city")


def test_rows_changed_by_others_after_a_kill_are_planned_again_not_reported_erased(
    pg_env: dict[str, str], tmp_path: Path
) -> None:
    """kill -9 while the erasure waits inside its transaction (the shop unchanged); then the
    shop itself edits every planned row (a note, a display name, a meta value), so none is as
    the plan found it nor as the plan would leave it. The next run must not take that for a
    finished erasure: it says so, plans again and erases Maija's rows for real."""
    env, url = pg_env, pg_env["SHOP_DATABASE_URL"]
    reference = open_case(env, "erasure")
    proc, blocker = paused_at_maijas_account(env, "cases", "fulfil", reference)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    blocker.rollback()
    blocker.close()
    ((_, _, plan),) = progress(env)
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as conn:
        for change in plan["changes"]:
            # An edit of a column the plan compares; the address that finds her only if the
            # row has no other (then the row is no longer hers, which also tells nothing).
            ours = sorted(change["columns"], key=lambda c: (c not in EDITABLE, "email" in c))
            table, column = change["table"], ours[0]
            edit = f'UPDATE {table} SET "{column}" = :v WHERE "{KEYS[table]}" = :k'  # noqa: S608
            conn.execute(
                text(edit),
                {"v": "edited-by-the-shop@example.invalid", "k": int(change["key"])},
            )
    engine.dispose()

    ok(env, "cases", "fulfil", reference)
    assert interrupted(env, reference) == [
        {"system": "Verkkokauppa", "state": "changed since the plan"}
    ]
    assert shop(url, "SELECT count(*) FROM wp_users WHERE user_email = :m") == [(0,)]
    assert [(system, state) for system, state, _ in progress(env)] == [("Verkkokauppa", "erased")]
    dossier = dossier_of(env, reference, tmp_path)
    assert "interrupted; the system was found changed by others since the plan" in dossier


def test_kill_9_after_the_shop_committed_records_it_fully_changed(
    pg_env: dict[str, str], tmp_path: Path
) -> None:
    """The shop's transaction commits, but the desk is held from recording it (a test holds
    its SQLite write lock); kill -9 then. The next run must see the shop fully changed, not
    erase again, and reply with what the recorded plan said."""
    env, url = pg_env, pg_env["SHOP_DATABASE_URL"]
    reference = open_case(env, "erasure")
    proc, blocker = paused_at_maijas_account(env, "cases", "fulfil", reference)
    desk = sqlite3.connect(tmp_path / "desk.db", isolation_level=None)
    desk.execute("BEGIN IMMEDIATE")  # the desk's next write waits (busy_timeout 30 s)
    blocker.rollback()  # the shop's transaction goes on and commits
    blocker.close()
    deadline = time.monotonic() + 60
    while shop(url, "SELECT count(*) FROM wp_users WHERE user_email = :m") != [(0,)]:
        assert time.monotonic() < deadline, "the shop's erasure never committed"
        time.sleep(0.1)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    desk.rollback()
    desk.close()
    actions = [e["action"] for e in events(env, reference)]
    assert "system_erasure_started" in actions and "system_erased" not in actions
    assert [(system, state) for system, state, _ in progress(env)] == [("Verkkokauppa", "started")]

    ok(env, "cases", "fulfil", reference)
    assert interrupted(env, reference) == [{"system": "Verkkokauppa", "state": "fully changed"}]
    assert [(system, state) for system, state, _ in progress(env)] == [("Verkkokauppa", "erased")]
    erased = [e["detail"] for e in events(env, reference) if e["action"] == "system_erased"]
    assert len(erased) == 1 and erased[0]["interrupted"] == "fully changed"
    assert erased[0]["changes"]  # the plan recorded before the crash
    reply = next(d for d in drafts(env, reference) if d["template"] == "erasure_done")["body"]
    assert "Verkkokauppa: the rows of table wp_usermeta" in reply


def test_a_row_added_while_the_erasure_waits_for_a_lock_is_erased_on_postgresql(
    pg_env: dict[str, str],
) -> None:
    """The erasure's transaction waits for Maija's locked account row; a new account detail
    of hers is committed meanwhile. Once the lock goes, the erasure must see the new row,
    record the new plan, erase it and reply with it."""
    env, url = pg_env, pg_env["SHOP_DATABASE_URL"]
    reference = open_case(env, "erasure")
    (user_id,) = shop(url, 'SELECT "ID" FROM wp_users WHERE user_email = :m')[0]
    proc, blocker = paused_at_maijas_account(env, "cases", "fulfil", reference)
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as conn:
        new_row = conn.execute(
            text(
                "INSERT INTO wp_usermeta (user_id, meta_key, meta_value)"
                " VALUES (:u, 'billing_phone', '+358 40 765 4321') RETURNING umeta_id"
            ),
            {"u": user_id},
        ).scalar_one()
    engine.dispose()
    blocker.rollback()
    blocker.close()
    assert proc.wait(timeout=180) == 0

    left = "SELECT count(*) FROM wp_usermeta WHERE user_id = :u"
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as conn:
        assert conn.execute(text(left), {"u": user_id}).scalar_one() == 0
    engine.dispose()
    trail = events(env, reference)
    plans = [e["detail"] for e in trail if e["action"] == "system_erasure_started"]
    assert len(plans) == 2 and plans[1]["replanned"] is True
    (erased,) = [e["detail"] for e in trail if e["action"] == "system_erased"]
    assert erased["changes"] == plans[1]["changes"]
    assert ("wp_usermeta", str(new_row)) in {(c["table"], c["key"]) for c in erased["changes"]}
    reply = next(d for d in drafts(env, reference) if d["template"] == "erasure_done")["body"]
    assert usermeta_count(reply) == plans[0]["found"]["wp_usermeta"] + 1


@pytest.fixture
def sqlite_env(tmp_path: Path) -> dict[str, str]:
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    subprocess.run([sys.executable, str(EXAMPLE / "seed.py"), url], check=True, capture_output=True)
    return {
        "RIGHTSDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'desk.db'}",
        "RIGHTSDESK_CONFIG": str(EXAMPLE / "rightsdesk.toml"),
        "RIGHTSDESK_NOW": NOW,
        "RIGHTSDESK_MAILDIR": str(tmp_path / "mail"),  # where `poll` sends to
        "SHOP_DATABASE_URL": url,
    }


def test_portability_rectification_and_the_dossier_cover_the_shop(
    sqlite_env: dict[str, str], tmp_path: Path
) -> None:
    env = sqlite_env
    url = env["SHOP_DATABASE_URL"]
    reference = open_case(env, "portability,rectification")
    ok(env, "cases", "fulfil", reference, "--kind", "portability")
    export = next(d for d in drafts(env, reference) if d["template"] == "portability_export")
    data = json.loads(base64.b64decode(export["files"][0]["data_b64"]))
    orders = data["systems"]["Verkkokauppa"]["tables"]["wp_wc_orders"]
    assert len(orders) == 3 and "ip_address" not in orders[0]  # only what she provided

    new_phone = ("--kind", "rectification", "--set", "phone=+358 40 999 0000")
    # Her postal address is in no mapped column and she is not in the register: the whole
    # correction is refused, in the preview and for real, before anything changes.
    also_address = (*new_phone, "--set", "postal_address=Uusikatu 1, 00100 Helsinki")
    for dry in (("--dry-run",), ()):
        refused = rightsdesk(env, "cases", "fulfil", reference, *also_address, *dry)
        assert refused.returncode == 2, refused.stdout
        said = f"error: {reference}: cannot correct postal_address: the requester is not in"
        assert refused.stderr.startswith(said)
    preview = ok(env, "cases", "fulfil", reference, *new_phone, "--dry-run")
    assert preview.splitlines() == [
        "Verkkokauppa: would change telephone number: +358 40 123 4567 → +358 40 999 0000"
    ]
    shop_phones = "SELECT DISTINCT phone FROM wp_wc_order_addresses WHERE email = :m"
    assert shop(url, shop_phones) == [("+358 40 123 4567",)]  # the preview changed nothing

    # She is not in the desk's register copy, only in the shop: corrected there, and the
    # reply says so.
    ok(env, "cases", "fulfil", reference, *new_phone)
    assert shop(url, shop_phones) == [("+358 40 999 0000",)]
    reply = next(d for d in drafts(env, reference) if d["template"] == "rectification_done")
    assert "- Verkkokauppa: telephone number: +358 40 123 4567 → +358 40 999 0000" in reply["body"]
    html = dossier_of(env, reference, tmp_path)
    assert "Systems searched (Art. 15(1)" in html and "Verkkokauppa" in html
    assert "rectified in 6 row(s)" in html


def usermeta_count(reply_or_preview: str) -> int:
    """N in "the rows of table wp_usermeta (N)", as the preview and the reply say it."""
    marker = "the rows of table wp_usermeta ("
    start = reply_or_preview.index(marker) + len(marker)
    return int(reply_or_preview[start : reply_or_preview.index(")", start)])


def test_a_row_added_between_the_plan_and_the_erasure_is_erased_and_reported(
    sqlite_env: dict[str, str], tmp_path: Path
) -> None:
    """The dry run shows N account details; then the erasure records its plan, and before its
    transaction may start (the test holds the shop's write lock) Maija's phone number is
    added. The erasure must find it, record the new plan, erase it and say N + 1."""
    env = sqlite_env
    url = env["SHOP_DATABASE_URL"]
    reference = open_case(env, "erasure")
    planned = usermeta_count(ok(env, "cases", "fulfil", reference, "--dry-run"))
    (user_id,) = shop(url, "SELECT ID FROM wp_users WHERE user_email = :m")[0]

    holder = sqlite3.connect(tmp_path / "shop.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # the erasure's transaction waits for this lock
    base = {k: v for k, v in os.environ.items() if not k.startswith("RIGHTSDESK_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "rightsdesk", "cases", "fulfil", reference],
        env={**base, **env},
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    desk = sqlite3.connect(tmp_path / "desk.db")
    started = "SELECT count(*) FROM case_event WHERE action = 'system_erasure_started'"
    deadline = time.monotonic() + 60
    while desk.execute(started).fetchone() != (1,):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the erasure never recorded its plan"
        time.sleep(0.05)
    desk.close()
    new_row = holder.execute(
        "INSERT INTO wp_usermeta (user_id, meta_key, meta_value)"
        " VALUES (?, 'billing_phone', '+358 40 765 4321')",
        (user_id,),
    ).lastrowid
    holder.execute("COMMIT")
    holder.close()
    out, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, (out, err)

    left = sqlite3.connect(tmp_path / "shop.db")
    assert left.execute(
        "SELECT count(*) FROM wp_usermeta WHERE umeta_id = ?", (new_row,)
    ).fetchone() == (0,)
    assert left.execute(
        "SELECT count(*) FROM wp_usermeta WHERE user_id = ?", (user_id,)
    ).fetchone() == (0,)
    left.close()
    trail = events(env, reference)
    plans = [e["detail"] for e in trail if e["action"] == "system_erasure_started"]
    assert len(plans) == 2 and plans[1]["replanned"] is True
    (erased,) = [e["detail"] for e in trail if e["action"] == "system_erased"]
    assert erased["changes"] == plans[1]["changes"]  # what was done is what was recorded
    keys = {(c["table"], c["key"]) for c in erased["changes"]}
    assert ("wp_usermeta", str(new_row)) in keys
    assert ("wp_usermeta", str(new_row)) not in {
        (c["table"], c["key"]) for c in plans[0]["changes"]
    }
    reply = next(d for d in drafts(env, reference) if d["template"] == "erasure_done")["body"]
    assert usermeta_count(reply) == planned + 1


# --- restriction (Art. 18) ------------------------------------------------------------------

# The example maps no `restrict` (WooCommerce has no column it reads as "restricted"); these
# tests add one on wp_users.user_status, a status column WordPress core leaves unused, as the
# stand-in of a flag the shop's own processes honour.
ACCOUNT_ROW = 'rectify = { email = "user_email", name = "display_name", www = "user_url" }\n'


def restricting(env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """`env` with the example config whose wp_users maps `restrict = { user_status = 1 }`."""
    text = (EXAMPLE / "rightsdesk.toml").read_text("utf-8")
    assert text.count(ACCOUNT_ROW) == 1
    config = tmp_path / "restricting.toml"
    config.write_text(text.replace(ACCOUNT_ROW, ACCOUNT_ROW + "restrict = { user_status = 1 }\n"))
    return {**env, "RIGHTSDESK_CONFIG": str(config)}


def account_statuses(url: str) -> list[Any]:
    return shop(url, "SELECT user_email, user_status FROM wp_users ORDER BY user_email")


def reply_of(env: dict[str, str], reference: str, template: str) -> str:
    return str([d for d in drafts(env, reference) if d["template"] == template][-1]["body"])


def test_a_restriction_of_someone_only_in_the_shop_marks_her_account_there_and_says_so(
    env: dict[str, str], tmp_path: Path
) -> None:
    env, url = restricting(env, tmp_path), env["SHOP_DATABASE_URL"]
    reference = open_case(env, "restriction")
    preview = ok(env, "cases", "fulfil", reference, "--dry-run")
    assert "Verkkokauppa: would restrict the rows of table wp_users (1)" in preview
    assert "Asiakasrekisteri: no row about the requester; nothing changes" in preview
    assert {s for _, s in account_statuses(url)} == {0}  # the preview changed nothing

    ok(env, "cases", "fulfil", reference)
    assert account_statuses(url) == [
        ("annika.provare@example.com", 0),
        (MAIJA, 1),
        ("teemu.testinen@example.com", 0),
    ]
    (marked,) = [e["detail"] for e in events(env, reference) if e["action"] == "system_restricted"]
    assert marked["system"] == "Verkkokauppa" and marked["restricted"] == {"wp_users": 1}
    (change,) = marked["changes"]
    assert change["table"] == "wp_users" and change["columns"] == ["user_status"]
    assert len(change["after_sha256"]) == 64 and "before" not in change
    reply = reply_of(env, reference, "restriction_confirmation")
    assert "The restriction covers the following data about you:" in reply
    assert "- Verkkokauppa: your data in table wp_users (rows: 1)" in reply
    assert "customer details" not in reply  # she is not in the register
    # The desk knows the register's disclosures only: it claims none for the shop (Art. 19).
    assert "has not been disclosed to any other recipient" not in reply
    tasks = json.loads(ok(env, "tasks", "list", "--case", reference, "--json"))
    assert [t["system"] for t in tasks] == ["Tilitoimisto Esimerkki Oy"]  # only the manual one


def test_a_restriction_of_someone_in_the_register_and_the_shop_marks_both(
    env: dict[str, str], tmp_path: Path
) -> None:
    env, url = restricting(env, tmp_path), env["SHOP_DATABASE_URL"]
    customers = tmp_path / "customers.csv"
    customers.write_text(f"customer_number,name,email\nC-1,Maija Esimerkki,{MAIJA}\n", "utf-8")
    ok(env, "register", "import", str(customers))
    reference = open_case(env, "restriction", language="fi")
    ok(env, "cases", "fulfil", reference)
    assert (MAIJA, 1) in account_statuses(url)
    desk = create_engine(env["RIGHTSDESK_DATABASE_URL"], poolclass=NullPool)
    with desk.connect() as conn:
        flagged = conn.execute(text("SELECT restricted FROM customer")).all()
    desk.dispose()
    assert [bool(r[0]) for r in flagged] == [True]
    reply = reply_of(env, reference, "restriction_confirmation")
    assert "Rajoitus koskee seuraavia tietojasi:" in reply
    assert "- asiakastiedot" in reply
    assert "- Verkkokauppa: tietosi taulussa wp_users (rivejä: 1)" in reply
    assert "Tietojasi ei ole luovutettu muille vastaanottajille" in reply  # the register's


def test_a_shop_without_a_restrict_mapping_becomes_a_task_the_reply_waits_for(
    env: dict[str, str],
) -> None:
    """The example shop maps no `restrict`: nothing is changed there and nothing is claimed;
    the contact person gets a task naming the shop, and the reply waits for their answer."""
    url = env["SHOP_DATABASE_URL"]
    before = shop(url, "SELECT * FROM wp_users ORDER BY 1")
    reference = open_case(env, "restriction", language="sv")
    out = ok(env, "cases", "fulfil", reference)
    assert shop(url, "SELECT * FROM wp_users ORDER BY 1") == before
    tasks = json.loads(ok(env, "tasks", "list", "--case", reference, "--json"))
    (by_hand,) = [t for t in tasks if t["system"] == "Verkkokauppa"]
    assert by_hand["kind"] == "restriction"
    assert by_hand["owner"] == "pasi.kinnunen@targetpartners.example"  # the contact person
    assert f"task {by_hand['id']}: restriction in Verkkokauppa" in out
    reply = reply_of(env, reference, "restriction_confirmation")
    assert "Verkkokauppa: dina uppgifter" not in reply
    assert "- Verkkokauppa: kontrollen pågår ännu" in reply
    held = rightsdesk(env, "cases", "approve", reference)
    assert held.returncode == 2 and f"task {by_hand['id']}" in held.stderr

    for task in tasks:
        ok(env, "tasks", "done", str(task["id"]), "--note", "Kundkontot markerat som begränsat.")
    reply = reply_of(env, reference, "restriction_confirmation")
    assert "- Verkkokauppa: Kundkontot markerat som begränsat." in reply
    ok(env, "cases", "approve", reference)


# --- lifting a restriction (Art. 18(3)) -----------------------------------------------------


def lift(
    env: dict[str, str], target: str, *, by: str = "cases"
) -> subprocess.CompletedProcess[str]:
    """`rightsdesk cases|register lift-restriction`, the person told on the day of NOW."""
    return rightsdesk(
        env, by, "lift-restriction", target, "--reason", "accuracy checked",
        "--informed-at", "2026-12-02",
    )  # fmt: skip


def test_lifting_a_case_s_restriction_puts_the_shop_account_back_and_records_each_row(
    env: dict[str, str], tmp_path: Path
) -> None:
    env, url = restricting(env, tmp_path), env["SHOP_DATABASE_URL"]
    reference = answered_restriction(env, "en")
    assert (MAIJA, 1) in account_statuses(url)
    early = rightsdesk(
        env, "cases", "lift-restriction", reference, "--reason", "checked",
        "--informed-at", "2026-12-03",
    )  # fmt: skip
    assert early.returncode == 2 and "cannot be in the future" in early.stderr
    assert (MAIJA, 1) in account_statuses(url)

    lifted = lift(env, reference)
    assert lifted.returncode == 0, lifted.stderr
    assert lifted.stdout.splitlines()[:2] == [
        f"{reference}: restriction lifted",
        "Verkkokauppa: restriction lifted in 1 row(s)",
    ]
    assert {s for _, s in account_statuses(url)} == {0}
    trail = events(env, reference)
    (marked,) = [e["detail"] for e in trail if e["action"] == "system_restricted"]
    (undone,) = [e["detail"] for e in trail if e["action"] == "system_restriction_lifted"]
    assert undone["system"] == "Verkkokauppa" and undone["restored"] == {"wp_users": 1}
    (change,) = undone["changes"]
    assert (change["table"], change["key"], change["columns"]) == (
        "wp_users", marked["changes"][0]["key"], ["user_status"],
    )  # fmt: skip
    assert change["before_sha256"] == marked["changes"][0]["after_sha256"]
    assert change["after_sha256"] == marked["changes"][0]["before_sha256"]
    assert "before" not in change and undone["left"] == []
    (done,) = [e["detail"] for e in trail if e["action"] == "restriction_lifted"]
    assert done["systems_lifted"] == ["Verkkokauppa"] and done["reason"] == "accuracy checked"
    # The accounting firm restricted it by hand: it lifts it by hand; the shop needs no task.
    tasks = json.loads(ok(env, "tasks", "list", "--case", reference, "--json"))
    (by_hand,) = [t for t in tasks if t["kind"] == "lift_restriction"]
    assert by_hand["system"] == "Tilitoimisto Esimerkki Oy"
    assert f"task {by_hand['id']}: lift the restriction in Tilitoimisto Esimerkki Oy" in (
        lifted.stdout
    )
    assert "ended" not in lifted.stdout
    assert "restriction lifted in 1 row(s)" in dossier_of(env, reference, tmp_path)
    again = lift(env, reference)
    assert again.returncode == 2 and "already lifted" in again.stderr


def desk_state(env: dict[str, str], reference: str) -> tuple[Any, ...]:
    """What a refused command must leave as it was: shop, register, trail, tasks, drafts."""
    tasks = json.loads(ok(env, "tasks", "list", "--case", reference, "--json"))
    return (
        account_statuses(env["SHOP_DATABASE_URL"]),
        register_flags(env),
        events(env, reference),
        tasks,
        drafts(env, reference),
    )


@pytest.mark.parametrize(("by", "target"), [("cases", None), ("register", "C-1")])
def test_a_restriction_not_yet_confirmed_to_the_person_cannot_be_lifted(
    sqlite_env: dict[str, str], tmp_path: Path, by: str, target: str | None
) -> None:
    """Lifted while its reply waited, the approval then told her "restricted" of rows already
    back: a restriction she was never told of cannot honestly be lifted (Art. 18(3))."""
    env = restricting(sqlite_env, tmp_path)
    maija_in_the_register(env, tmp_path)
    reference = open_case(env, "restriction")
    ok(env, "cases", "fulfil", reference)
    before = desk_state(env, reference)

    refused = lift(env, target or reference, by=by)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert refused.stderr.startswith(
        f"error: {reference}: the restriction has not been confirmed to the person yet"
    )
    assert f"`rightsdesk cases approve {reference}`" in refused.stderr
    assert desk_state(env, reference) == before
    assert (MAIJA, 1) in before[0] and before[1] == [True]

    confirm(env, reference)
    lifted = lift(env, target or reference, by=by)
    assert lifted.returncode == 0, lifted.stderr
    assert {s for _, s in account_statuses(env["SHOP_DATABASE_URL"])} == {0}
    assert register_flags(env) == [False]


def test_a_restriction_whose_case_was_withdrawn_before_its_confirmation_can_still_be_lifted(
    sqlite_env: dict[str, str], tmp_path: Path
) -> None:
    """No "restricted" reply will reach her after a withdrawal, and the shop's marks must not
    stay for good: the rule "confirmed first" is for a case still being answered."""
    env = restricting(sqlite_env, tmp_path)
    reference = open_case(env, "restriction")
    ok(env, "cases", "fulfil", reference)
    ok(env, "cases", "withdraw", reference, "--reason", "she withdrew it by phone")

    lifted = lift(env, reference)
    assert lifted.returncode == 0, lifted.stderr
    assert {s for _, s in account_statuses(env["SHOP_DATABASE_URL"])} == {0}


@pytest.mark.parametrize(("by", "target"), [("cases", None), ("register", "C-1")])
def test_a_lift_the_person_was_told_of_before_the_restriction_was_confirmed_is_refused(
    sqlite_env: dict[str, str], tmp_path: Path, by: str, target: str | None
) -> None:
    """`--informed-at` a day before the restriction's reply went out was accepted: told of
    the lifting before the restriction existed."""
    env = restricting(sqlite_env, tmp_path)
    maija_in_the_register(env, tmp_path)
    reference = answered_restriction(env, "en")  # confirmed on 2026-12-02
    later = {**env, "RIGHTSDESK_NOW": "2026-12-10T10:00:00+02:00"}
    before = desk_state(later, reference)

    refused = rightsdesk(
        later, by, "lift-restriction", target or reference, "--reason", "accuracy checked",
        "--informed-at", "2026-12-01",
    )  # fmt: skip
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert refused.stderr.startswith(
        f"error: {reference}: --informed-at 2026-12-01 is before the restriction was confirmed"
        " to the person (2026-12-02)"
    )
    assert desk_state(later, reference) == before

    told = rightsdesk(
        later, by, "lift-restriction", target or reference, "--reason", "accuracy checked",
        "--informed-at", "2026-12-02",
    )  # fmt: skip
    assert told.returncode == 0, told.stderr
    assert register_flags(env) == [False]


def test_a_case_whose_restriction_was_lifted_is_not_restricted_or_confirmed_again(
    sqlite_env: dict[str, str], tmp_path: Path
) -> None:
    """Fulfilled again after the lift, it drafted "your data has been restricted" but
    restricted nothing (the first fulfilment counted as done), and could never be lifted."""
    env, url = restricting(sqlite_env, tmp_path), sqlite_env["SHOP_DATABASE_URL"]
    maija_in_the_register(env, tmp_path)
    reference = open_case(env, "restriction,access")
    ok(env, "cases", "fulfil", reference, "--kind", "restriction")
    confirm(env, reference)  # access is still to answer: the case stays in progress
    assert lift(env, reference).returncode == 0
    before = desk_state(env, reference)
    assert {s for _, s in before[0]} == {0} and before[1] == [False]

    for command in (
        ("cases", "fulfil", reference, "--kind", "restriction"),
        ("cases", "draft", reference, "--template", "restriction_confirmation"),
    ):
        refused = rightsdesk(env, *command)
        assert refused.returncode == 2 and "Traceback" not in refused.stderr, command
        assert refused.stderr.startswith(
            f"error: {reference}: its restriction was lifted on 2026-12-02, so it cannot be"
            " restricted or confirmed again here; open a new case"
        ), command
        assert desk_state(env, reference) == before

    # A new request is a case of its own: it restricts, and can be lifted in turn.
    again = answered_restriction(env, "en")
    assert (MAIJA, 1) in account_statuses(url) and register_flags(env) == [True]
    assert lift(env, again).returncode == 0
    assert {s for _, s in account_statuses(url)} == {0} and register_flags(env) == [False]


def test_a_lift_waits_while_the_shop_is_down_and_leaves_a_column_others_changed_since(
    sqlite_env: dict[str, str], tmp_path: Path
) -> None:
    env, url = restricting(sqlite_env, tmp_path), sqlite_env["SHOP_DATABASE_URL"]
    reference = answered_restriction(env, "fi")
    down = {**env, "SHOP_DATABASE_URL": "postgresql+psycopg://nobody:x@127.0.0.1:1/shop"}
    waiting = lift(down, reference)
    assert waiting.returncode == 75, waiting.stderr
    assert waiting.stderr.startswith("waiting: Verkkokauppa is not reachable")
    assert (MAIJA, 1) in account_statuses(url)
    actions = [e["action"] for e in events(env, reference)]
    assert "waiting_for_system" in actions and "restriction_lifted" not in actions
    tasks = json.loads(ok(env, "tasks", "list", "--case", reference, "--json"))
    assert "lift_restriction" not in {t["kind"] for t in tasks}  # nothing lifted yet

    # Meanwhile the shop's own staff set her account to another status.
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE wp_users SET user_status = 2 WHERE user_email = :m"), {"m": MAIJA}
        )
    engine.dispose()
    lifted = lift(env, reference)
    assert lifted.returncode == 0, lifted.stderr
    assert "Verkkokauppa: restriction lifted in 0 row(s)" in lifted.stdout
    assert "wp_users row" in lifted.stdout and "user_status changed since" in lifted.stdout
    assert (MAIJA, 2) in account_statuses(url)  # theirs, not put back
    (undone,) = [
        e["detail"] for e in events(env, reference) if e["action"] == "system_restriction_lifted"
    ]
    assert undone["changes"] == [] and undone["left"][0]["columns"] == ["user_status"]
    assert "käsittelyn rajoitus poistettu järjestelmässä" in dossier_of(env, reference, tmp_path)


def test_a_shop_restricted_by_hand_gets_a_task_to_lift_it_by_hand(
    sqlite_env: dict[str, str], tmp_path: Path
) -> None:
    env = sqlite_env
    before = shop(env["SHOP_DATABASE_URL"], "SELECT * FROM wp_users ORDER BY 1")
    reference = answered_restriction(env)
    lifted = lift(env, reference)
    assert lifted.returncode == 0, lifted.stderr
    assert shop(env["SHOP_DATABASE_URL"], "SELECT * FROM wp_users ORDER BY 1") == before
    tasks = json.loads(ok(env, "tasks", "list", "--case", reference, "--json"))
    by_hand = {t["system"]: t for t in tasks if t["kind"] == "lift_restriction"}
    assert {t["status"] for t in by_hand.values()} == {"open"}
    assert set(by_hand) == {"Verkkokauppa", "Tilitoimisto Esimerkki Oy"}
    assert by_hand["Verkkokauppa"]["owner"] == "pasi.kinnunen@targetpartners.example"
    dossier = dossier_of(env, reference, tmp_path)
    assert "hävande av begränsningen av behandlingen" in dossier


def confirm(env: dict[str, str], reference: str, *, sent: bool = True) -> None:
    """Finish a restriction (Art. 18(3)): its by-hand tasks done, its reply approved and sent."""
    for task in json.loads(ok(env, "tasks", "list", "--case", reference, "--json")):
        if task["status"] == "open":
            ok(env, "tasks", "done", str(task["id"]), "--note", "Marked restricted.")
    ok(env, "cases", "approve", reference)
    if sent:
        deliver(env)


def deliver(env: dict[str, str]) -> None:
    """An outbox pass as `poll --once` runs it (to the Maildir's outbox if no SMTP server is
    set), until every queued mail went, by it or by a bot's outbox running alongside."""
    Path(env["RIGHTSDESK_MAILDIR"]).mkdir(exist_ok=True)  # set by each env: not the checkout's
    ok(env, "poll", "--once")
    all_sent(env)


def all_sent(env: dict[str, str]) -> None:
    """Wait until the outbox (`poll`'s, or a bot's running alongside) sent every queued mail."""
    deadline = time.monotonic() + 30
    while unsent(env) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not unsent(env)


def unsent(env: dict[str, str]) -> list[Any]:
    """The outbox's mails still queued or being sent."""
    engine = create_engine(env["RIGHTSDESK_DATABASE_URL"], poolclass=NullPool)
    try:
        with engine.connect() as conn:
            query = "SELECT id FROM outbox WHERE status IN ('pending', 'sending')"
            return [r[0] for r in conn.execute(text(query)).all()]
    finally:
        engine.dispose()


def answered_restriction(env: dict[str, str], language: str = "sv") -> str:
    """A restriction case whose by-hand tasks were done and whose reply went out."""
    reference = open_case(env, "restriction", language=language)
    ok(env, "cases", "fulfil", reference)
    confirm(env, reference)
    return reference


def test_a_restriction_lifted_after_the_case_closed_is_reminded_and_in_the_digest(
    sqlite_env: dict[str, str],
) -> None:
    """The case (due 2027-01-04) was closed long ago; its lift tasks are still chased, by
    `rightsdesk remind` as the scheduler runs it, and the closed case gets no deadline."""
    reference = answered_restriction(sqlite_env)
    ok(sqlite_env, "cases", "close", reference)
    later = {**sqlite_env, "RIGHTSDESK_NOW": "2027-01-11T10:00:00+02:00"}
    lifted = lift(later, reference)
    assert lifted.returncode == 0, lifted.stderr
    tasks = json.loads(ok(later, "tasks", "list", "--case", reference, "--json"))
    lifts = [t for t in tasks if t["kind"] == "lift_restriction"]
    assert len(lifts) == 2 and {t["due"] for t in lifts} == {"2027-01-18"}

    # A day late, at 09:30 Helsinki time: the task's reminder and the digest are due.
    morning = {**sqlite_env, "RIGHTSDESK_NOW": "2027-01-19T09:30:00+02:00"}
    out = ok(morning, "remind", "--once").splitlines()
    assert [line for line in out if line.startswith("reminder ")] == [
        f"reminder {reference} tasks due 2027-01-18"
    ]  # the task's, and no "overdue" for the closed case's own deadline
    assert "Open tasks of manual systems (1):" in out
    (line,) = [line for line in out if line.startswith(f"  {reference}: task due 2027-01-18")]
    assert line.endswith("(case closed)")
    assert not [line for line in out if line.startswith("Overdue")]
    assert MAIJA not in "\n".join(out)
    again = ok({**morning, "RIGHTSDESK_NOW": "2027-01-19T15:00:00+02:00"}, "remind", "--once")
    assert "reminder " not in again  # the ledger: once a day

    for task in lifts:
        ok(later, "tasks", "done", str(task["id"]), "--note", "Begränsningen hävd.")
    after = ok({**sqlite_env, "RIGHTSDESK_NOW": "2027-01-20T09:30:00+02:00"}, "remind", "--once")
    assert "reminder " not in after and "Open tasks" not in after


def test_a_case_cannot_be_closed_while_its_lift_task_is_open(
    sqlite_env: dict[str, str],
) -> None:
    """Closing used to mark the open lift tasks as ended with the case: nobody was chased
    and the trail said finished what nobody did. It is refused until the outcome is in."""
    reference = answered_restriction(sqlite_env)
    assert lift(sqlite_env, reference).returncode == 0
    tasks = json.loads(ok(sqlite_env, "tasks", "list", "--case", reference, "--json"))
    lifts = [t for t in tasks if t["kind"] == "lift_restriction"]
    assert lifts and {t["status"] for t in lifts} == {"open"}

    refused = rightsdesk(sqlite_env, "cases", "close", reference)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert f"{reference} has open tasks: task {lifts[0]['id']} (restriction lift in" in (
        refused.stderr
    )
    listed = ok(sqlite_env, "tasks", "list", "--case", reference)
    assert "restriction lift" in listed and "lift_restriction" not in listed  # words, not code
    assert json.loads(ok(sqlite_env, "cases", "show", reference, "--json"))["status"] == (
        "responded"
    )
    for task in lifts:
        ok(sqlite_env, "tasks", "done", str(task["id"]), "--note", "Begränsningen hävd.")
    ok(sqlite_env, "cases", "close", reference)
    tasks = json.loads(ok(sqlite_env, "tasks", "list", "--case", reference, "--json"))
    assert {t["outcome"] for t in tasks if t["kind"] == "lift_restriction"} == {"done"}


def test_a_lift_task_that_will_never_be_done_lets_the_case_close_with_its_reason(
    sqlite_env: dict[str, str],
) -> None:
    """The system was retired before the lift: only a false `tasks done` let the case close
    (Art. 5(2)). `tasks not-done --reason` records why, and the close accepts it."""
    reference = answered_restriction(sqlite_env)
    assert lift(sqlite_env, reference).returncode == 0
    tasks = json.loads(ok(sqlite_env, "tasks", "list", "--case", reference, "--json"))
    lifts = [t for t in tasks if t["kind"] == "lift_restriction"]
    assert lifts
    refused = rightsdesk(sqlite_env, "cases", "close", reference)
    assert refused.returncode == 2
    assert "tasks not-done ID --reason WHY" in refused.stderr

    why = "The customer account system was retired; its rows were deleted."
    for task in lifts:
        ok(sqlite_env, "tasks", "not-done", str(task["id"]), "--reason", why)
    ok(sqlite_env, "cases", "close", reference)
    shown = json.loads(ok(sqlite_env, "cases", "show", reference, "--json"))
    assert shown["status"] == "closed"
    reasons = [
        (e["detail"]["task_id"], e["detail"]["reason"])
        for e in shown["events"]
        if e["action"] == "task_not_done"
    ]
    assert reasons == [(t["id"], why) for t in lifts]


def test_lifting_a_customer_s_restriction_lifts_the_shop_columns_its_case_set(
    sqlite_env: dict[str, str], tmp_path: Path
) -> None:
    env, url = restricting(sqlite_env, tmp_path), sqlite_env["SHOP_DATABASE_URL"]
    customers = tmp_path / "customers.csv"
    customers.write_text(f"customer_number,name,email\nC-1,Maija Esimerkki,{MAIJA}\n", "utf-8")
    ok(env, "register", "import", str(customers))
    reference = answered_restriction(env, "en")
    assert (MAIJA, 1) in account_statuses(url)

    lifted = lift(env, "C-1", by="register")
    assert lifted.returncode == 0, lifted.stderr
    assert lifted.stdout.splitlines()[:3] == [
        "C-1: restriction lifted",
        f"{reference}: restriction lifted",
        "Verkkokauppa: restriction lifted in 1 row(s)",
    ]
    assert {s for _, s in account_statuses(url)} == {0}
    desk = create_engine(env["RIGHTSDESK_DATABASE_URL"], poolclass=NullPool)
    with desk.connect() as conn:
        flagged = conn.execute(text("SELECT restricted FROM customer")).all()
    desk.dispose()
    assert [bool(r[0]) for r in flagged] == [False]
    actions = [e["action"] for e in events(env, reference)]
    assert "system_restriction_lifted" in actions and "restriction_lifted" in actions
    assert lift(env, reference).returncode == 2  # lifted once, by either command


def register_flags(env: dict[str, str]) -> list[bool]:
    desk = create_engine(env["RIGHTSDESK_DATABASE_URL"], poolclass=NullPool)
    with desk.connect() as conn:
        flagged = conn.execute(text("SELECT restricted FROM customer")).all()
    desk.dispose()
    return [bool(r[0]) for r in flagged]


def maija_in_the_register(env: dict[str, str], tmp_path: Path) -> None:
    customers = tmp_path / "customers.csv"
    customers.write_text(f"customer_number,name,email\nC-1,Maija Esimerkki,{MAIJA}\n", "utf-8")
    ok(env, "register", "import", str(customers))


@pytest.mark.parametrize("shop_env", ["sqlite_env", "pg_env"])
@pytest.mark.parametrize("lifted_first", [0, 1], ids=["older_first", "newer_first"])
def test_lifting_one_of_two_restrictions_of_maija_leaves_her_restricted_until_the_other_is_lifted(
    request: pytest.FixtureRequest, shop_env: str, lifted_first: int, tmp_path: Path
) -> None:
    """The newer case found her account marked already and recorded no row; lifting either
    first used to clear the register's flag and put her account back, undoing the other
    (Art. 18). The last lift puts back the values the older one recorded (the originals)."""
    base: dict[str, str] = request.getfixturevalue(shop_env)
    env, url = restricting(base, tmp_path), base["SHOP_DATABASE_URL"]
    maija_in_the_register(env, tmp_path)
    older, newer = answered_restriction(env), answered_restriction(env)
    assert (MAIJA, 1) in account_statuses(url)
    first, last = (older, newer)[lifted_first], (older, newer)[1 - lifted_first]

    held = lift(env, first)
    assert held.returncode == 0, held.stderr
    assert f"{first}: the person stays restricted because of {last}," in held.stdout
    assert "in the register" not in held.stdout and "row(s)" not in held.stdout
    assert (MAIJA, 1) in account_statuses(url) and register_flags(env) == [True]
    (done,) = [e["detail"] for e in events(env, first) if e["action"] == "restriction_lifted"]
    assert done["still_restricted_by"] == [last] and "systems_lifted" not in done
    tasks = json.loads(ok(env, "tasks", "list", "--case", first, "--json"))
    assert "lift_restriction" not in {t["kind"] for t in tasks}  # the other still needs it
    # Closed and past its retention, the held case keeps the values the last lift needs.
    for reference in (older, newer):
        ok(env, "cases", "close", reference)
    years_on = {**env, "RIGHTSDESK_NOW": "2031-01-12T10:00:00+02:00"}
    swept = ok(years_on, "retention", "sweep", "--dry-run")
    assert f"held {first}: restriction in force (Art. 18)" in swept

    lifted = lift(env, last)
    assert lifted.returncode == 0, lifted.stderr
    assert "C-1: restriction lifted in the register" in lifted.stdout
    assert "Verkkokauppa: restriction lifted in 1 row(s)" in lifted.stdout
    assert {s for _, s in account_statuses(url)} == {0} and register_flags(env) == [False]
    (done,) = [e["detail"] for e in events(env, last) if e["action"] == "restriction_lifted"]
    assert done["released"] == [first] and done["systems_lifted"] == ["Verkkokauppa"]
    # Put back where the originals were recorded: the older case's restriction.
    (undone,) = [
        e["detail"] for e in events(env, older) if e["action"] == "system_restriction_lifted"
    ]
    assert undone["restored"] == {"wp_users": 1}
    lifts = [
        t
        for t in json.loads(ok(env, "tasks", "list", "--case", last, "--json"))
        if t["kind"] == "lift_restriction"
    ]
    assert [t["system"] for t in lifts] == ["Tilitoimisto Esimerkki Oy"]
    assert f"held {first}" not in ok(years_on, "retention", "sweep", "--dry-run")


def test_lifting_a_customer_s_restriction_again_finishes_what_a_shop_that_was_down_left(
    sqlite_env: dict[str, str], tmp_path: Path
) -> None:
    """Her older case was restricted in the shop by hand, the newer one in the shop's
    columns. With the shop down, the first case's lift used to clear the flag and the
    second wait; the same command again then said "C-1 is not restricted"."""
    maija_in_the_register(sqlite_env, tmp_path)
    by_hand = answered_restriction(sqlite_env)  # the example maps no `restrict`
    env, url = restricting(sqlite_env, tmp_path), sqlite_env["SHOP_DATABASE_URL"]
    in_columns = answered_restriction(env, "en")
    assert (MAIJA, 1) in account_statuses(url)

    down = {**env, "SHOP_DATABASE_URL": "postgresql+psycopg://nobody:x@127.0.0.1:1/shop"}
    waiting = lift(down, "C-1", by="register")
    assert waiting.returncode == 75, waiting.stderr
    assert waiting.stderr.startswith("waiting: Verkkokauppa is not reachable")
    assert register_flags(env) == [True] and (MAIJA, 1) in account_statuses(url)

    again = lift(env, "C-1", by="register")
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[:2] == [
        "C-1: restriction lifted",
        f"{in_columns}: restriction lifted",
    ]
    assert register_flags(env) == [False] and {s for _, s in account_statuses(url)} == {0}
    actions = [e["action"] for e in events(env, in_columns)]
    assert "waiting_for_system" in actions and "restriction_lifted" in actions
    (done,) = [e["detail"] for e in events(env, in_columns) if e["action"] == "restriction_lifted"]
    assert done["released"] == [by_hand]
    # What the older case's owners restricted by hand is lifted by hand, once per system.
    lifts = [
        t
        for t in json.loads(ok(env, "tasks", "list", "--case", in_columns, "--json"))
        if t["kind"] == "lift_restriction"
    ]
    assert sorted(t["system"] for t in lifts) == ["Tilitoimisto Esimerkki Oy", "Verkkokauppa"]
    assert lift(env, "C-1", by="register").returncode == 2  # now nothing is left to lift


def test_lifting_a_customer_is_refused_while_a_case_purged_unlifted_may_have_restricted_her(
    sqlite_env: dict[str, str], tmp_path: Path
) -> None:
    """The sweep now holds a case whose restriction is in force; one purged before that
    lost the customer number from its record, and lifting the customer then cleared the
    flag alone, leaving her shop account restricted unseen (Art. 18(3))."""
    env, url = restricting(sqlite_env, tmp_path), sqlite_env["SHOP_DATABASE_URL"]
    maija_in_the_register(env, tmp_path)
    reference = answered_restriction(env)
    ok(env, "cases", "close", reference)
    engine = create_engine(env["RIGHTSDESK_DATABASE_URL"], poolclass=NullPool)
    with Session(engine) as session:  # what the sweep did before it held such a case
        case = session.exec(select(Case).where(Case.reference == reference)).one()
        purge_case(session, case, actor="retention", now=datetime.fromisoformat(NOW))
        session.commit()
    engine.dispose()

    refused = lift(env, "C-1", by="register")
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert f"the restriction of {reference} was never lifted and its record was purged" in (
        refused.stderr
    )
    assert register_flags(env) == [True] and (MAIJA, 1) in account_statuses(url)

    by_hand = lift(env, reference)  # its values are gone: a person puts them back
    assert by_hand.returncode == 0, by_hand.stderr
    assert "task " in by_hand.stdout and "lift the restriction in Verkkokauppa" in by_hand.stdout
    assert lift(env, "C-1", by="register").returncode == 0
    assert register_flags(env) == [False]


@pytest.mark.parametrize(
    ("language", "label"),
    [
        ("fi", "tarpeeton, koska rajoitus poistettiin ennen kuin se tehtiin"),
        ("sv", "onödig, eftersom begränsningen hävdes innan den gjordes"),
        ("en", "no longer needed: the restriction was lifted before it was done"),
    ],
)
def test_lifting_ends_the_restriction_tasks_nobody_did_and_asks_to_lift_only_what_was_done(
    sqlite_env: dict[str, str], tmp_path: Path, language: str, label: str
) -> None:
    """An unanswered restriction task stayed open (and reminded) beside the lift: done
    later, it left the system restricted after the lift with nothing recorded."""
    env = sqlite_env
    reference = open_case(env, "restriction", language=language)
    ok(env, "cases", "fulfil", reference)
    tasks = {
        t["system"]: t for t in json.loads(ok(env, "tasks", "list", "--case", reference, "--json"))
    }
    shop_task, firm_task = tasks["Verkkokauppa"], tasks["Tilitoimisto Esimerkki Oy"]
    ok(env, "tasks", "done", str(shop_task["id"]), "--note", "Account marked restricted.")
    # Answered by letter (no approved reply): the person was told when it was recorded.
    ok(env, "cases", "respond", reference, "--outcome", "restriction confirmed by letter")

    lifted = lift(env, reference)
    assert lifted.returncode == 0, lifted.stderr
    assert (
        f"task {firm_task['id']}: ended, the restriction in Tilitoimisto Esimerkki Oy was"
        " lifted before it was done"
    ) in lifted.stdout
    after = json.loads(ok(env, "tasks", "list", "--case", reference, "--json"))
    (ended,) = [t for t in after if t["id"] == firm_task["id"]]
    assert (ended["status"], ended["outcome"]) == ("done", "lifted_before_done")
    (lift_task,) = [t for t in after if t["kind"] == "lift_restriction"]
    assert lift_task["system"] == "Verkkokauppa"  # only where it was restricted
    late = rightsdesk(env, "tasks", "done", str(firm_task["id"]), "--note", "Marked.")
    assert late.returncode == 2 and "already done (lifted_before_done" in late.stderr
    (marked,) = [e["detail"] for e in events(env, reference) if e["action"] == "tasks_ended"]
    assert marked["task_ids"] == [firm_task["id"]]
    dossier = dossier_of(env, reference, tmp_path)
    assert label in dossier
    assert "no longer needed: the restriction was lifted before it was done" in dossier


def test_kill_9_after_the_shop_restricted_her_account_still_lets_lifting_put_it_back(
    pg_env: dict[str, str], tmp_path: Path
) -> None:
    """The restriction's transaction in the shop commits, but the desk is held from recording
    it (a test holds its SQLite write lock); kill -9 then. The next run must see the shop fully
    changed and keep the values before it recorded first, so that lifting puts them back."""
    env, url = restricting(pg_env, tmp_path), pg_env["SHOP_DATABASE_URL"]
    reference = open_case(env, "restriction")
    proc, blocker = paused_at_maijas_account(env, "cases", "fulfil", reference)
    desk = sqlite3.connect(tmp_path / "desk.db", isolation_level=None)
    desk.execute("BEGIN IMMEDIATE")  # the desk's next write waits (busy_timeout 30 s)
    blocker.rollback()  # the shop's transaction goes on and commits
    blocker.close()
    deadline = time.monotonic() + 60
    while (MAIJA, 1) not in account_statuses(url):
        assert time.monotonic() < deadline, "the shop's restriction never committed"
        time.sleep(0.1)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    desk.rollback()
    desk.close()
    assert "system_restricted" not in [e["action"] for e in events(env, reference)]

    ok(env, "cases", "fulfil", reference)
    assert (MAIJA, 1) in account_statuses(url)
    confirm(env, reference)
    lifted = lift(env, reference)
    assert lifted.returncode == 0, lifted.stderr
    assert "Verkkokauppa: restriction lifted in 1 row(s)" in lifted.stdout
    assert {s for _, s in account_statuses(url)} == {0}  # her account as it was before
    assert interrupted(env, reference, "restriction") == [
        {"system": "Verkkokauppa", "state": "fully changed"}
    ]
    trail = events(env, reference)
    (started,) = [e["detail"] for e in trail if e["action"] == "system_restriction_started"]
    (marked,) = [e["detail"] for e in trail if e["action"] == "system_restricted"]
    assert marked["interrupted"] == "fully changed" and marked["restricted"] == {"wp_users": 1}
    assert marked["changes"] == started["changes"]  # the plan recorded before the crash
    reply = reply_of(env, reference, "restriction_confirmation")
    assert "- Verkkokauppa: your data in table wp_users (rows: 1)" in reply


def test_kill_9_before_the_shop_restricted_her_account_restricts_it_on_the_next_run(
    pg_env: dict[str, str], tmp_path: Path
) -> None:
    """kill -9 while the restriction waits inside its transaction (the shop unchanged): the
    next run must say so, restrict her account and record it, and lifting puts it back."""
    env, url = restricting(pg_env, tmp_path), pg_env["SHOP_DATABASE_URL"]
    reference = open_case(env, "restriction")
    proc, blocker = paused_at_maijas_account(env, "cases", "fulfil", reference)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    blocker.rollback()
    blocker.close()
    assert {s for _, s in account_statuses(url)} == {0}

    ok(env, "cases", "fulfil", reference)
    assert interrupted(env, reference, "restriction") == [
        {"system": "Verkkokauppa", "state": "unchanged"}
    ]
    assert (MAIJA, 1) in account_statuses(url)
    (marked,) = [e["detail"] for e in events(env, reference) if e["action"] == "system_restricted"]
    assert marked["interrupted"] == "unchanged" and len(marked["changes"]) == 1
    confirm(env, reference)
    assert lift(env, reference).returncode == 0
    assert {s for _, s in account_statuses(url)} == {0}


def test_kill_9_after_the_shop_put_her_account_back_records_the_lift_on_the_next_run(
    pg_env: dict[str, str], tmp_path: Path
) -> None:
    """Lifting's transaction in the shop commits, but the desk is held from recording it;
    kill -9 then. The next lift must see the shop fully changed and record the row it put
    back (not "0 rows"), from the plan it recorded first."""
    env, url = restricting(pg_env, tmp_path), pg_env["SHOP_DATABASE_URL"]
    reference = answered_restriction(env, "en")
    command = ("cases", "lift-restriction", reference, "--reason", "accuracy checked")
    proc, blocker = paused_at_maijas_account(env, *command, "--informed-at", "2026-12-02")
    desk = sqlite3.connect(tmp_path / "desk.db", isolation_level=None)
    desk.execute("BEGIN IMMEDIATE")  # the desk's next write waits (busy_timeout 30 s)
    blocker.rollback()  # the shop's transaction goes on and commits
    blocker.close()
    deadline = time.monotonic() + 60
    while (MAIJA, 0) not in account_statuses(url):
        assert time.monotonic() < deadline, "the shop's lift never committed"
        time.sleep(0.1)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    desk.rollback()
    desk.close()
    assert "system_restriction_lifted" not in [e["action"] for e in events(env, reference)]

    lifted = lift(env, reference)
    assert lifted.returncode == 0, lifted.stderr
    assert "Verkkokauppa: restriction lifted in 1 row(s)" in lifted.stdout
    assert {s for _, s in account_statuses(url)} == {0}
    assert interrupted(env, reference, "restriction_lift") == [
        {"system": "Verkkokauppa", "state": "fully changed"}
    ]
    trail = events(env, reference)
    (marked,) = [e["detail"] for e in trail if e["action"] == "system_restricted"]
    (undone,) = [e["detail"] for e in trail if e["action"] == "system_restriction_lifted"]
    assert undone["interrupted"] == "fully changed" and undone["restored"] == {"wp_users": 1}
    assert undone["changes"][0]["after_sha256"] == marked["changes"][0]["before_sha256"]
    assert "restriction lifted in 1 row(s)" in dossier_of(env, reference, tmp_path)


def test_the_retention_purge_holds_a_case_record_while_its_restriction_or_a_task_is_open(
    sqlite_env: dict[str, str],
) -> None:
    """Purging the record of a restriction still in force would lose the values lifting puts
    back (Art. 18(3)), and purging a case with an open task would delete the task unchased."""
    reference = answered_restriction(sqlite_env)
    ok(sqlite_env, "cases", "close", reference)
    years_on = {**sqlite_env, "RIGHTSDESK_NOW": "2031-01-12T10:00:00+02:00"}  # past 3 years

    swept = ok(years_on, "retention", "sweep")
    assert "purged 0 case records: -" in swept
    assert f"held {reference}: restriction in force (Art. 18)" in swept
    assert json.loads(ok(years_on, "cases", "show", reference, "--json"))["requester_email"]

    assert lift(years_on, reference).returncode == 0
    tasks = json.loads(ok(years_on, "tasks", "list", "--case", reference, "--json"))
    (first, *_) = sorted(t["id"] for t in tasks if t["kind"] == "lift_restriction")
    swept = ok(years_on, "retention", "sweep", "--dry-run")
    assert f"held {reference}: open task {first}" in swept

    for task in tasks:
        if task["status"] == "open":
            ok(years_on, "tasks", "done", str(task["id"]), "--note", "Begränsningen hävd.")
    assert f"purged 1 case records: {reference}" in ok(years_on, "retention", "sweep")


def restricted_shop_case(
    db_url: str, tmp_path: Path
) -> tuple[Engine, dict[str, str], str, ControllerConfig]:
    """A seeded shop whose wp_users a confirmed English restriction case has restricted."""
    shop_db = f"sqlite:///{tmp_path / 'shop.db'}"
    subprocess.run([sys.executable, str(EXAMPLE / "seed.py"), shop_db], check=True)
    engine = migrated_engine(db_url)
    env = {
        "RIGHTSDESK_DATABASE_URL": db_url,
        "RIGHTSDESK_CONFIG": str(EXAMPLE / "rightsdesk.toml"),
        "RIGHTSDESK_NOW": NOW,
        "RIGHTSDESK_MAILDIR": str(tmp_path / "mail"),  # where `poll` sends to
        "SHOP_DATABASE_URL": shop_db,
    }
    env = restricting(env, tmp_path)  # the shop's wp_users is restricted, and put back
    reference = answered_restriction(env, "en")
    controller = load_controller_toml(Path(env["RIGHTSDESK_CONFIG"]).read_text("utf-8"))
    return engine, env, reference, controller


def test_two_lifts_of_one_case_at_once_record_one_lift_and_refuse_the_other(
    db_url: str, tmp_path: Path
) -> None:
    """Two lifts of one case at the same moment (two Slack submits in the bot's process):
    one `restriction_lifted` event, the shop put back once, each task by hand once."""
    engine, env, reference, controller = restricted_shop_case(db_url, tmp_path)
    shop_db = env["SHOP_DATABASE_URL"]
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def lift_it(n: int) -> None:
        with new_session(engine) as session:
            start.wait()
            try:
                lift_case(
                    session, reference=reference, reason="accuracy checked",
                    informed_at=datetime.fromisoformat(NOW), actor=f"t{n}",
                    now=datetime.fromisoformat(NOW), controller=controller,
                    env={"SHOP_DATABASE_URL": shop_db},
                )  # fmt: skip
                outcomes.append("lifted")
            except UserError as error:
                outcomes.append(str(error))

    threads = [threading.Thread(target=lift_it, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    engine.dispose()

    assert sorted(outcomes) == [
        f"{reference}: the restriction is already lifted",
        "lifted",
    ]
    trail = [e["action"] for e in events(env, reference)]
    assert trail.count("restriction_lifted") == 1
    put_back = [a for a in trail if a.startswith("system_restriction_lift")]
    assert put_back == ["system_restriction_lift_started", "system_restriction_lifted"]
    tasks = json.loads(ok(env, "tasks", "list", "--case", reference, "--json"))
    by_hand = [t["system"] for t in tasks if t["kind"] == "lift_restriction"]
    assert sorted(by_hand) == sorted(set(by_hand)) and by_hand


def test_a_lift_arriving_while_another_puts_the_shop_back_is_refused_before_it_touches_it(
    db_url: str, tmp_path: Path
) -> None:
    """The first lift commits its plan for the shop (for a crash) before it changes it, which
    let the case's row lock go: the second, let in then, recorded the first's put-back as
    interrupted and planned its own before it was refused as already lifted. It waits for
    the first now, and is refused before it reads or records anything of the shop."""
    engine, env, reference, controller = restricted_shop_case(db_url, tmp_path)
    shop_db = env["SHOP_DATABASE_URL"]
    outcomes: list[str] = []

    def lift_it(n: int) -> None:
        with new_session(engine) as session:
            try:
                lift_case(
                    session, reference=reference, reason="accuracy checked",
                    informed_at=datetime.fromisoformat(NOW), actor=f"t{n}",
                    now=datetime.fromisoformat(NOW), controller=controller,
                    env={"SHOP_DATABASE_URL": shop_db},
                )  # fmt: skip
                outcomes.append("lifted")
            except UserError as error:
                outcomes.append(str(error))

    def actions() -> list[str]:
        with new_session(engine) as session:
            case = session.exec(select(Case).where(Case.reference == reference)).one()
            rows = session.exec(select(CaseEvent.action).where(CaseEvent.case_id == case.id))
            return [str(a) for a in rows.all()]

    # The shop's write lock held here: the first lift stops with its plan committed.
    shop = sqlite3.connect(tmp_path / "shop.db", isolation_level=None)
    shop.execute("BEGIN IMMEDIATE")
    first = threading.Thread(target=lift_it, args=(1,))
    first.start()
    deadline = time.monotonic() + 30
    while "system_restriction_lift_started" not in actions() and time.monotonic() < deadline:
        time.sleep(0.05)
    second = threading.Thread(target=lift_it, args=(2,))
    second.start()
    time.sleep(1.5)  # the old code recorded the shop's put-back as interrupted by now
    during = actions()
    shop.execute("ROLLBACK")
    shop.close()
    for thread in (first, second):
        thread.join(timeout=60)
    trail = actions()
    engine.dispose()

    assert [a for a in during if a.startswith("system_restriction_lift")] == [
        "system_restriction_lift_started"
    ]
    assert outcomes == ["lifted", f"{reference}: the restriction is already lifted"]
    assert [a for a in trail if a.startswith("system_restriction_lift")] == [
        "system_restriction_lift_started",
        "system_restriction_lifted",
    ]
    assert trail.count("restriction_lifted") == 1
