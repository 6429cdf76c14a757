"""The channel notifier as `run` and `bot` start it: stopping it waits for its thread."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from pathlib import Path

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


def _notifiers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "slack-notifier"]


def test_a_stopped_notifier_has_ended_before_the_bot_component_can_start_another(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    # `run` restarts a crashed bot component at once: two notifiers at a time could both
    # take a post that failed before and send it twice.
    url = f"sqlite:///{tmp_path / 'rightsdesk.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    desk = Desk(settings=Settings(database_url=url, run_dir=tmp_path / "run"))
    deps = make_deps(session_factory=lambda: new_session(engine), api_url=fake_slack.url)
    before = _notifiers()
    stop = start_channel_notifier(desk, deps, build_app(deps=deps))
    with new_session(engine) as session:
        case = ops.open_case(
            session, kinds=["access"], received_at=NOW, now=NOW, actor="mail", language="fi"
        )
        case_id = case.id
    deadline = time.monotonic() + 30
    while True:  # the notifier is at work: it posts the case
        with new_session(engine) as session:
            if (found := session.get(Case, case_id)) is not None and found.slack_ts:
                break
        assert time.monotonic() < deadline, "the notifier never posted the case"
        time.sleep(0.1)

    stop()
    assert _notifiers() == before  # ended, not only asked to end
    engine.dispose()
