"""slack_refusals: what the Slack notifier posted, is posting, or Slack refused for good

Revision ID: 0007_slack_refusals
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from store.types import UTCDateTime

revision: str = "0007_slack_refusals"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "slack_post",
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("channel", sa.String(), nullable=True),
        sa.Column("ts", sa.String(), nullable=True),
        sa.Column("content_hash", sa.String(), nullable=True),
        sa.Column("error", sa.String(), nullable=True),
        sa.Column("attempted_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"]),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_slack_post_case_id", "slack_post", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_slack_post_case_id", table_name="slack_post")
    op.drop_table("slack_post")
