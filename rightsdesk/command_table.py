"""Which module owns each command, and the one line `rightsdesk --help` shows for it."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import Any

import typer

ROOT_HELP = "A subject-rights desk: GDPR requests from email and Slack to answered, on-time cases."


@dataclass(frozen=True)
class Entry:
    """A root command: the modules whose `register(app)` builds it, and its help line."""

    modules: tuple[str, ...]
    help: str


# The help lines must match the commands' own (tests/unit/test_cli_imports.py checks that).
COMMANDS: dict[str, Entry] = {
    "init": Entry(
        ("config_cmd",),
        "Write rightsdesk.toml: asks for the company's facts (or takes them as flags).",
    ),
    "config": Entry(("config_cmd",), "The controller config: what replies say about you."),
    "cases": Entry(("cases_cmd",), "Open, move and inspect cases."),
    "tasks": Entry(
        ("tasks_cmd",), "Tasks for the owners of manual systems: list them, record their answers."
    ),
    "deadline": Entry(
        ("deadline_cmd",), "Print the GDPR due date (Art. 12(3), Reg. 1182/71) as YYYY-MM-DD."
    ),
    "register": Entry(("admin",), "The customer register."),
    "poll": Entry(
        ("mail_cmd",), "Take in new mail from IMAP (or the local Maildir) and send the outbox."
    ),
    "non-requests": Entry(
        ("non_requests_cmd",),
        "Mail read as not a request: review it, or open the case it asked for.",
    ),
    "mail": Entry(
        ("mail_account_cmd",), "The privacy mailbox: OAuth 2.0 sign-in and connection check."
    ),
    "quarantine": Entry(("mail_cmd",), "Mail intake could not process."),
    "classify": Entry(
        ("mail_cmd",), "Classify mail files: kinds, language, machine mail. No database needed."
    ),
    "dossier": Entry(
        ("replies_cmd",), "Write the case's dossier for a regulator: one self-contained HTML file."
    ),
    "retention": Entry(("replies_cmd",), "Storage limitation: the retention sweep."),
    "audit": Entry(("admin",), "The tamper-evident audit trail."),
    "run": Entry(
        ("run_cmd",),
        "Run intake (IDLE), the outbox, the Slack bot and the reminder scheduler until SIGTERM.",
    ),
    "bot": Entry(
        ("bot_cmd",),
        "Run the Slack bot: Socket Mode (SLACK_APP_TOKEN) or HTTP (SLACK_SIGNING_SECRET).",
    ),
    "remind": Entry(
        ("remind_cmd",),
        "Send the reminders that are due (Slack, else the console and mail), once or every minute.",
    ),
    "health": Entry(
        ("remind_cmd",),
        "Show each component (intake, outbox, bot, scheduler); exit 1 if one fails or is stuck.",
    ),
    "db": Entry(("admin",), "The database schema."),
    "systems": Entry(("systems_cmd",), "The data map: the systems that hold personal data."),
    "demo": Entry(
        ("demo_cmd",),
        "Run the offline demo: register, cases, mail intake, deadlines and the audit check.",
    ),
}

# Subcommands that another module adds to a group: loaded only when that subcommand runs
# (or the group's own help is asked for), so `cases list` does not import fulfilment and mail.
GROUP_EXTRAS: dict[str, dict[str, tuple[str, ...]]] = {
    "cases": {
        sub: ("replies_cmd",)
        for sub in ("draft", "approve", "refuse", "fulfil", "identify", "link", "lift-restriction")
    },
    "register": {sub: ("replies_cmd",) for sub in ("suppressed", "lift-restriction")},
    "mail": {"check": ("mail_check_cmd",)},
}


def modules_for(name: str, sub: str | None) -> tuple[str, ...]:
    """The command modules to import for `rightsdesk NAME [SUB]` (all of a group for its help)."""
    entry = COMMANDS[name]
    extras = GROUP_EXTRAS.get(name, {})
    if sub is None:
        wanted = tuple(m for mods in extras.values() for m in mods)
    else:
        wanted = extras.get(sub, ())
    return tuple(dict.fromkeys(entry.modules + wanted))


def _group() -> None:
    """A subject-rights desk: GDPR requests from email and Slack to answered, on-time cases."""


def build_app(modules: tuple[str, ...]) -> typer.Typer:
    """A Typer app with the commands of `modules` registered, as the full CLI has them."""
    app = typer.Typer(
        name="rightsdesk",
        help=ROOT_HELP,
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
    )
    # A callback keeps it a group even with one command (Typer would collapse it otherwise).
    app.callback()(_group)
    for module in modules:
        import_module(f"rightsdesk.commands.{module}").register(app)
    return app


def full_app() -> typer.Typer:
    """Every command, eagerly (for tests and documentation, not for the command line)."""
    everything = {m for entry in COMMANDS.values() for m in entry.modules}
    everything |= {m for extras in GROUP_EXTRAS.values() for mods in extras.values() for m in mods}
    return build_app(tuple(sorted(everything)))


def load_command(name: str, sub: str | None) -> Any:
    """The (click) command for `rightsdesk NAME [SUB]`, importing only what it needs."""
    if name not in COMMANDS:
        return None
    group: Any = typer.main.get_command(build_app(modules_for(name, sub)))
    return group.commands.get(name)
