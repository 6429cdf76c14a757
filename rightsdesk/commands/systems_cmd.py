"""`rightsdesk systems list|check`: the data map, and its mapping against the live databases."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from cases.sql_connector import SqlConnector
from cases.systems import ManualSystem, SqlSystem, System
from rightsdesk.context import Desk

app = typer.Typer(help="The data map: the systems that hold personal data.", no_args_is_help=True)


def _row(system: System) -> dict[str, Any]:
    row: dict[str, Any] = {"name": system.name, "kind": system.kind}
    row["categories"] = system.categories.model_dump() if system.categories else None
    if isinstance(system, SqlSystem):
        row["url"] = system.url  # as written: `${VAR}` keeps the secret out of the output
        row["tables"] = [t.table for t in system.tables]
    if isinstance(system, ManualSystem):
        row["owner"] = system.owner
        row["instructions"] = sorted(system.instructions)
    return row


@app.command("list")
def list_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the systems of the data map ([[systems]] in the controller config)."""
    systems = [_row(s) for s in Desk().controller.systems_or_register()]
    if as_json:
        typer.echo(json.dumps(systems, ensure_ascii=False, indent=2))
        return
    for s in systems:
        extra = s.get("url") or s.get("owner") or ""
        typer.echo(f"{s['name']}  {s['kind']}" + (f"  {extra}" if extra else ""))


@app.command("check")
def check_command() -> None:
    """Connect to every sql system and check its mapping; exit 1 with one line per problem."""
    desk = Desk()
    problems: list[str] = []
    checked = 0
    for system in desk.controller.systems_or_register():
        if isinstance(system, SqlSystem):
            connector = SqlConnector(system, desk.system_env())
            try:
                problems += connector.check()
            finally:
                connector.dispose()
            checked += 1
    for line in problems:
        typer.echo(line)
    if problems:
        raise typer.Exit(1)
    typer.echo(f"ok: {checked} sql system(s) match their mapping")


def register(root: typer.Typer) -> None:
    """Add `systems` to the root app."""
    root.add_typer(app, name="systems")
