"""Real servers on loopback for integration and e2e tests: Dovecot, SMTP, PostgreSQL, Slack."""

from __future__ import annotations

import os
import socket
import time
from typing import NoReturn

import pytest


def in_ci() -> bool:
    """Whether we run in CI, where a missing server is a failure, not a skip."""
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def ci_or_skip(reason: str) -> NoReturn:
    """Skip the test, or fail it under CI=true: a test that needs a server must run in CI."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true: run scripts/install-test-servers.sh)")
    pytest.skip(reason)


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free a moment ago (aiosmtpd and Dovecot need a real number, not 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until_bindable(port: int, host: str = "127.0.0.1", timeout: float = 10.0) -> None:
    """Wait until nothing listens on PORT any more, so a restart can bind it again."""
    deadline = time.monotonic() + timeout
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((host, port))
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise
        time.sleep(0.05)
