"""`rightsdesk remind` (the scheduler) and `rightsdesk health` (every component's state)."""

from __future__ import annotations

import json
import signal
import threading
from datetime import datetime, timedelta
from typing import Annotated, Any

import typer
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from cases import health
from cases.errors import UserError
from rightsdesk import health_board, wiring
from rightsdesk.context import Desk
from store.engine import make_engine

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
    """Show each component (intake, outbox, bot, scheduler); exit 1 if one fails or is stuck.

    The running process's own status file is read first and needs no database, so a store
    that fails is shown as it is; the database unreachable is itself exit 1.
    """
    desk = Desk()
    now = desk.now()  # a bad RIGHTSDESK_NOW is a usage error (2), raised before the database
    try:  # so is a URL no engine can be built for (nothing is connected here)
        make_engine(desk.settings.database_url).dispose()
    except ArgumentError as exc:
        raise UserError(f"RIGHTSDESK_DATABASE_URL: {type(exc).__name__}") from None
    limit = timedelta(minutes=stale_after)
    live = health_board.live_states(desk.settings)
    table: list[health.ComponentState] = []
    unreachable: str | None = None
    try:
        with desk.read_session() as session:
            table = health.report(session, now, stale_after=limit)
    except UserError as exc:  # open_engine: "cannot open database ...: OperationalError"
        unreachable = str(exc)
    except (SQLAlchemyError, OSError) as exc:
        unreachable = f"database unreachable: {type(exc).__name__}"
    if unreachable is not None and not table:
        table = [
            health.ComponentState(name, "absent", None, None, None, None, stale=False)
            for name in health.COMPONENTS
        ]
    states = health.merged(table, live, now, stale_after=limit)
    for state in states:
        if as_json:
            typer.echo(json.dumps(_row(state)))
            continue
        label = "stale" if state.stale else state.state
        line = f"{state.name:<10} {label:<9} last success {_when(state.last_success_at)}"
        if state.last_error and not state.healthy:
            line += f"  ({state.last_error})"
        typer.echo(line)
    if unreachable is not None:
        typer.echo(f"error: {unreachable}", err=True)
    if unreachable is not None or not all(s.healthy for s in states):
        raise typer.Exit(UNHEALTHY_EXIT)


def _row(state: health.ComponentState) -> dict[str, Any]:
    return {
        "name": state.name,
        "state": state.state,
        "last_success_at": _when(state.last_success_at) if state.last_success_at else None,
        "updated_at": _when(state.updated_at) if state.updated_at else None,
        "stale": state.stale,
        "healthy": state.healthy,
        "last_error": state.last_error,
    }


def register(app: typer.Typer) -> None:
    """Attach `remind` and `health` to the root app."""
    app.command("remind")(remind)
    app.command("health")(health_cmd)
