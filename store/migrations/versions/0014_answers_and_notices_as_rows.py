"""answers_and_notices_as_rows: a task's mailed answer on the task; the recipients to tell by
other means as rows

The last two facts the desk read back from the audit trail's event detail move out of it
(issue 10, item 5): `tasks list` and the approver's Art. 19 warning now read these. The events
stay as they are (they are hashed); their facts are copied here once.

Revision ID: 0014_answers_and_notices_as_rows
Revises: 0013_task_ids_never_reused
"""

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from store.types import UTCDateTime

revision: str = "0014_answers_and_notices_as_rows"
down_revision: str | None = "0013_task_ids_never_reused"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_EVENTS = sa.table(
    "case_event",
    sa.column("id", sa.Integer()),
    sa.column("case_id", sa.Integer()),
    sa.column("at", UTCDateTime()),
    sa.column("action", sa.String()),
    sa.column("detail", sa.JSON()),
    sa.column("personal", sa.JSON()),
)
_TASKS = sa.table(
    "task",
    sa.column("id", sa.Integer()),
    sa.column("mailed_answer", sa.Text()),
    sa.column("mailed_answer_at", UTCDateTime()),
)
_NEEDED = sa.table(
    "recipient_notice_needed",
    sa.column("case_id", sa.Integer()),
    sa.column("recipients", sa.JSON()),
    sa.column("reason", sa.String()),
    sa.column("created_at", UTCDateTime()),
)


def _json(value: Any) -> dict[str, Any]:
    loaded = json.loads(value) if isinstance(value, str) else value
    return loaded if isinstance(loaded, dict) else {}


def _events(bind: sa.Connection, action: str) -> list[tuple[Any, ...]]:
    query = sa.select(_EVENTS.c.case_id, _EVENTS.c.at, _EVENTS.c.detail, _EVENTS.c.personal)
    query = query.where(_EVENTS.c.action == action, _EVENTS.c.case_id.is_not(None))
    return [tuple(row) for row in bind.execute(query.order_by(_EVENTS.c.id))]


def upgrade() -> None:
    with op.batch_alter_table("task") as batch:
        batch.add_column(sa.Column("mailed_answer", sa.Text(), nullable=True))
        batch.add_column(sa.Column("mailed_answer_at", UTCDateTime(), nullable=True))
    op.create_table(
        "recipient_notice_needed",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_recipient_notice_needed_case_id", "recipient_notice_needed", ["case_id"])
    bind = op.get_bind()
    # In event order, so the latest answer of a task is the one kept. A purged case's tasks
    # are gone, and so is the personal part (the note) of its events.
    for _case_id, at, detail, personal in _events(bind, "task_answer_received"):
        task_id = _json(detail).get("task_id")
        if not isinstance(task_id, int):
            continue
        note = str(_json(personal).get("note") or "").strip() or None
        bind.execute(
            _TASKS.update()
            .where(_TASKS.c.id == task_id)
            .values(mailed_answer=note, mailed_answer_at=at)
        )
    # The recipients' names are in the event's personal part: a purged case's are gone.
    for case_id, at, detail, personal in _events(bind, "recipient_notice_needed"):
        facts = {**_json(detail), **_json(personal)}
        if not facts.get("recipients"):
            continue
        bind.execute(
            _NEEDED.insert().values(
                case_id=case_id,
                recipients=[str(r) for r in facts.get("recipients") or []],
                reason=str(facts.get("reason") or "no contact address in the register"),
                created_at=at,
            )
        )


def downgrade() -> None:
    op.drop_index("ix_recipient_notice_needed_case_id", table_name="recipient_notice_needed")
    op.drop_table("recipient_notice_needed")
    with op.batch_alter_table("task") as batch:
        batch.drop_column("mailed_answer_at")
        batch.drop_column("mailed_answer")
