"""facts_as_columns: a refusal draft's reasons on the draft; each right carried out, as a row

What the code reads back moves out of the audit trail's event detail (issue 10, item 5): the
events stay as they are (they are hashed), and their facts are copied here once.

Revision ID: 0012_facts_as_columns
Revises: 0011_extension_ground
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from store.types import UTCDateTime

revision: str = "0012_facts_as_columns"
down_revision: str | None = "0011_extension_ground"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_EVENTS = sa.table(
    "case_event",
    sa.column("id", sa.Integer()),
    sa.column("case_id", sa.Integer()),
    sa.column("at", UTCDateTime()),
    sa.column("actor", sa.String()),
    sa.column("action", sa.String()),
    sa.column("detail", sa.JSON()),
    sa.column("personal", sa.JSON()),
)
_DRAFTS = sa.table(
    "draft",
    sa.column("id", sa.Integer()),
    sa.column("refusal_reasons", sa.Text()),
    sa.column("refusal_partial", sa.Boolean()),
)
_FULFILMENTS = sa.table(
    "fulfilment",
    sa.column("case_id", sa.Integer()),
    sa.column("kind", sa.String()),
    sa.column("done_at", UTCDateTime()),
    sa.column("done_by", sa.String()),
    sa.column("reply_context", sa.JSON()),
)


def _events(bind: sa.Connection, action: str) -> list[tuple[Any, ...]]:
    query = sa.select(
        _EVENTS.c.case_id, _EVENTS.c.at, _EVENTS.c.actor, _EVENTS.c.detail, _EVENTS.c.personal
    ).where(_EVENTS.c.action == action, _EVENTS.c.case_id.is_not(None))
    return [tuple(row) for row in bind.execute(query.order_by(_EVENTS.c.id))]


def upgrade() -> None:
    with op.batch_alter_table("draft") as batch:
        batch.add_column(sa.Column("refusal_reasons", sa.Text(), nullable=True))
        batch.add_column(
            sa.Column("refusal_partial", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "fulfilment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("done_at", UTCDateTime(), nullable=False),
        sa.Column("done_by", sa.String(), nullable=False),
        sa.Column("reply_context", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_fulfilment_case_id", "fulfilment", ["case_id"])
    bind = op.get_bind()
    # A purged case's events lost their personal part: its reasons and reply context are
    # gone on purpose, and its drafts with them.
    for _case_id, _at, _actor, detail, personal in _events(bind, "draft"):
        if (detail or {}).get("template") != "refusal" or not detail.get("draft_id"):
            continue
        reasons = str((personal or {}).get("refusal_reasons") or "").strip() or None
        bind.execute(
            _DRAFTS.update()
            .where(_DRAFTS.c.id == int(detail["draft_id"]))
            .values(refusal_reasons=reasons, refusal_partial=bool(detail.get("partial")))
        )
    rows = [
        {
            "case_id": case_id,
            "kind": str(detail["kind"]),
            "done_at": at,
            "done_by": actor,
            "reply_context": (personal or {}).get("reply_context"),
        }
        for case_id, at, actor, detail, personal in _events(bind, "fulfil")
        if (detail or {}).get("kind")
    ]
    if rows:
        bind.execute(_FULFILMENTS.insert(), rows)


def downgrade() -> None:
    op.drop_index("ix_fulfilment_case_id", table_name="fulfilment")
    op.drop_table("fulfilment")
    with op.batch_alter_table("draft") as batch:
        batch.drop_column("refusal_partial")
        batch.drop_column("refusal_reasons")
