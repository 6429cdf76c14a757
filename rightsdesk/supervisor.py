"""`rightsdesk run`: intake, Slack bot and scheduler in one process, each in its own thread.

A component that crashes is reported (health and log) and restarted with backoff,
which starts again from the shortest wait once the component has run well for a minute.
SIGTERM or Ctrl-C sets one stop event that every component watches, so IDLE is ended,
the work in flight finishes and nothing is left half-written.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from rightsdesk.context import Desk
from rightsdesk.health_board import board

log = logging.getLogger("rightsdesk.run")

Component = Callable[[Desk, threading.Event], None]
# A component that ran this long before it crashed was healthy: its next restart comes at
# once, as after a first crash (intake never returns, so a return cannot be the reset).
HEALTHY_RUN_SECONDS = 60.0


def _mark(
    desk: Desk, name: str, *, ok: bool | None, error: str | None = None, state: str | None = None
) -> None:
    """Record a component's state: in memory and the status file first, the table when it can."""
    if state is not None:
        board(desk).set_state(name, state, error=error)
    else:
        board(desk).beat(name, ok=bool(ok), error=error)


@dataclass
class Supervised:
    """One component and the thread that runs (and re-runs) it."""

    name: str
    target: Component
    restarts: int = 0
    thread: threading.Thread | None = field(default=None, repr=False)

    def loop(
        self,
        desk: Desk,
        stop: threading.Event,
        *,
        max_backoff: float,
        healthy_after: float = HEALTHY_RUN_SECONDS,
    ) -> None:
        """Run the component until stop; on a crash, report it and restart with backoff."""
        attempt = 0
        while not stop.is_set():
            _mark(desk, self.name, ok=None, state="starting")
            started = time.monotonic()
            try:
                self.target(desk, stop)
                attempt = 0
            except Exception as exc:
                self.restarts += 1
                if time.monotonic() - started >= healthy_after:
                    attempt = 0
                delay = random.uniform(0, min(max_backoff, 2.0 ** min(attempt, 8)))
                attempt += 1
                error = _error_of(exc)
                log.error(
                    "component=%s event=crashed error=%s restart_in=%.1fs",
                    self.name,
                    error,
                    delay,
                )
                log.debug("component %s crash", self.name, exc_info=True)
                _mark(desk, self.name, ok=False, error=error)
                stop.wait(delay)
                continue
            if not stop.is_set():  # returned on its own: run it again after a pause
                stop.wait(1.0)
        _mark(desk, self.name, ok=None, state="stopped")
        log.info("component=%s event=stopped", self.name)


def _error_of(exc: BaseException) -> str:
    """What health shows: the type, and the provider's code for a refused OAuth token.

    Our own OAuth error carries only the provider's code (`invalid_grant`, …) and the
    setting to fix, never personal data; any other message could quote a mail, so only
    the type is shown.
    """
    code = getattr(exc, "code", None)
    if type(exc).__name__ == "OAuthTokenError" and isinstance(code, str):
        return f"OAuthTokenError: {code} (check the OAuth settings; `rightsdesk mail check`)"
    return type(exc).__name__


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
