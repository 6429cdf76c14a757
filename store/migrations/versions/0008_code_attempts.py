"""verification_code.attempts: how many candidates were tried against the code

Revision ID: 0008_code_attempts
Revises: 0007_slack_refusals
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_code_attempts"
down_revision: str | None = "0007_slack_refusals"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("verification_code") as batch:
        batch.add_column(
            sa.Column("attempts", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )


def downgrade() -> None:
    with op.batch_alter_table("verification_code") as batch:
        batch.drop_column("attempts")
