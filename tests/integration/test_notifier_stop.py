"""The channel notifier as `run` and `bot` start it: stopping it ends it, even mid-round."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import Engine

from bot.app import build_app
from cases import operations as ops
from rightsdesk.context import Desk
from rightsdesk.notifier_wiring import start_channel_notifier
from rightsdesk.settings import Settings
from store import migrate
from store.engine import make_engine, new_session
from store.models import Case
from tests.servers.slack_fake import FakeSlack
from tests.unit.test_bot_commands import make_deps

NOW = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)


def _notifiers() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name == "slack-notifier"}


def _posted(engine: Engine, ids: list[int]) -> list[int]:
    with new_session(engine) as session:
        return [i for i in ids if (case := session.get(Case, i)) is not None and case.slack_ts]


def _eventually(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 30
    while not check():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.05)


def test_a_notifier_stopped_mid_round_ends_there_and_the_next_one_posts_the_rest_once(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    # `run` restarts a crashed bot component at once: two notifiers at a time could both
    # take a post that failed before and send it twice, so the first must have ended.
    url = f"sqlite:///{tmp_path / 'rightsdesk.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    desk = Desk(settings=Settings(database_url=url, run_dir=tmp_path / "run"))
    deps = make_deps(session_factory=lambda: new_session(engine), api_url=fake_slack.url)
    ids = []
    with new_session(engine) as session:
        for _ in range(4):
            case = ops.open_case(
                session, kinds=["access"], received_at=NOW, now=NOW, actor="mail", language="fi"
            )
            ids.append(case.id or 0)
    fake_slack.slow_down("chat.postMessage", 1.0)  # a round of four posts takes 4 s

    before = _notifiers()
    stop = start_channel_notifier(desk, deps, build_app(deps=deps))
    started = _notifiers() - before
    _eventually(lambda: bool(_posted(engine, ids)), "the first case posted")
    stop()  # mid-round: the second post is in flight
    assert started and not any(t.is_alive() for t in started)  # ended, not only asked to
    assert len(_posted(engine, ids)) <= 2  # no call after the stop, the one in flight lands

    fake_slack.reset_responses()
    stop = start_channel_notifier(desk, deps, build_app(deps=deps))  # the restarted component
    _eventually(lambda: len(_posted(engine, ids)) == len(ids), "every case posted")
    stop()
    roots = [m for m in fake_slack.messages() if not m["thread_ts"]]
    assert len(roots) == len(ids)  # each case once, across the stop and the restart
    engine.dispose()
