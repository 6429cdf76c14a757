"""`rightsdesk deadline`: the due date of a request, with nothing but the calendar loaded."""

from __future__ import annotations

from typing import Annotated

import typer

from cases import deadlines


def deadline(
    received: Annotated[
        str, typer.Argument(help="Receipt date (Helsinki) or ISO datetime with offset.")
    ],
    extended: Annotated[
        bool, typer.Option("--extended", help="The Art. 12(3) extended date.")
    ] = False,
    paused_days: Annotated[
        int, typer.Option("--paused-days", min=0, help="Days the clock stood still.")
    ] = 0,
    christmas_eve_working: Annotated[
        bool,
        typer.Option("--christmas-eve-working", help="Treat 24 Dec as a working day (safe date)."),
    ] = False,
) -> None:
    """Print the GDPR due date (Art. 12(3), Reg. 1182/71) as YYYY-MM-DD."""
    receipt = deadlines.parse_receipt_date(received)
    compute = deadlines.extended_due_date if extended else deadlines.due_date
    typer.echo(
        compute(
            receipt, paused_days=paused_days, christmas_eve_working=christmas_eve_working
        ).isoformat()
    )


def register(app: typer.Typer) -> None:
    """Attach `deadline` to the root app."""
    app.command("deadline")(deadline)
