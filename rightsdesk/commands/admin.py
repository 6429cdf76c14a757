"""Commands around the desk: deadline, db, audit, register."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path
from typing import Annotated

import typer

from cases import deadlines
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


def parse_received(text: str) -> date:
    """A Helsinki date (2026-03-05) or an ISO-8601 datetime with offset (2026-03-31T22:30:00Z)."""
    value = text.strip()
    if "T" not in value and " " not in value:
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise UserError(
                f"not a date: {text!r} (use YYYY-MM-DD or an ISO-8601 datetime)"
            ) from None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise UserError(f"not a datetime: {text!r} (use e.g. 2026-03-31T22:30:00Z)") from None
    if moment.tzinfo is None:
        raise UserError(f"datetime {text!r} needs an offset such as Z or +02:00")
    return deadlines.receipt_date(moment)


def parse_received_at(text: str) -> datetime:
    """The moment a request arrived: a datetime with offset, or noon Helsinki on a date."""
    if "T" in text or " " in text.strip():
        parse_received(text)  # validates, with the same messages
        return datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    return datetime.combine(parse_received(text), time(12, 0), deadlines.HELSINKI)


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
    receipt = parse_received(received)
    compute = deadlines.extended_due_date if extended else deadlines.due_date
    typer.echo(
        compute(
            receipt, paused_days=paused_days, christmas_eve_working=christmas_eve_working
        ).isoformat()
    )


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
    app.command("deadline")(deadline)
    app.add_typer(db_app, name="db")
    app.add_typer(audit_app, name="audit")
    app.add_typer(register_app, name="register")
