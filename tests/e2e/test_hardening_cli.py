"""Files the CLI writes: no symlink followed, nothing overwritten unasked, private always."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.slack_bot import ROOT

NOW = "2026-03-10T10:00:00+02:00"


def _rightsdesk(
    *args: str, env: dict[str, str] | None = None, cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    """The command as a user with umask 022 (group and others may read by default) runs it."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("RIGHTSDESK_", "SLACK_"))}
    base.update(RIGHTSDESK_CONFIG=str(ROOT / "rightsdesk.example.toml"), RIGHTSDESK_NOW=NOW)
    base.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "rightsdesk", *args],
        env=base,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        umask=0o022,
    )


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


@pytest.fixture
def desk(tmp_path: Path) -> dict[str, str]:
    """A store with one case, opened from the terminal."""
    env = {"RIGHTSDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'store' / 'desk.db'}"}
    (tmp_path / "store").mkdir()
    opened = _rightsdesk(
        "cases", "open", "--name", "Aino Virtanen", "--email", "aino@example.com",
        "--kinds", "access", "--channel", "letter", "--received", "2026-03-05", env=env,
    )  # fmt: skip
    assert opened.returncode == 0, opened.stderr
    return env


def test_the_dossier_refuses_a_symlink_and_an_existing_file_unless_forced(
    desk: dict[str, str], tmp_path: Path
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    link = tmp_path / "link.html"
    link.symlink_to(victim)

    through_link = _rightsdesk("dossier", "DSR-2026-0001", "--out", str(link), env=desk)
    forced_link = _rightsdesk("dossier", "DSR-2026-0001", "--out", str(link), "--force", env=desk)
    over_file = _rightsdesk("dossier", "DSR-2026-0001", "--out", str(victim), env=desk)

    for refused in (through_link, forced_link):
        assert refused.returncode == 2
        assert (
            refused.stderr
            == f"error: {link} is a symbolic link; give the real path of the file to write\n"
        )
    assert over_file.returncode == 2
    assert over_file.stderr == f"error: {victim} exists; pass --force to overwrite it\n"
    assert victim.read_text() == "keep me\n"

    victim.chmod(0o644)
    forced = _rightsdesk("dossier", "DSR-2026-0001", "--out", str(victim), "--force", env=desk)
    assert forced.returncode == 0, forced.stderr
    assert "Case dossier DSR-2026-0001" in victim.read_text(encoding="utf-8")
    assert _mode(victim) == 0o600


def test_the_dossier_store_and_directories_are_private_under_umask_022(
    desk: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "for-regulator" / "dossier.html"

    written = _rightsdesk("dossier", "DSR-2026-0001", "--out", str(out), env=desk)

    assert written.returncode == 0, written.stderr
    assert _mode(out) == 0o600 and _mode(out.parent) == 0o700
    store_files = list((tmp_path / "store").iterdir())
    assert store_files and all(_mode(p) == 0o600 for p in store_files), {
        p.name: oct(_mode(p)) for p in store_files
    }


def test_demo_refuses_a_non_empty_directory_it_did_not_make(tmp_path: Path) -> None:
    foreign = tmp_path / "projects"
    foreign.mkdir()
    (foreign / "rightsdesk.db").write_text("someone else's\n")
    (foreign / "mail").mkdir()

    refused = _rightsdesk("demo", "--dir", str(foreign))

    assert refused.returncode == 2
    assert refused.stdout == ""
    assert refused.stderr == (
        f"error: --dir {foreign} is not empty and was not made by `rightsdesk demo`;"
        " choose a new or empty directory\n"
    )
    assert (foreign / "rightsdesk.db").read_text() == "someone else's\n"
    assert sorted(p.name for p in foreign.iterdir()) == ["mail", "rightsdesk.db"]


def test_the_demo_directory_is_private_under_umask_022_and_a_rerun_may_reuse_it(
    tmp_path: Path,
) -> None:
    directory = tmp_path / "demo"

    first = _rightsdesk("demo", "--dir", str(directory))
    again = _rightsdesk("demo", "--dir", str(directory))

    assert first.returncode == 0, first.stderr
    assert again.returncode == 0, again.stderr
    paths = [directory, *directory.rglob("*")]
    assert any(p.name == "rightsdesk.db" for p in paths)
    assert any(p.parent.name == "new" and p.parent.parent.name == "outbox" for p in paths)
    loose = {
        str(p.relative_to(tmp_path)): oct(_mode(p))
        for p in paths
        if _mode(p) != (0o700 if p.is_dir() else 0o600)
    }
    assert loose == {}


def test_escape_sequences_typed_at_the_terminal_never_reach_the_next_reader(
    tmp_path: Path,
) -> None:
    env = {"RIGHTSDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'desk.db'}"}
    opened = _rightsdesk(
        "cases", "open", "--name", "Eve\x1b]0;owned\x07 Hacker\x7f", "--email",
        "eve@example.com", "--kinds", "access", "--received", "2026-03-05", env=env,
    )  # fmt: skip
    assert opened.returncode == 0, opened.stderr
    noted = _rightsdesk("cases", "note", "DSR-2026-0001", "call back\x1b[2J\x1b[31m soon", env=env)
    assert noted.returncode == 0, noted.stderr
    shown = _rightsdesk("cases", "show", "DSR-2026-0001", "--json", env=env)
    assert "\x1b" not in shown.stdout and "\\u001b" not in shown.stdout
    assert "\\u007f" not in shown.stdout and "\x7f" not in shown.stdout
    assert "Eve Hacker" in shown.stdout and "call back soon" in shown.stdout
