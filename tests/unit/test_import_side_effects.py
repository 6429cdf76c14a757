"""Importing any module of ours touches no network, no database and no environment."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = textwrap.dedent(
    """
    import importlib, os, pkgutil, socket, sys
    touched = []

    def refuse(self, *args, **kwargs):
        touched.append("network")
        raise OSError("network at import time")

    socket.socket.connect = refuse
    socket.create_connection = lambda *a, **k: refuse(None)

    class Watched(dict):
        def __getitem__(self, key):
            if key.startswith(("RIGHTSDESK_", "SLACK_")):
                touched.append("env:" + key)
            return super().__getitem__(key)

        def get(self, key, default=None):
            if key.startswith(("RIGHTSDESK_", "SLACK_")):
                touched.append("env:" + key)
            return super().get(key, default)

    os.environ = Watched(os.environ)
    sys.path.insert(0, sys.argv[1])
    names = []
    for package in ("store", "cases", "templates", "mail_intake", "bot", "rightsdesk"):
        module = importlib.import_module(package)
        names.append(package)
        for info in pkgutil.walk_packages(module.__path__, package + "."):
            if info.name.endswith("__main__") or ".migrations." in info.name:
                continue
            importlib.import_module(info.name)
            names.append(info.name)
    print(len(names), sorted(set(touched)))
    """
)


def test_importing_every_module_touches_no_network_database_or_environment(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(ROOT)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    count, touched = result.stdout.strip().split(" ", 1)
    assert int(count) > 50
    assert touched == "[]"
    assert list(tmp_path.iterdir()) == []  # no database file, no Maildir, no .env written
