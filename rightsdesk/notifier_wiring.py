"""The Slack channel notifier as `run` and `bot` start it: commit wake-ups, the health board."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import App

from bot.deps import BotDeps
from bot.notifier import POLL_INTERVAL, start_notifier
from rightsdesk.context import Desk
from rightsdesk.health_board import board
from store.audit import EVENTS_CHANNEL
from store.wakeup import Probe, Wakeup, open_wakeup

log = logging.getLogger(__name__)

# Once stopped, a round makes no new call (SlackCalls.stop): it ends within the call in flight
# (15 s at most, bot.app.make_client) and a store write; under the supervisor's 30 s.
STOP_WAIT = 20.0


def start_channel_notifier(desk: Desk, deps: BotDeps, app: App) -> Callable[[], None]:
    """The notifier, woken by commits, its health on the desk's board; also with no channel.

    Returns its stop, which waits for the thread: a bot component restarted by `run` must
    not start a second notifier while a round of the first may still be posting. Should
    that wait run out, the next start waits for the old thread before starting its own.
    """
    previous = desk.slack_notifier
    if previous is not None and previous.is_alive():
        log.warning("waiting for the previous Slack notifier to stop")
        previous.join()
    if not deps.channel:  # the owners of manual systems still get their tasks (issue 15)
        log.warning("RIGHTSDESK_SLACK_CHANNEL is not set: new cases are not posted to Slack")

    def wakeup(probe: Probe) -> Wakeup:
        return open_wakeup(desk.engine, EVENTS_CHANNEL, probe, poll_interval=POLL_INTERVAL)

    thread, notifier_stop = start_notifier(
        session_factory=deps.session_factory,
        client=app.client,
        channel=deps.channel,
        clock=deps.clock,
        health=board(desk),
        wakeup=wakeup,
        show_identity=deps.show_identity,
        command=deps.command,
    )
    desk.slack_notifier = thread

    def stop() -> None:
        notifier_stop.set()
        thread.join(STOP_WAIT)
        if thread.is_alive():
            log.warning("the Slack notifier did not stop within %.0f s", STOP_WAIT)

    return stop
