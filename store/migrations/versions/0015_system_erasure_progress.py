"""system_erasure_progress: how far a case's erasure got in each `sql` system, as a row

Crash recovery and a repeated `cases fulfil` read the plan recorded before a system's
transaction and its outcome after from here, no longer from the audit trail's events (issue
10, item 5). The events stay as they are (they are hashed); their facts are copied here once.

Revision ID: 0015_system_erasure_progress
Revises: 0014_answers_and_notices_as_rows
"""

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from store.types import UTCDateTime

revision: str = "0015_system_erasure_progress"
down_revision: str | None = "0014_answers_and_notices_as_rows"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_EVENTS = sa.table(
    "case_event",
    sa.column("id", sa.Integer()),
    sa.column("case_id", sa.Integer()),
    sa.column("at", UTCDateTime()),
    sa.column("action", sa.String()),
    sa.column("detail", sa.JSON()),
)
_PROGRESS = sa.table(
    "system_erasure",
    sa.column("case_id", sa.Integer()),
    sa.column("system", sa.String()),
    sa.column("state", sa.String()),
    sa.column("plan", sa.JSON()),
    sa.column("outcome", sa.JSON()),
    sa.column("started_at", UTCDateTime()),
    sa.column("finished_at", UTCDateTime()),
)


def _json(value: Any) -> dict[str, Any]:
    loaded = json.loads(value) if isinstance(value, str) else value
    return loaded if isinstance(loaded, dict) else {}


def upgrade() -> None:
    op.create_table(
        "system_erasure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("system", sa.String(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("plan", sa.JSON(), nullable=False),
        sa.Column("outcome", sa.JSON(), nullable=True),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "system"),
    )
    op.create_index("ix_system_erasure_case_id", "system_erasure", ["case_id"])
    bind = op.get_bind()
    query = (
        sa.select(_EVENTS.c.case_id, _EVENTS.c.at, _EVENTS.c.action, _EVENTS.c.detail)
        .where(
            _EVENTS.c.action.in_(("system_erasure_started", "system_erased")),
            _EVENTS.c.case_id.is_not(None),
        )
        .order_by(_EVENTS.c.id)
    )
    # In event order: the last plan of a system is the one its outcome carried out. The
    # outcome is the event's public detail (digests, no values), as the desk returns it.
    progress: dict[tuple[int, str], dict[str, Any]] = {}
    for case_id, at, action, detail in bind.execute(query):
        facts = _json(detail)
        system = str(facts.get("system") or "")
        if not system:
            continue
        row = progress.setdefault(
            (case_id, system),
            {"case_id": case_id, "system": system, "plan": {}, "outcome": None},
        )
        if action == "system_erasure_started" and row["outcome"] is None:
            row |= {"state": "started", "plan": facts, "started_at": at, "finished_at": None}
        elif action == "system_erased" and row["outcome"] is None:
            row.setdefault("started_at", at)
            row |= {"state": "erased", "outcome": facts, "finished_at": at}
    if progress:
        bind.execute(_PROGRESS.insert(), list(progress.values()))


def downgrade() -> None:
    op.drop_index("ix_system_erasure_case_id", table_name="system_erasure")
    op.drop_table("system_erasure")
