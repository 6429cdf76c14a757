"""The database lost in the middle of an outbox batch: the claims come back once it returns.

`rightsdesk run` takes in requests from its Maildir and sends the acknowledgements to a
slow aiosmtpd (a batch lasts seconds). While it sends, the test's PostgreSQL database
refuses new connections and every open one is terminated, for a few seconds. The rows
that batch had claimed cannot be released while the database is away; once it is back,
every acknowledgement must arrive within a minute, each exactly once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.pool import NullPool

from tests.e2e.outbox_journey import desk_env, start_run, stop, wait
from tests.mailgen import request_mail
from tests.reliability.support import repeated, scalar, store
from tests.servers import free_port
from tests.servers.postgres import postgres_admin_url
from tests.servers.smtp import SmtpSink, _Recorder

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

REQUESTS = 40
DELAY = 0.25  # seconds the SMTP server takes per message: the batch lasts ~10 s
OUTAGE = 6.0  # seconds the database refuses every connection


class _SlowRecorder(_Recorder):
    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        await asyncio.sleep(DELAY)
        return await super().handle_DATA(server, session, envelope)


class SlowSink(SmtpSink):
    """The test suite's SMTP sink, answering each DATA after DELAY seconds."""

    def start(self) -> None:
        """Listen on a free loopback port."""
        self.port = self.port or free_port(self.host)
        controller = Controller(_SlowRecorder(self), hostname=self.host, port=self.port)
        controller.start()
        self._controller = controller


@pytest.fixture
def slow_sink() -> Iterator[SlowSink]:
    sink = SlowSink()
    sink.start()
    yield sink
    sink.stop()


def _cut_off(database: str, *, allow: bool) -> None:
    """Refuse (or accept again) connections to DATABASE; when refusing, end the open ones."""
    admin = create_engine(postgres_admin_url(), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as conn:
            conn.execute(
                text(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS {str(allow).lower()}')
            )
            if not allow:
                conn.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        " WHERE datname = :db AND pid <> pg_backend_pid()"
                    ),
                    {"db": database},
                )
    finally:
        admin.dispose()


def test_acknowledgements_claimed_when_the_database_went_away_go_out_once_after_it_returns(
    pg_url: str, slow_sink: SlowSink, tmp_path: Path
) -> None:
    env = desk_env(pg_url, tmp_path, slow_sink.port)
    inbox = tmp_path / "mail" / "inbox"
    for sub in ("tmp", "new", "cur"):
        (inbox / sub).mkdir(parents=True)
    for i in range(REQUESTS):
        (inbox / "new" / f"request{i}.eml").write_bytes(request_mail(i, seed=7)[0])
    database = make_url(pg_url).database or ""
    proc = start_run(env, tmp_path, "--no-bot")
    try:
        wait(lambda: len(slow_sink.messages) >= 3, "the first acknowledgements", timeout=180)
        _cut_off(database, allow=False)
        try:
            time.sleep(OUTAGE)
            assert len(slow_sink.messages) < REQUESTS, "the batch ended before the outage"
        finally:
            _cut_off(database, allow=True)
        wait(lambda: len(slow_sink.messages) >= REQUESTS, "every acknowledgement", timeout=60)
        db = store(pg_url)
        try:
            wait(
                lambda: (
                    scalar(db, "SELECT count(*) FROM outbox WHERE status <> 'sent'") == 0 or None
                ),
                "every outbox row marked sent",
            )
            assert scalar(db, "SELECT count(*) FROM outbox") == REQUESTS
            assert scalar(db, "SELECT count(*) FROM message WHERE direction = 'in'") == REQUESTS
        finally:
            db.dispose()
        time.sleep(2)  # a second copy of anything would arrive now
    finally:
        stderr = stop(proc, tmp_path)
    assert "component=outbox event=pass_failed" in stderr  # the outage hit a batch
    received = [str(m.message["In-Reply-To"]) for m in slow_sink.messages]
    assert len(received) == REQUESTS
    assert repeated(received) == {}
    assert "Traceback" not in stderr
