"""`rightsdesk run`: intake, Slack bot and scheduler in one process, each in its own thread.

A component that crashes is reported (health table and log) and restarted with
backoff; SIGTERM or Ctrl-C sets one stop event that every component watches, so
IDLE is ended, the work in flight finishes and nothing is left half-written.
"""

from __future__ import annotations

import logging
import os
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from cases import health
from rightsdesk.context import Desk

log = logging.getLogger("rightsdesk.run")

Component = Callable[[Desk, threading.Event], None]


def _mark(
    desk: Desk, name: str, *, ok: bool | None, error: str | None = None, state: str | None = None
) -> None:
    """Record a component's state; the health table must never take the supervisor down."""
    try:
        with desk.session() as session:
            if state is not None:
                health.set_state(
                    session, name, state=state, now=desk.now(), error=error, pid=os.getpid()
                )
            else:
                health.beat(
                    session, name, now=desk.now(), ok=bool(ok), error=error, pid=os.getpid()
                )
    except Exception as exc:  # the database may be the thing that is down
        log.warning("component=%s health_update_failed=%s", name, type(exc).__name__)


@dataclass
class Supervised:
    """One component and the thread that runs (and re-runs) it."""

    name: str
    target: Component
    restarts: int = 0
    thread: threading.Thread | None = field(default=None, repr=False)

    def loop(self, desk: Desk, stop: threading.Event, *, max_backoff: float) -> None:
        """Run the component until stop; on a crash, report it and restart with backoff."""
        attempt = 0
        while not stop.is_set():
            _mark(desk, self.name, ok=None, state="starting")
            try:
                self.target(desk, stop)
                attempt = 0
            except Exception as exc:
                self.restarts += 1
                delay = random.uniform(0, min(max_backoff, 2.0 ** min(attempt, 8)))
                attempt += 1
                log.error(
                    "component=%s event=crashed error=%s restart_in=%.1fs",
                    self.name,
                    type(exc).__name__,
                    delay,
                )
                log.debug("component %s crash", self.name, exc_info=True)
                _mark(desk, self.name, ok=False, error=type(exc).__name__)
                stop.wait(delay)
                continue
            if not stop.is_set():  # returned on its own: run it again after a pause
                stop.wait(1.0)
        _mark(desk, self.name, ok=None, state="stopped")
        log.info("component=%s event=stopped", self.name)


def run_components(
    desk: Desk,
    components: dict[str, Component],
    stop: threading.Event,
    *,
    max_backoff: float = 60.0,
    join_timeout: float = 30.0,
) -> list[Supervised]:
    """Start every component in its own thread and wait for `stop`, then for the threads."""
    running = [Supervised(name, target) for name, target in components.items()]
    for sup in running:
        sup.thread = threading.Thread(
            target=sup.loop,
            args=(desk, stop),
            kwargs={"max_backoff": max_backoff},
            name=sup.name,
            daemon=True,
        )
        sup.thread.start()
        log.info("component=%s event=started", sup.name)
    stop.wait()
    for sup in running:
        if sup.thread is not None:
            sup.thread.join(timeout=join_timeout)
            if sup.thread.is_alive():
                log.error("component=%s event=did_not_stop", sup.name)
    return running
