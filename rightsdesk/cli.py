"""The `rightsdesk` command: every subcommand, and the one error boundary in front of them."""

from __future__ import annotations

import logging
import os
import sys

import typer

from cases.errors import DeskError, UserError
from rightsdesk.commands import (
    admin,
    bot_cmd,
    cases_cmd,
    demo_cmd,
    mail_cmd,
    non_requests_cmd,
    remind_cmd,
    replies_cmd,
    run_cmd,
)

log = logging.getLogger("rightsdesk")

app = typer.Typer(
    name="rightsdesk",
    help="A subject-rights desk: GDPR requests from email and Slack to answered, on-time cases.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(cases_cmd.app, name="cases")
admin.register(app)
demo_cmd.register(app)
mail_cmd.register(app)
non_requests_cmd.register(app)
run_cmd.register(app)
remind_cmd.register(app)
bot_cmd.register(app)
replies_cmd.register(app)

USAGE_EXIT = 2  # bad input: the user's fault (click's own convention too)
FAILURE_EXIT = 1  # our fault


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
