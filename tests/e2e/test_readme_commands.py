"""Every command the README shows works as written: it parses, and the quick start runs."""

from __future__ import annotations

import glob
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
PROGRAMS = (".venv/bin/rightsdesk", "rightsdesk")


def _uncommented(line: str) -> str:
    return re.sub(r"\s+#\s.*$", "", line)


def _shell_lines() -> list[str]:
    """The rightsdesk command lines of the README's sh blocks, comments dropped."""
    lines = []
    for block in re.findall(r"```sh\n(.*?)```", README, re.DOTALL):
        for line in block.splitlines():
            if not line.startswith(PROGRAMS):
                continue  # other tools' lines (export, docker, systemctl…)
            words = shlex.split(_uncommented(line))
            if words and words[0] in PROGRAMS:
                lines.append(shlex.join(words[1:]))
    return lines


def _inline() -> list[str]:
    """`rightsdesk …` in the prose, without placeholders the reader fills in ([…], FILE...)."""
    found = []
    for text in re.findall(r"`rightsdesk ([^`]+)`", README):
        if "[" not in text and "..." not in text:
            found.append(text)
    return found


def _run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("RIGHTSDESK_", "SLACK_"))}
    return subprocess.run(
        [sys.executable, "-m", "rightsdesk", *args],
        env={**base, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


PLACEHOLDERS = {"PORT": "3000", "ID": "1", "REF": "DSR-2026-0001", "KIND": "access"}
COMMANDS = sorted(set(_shell_lines() + _inline()))


def test_the_readme_shows_commands_and_its_configuration_starts_with_init() -> None:
    assert len(COMMANDS) > 30
    section = README[README.index("## Configuration") :]
    first_command = re.search(r"`(rightsdesk [a-z-]+)|\.venv/bin/(rightsdesk [a-z-]+)", section)
    assert first_command is not None
    assert "rightsdesk init" in first_command.group(0)
    assert section.split("\n", 2)[2].startswith("Start with `rightsdesk init`")


@pytest.mark.parametrize("command", COMMANDS)
def test_every_readme_command_names_a_real_command_and_real_options(
    command: str, tmp_path: Path
) -> None:
    # --help is eager: it answers once the command and every option in the line are known,
    # and an unknown command or option fails before it.
    args = shlex.split(command)
    done = _run([*args, "--help"], {"RIGHTSDESK_DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}, ROOT)
    assert done.returncode == 0, f"rightsdesk {command}: {done.stderr}"


def test_the_terminal_quick_start_runs_line_by_line_as_written(tmp_path: Path) -> None:
    for name in ("customers", "orders", "invoices"):
        shutil.copy(ROOT / "rightsdesk" / "demo_data" / f"{name}.csv", tmp_path / f"{name}.csv")
    env = {
        "RIGHTSDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'rightsdesk.db'}",
        "RIGHTSDESK_CONFIG": str(ROOT / "rightsdesk.example.toml"),
        "RIGHTSDESK_MAILDIR": str(tmp_path / "mail"),
        "RIGHTSDESK_NOW": "2026-11-24T10:00:00+02:00",
    }
    block = README[README.index("## Using it from the terminal") :]
    block = block[block.index("```sh\n") + 6 : block.index("```", block.index("```sh\n") + 6)]
    ran = 0
    for line in block.splitlines():
        words = shlex.split(_uncommented(line))
        if not words:
            continue
        args = words[1:]
        cwd = tmp_path
        if any("*" in a for a in args):  # the shell expands the fixture glob in the checkout
            args = [x for a in args for x in (sorted(glob.glob(a, root_dir=ROOT)) or [a])]
            cwd = ROOT
        done = _run(args, env, cwd)
        assert done.returncode == 0, f"{line}\n{done.stdout}\n{done.stderr}"
        ran += 1
    assert ran >= 14
    shown = _run(["cases", "show", "DSR-2026-0001", "--json"], env, tmp_path)
    assert '"extension_ground": "complexity"' in shown.stdout
