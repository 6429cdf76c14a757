"""`rightsdesk demo`: the whole desk offline, in one directory."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cases.views import list_cases
from rightsdesk import demo
from rightsdesk.commands.cases_cmd import format_table
from rightsdesk.context import Desk
from rightsdesk.settings import load_settings
from store.audit import verify_chain


def demo_command(
    directory: Annotated[
        Path, typer.Option("--dir", help="Where the demo keeps everything.")
    ] = Path("demo"),
) -> None:
    """Run the offline demo: register, cases, lifecycle, deadlines and the audit check."""
    db_path = demo.prepare_dir(directory)
    desk = Desk(load_settings(database_url=f"sqlite:///{db_path}", maildir=directory / "mail"))
    now = desk.now()
    typer.echo(f"rightsdesk demo in {directory}/ (controller: {desk.controller.name})")
    with desk.session() as session:
        counts = demo.seed_register(session, now)
        typer.echo("register: " + ", ".join(f"{n} {t}" for t, n in counts.items()))
        for spec in demo.DEMO_CASES:
            demo.run_case(session, spec, now, desk.policy)
        cases = list_cases(session, status="open")
        typer.echo("\nCases (overdue first, then by due date):")
        typer.echo(format_table(cases, now))
        report = verify_chain(session)
    typer.echo(
        f"\naudit trail: {'intact' if report.ok else 'BROKEN'}, {report.checked} events verified"
    )


def register(app: typer.Typer) -> None:
    """Attach the demo command."""
    app.command("demo")(demo_command)
