"""`rightsdesk non-requests`: mail read as not a request, and the case it may still be."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Annotated, Any

import typer

from cases import deadlines
from cases.mail_review import non_requests, open_case_from_message
from rightsdesk import mail_wiring
from rightsdesk.commands.cases_cmd import Actor, JsonFlag
from rightsdesk.context import Desk, cli_actor

app = typer.Typer(
    help="Mail read as not a request: review it, or open the case it asked for.",
    no_args_is_help=True,
)


@app.command("list")
def list_command(
    days: Annotated[
        int, typer.Option("--days", min=1, max=36_500, help="How far back to look.")
    ] = 14,
    as_json: JsonFlag = False,
) -> None:
    """Mail of the last DAYS days read as not a request and not joined to any case."""
    desk = Desk()
    now = desk.now()
    with desk.read_session() as session:
        rows = non_requests(session, since=now - timedelta(days=days))
    found: list[dict[str, Any]] = [
        {
            "id": m.id,
            "received_at": m.received_at.isoformat(timespec="seconds"),
            "received": deadlines.receipt_date(m.received_at).isoformat(),
            "from": m.from_addr,
            "subject": m.subject,
            "language": m.language,
            "machine": m.machine_reason,  # why it got no automatic answer, if it looked automatic
        }
        for m in rows
    ]
    if as_json:
        typer.echo(json.dumps(found, ensure_ascii=False, indent=2))
        return
    if not found:
        typer.echo(f"no mail read as a non-request in the last {days} days")
    for row in found:
        typer.echo(f"{row['id']}  {row['received']}  {row['from'] or '-'}  {row['subject'] or ''}")


@app.command("open")
def open_command(
    message: Annotated[int, typer.Argument(help="The mail's id from `non-requests list`.")],
    kinds: Annotated[str, typer.Option("--kinds", help="Comma-separated kind codes.")],
    actor: Actor = None,
) -> None:
    """Open the case the mail asked for, received when the mail arrived; acknowledge it."""
    desk = Desk()
    with desk.session() as session:
        case = open_case_from_message(
            session,
            message_id=message,
            kinds=[k for k in kinds.split(",") if k.strip()],
            actor=cli_actor(actor),
            now=desk.now(),
            controller=desk.controller,
            sender=mail_wiring.sender(desk),
            policy=desk.policy,
            daily_cap=desk.settings.daily_auto_mail_cap,
        )
        reference, due = case.reference, case.effective_due_date
    typer.echo(
        f"{reference} opened from mail {message}; due {due.isoformat()};"
        " the acknowledgement goes out with the next intake pass"
    )


def register(root: typer.Typer) -> None:
    """Attach `non-requests` to the root app."""
    root.add_typer(app, name="non-requests")
