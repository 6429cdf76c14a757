"""Fixtures for real servers on loopback; the servers themselves live in tests/servers/."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from cases.classify import dictionaries
from tests.servers import ci_or_skip
from tests.servers import postgres as pg
from tests.servers.dovecot import DovecotServer, Mailbox, find_dovecot
from tests.servers.mariadb import MariaDbServer, find_mariadbd
from tests.servers.slack_fake import FakeSlack
from tests.servers.smtp import SmtpSink

_PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy")
_users = itertools.count(1)


@pytest.fixture(scope="session", autouse=True)
def _hermetic_environment() -> Iterator[None]:
    """No proxies (slack_sdk's urllib would use them even for 127.0.0.1), no outside settings."""
    with pytest.MonkeyPatch.context() as mp:
        for name in list(os.environ):
            outside_setting = name.startswith(("SLACK_", "RIGHTSDESK_"))
            if name in _PROXY_VARS or (outside_setting and not name.startswith("RIGHTSDESK_TEST_")):
                mp.delenv(name)
        # Each worker opens the lemma dictionaries from their saved index, as the CLI does.
        cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        dictionaries.use_index_cache(cache / "rightsdesk")
        yield
        dictionaries.use_index_cache(None)


def _new_dovecot() -> DovecotServer:
    binary = find_dovecot()
    if binary is None:
        ci_or_skip("dovecot is not installed (scripts/install-test-servers.sh)")
    server = DovecotServer(binary=binary)
    try:
        server.start()
    except Exception as error:
        server.close()
        pytest.fail(f"Dovecot did not start: {error}")
    return server


@pytest.fixture(scope="session")
def dovecot() -> Iterator[DovecotServer]:
    """One Dovecot for the session; account desk@example.com / secret."""
    server = _new_dovecot()
    yield server
    server.close()


@pytest.fixture
def private_dovecot() -> Iterator[DovecotServer]:
    """A Dovecot of the test's own, for tests that stop, kill or restart it."""
    server = _new_dovecot()
    yield server
    server.close()


@pytest.fixture
def mailbox(dovecot: DovecotServer) -> Mailbox:
    """A fresh account u<n>@example.com / secret on the session Dovecot: empty folders."""
    if not dovecot.running:  # a test stopped the shared server and did not restart it
        dovecot.start()
    return dovecot.add_user(f"u{next(_users)}@example.com", "secret")


@pytest.fixture(scope="session")
def mariadb() -> Iterator[MariaDbServer]:
    """The session's own mariadbd (own data directory, free port on 127.0.0.1)."""
    binary = find_mariadbd()
    if binary is None:
        ci_or_skip("mariadb-server is not installed (scripts/install-test-servers.sh)")
    server = MariaDbServer(binary=binary)
    try:
        server.start()
    except Exception as error:
        server.close()
        pytest.fail(f"MariaDB did not start: {error}")
    yield server
    server.close()


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """An SMTP server on 127.0.0.1 that records what it receives."""
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    """A fake Slack Web API; pass fake_slack.url as WebClient(base_url=...)."""
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def pg_url() -> Iterator[str]:
    """URL of a new, empty PostgreSQL database, dropped after the test."""
    if not pg.available():
        ci_or_skip(f"PostgreSQL is not reachable at {pg.postgres_admin_url().split('@')[-1]}")
    name = pg.unique_name()
    url = pg.create_database(name)
    yield url
    pg.drop_database(name)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A fresh database URL; tests using it run once on SQLite and once on PostgreSQL."""
    if request.param == "postgresql":
        url: str = request.getfixturevalue("pg_url")
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'rightsdesk.db'}"
