"""`rightsdesk run`: the always-on service."""

from __future__ import annotations

import signal
import threading
from typing import Annotated

import typer

from rightsdesk import bot_wiring, wiring
from rightsdesk.context import Desk
from rightsdesk.logs import configure
from rightsdesk.reminding import run_scheduler
from rightsdesk.service import run_bot, run_intake, run_outbox
from rightsdesk.supervisor import Component, run_components


def _scheduler(desk: Desk, stop: threading.Event) -> None:
    run_scheduler(stop, desk)


def _intake(desk: Desk, stop: threading.Event) -> None:
    run_intake(desk, stop, send_outbox=False)  # the outbox component sends, at once


def run(
    no_bot: Annotated[bool, typer.Option("--no-bot", help="Do not start the Slack bot.")] = False,
    no_intake: Annotated[bool, typer.Option("--no-intake", help="Do not read mail.")] = False,
    plain_logs: Annotated[
        bool, typer.Option("--plain-logs", help="Text logs, not JSON lines.")
    ] = False,
) -> None:
    """Run intake (IDLE), the outbox, the Slack bot and the reminder scheduler until SIGTERM."""
    desk = Desk()
    configure(desk.settings.log_level, json_lines=not plain_logs)
    wiring.require_own_config(desk.settings)
    _ = desk.engine, desk.controller  # fail fast, in one line, on a bad database or config
    components: dict[str, Component] = {}
    if not no_intake:
        components["intake"] = _intake
    components["outbox"] = run_outbox
    if not no_bot and desk.settings.slack_bot_token and desk.settings.slack_app_token:
        # An xoxb- token here would restart the bot forever: one line, exit 2.
        bot_wiring.app_token(desk)
        components["bot"] = run_bot
    components["scheduler"] = _scheduler
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    typer.echo(f"rightsdesk run: {', '.join(components)} (stop with SIGTERM or Ctrl-C)", err=True)
    run_components(desk, components, stop)


def register(app: typer.Typer) -> None:
    """Attach `rightsdesk run`."""
    app.command("run")(run)
