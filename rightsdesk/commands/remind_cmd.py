"""`rightsdesk remind` (the scheduler) and `rightsdesk health` (every component's state)."""

from __future__ import annotations

import json
import signal
import threading
from datetime import datetime, timedelta
from typing import Annotated, Any

import typer

from cases import health
from rightsdesk import wiring
from rightsdesk.context import Desk

UNHEALTHY_EXIT = 1


def remind(
    once: Annotated[
        bool, typer.Option("--once", help="Send everything due now, then exit.")
    ] = False,
) -> None:
    """Send the reminders that are due (Slack, else the console and mail), once or every minute."""
    from rightsdesk import reminding  # Slack and mail: not for `rightsdesk health`

    desk = Desk()
    wiring.require_own_config(desk.settings)
    poster = reminding.build_poster(desk, echo=typer.echo)
    if once:
        result = reminding.remind_once(desk, poster)
        typer.echo(
            f"reminders: {result.posted} posted, {result.retried} retried, {result.failed} failed"
        )
        if result.failed:
            raise typer.Exit(UNHEALTHY_EXIT)  # claimed and kept: the next run retries them
        return
    stop = threading.Event()
    previous = {
        sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)
    }
    try:
        reminding.run_scheduler(stop, desk, poster=poster)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _when(value: datetime | None) -> str:
    return value.isoformat(timespec="seconds") if value else "never"


def health_cmd(
    stale_after: Annotated[
        int,
        typer.Option(
            "--stale-after", min=1, help="Minutes without success before an ok component is stuck."
        ),
    ] = int(health.DEFAULT_STALE_AFTER.total_seconds() // 60),
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per component.")] = False,
) -> None:
    """Show each component (intake, outbox, bot, scheduler); exit 1 if one fails or is stuck."""
    desk = Desk()
    with desk.read_session() as session:
        states = health.report(session, desk.now(), stale_after=timedelta(minutes=stale_after))
    for state in states:
        if as_json:
            row: dict[str, Any] = {
                "name": state.name,
                "state": state.state,
                "last_success_at": _when(state.last_success_at) if state.last_success_at else None,
                "updated_at": _when(state.updated_at) if state.updated_at else None,
                "stale": state.stale,
                "healthy": state.healthy,
                "last_error": state.last_error,
            }
            typer.echo(json.dumps(row))
            continue
        label = "stale" if state.stale else state.state
        line = f"{state.name:<10} {label:<9} last success {_when(state.last_success_at)}"
        if state.last_error and not state.healthy:
            line += f"  ({state.last_error})"
        typer.echo(line)
    if not all(s.healthy for s in states):
        raise typer.Exit(UNHEALTHY_EXIT)


def register(app: typer.Typer) -> None:
    """Attach `remind` and `health` to the root app."""
    app.command("remind")(remind)
    app.command("health")(health_cmd)
