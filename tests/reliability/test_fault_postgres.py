"""PostgreSQL connections cut and then refused during intake, under `rightsdesk run`.

The shared test cluster is not restarted (other tests use it): the desk's database stops
accepting connections (ALLOW_CONNECTIONS false) and its sessions are terminated with
pg_terminate_backend, which is what the desk sees of a server going away and coming back.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from tests.reliability.faults import (
    WITHIN,
    Desk,
    Feeder,
    all_taken_in,
    check_intact,
    desk_env,
    taken_in,
)
from tests.reliability.support import ROOT
from tests.servers import free_port
from tests.servers import postgres as pg

pytestmark = [pytest.mark.slow, pytest.mark.dovecot, pytest.mark.postgres]

BEFORE, CUT, DURING = 3, 4, 3
OUTAGE = 20.0


class Cluster:
    """An admin connection to the `postgres` database, as the role that owns the desk's."""

    def __init__(self, db_url: str) -> None:
        self.name = make_url(db_url).database
        self.engine = create_engine(
            pg.postgres_admin_url(), isolation_level="AUTOCOMMIT", poolclass=NullPool
        )

    def terminate(self) -> int:
        """End every session on the desk's database; how many there were."""
        with self.engine.connect() as conn:
            return len(
                conn.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = :name AND pid <> pg_backend_pid()"
                    ),
                    {"name": self.name},
                ).all()
            )

    def allow_connections(self, allow: bool) -> None:
        """Let the desk's database take new connections, or refuse them all."""
        with self.engine.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS {allow!s}'))


def test_postgresql_connections_cut_mid_intake_and_refused_for_a_while_lose_nothing(
    mailbox: Any, smtp_sink: Any, pg_url: str, tmp_path: Any
) -> None:
    desk = Desk(desk_env(mailbox, smtp_sink.port, pg_url, tmp_path), tmp_path / "logs")
    cluster = Cluster(pg_url)
    desk.start()
    try:
        Feeder(mailbox, 0, BEFORE, every=0.2).run()
        desk.wait("the first requests", all_taken_in(pg_url, smtp_sink, BEFORE), 180)
        pid = desk.pid

        # Connections cut while a batch is taken in: the desk reconnects by itself.
        feeder = Feeder(mailbox, BEFORE, BEFORE + CUT, every=0.3)
        feeder.start()
        for _ in range(CUT):
            time.sleep(0.4)
            cluster.terminate()
        feeder.join()
        count = BEFORE + CUT
        desk.wait("the batch the cuts hit", all_taken_in(pg_url, smtp_sink, count), 90)

        # The database gone for a while: health says so without it, then recovers.
        cluster.allow_connections(False)
        cluster.terminate()
        down_at = time.monotonic()
        try:
            Feeder(mailbox, count, count + DURING, every=0.2).run()
            found = desk.failing_within(WITHIN, down_at)
            assert found["intake"]["state"] == "failing", found
            time.sleep(max(0.0, down_at + OUTAGE - time.monotonic()))
            assert mailbox.folder_uids("Failed") == []
        finally:
            cluster.allow_connections(True)
        up_at = time.monotonic()
        count += DURING
        desk.ok_within(WITHIN, up_at)
        desk.wait("the requests of the outage", all_taken_in(pg_url, smtp_sink, count), 60)
        assert taken_in(pg_url) == count
        assert desk.pid == pid  # no restart
    finally:
        code = desk.stop()
        cluster.engine.dispose()
    assert code == 0, desk.stderr()[-4000:]
    assert "Traceback" not in desk.stderr()
    check_intact(pg_url, mailbox, smtp_sink, BEFORE + CUT + DURING)


def test_health_exits_1_not_the_usage_code_when_the_database_cannot_be_reached(
    tmp_path: Any,
) -> None:
    port = free_port()  # nothing listens there
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RIGHTSDESK_", "SLACK_"))}
    env.update(
        RIGHTSDESK_DATABASE_URL=f"postgresql+psycopg://rightsdesk:secret@127.0.0.1:{port}/desk",
        RIGHTSDESK_RUN_DIR=str(tmp_path / "run"),
    )
    out = subprocess.run(
        [sys.executable, "-m", "rightsdesk", "health"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 1, out.stderr
    assert "cannot open database" in out.stderr and "secret" not in out.stderr
    assert "Traceback" not in out.stderr
