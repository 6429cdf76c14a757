"""Dovecot stopped and started again while the poller waits in IDLE: it comes back for the mail."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import func, select

from cases.controller import load_controller_toml
from cases.outbox import Sender
from cases.policy import DeskPolicy
from mail_intake.imap_source import ImapAccount, ImapSource
from mail_intake.intake_types import IntakeDeps
from mail_intake.poller import run_forever
from store import migrate
from store.engine import make_engine, new_session
from store.models import Case
from tests.mailgen import request_mail
from tests.reliability.support import ROOT, US

pytestmark = [pytest.mark.slow, pytest.mark.dovecot]

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def _wait(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def _drop_into_maildir(server: Any, user: str, raw: bytes, name: str) -> None:
    """Local delivery straight into the user's Maildir while IMAP is down (as an LDA would)."""
    new = Path(server.root) / "mail" / user / "Maildir" / "new"
    tmp = new.parent / "tmp" / name
    tmp.write_bytes(raw)
    owner = new.stat()
    os.chown(tmp, owner.st_uid, owner.st_gid)
    tmp.rename(new / name)


def test_the_poller_reconnects_after_dovecot_restarts_and_takes_in_the_mail_of_the_gap(
    private_dovecot: Any, tmp_path: Path
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'rightsdesk.db'}")
    migrate.upgrade(engine)
    box = private_dovecot.mailbox
    controller = load_controller_toml((ROOT / "rightsdesk.example.toml").read_text("utf-8"))
    deps = IntakeDeps(
        controller=controller, policy=DeskPolicy(), sender=Sender(US, "Target"), own_addresses={US}
    )
    account = ImapAccount(
        host=box.host,
        port=box.imap_port,
        user=box.user,
        password=box.password,
        security="plain",
        connect_timeout=5,
        read_timeout=30,
    )
    source = ImapSource(account)
    stop = threading.Event()
    errors: list[BaseException] = []

    def cases() -> int:
        with new_session(engine) as session:
            return int(session.exec(select(func.count()).select_from(Case)).one())

    poller = threading.Thread(
        target=run_forever,
        args=(source, lambda: new_session(engine), deps, lambda: NOW, stop),
        kwargs={"on_error": errors.append, "poll_interval": 2.0},
        daemon=True,
    )
    poller.start()
    try:
        box.deliver_lmtp(request_mail(1, seed=6)[0])
        _wait(lambda: cases() == 1, 30, "the first message")
        time.sleep(0.5)  # back in IDLE

        private_dovecot.stop()  # IDLE ends with BYE or a dead socket: reconnect with backoff
        _drop_into_maildir(private_dovecot, box.user, request_mail(2, seed=6)[0], "gap.eml")
        time.sleep(1.5)
        private_dovecot.start()
        box.deliver_lmtp(request_mail(3, seed=6)[0])

        _wait(lambda: cases() == 3, 60, "the mail of the gap and after it")
        assert errors, "the poller never noticed that the server went away"
        assert poller.is_alive()
        _wait(lambda: box.folder_uids("INBOX") == [], 10, "the inbox to be emptied")
        assert len(box.folder_uids("Processed")) == 3
    finally:
        stop.set()
        poller.join(30)
        engine.dispose()
    assert not poller.is_alive()
