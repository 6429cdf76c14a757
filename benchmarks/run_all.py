"""Every benchmark, on SQLite and (when reachable) PostgreSQL, each in its own process.

Usage: .venv/bin/python -m benchmarks.run_all [--quick] [--only NAME ...]   (`make bench`)

Each run prints its figures and leaves them in benchmarks/results/*.json; this prints a
summary at the end. `--quick` uses small sizes (a smoke test, not figures to publish).
The full plan is every figure of BENCHMARKS.md's summary table, in one sitting on one
machine: intake at 1,000 and 5,000 mails, the terminal, mail to Slack, action to mail,
Slack at scale and the reminder sweep.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

from benchmarks.common import RESULTS, ROOT, machine

FULL: dict[str, list[list[str]]] = {
    "intake_throughput": [["--messages", "1000"], ["--messages", "5000"]],
    "cli_start": [["--runs", "7", "--cases", "10"]],
    "latency": [["--messages", "50"]],
    "action_to_mail": [["--samples", "15"]],
    "slack_scale": [["--cases", "100000"]],
    "reminder_sweep": [["--cases", "1000000"], ["--cases", "100000"]],
}
QUICK: dict[str, list[list[str]]] = {
    "intake_throughput": [["--messages", "200"]],
    "cli_start": [["--runs", "2", "--cases", "5"]],
    "latency": [["--messages", "10"]],
    "action_to_mail": [["--samples", "3"]],
    "slack_scale": [["--cases", "10000", "--runs", "50"]],
    "reminder_sweep": [["--cases", "20000", "--repeat", "2"]],
}
# The terminal benchmark runs on a SQLite store of its own and takes no --db.
ONE_STORE = {"cli_start"}


def _postgres() -> bool:
    from tests.servers import postgres

    return postgres.available()


def main() -> None:
    """Run them in turn; a failure is reported and the rest still run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", nargs="*", choices=sorted(FULL))
    args = parser.parse_args()
    plan = QUICK if args.quick else FULL
    stores = ["sqlite", "postgresql"] if _postgres() else ["sqlite"]
    if len(stores) == 1:
        print("PostgreSQL is not reachable: SQLite only", flush=True)
    print(json.dumps(machine()), flush=True)
    failed = []
    for name, variants in plan.items():
        if args.only and name not in args.only:
            continue
        for variant in variants:
            for store in ["sqlite"] if name in ONE_STORE else stores:
                db = "" if name in ONE_STORE else f" --db {store}"
                shown = f"python -m benchmarks.{name} {' '.join(variant)}{db}"
                command = [sys.executable, *shown.split()[1:]]
                print(f"\n$ {shown}", flush=True)
                started = time.perf_counter()
                done = subprocess.run(command, cwd=ROOT, check=False)
                print(f"({time.perf_counter() - started:.0f} s)", flush=True)
                if done.returncode:
                    failed.append(f"{name} {' '.join(variant)}{db}")
    print("\nresults in", RESULTS.relative_to(ROOT))
    for path in sorted(RESULTS.glob("*.json")):
        print(f"  {path.name}")
    if failed:
        print("failed:", *failed, sep="\n  ")
        raise SystemExit(1)


if __name__ == "__main__":
    main()
