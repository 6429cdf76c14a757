"""The retention sweep once a day, in the scheduler: storage limitation without a cron job."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import update
from sqlmodel import Session, col

from cases.controller import ControllerConfig
from cases.deadlines import HELSINKI
from cases.fulfilment.retention import SweepReport, sweep
from store.models import Cursor
from store.upsert import insert_ignore

CURSOR = "retention_sweep"  # its position: the ordinal of the last Helsinki day swept
RUN_AFTER = time(3, 0)  # a quiet hour, Helsinki time


def run_daily(
    session: Session, *, now: datetime, controller: ControllerConfig, actor: str = "retention"
) -> SweepReport | None:
    """Sweep once per Helsinki day, after RUN_AFTER; None when it is not time or already done.

    The day is claimed and swept in one transaction: two schedulers never both sweep (the
    cursor row is locked on PostgreSQL; SQLite serialises writers), and a sweep that fails
    leaves the day unclaimed, so the next tick tries again.
    """
    local = now.astimezone(HELSINKI)
    if not controller.retention_sweep_daily or local.time() < RUN_AFTER:
        return None
    day = local.date().toordinal()
    done = session.get(Cursor, CURSOR)
    if done is not None and done.position >= day:  # the usual tick: nothing to write
        session.rollback()
        return None
    table = Cursor.__table__  # type: ignore[attr-defined]
    row = {"name": CURSOR, "position": 0, "updated_at": now}
    insert_ignore(session, table, row)
    claimed = session.execute(
        update(Cursor)
        .where(col(Cursor.name) == CURSOR, col(Cursor.position) < day)
        .values(position=day, updated_at=now)
    )
    if not getattr(claimed, "rowcount", 0):
        session.rollback()
        return None
    return sweep(session, now=now, controller=controller, actor=actor)  # commits the claim too
