"""The terminal answers at once: each command imports only what it uses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from rightsdesk.command_table import COMMANDS, build_app, full_app, modules_for

ROOT = Path(__file__).resolve().parents[2]
# Slack, IMAP, the classifier's language tools and the migration engine: none is needed
# to list the commands, compute a deadline or list cases.
HEAVY = {
    "slack_bolt",
    "slack_sdk",
    "imapclient",
    "simplemma",
    "py3langid",
    "lingua",
    "inscriptis",
    "flufl",
    "aiosmtpd",
    "alembic",
}


def _loaded_after(argv: list[str], tmp_path: Path) -> tuple[int, set[str]]:
    """Run the CLI in a fresh interpreter and return its exit code and top-level modules."""
    script = (
        "import json, sys\n"
        "from rightsdesk.cli import main\n"
        f"rc = main({argv!r})\n"
        "print(json.dumps([rc, sorted({m.split('.')[0] for m in sys.modules})]))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RIGHTSDESK_", "SLACK_"))}
    env["RIGHTSDESK_DATABASE_URL"] = f"sqlite:///{tmp_path / 'desk.db'}"
    env["RIGHTSDESK_CONFIG"] = str(ROOT / "rightsdesk.example.toml")
    out = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    rc, modules = json.loads(out.stdout.strip().splitlines()[-1])
    return rc, set(modules)


def _help_line(command: object) -> str:
    text = getattr(command, "help", None) or ""
    return " ".join(text.strip().split("\n\n")[0].split())


def test_the_command_table_lists_every_command_with_its_own_help_line() -> None:
    group = typer.main.get_command(full_app())
    commands = getattr(group, "commands")  # noqa: B009  (a click group)
    assert set(commands) == set(COMMANDS)
    for name, command in commands.items():
        assert COMMANDS[name].help == _help_line(command), name


def test_each_subcommand_loads_with_the_modules_the_table_names() -> None:
    full = getattr(typer.main.get_command(full_app()), "commands")  # noqa: B009
    for name, command in full.items():
        for sub in getattr(command, "commands", {}):
            partial = typer.main.get_command(build_app(modules_for(name, sub)))
            loaded = getattr(partial, "commands")[name]  # noqa: B009
            assert sub in loaded.commands, f"rightsdesk {name} {sub}"


def test_help_lists_every_command_without_loading_slack_imap_or_the_database(
    tmp_path: Path,
) -> None:
    rc, modules = _loaded_after(["--help"], tmp_path)
    assert rc == 0
    assert modules & (HEAVY | {"sqlalchemy", "sqlmodel"}) == set()


def test_a_deadline_needs_only_the_calendar(tmp_path: Path) -> None:
    rc, modules = _loaded_after(["deadline", "2026-03-05"], tmp_path)
    assert rc == 0
    assert modules & (HEAVY | {"sqlalchemy", "sqlmodel", "jinja2"}) == set()


@pytest.mark.parametrize(
    "argv", [["cases", "list"], ["cases", "show", "DSR-2026-0001"], ["health"]]
)
def test_reading_cases_loads_neither_slack_imap_nor_the_classifier(
    argv: list[str], tmp_path: Path
) -> None:
    _loaded_after(["db", "upgrade"], tmp_path)  # migrating loads Alembic; reading must not
    _, modules = _loaded_after(argv, tmp_path)
    assert modules & HEAVY == set()


def test_an_unknown_command_is_a_usage_error(tmp_path: Path) -> None:
    rc, _ = _loaded_after(["no-such-command"], tmp_path)
    assert rc == 2


def test_a_single_intake_pass_loads_no_slack(tmp_path: Path) -> None:
    _loaded_after(["db", "upgrade"], tmp_path)
    rc, modules = _loaded_after(["poll", "--once"], tmp_path)  # the local Maildir, empty
    assert rc == 0
    assert modules & {"slack_bolt", "slack_sdk", "aiosmtpd"} == set()
