"""The supervisor's backoff starts over once a component has run well, not only when it returns."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from rightsdesk.context import Desk
from rightsdesk.health_board import live_states
from rightsdesk.settings import load_settings
from rightsdesk.supervisor import Supervised


class Flaky:
    """A component that never returns: it crashes at once `quick` times, then after a good run."""

    def __init__(self, quick: int, good_run: float) -> None:
        self.quick, self.good_run = quick, good_run
        self.starts: list[float] = []
        self.crashes: list[float] = []
        self.done = threading.Event()

    def __call__(self, desk: Desk, stop: threading.Event) -> None:
        self.starts.append(time.monotonic())
        if len(self.starts) == self.quick + 2:
            self.done.set()
            stop.wait()  # the run after the good one: stay up until the test stops it
            return
        if len(self.starts) == self.quick + 1:
            time.sleep(self.good_run)  # ran well (intake in IDLE), then its connection died
        self.crashes.append(time.monotonic())
        raise ConnectionError("lost")


def test_a_crash_after_a_good_run_restarts_at_once_instead_of_after_the_grown_backoff(
    tmp_path: Path,
) -> None:
    settings = load_settings(
        database_url=f"sqlite:///{tmp_path / 'desk.db'}", run_dir=tmp_path / "run"
    )
    desk = Desk(settings=settings)
    component = Flaky(quick=4, good_run=1.0)
    sup = Supervised("intake", component)
    stop = threading.Event()
    # Four quick crashes grow the next wait to up to 2**4 s; a good run resets it to 1 s.
    thread = threading.Thread(
        target=sup.loop, args=(desk, stop), kwargs={"max_backoff": 60.0, "healthy_after": 0.5}
    )
    thread.start()
    try:
        assert component.done.wait(60), "the component was not restarted after its good run"
    finally:
        stop.set()
        thread.join(30)
    assert sup.restarts == 5
    # Full jitter: without the reset this wait would be drawn from up to 16 s.
    assert component.starts[-1] - component.crashes[-1] <= 1.5
    states = {s.name: s for s in live_states(settings)}
    assert states["intake"].state == "stopped"
