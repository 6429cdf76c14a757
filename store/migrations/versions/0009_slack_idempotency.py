"""slack_idempotency: signed Slack requests already handled, so a replay changes nothing twice

Revision ID: 0009_slack_idempotency
Revises: 0008_code_attempts
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_slack_idempotency"
down_revision: str | None = "0008_code_attempts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "slack_request",
        sa.Column("body_sha256", sa.String(), nullable=False),
        sa.Column("signed_at", sa.Integer(), nullable=False),
        sa.Column("surface", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("body_sha256"),
    )
    op.create_index("ix_slack_request_signed_at", "slack_request", ["signed_at"])


def downgrade() -> None:
    op.drop_index("ix_slack_request_signed_at", table_name="slack_request")
    op.drop_table("slack_request")
