"""The SQLite lock watcher lives as long as the desk it reports for."""

from __future__ import annotations

import gc
import threading
import time
from pathlib import Path

from rightsdesk.context import Desk
from rightsdesk.health_board import board
from rightsdesk.settings import load_settings


def _watchers() -> int:
    return sum(1 for t in threading.enumerate() if t.name == "store-lock-watch" and t.is_alive())


def test_the_lock_watcher_ends_once_its_desk_is_gone(tmp_path: Path) -> None:
    before = _watchers()
    settings = load_settings(
        database_url=f"sqlite:///{tmp_path / 'desk.db'}", run_dir=tmp_path / "run"
    )
    desk = Desk(settings=settings)
    board(desk)
    assert _watchers() == before + 1
    desk.engine.dispose()
    del desk
    gc.collect()
    give_up = time.monotonic() + 10
    while _watchers() > before and time.monotonic() < give_up:
        time.sleep(0.1)
    assert _watchers() == before
