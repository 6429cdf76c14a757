"""audit events: a purgeable personal part, covered by the chain through its salted hash

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("case_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("personal", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("personal_salt", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("personal_sha256", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("case_event", schema=None) as batch_op:
        batch_op.drop_column("personal_sha256")
        batch_op.drop_column("personal_salt")
        batch_op.drop_column("personal")
