"""The `rightsdesk` command: every subcommand, and the one error boundary in front of them."""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

from cases.errors import DeskError, UserError, Waiting
from rightsdesk.command_table import COMMANDS, ROOT_HELP, load_command

log = logging.getLogger("rightsdesk")


class LazyRoot(TyperGroup):
    """The root command: each subcommand's module is imported only when that command runs.

    `rightsdesk --help` is answered from the command table alone, so listing the commands
    loads neither Slack, IMAP, the classifier nor the database layer.
    """

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        # Only for listing (help): a stand-in that carries the name and the help line.
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        return TyperCommand(name=cmd_name, help=entry.help, callback=None)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        name = args[0]
        sub = args[1] if len(args) > 1 and not args[1].startswith("-") else None
        command = load_command(name, sub)
        if command is None:
            return super().resolve_command(ctx, args)  # click's "No such command" usage error
        return name, command, args[1:]


app = typer.Typer(
    name="rightsdesk",
    cls=LazyRoot,
    help=ROOT_HELP,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _root() -> None:
    """A subject-rights desk: GDPR requests from email and Slack to answered, on-time cases."""


USAGE_EXIT = 2  # bad input: the user's fault (click's own convention too)
FAILURE_EXIT = 1  # our fault
WAITING_EXIT = 75  # try again later: a system of the data map is not reachable


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; user errors are one line on stderr, our errors never a traceback."""
    level = os.environ.get("RIGHTSDESK_LOG_LEVEL", "WARNING").upper()
    logging.basicConfig(
        level=getattr(logging, level, logging.WARNING),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # Tracebacks without exception messages: they can quote the mail (issue 11).
    from rightsdesk.logs import private_handlers  # stdlib only: as lazy as the commands

    private_handlers()
    # flufl.bounce logs tracebacks (with message text) when its guesses fail; we fall back.
    logging.getLogger("flufl.bounce").setLevel(logging.CRITICAL)
    command = typer.main.get_command(app)
    try:
        # Standalone mode: usage errors print a usage message and exit 2 (click's convention).
        command.main(args=argv, prog_name="rightsdesk")
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            return int(exc.code or 0)
        typer.echo(str(exc.code), err=True)
        return FAILURE_EXIT
    except UserError as exc:
        typer.echo(f"error: {exc}", err=True)
        return USAGE_EXIT
    except Waiting as exc:
        # A system the case needs is down: the case waits, nothing failed (sysexits EX_TEMPFAIL).
        typer.echo(f"waiting: {exc}", err=True)
        return WAITING_EXIT
    except DeskError as exc:
        typer.echo(f"error: {exc}", err=True)
        return FAILURE_EXIT
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        # Our fault: the type goes to the user, the details to the log, never personal data.
        log.debug("unexpected error", exc_info=True)  # tracebacks hold no case data by design
        typer.echo(
            f"internal error ({type(exc).__name__}); run with RIGHTSDESK_LOG_LEVEL=DEBUG"
            " for details",
            err=True,
        )
        return FAILURE_EXIT
    return 0


def entry() -> None:
    """Console-script entry point; what it creates is private to its user, whatever the umask.

    The store, the Maildir, dossiers and exports hold personal data: files 0600, directories
    0700, as the systemd unit's UMask=0077 (deploy/rightsdesk.service) and the Dockerfile do.
    """
    os.umask(0o077)
    sys.exit(main())
