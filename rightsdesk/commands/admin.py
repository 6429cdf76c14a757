"""Commands around the desk: db, audit, register."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cases.errors import UserError
from cases.register_import import guess_table, import_csv
from rightsdesk.context import Desk, cli_actor
from store import migrate
from store.audit import verify_chain
from store.copy import copy_store
from store.engine import make_engine

db_app = typer.Typer(help="The database schema.", no_args_is_help=True)
audit_app = typer.Typer(help="The tamper-evident audit trail.", no_args_is_help=True)
register_app = typer.Typer(help="The customer register.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration to RIGHTSDESK_DATABASE_URL."""
    desk = Desk()
    engine = make_engine(desk.settings.database_url)
    before = migrate.current_revision(engine)
    migrate.upgrade(engine)
    after = migrate.current_revision(engine)
    typer.echo(f"database at {after}" + ("" if before == after else f" (was {before or 'empty'})"))


@db_app.command("copy")
def db_copy(
    source: Annotated[str, typer.Option("--from", help="SQLAlchemy URL of the store to copy.")],
) -> None:
    """Copy a whole store (e.g. the SQLite file) into RIGHTSDESK_DATABASE_URL."""
    desk = Desk()
    src = make_engine(source)
    if migrate.current_revision(src) != migrate.head_revision():
        raise UserError("the source store is not at the current schema: upgrade it first")
    try:
        counts = copy_store(src, desk.engine)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    total = sum(counts.values())
    typer.echo(f"copied {total} rows in {len(counts)} tables; run `rightsdesk audit verify`")


@db_app.command("current")
def db_current() -> None:
    """Show the schema revision of the database and of this rightsdesk."""
    desk = Desk()
    engine = make_engine(desk.settings.database_url)
    typer.echo(
        f"database: {migrate.current_revision(engine) or 'empty'}; code: {migrate.head_revision()}"
    )


@audit_app.command("verify")
def audit_verify(
    reference: Annotated[str | None, typer.Option("--case", help="Report for one case.")] = None,
) -> None:
    """Check the whole hash chain; exit 1 naming the first bad row."""
    desk = Desk()
    with desk.read_session() as session:
        case_id = None
        if reference:
            from cases.operations import get_case

            case_id = get_case(session, reference).id
        report = verify_chain(session, case_id=case_id)
    if report.ok:
        typer.echo(f"audit trail intact: {report.checked} events verified")
        return
    typer.echo(f"audit trail BROKEN at event {report.bad_event_id}: {report.problem}", err=True)
    raise typer.Exit(1)


@register_app.command("import")
def register_import(
    files: Annotated[
        list[Path],
        typer.Argument(help="CSV files: customers, orders, invoices, recipients, disclosures."),
    ],
    table: Annotated[
        str | None, typer.Option("--table", help="Table, when the file name does not tell.")
    ] = None,
    actor: Annotated[str | None, typer.Option("--actor")] = None,
) -> None:
    """Import register rows; a file with any bad row imports nothing."""
    desk = Desk()
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UserError(f"{path}: cannot read: {exc}") from None
        with desk.session() as session:
            count = import_csv(
                session,
                table=table or guess_table(path.name),
                text=text,
                actor=cli_actor(actor),
                now=desk.now(),
            )
        typer.echo(f"{path.name}: imported {count} rows")


def register(app: typer.Typer) -> None:
    """Attach these commands to the root app."""
    app.add_typer(db_app, name="db")
    app.add_typer(audit_app, name="audit")
    app.add_typer(register_app, name="register")
