"""A minimal SMTP server for benchmarks: accepts every message and counts it into a file.

Run by benchmarks.common.SmtpCounter as `python -m benchmarks.smtp_counter PORT COUNT_FILE`.
It does no parsing, so its share of a measured send is the SMTP exchange itself.
"""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


class _Counter:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.count += 1
        self.path.write_text(str(self.count))
        return "250 OK"


def main() -> None:
    """Serve until SIGTERM."""
    port, path = int(sys.argv[1]), Path(sys.argv[2])
    controller = Controller(_Counter(path), hostname="127.0.0.1", port=port)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
