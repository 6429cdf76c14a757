"""MariaDB for tests: the test session's own mariadbd, own data directory and port (as Dovecot).

Debian's `mariadb-server` (scripts/install-test-servers.sh) provides the binaries; the
packaged service is never used. Grant tables are skipped: the server listens on 127.0.0.1
only, lives in a temp dir and is gone with the session.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pymysql

from tests.servers import free_port

_CANDIDATES = ("/usr/sbin/mariadbd", "/usr/sbin/mysqld")


def find_mariadbd() -> str | None:
    """The server binary, if mariadb-server is installed."""
    found = shutil.which("mariadbd") or next((p for p in _CANDIDATES if os.path.exists(p)), None)
    return found if found and shutil.which("mariadb-install-db") else None


@dataclass
class MariaDbServer:
    """A mariadbd in a temp dir on a free loopback port."""

    binary: str
    port: int = field(default_factory=free_port)
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="rd-mariadb-")))
    process: subprocess.Popen[bytes] | None = None

    def _user(self) -> list[str]:
        # mariadbd refuses to run as root unless told to: CI runs as root.
        return ["--user=root"] if os.geteuid() == 0 else []

    def start(self) -> None:
        """Initialise the data directory and start the server; wait until it answers."""
        data = self.root / "data"
        if not data.exists():
            subprocess.run(
                [
                    "mariadb-install-db",
                    "--no-defaults",
                    f"--datadir={data}",
                    "--auth-root-authentication-method=normal",
                    "--skip-test-db",
                    *self._user(),
                ],
                check=True,
                capture_output=True,
                timeout=120,
            )
        self.process = subprocess.Popen(
            [
                self.binary,
                "--no-defaults",
                f"--datadir={data}",
                f"--port={self.port}",
                "--bind-address=127.0.0.1",
                f"--socket={self.root / 'mysqld.sock'}",
                f"--pid-file={self.root / 'mysqld.pid'}",
                f"--log-error={self.root / 'error.log'}",
                "--skip-grant-tables",
                "--innodb-buffer-pool-size=16M",
                "--innodb-log-file-size=8M",
                "--performance-schema=OFF",
                *self._user(),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                pymysql.connect(host="127.0.0.1", port=self.port, user="root").close()
                return
            except pymysql.err.OperationalError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    log = (self.root / "error.log").read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"mariadbd did not start: {log}") from None
                time.sleep(0.2)

    def create_database(self) -> str:
        """A fresh database; returns its SQLAlchemy URL (PyMySQL driver)."""
        name = f"shop_{uuid.uuid4().hex[:12]}"
        conn = pymysql.connect(host="127.0.0.1", port=self.port, user="root")
        try:
            with conn.cursor() as cursor:
                cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
        finally:
            conn.close()
        return f"mysql+pymysql://root@127.0.0.1:{self.port}/{name}?charset=utf8mb4"

    def close(self) -> None:
        """Stop the server and remove its directory."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.root, ignore_errors=True)
