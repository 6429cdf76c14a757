"""How quickly the terminal answers: `rightsdesk` commands against plain scripts doing the same.

Usage: .venv/bin/python -m benchmarks.cli_start [--runs 7] [--cases 20]

Each command is one whole process, timed from spawn to exit. The plain scripts do the same
work with the same libraries and nothing else: `deadline` computes the date with `holidays`
(Reg. 1182/71 rolling to a working day), `cases list` reads the same table with SQLAlchemy Core
(the store's own library: the same script serves SQLite and PostgreSQL) and computes the days
left with the `holidays` calendar loaded. Runs are interleaved (one of each in turn) so
that a change in the machine's load touches every command alike; the figure is the median.
Targets (issue 16): `deadline` <= 2x its plain script, `cases list` <= 3x.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from benchmarks.common import ROOT, machine, rightsdesk, rightsdesk_env, run_measured, save

PLAIN_DEADLINE = """
import calendar, sys
from datetime import date, timedelta
import holidays
received = date.fromisoformat(sys.argv[1])
year, month = divmod(received.month, 12)
year, month = received.year + year, month + 1
day = min(received.day, calendar.monthrange(year, month)[1])
due = date(year, month, day)
fi = holidays.country_holidays("FI", years=range(due.year, due.year + 2))
while due.weekday() >= 5 or due in fi:
    due += timedelta(days=1)
print(due.isoformat())
"""

PLAIN_LIST = """
import sys
from datetime import date, datetime, timezone
import holidays
from sqlalchemy import create_engine, text
today = datetime.now(timezone.utc).date()
fi = holidays.country_holidays("FI", years=range(today.year - 1, today.year + 2))
with create_engine(sys.argv[1]).connect() as conn:
    rows = conn.execute(text(
        "SELECT reference, kinds, status, language, receipt_date, effective_due_date, assignee"
        " FROM \\"case\\" WHERE is_active ORDER BY effective_due_date"
    )).fetchall()
for ref, kinds, status, lang, received, due, assignee in rows:
    due_day = date.fromisoformat(due)
    left = (due_day - today).days
    print(ref, kinds, status, lang, received, due, left, assignee or "-", sep="  ")
"""


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 3)


def main() -> None:
    """Fill a small store, then time each command against its plain script, interleaved."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--cases", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        store = work / "desk.db"
        env = rightsdesk_env(db_url=f"sqlite:///{store}", imap=None, smtp_port=None)
        env["RIGHTSDESK_MAILDIR"] = str(work / "mail")
        for i in range(args.cases):
            opened = run_measured(
                rightsdesk(
                    "cases",
                    "open",
                    "--kinds",
                    "access",
                    "--email",
                    f"person{i}@example.com",
                    "--received",
                    f"2026-11-{1 + i % 28:02d}",
                ),
                env,
            )
            if opened.returncode:
                raise SystemExit(f"cases open failed: {opened.stderr.strip()}")
        plain_deadline = work / "plain_deadline.py"
        plain_deadline.write_text(PLAIN_DEADLINE)
        plain_list = work / "plain_list.py"
        plain_list.write_text(PLAIN_LIST)
        commands = {
            "rightsdesk deadline": rightsdesk("deadline", "2026-03-05"),
            "plain deadline": [sys.executable, str(plain_deadline), "2026-03-05"],
            "rightsdesk cases list": rightsdesk("cases", "list"),
            "plain cases list": [sys.executable, str(plain_list), f"sqlite:///{store}"],
            "rightsdesk --help": rightsdesk("--help"),
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, argv in commands.items():
                done = run_measured(argv, env)
                if done.returncode:
                    raise SystemExit(f"{name} failed: {done.stderr.strip()}")
                times[name].append(done.seconds)
    medians = {name: _median(values) for name, values in times.items()}
    figures = {
        "runs": args.runs,
        "cases": args.cases,
        "median_seconds": medians,
        "deadline_ratio": round(medians["rightsdesk deadline"] / medians["plain deadline"], 2),
        "cases_list_ratio": round(
            medians["rightsdesk cases list"] / medians["plain cases list"], 2
        ),
    }
    print(figures)
    path = save("cli_start", figures)
    print(f"saved {path.relative_to(ROOT)}; machine {machine()}")


if __name__ == "__main__":
    main()
