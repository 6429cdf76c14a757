"""extension_ground: which Art. 12(3) ground an extension rests on (complexity, number of requests)

Revision ID: 0011_extension_ground
Revises: 0010_tasks
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_extension_ground"
down_revision: str | None = "0010_tasks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("case") as batch:
        batch.add_column(sa.Column("extension_ground", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("case") as batch:
        batch.drop_column("extension_ground")
