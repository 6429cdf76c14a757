"""Fill a store with many cases fast (Core inserts in batches), for the scale benchmarks.

The cases look like a desk after some years: most are closed, a few thousand are open,
with due dates spread around today, most of them assigned. The audit rows written here
are not hash-chained (they are there to be read by `/rights show`, not verified).
"""

from __future__ import annotations

import random
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import Engine

from store.models import Case, CaseEvent

ACTIVE_STATUSES = ("received", "in_progress", "in_progress", "in_progress", "needs_triage")
PAUSED = ("awaiting_identity", "awaiting_clarification")
KINDS = ("access", "erasure", "rectification", "marketing_opt_out", "objection", "portability")
USERS = tuple(f"slack:U{n:04d}" for n in range(10))
BATCH = 10_000


def _case(i: int, rnd: random.Random, now: datetime, *, active: bool) -> dict[str, Any]:
    today = now.date()
    if active:
        due = today + timedelta(days=rnd.randint(-10, 60))
        status = rnd.choice(ACTIVE_STATUSES) if rnd.random() > 0.08 else rnd.choice(PAUSED)
    else:
        due = today - timedelta(days=rnd.randint(30, 4 * 365))
        status = "closed"
    receipt = due - timedelta(days=30)
    received = datetime.combine(receipt, datetime.min.time(), UTC) + timedelta(hours=9)
    paused = status in PAUSED
    return {
        "reference": f"DSR-{receipt.year}-{i + 1:04d}",
        "kinds": [rnd.choice(KINDS)],
        "status": status,
        "is_active": active,
        "language": rnd.choice(("fi", "sv", "en")),
        "requester_name": f"Person {i}",
        "requester_email": f"person{i}@example.com",
        "requester_undeliverable": False,
        "channel": "email",
        "received_at": received,
        "receipt_date": receipt,
        "due_date": due,
        "effective_due_date": due,
        "paused_days": 0,
        "paused_since": received + timedelta(days=2) if paused else None,
        "is_complex": False,
        "assignee": rnd.choice(USERS) if rnd.random() > 0.1 or not active else None,
        "identity_status": "verified" if not paused else "unverified",
        "evidence": {"triggers": {}},
        "closed_at": None if active else received + timedelta(days=20),
        "created_at": received,
        "updated_at": received,
    }


def insert_cases(
    engine: Engine,
    *,
    total: int,
    active: int,
    now: datetime,
    events_per_case: int = 0,
    seed: int = 1,
) -> dict[str, Any]:
    """Insert `total` cases of which `active` are open; returns counts and the seconds taken."""
    rnd = random.Random(seed)
    open_ids = set(rnd.sample(range(total), active))
    started = time.perf_counter()
    with engine.begin() as conn:
        for start in range(0, total, BATCH):
            batch = [
                _case(i, rnd, now, active=i in open_ids)
                for i in range(start, min(total, start + BATCH))
            ]
            conn.execute(insert(Case), batch)
    if events_per_case:
        with engine.begin() as conn:
            rows = []
            for case_id in range(1, total + 1):
                for n in range(events_per_case):
                    at = now - timedelta(days=30, minutes=-n)
                    rows.append(
                        {
                            "case_id": case_id,
                            "at": at,
                            "actor": "intake" if n == 0 else rnd.choice(USERS),
                            "action": "open"
                            if n == 0
                            else rnd.choice(("assign", "note", "verify")),
                            "detail": {"n": n},
                            "prev_hash": "bench",
                            "hash": f"bench-{case_id}-{n}",
                        }
                    )
                if len(rows) >= BATCH:
                    conn.execute(insert(CaseEvent), rows)
                    rows = []
            if rows:
                conn.execute(insert(CaseEvent), rows)
    return {
        "cases": total,
        "active": active,
        "events": total * events_per_case,
        "insert_seconds": round(time.perf_counter() - started, 1),
    }


def today_utc() -> date:
    """Today's date in UTC."""
    return datetime.now(UTC).date()
