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

# A round ends within a Slack call's timeout (15 s, bot.app.make_client) plus a store write.
STOP_WAIT = 40.0


def start_channel_notifier(desk: Desk, deps: BotDeps, app: App) -> Callable[[], None]:
    """The notifier, woken by commits, its health on the desk's board; also with no channel.

    Returns its stop, which waits for the thread: a bot component restarted by `run` must
    not start a second notifier while a round of the first may still be posting.
    """
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

    def stop() -> None:
        notifier_stop.set()
        thread.join(STOP_WAIT)
        if thread.is_alive():
            log.warning("the Slack notifier did not stop within %.0f s", STOP_WAIT)

    return stop
