"""`rightsdesk mail check`: the mailbox's connection, folders and authenticated mail."""

from __future__ import annotations

from typing import Annotated

import typer

from mail_intake import mailbox_check
from mail_intake.transports import SmtpTransport
from rightsdesk import mail_wiring
from rightsdesk.commands.mail_account_cmd import mail_app
from rightsdesk.context import Desk


def mail_check(
    create_folders: Annotated[
        bool,
        typer.Option("--create-folders", help="Create a missing Processed, Failed or Sent folder."),
    ] = False,
) -> None:
    """Log in to IMAP (and SMTP), list folders, judge recent mail's authentication; send nothing.

    Exit 0 when all is well, else 1 with one line per problem.
    """
    desk = Desk()
    s = desk.settings
    trusted = mail_wiring.trusted_authserv_ids(desk)
    if s.imap_configured:
        report = mailbox_check.check_imap(
            mail_wiring.imap_account(desk), trusted, create_folders=create_folders
        )
    else:
        report = mailbox_check.check_maildir(s.maildir, trusted)
    smtp = mail_wiring.transport(desk)
    if not isinstance(smtp, SmtpTransport):
        report.lines.append(f"SMTP is not configured: replies go to {s.maildir / 'outbox'}")
    else:
        sent = mailbox_check.check_smtp(smtp)
        report.lines.extend(sent.lines)
        report.problems.extend(sent.problems)
    for line in report.lines:
        typer.echo(line)
    for problem in report.problems:
        typer.echo(f"problem: {problem}", err=True)
    if report.problems:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add `check` to the `mail` group."""
    mail_app.command("check")(mail_check)
