"""Reminder sweep: one `claim_due` over 1,000,000 cases with a few hundred reminders due.

Usage: .venv/bin/python -m benchmarks.reminder_sweep [--cases 1000000] [--active 1000]
       [--db sqlite|postgresql] [--repeat 5]

The store holds `--cases` cases of which `--active` are open (due dates from ten days ago
to two months ahead, most assigned), the rest closed over four years. One sweep is
`cases.reminder_ledger.claim_due`: find what is due through the indexes, claim it in the
ledger and commit. The ledger is emptied between repetitions so each claims afresh; the
full `sweep` (claim, post with a no-op poster, mark posted) is timed too. Run it with
`--cases 100000` and the same `--active` to see that the time follows the cases due, not
the total.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import delete
from sqlmodel import Session

from benchmarks.bulk import insert_cases
from benchmarks.common import analyze, database, migrated_engine, percentile, save

TARGET_S = 0.5
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # a Tuesday, 11:00 in Helsinki


def main() -> None:
    """Fill, sweep `--repeat` times, print and save the median and worst sweep."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--active", type=int, default=1_000)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from cases.reminder_ledger import claim_due, sweep
    from store.engine import new_session
    from store.models import ReminderLedger

    with tempfile.TemporaryDirectory() as tmp, database(args.db, Path(tmp), "sweep") as url:
        engine = migrated_engine(url)
        print(f"inserting {args.cases} cases ({args.active} open) ...", flush=True)
        filled = insert_cases(engine, total=args.cases, active=args.active, now=NOW)
        print(f"  inserted in {filled['insert_seconds']} s", flush=True)
        analyze(engine)

        def empty_ledger() -> None:
            with Session(engine) as session:
                session.execute(delete(ReminderLedger))
                session.commit()

        claims, sweeps, claimed = [], [], 0
        for _ in range(args.repeat):
            empty_ledger()
            with new_session(engine) as session:
                start = time.perf_counter()
                won = claim_due(session, now=NOW, limit=100_000)
                claims.append(time.perf_counter() - start)
            claimed = len(won)
            empty_ledger()

            @contextmanager
            def sessions() -> Iterator[Session]:
                with new_session(engine) as session:
                    yield session

            start = time.perf_counter()
            result = sweep(sessions, lambda item: None, now=NOW, batch=100_000)
            sweeps.append(time.perf_counter() - start)
            if result.claimed != claimed or not result.ok:
                raise SystemExit(f"sweep claimed {result.claimed}, claim_due {claimed}")
        engine.dispose()

    median, worst = percentile(claims, 50), max(claims)
    print(f"cases: {args.cases} ({args.active} open)  store: {args.db}  reminders due: {claimed}")
    print(f"  claim_due (one sweep's claim):  median {median:6.3f} s  worst {worst:6.3f} s")
    full = percentile(sweeps, 50)
    print(f"  sweep (claim, post, mark):      median {full:6.3f} s  worst {max(sweeps):6.3f} s")
    print(f"target: one sweep <= {TARGET_S} s with 1,000,000 cases")
    save(
        f"reminder_sweep_{args.db}_{args.cases}",
        {
            "command": f"python -m benchmarks.reminder_sweep --cases {args.cases} "
            f"--active {args.active} --db {args.db} --repeat {args.repeat}",
            "store": args.db,
            **filled,
            "reminders_due": claimed,
            "claim_due_median_s": round(median, 3),
            "claim_due_worst_s": round(worst, 3),
            "sweep_median_s": round(full, 3),
            "sweep_worst_s": round(max(sweeps), 3),
        },
    )


if __name__ == "__main__":
    main()
