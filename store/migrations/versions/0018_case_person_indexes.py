"""case_person_indexes: a person's other cases found through indexes, not a scan

`/rights show`, `cases show` and access replies list the person's other cases: those sent
from the same address, compared without case, or linked to the same register row
(`cases/related.py`). Neither `lower(requester_email)` nor `customer_id` had an index, so
each lookup read every case (21 ms at 100,000 cases on SQLite, 31 ms on PostgreSQL).

Revision ID: 0018_case_person_indexes
Revises: 0017_audit_head_trigger
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018_case_person_indexes"
down_revision: str | None = "0017_audit_head_trigger"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_case_customer_id", "case", ["customer_id"], unique=False)
    op.create_index("ix_case_requester_email_lower", "case", [sa.text("lower(requester_email)")])


def downgrade() -> None:
    op.drop_index("ix_case_requester_email_lower", table_name="case")
    op.drop_index("ix_case_customer_id", table_name="case")
