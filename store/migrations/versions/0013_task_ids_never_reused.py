"""task_ids_never_reused: SQLite hands out a purged task's number to the next task unless
the table is AUTOINCREMENT; an old Slack button or `tasks done ID` must never reach another
task (issue 15)

Revision ID: 0013_task_ids_never_reused
Revises: 0012_facts_as_columns
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_task_ids_never_reused"
down_revision: str | None = "0012_facts_as_columns"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return  # a PostgreSQL sequence never hands out a number twice
    # sqlite.org/autoinc.html: AUTOINCREMENT numbers above the largest ever used.
    with op.batch_alter_table(
        "task", recreate="always", table_kwargs={"sqlite_autoincrement": True}
    ):
        pass
    # Tasks purged before this upgrade are gone from the table, not from the audit trail.
    opened = bind.execute(
        sa.text("SELECT detail FROM case_event WHERE action = 'task_opened'")
    ).scalars()
    highest = max((_task_id(detail) for detail in opened), default=0)
    bind.execute(sa.text("DELETE FROM sqlite_sequence WHERE name = 'task'"))
    bind.execute(
        sa.text(
            "INSERT INTO sqlite_sequence (name, seq)"
            " SELECT 'task', max(coalesce((SELECT max(id) FROM task), 0), :highest)"
        ),
        {"highest": highest},
    )


def _task_id(detail: object) -> int:
    value = json.loads(detail) if isinstance(detail, str) else detail
    task_id = value.get("task_id") if isinstance(value, dict) else None
    return task_id if isinstance(task_id, int) else 0


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    with op.batch_alter_table(
        "task", recreate="always", table_kwargs={"sqlite_autoincrement": False}
    ):
        pass
