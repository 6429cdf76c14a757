"""One desk per store for the journey suite: Dovecot, SMTP, fake Slack, `run`, `bot --http`."""

from __future__ import annotations

import itertools
import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.journeys.desk import CUSTOMERS, Desk, environment, wait_for_port
from tests.servers import ci_or_skip, free_port
from tests.servers import postgres as pg
from tests.servers.dovecot import DovecotServer
from tests.servers.slack_fake import FakeSlack
from tests.servers.smtp import SmtpSink

_desks = itertools.count(1)


def _database(store: str, root: Path) -> tuple[str, str | None]:
    """The store's URL, and the PostgreSQL database to drop afterwards."""
    if store == "sqlite":
        return f"sqlite:///{root / 'rightsdesk.db'}", None
    if not pg.available():
        ci_or_skip(f"PostgreSQL is not reachable at {pg.postgres_admin_url().split('@')[-1]}")
    name = pg.unique_name("rightsdesk_journey")
    return pg.create_database(name), name


@pytest.fixture(
    scope="package", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def desk(request: pytest.FixtureRequest, dovecot: DovecotServer) -> Iterator[Desk]:
    """The service running on one store, as the README sets it up, shared by every journey."""
    store: str = request.param
    root = Path(tempfile.mkdtemp(prefix=f"rightsdesk-journeys-{store}-"))
    db_url, pg_name = _database(store, root)
    if not dovecot.running:
        dovecot.start()
    mailbox = dovecot.add_user(f"privacy{next(_desks)}-{store}@example.com", "secret")
    smtp = SmtpSink()
    smtp.start()
    slack = FakeSlack()
    slack.start()
    env = environment(db_url=db_url, root=root, mailbox=mailbox, smtp=smtp, slack=slack)
    desk = Desk(store, root, env, mailbox, smtp, slack)
    try:
        desk.cli("db", "upgrade")  # a PostgreSQL schema changes only when someone means it to
        (root / "customers.csv").write_text(CUSTOMERS, encoding="utf-8")
        desk.cli("register", "import", str(root / "customers.csv"))
        desk.start("run", "run", "--plain-logs")
        port = free_port()
        desk.start("bot", "bot", "--http", str(port))
        wait_for_port(port, desk)
        desk.bot_url = f"http://127.0.0.1:{port}/slack/events"

        def intake_ready() -> bool:
            rows = [
                json.loads(line)
                for line in desk.cli("health", "--json", ok=False).split("\n")
                if line.strip()
            ]
            return any(r["name"] == "intake" and r["last_success_at"] for r in rows)

        # Starting takes longer than an outcome: the language models load before the first pass.
        desk.wait(intake_ready, "first intake pass", timeout=180)
        yield desk
    finally:
        desk.stop()
        unclean = desk.unclean_stops()
        slack.stop()
        smtp.stop()
        if pg_name is not None:
            pg.drop_database(pg_name)
        shutil.rmtree(root, ignore_errors=True)
    assert not unclean, f"the service did not stop cleanly on SIGTERM: {unclean}"
