"""outbox_parts: the outbox keeps an outgoing mail's parts; the sender writes its bytes

`cases/` queues the parts (sender, body, threading headers, attachments) and the one writer
in mail_intake/ turns them into RFC 5322 bytes when the row is claimed (issue 16, item 2).
Rows queued before this upgrade keep the bytes they have and are sent as they are.

Revision ID: 0016_outbox_parts
Revises: 0015_system_erasure_progress
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_outbox_parts"
down_revision: str | None = "0015_system_erasure_progress"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("from_addr", sa.String(), nullable=True))
        batch.add_column(sa.Column("from_name", sa.String(), nullable=True))
        batch.add_column(sa.Column("body_text", sa.Text(), nullable=True))
        batch.add_column(sa.Column("body_html", sa.Text(), nullable=True))
        batch.add_column(sa.Column("in_reply_to", sa.String(), nullable=True))
        batch.add_column(sa.Column("references", sa.JSON(), nullable=False, server_default="[]"))
        batch.alter_column("raw", existing_type=sa.LargeBinary(), nullable=True)
    with op.batch_alter_table("message") as batch:
        batch.alter_column("raw_sha256", existing_type=sa.String(), nullable=True)
    op.create_table(
        "outbox_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(), nullable=False),
        sa.Column("content_type", sa.String(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["outbox_id"], ["outbox.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("outbox_attachment") as batch:
        batch.create_index("ix_outbox_attachment_outbox_id", ["outbox_id"], unique=False)


def downgrade() -> None:
    bind = op.get_bind()
    unwritten = bind.execute(sa.text("SELECT count(*) FROM outbox WHERE raw IS NULL")).scalar()
    if unwritten:
        # The old schema holds bytes only, and the writer lives outside store/: refuse
        # rather than lose a queued mail.
        raise RuntimeError(
            f"{unwritten} queued mail(s) not written yet: let the outbox send them first"
        )
    with op.batch_alter_table("outbox_attachment") as batch:
        batch.drop_index("ix_outbox_attachment_outbox_id")
    op.drop_table("outbox_attachment")
    # Our own mail queued but never written has no hash; the old schema wants one.
    bind.execute(sa.text("UPDATE message SET raw_sha256 = '' WHERE raw_sha256 IS NULL"))
    with op.batch_alter_table("message") as batch:
        batch.alter_column("raw_sha256", existing_type=sa.String(), nullable=False)
    with op.batch_alter_table("outbox") as batch:
        batch.alter_column("raw", existing_type=sa.LargeBinary(), nullable=False)
        batch.drop_column("references")
        batch.drop_column("in_reply_to")
        batch.drop_column("body_html")
        batch.drop_column("body_text")
        batch.drop_column("from_name")
        batch.drop_column("from_addr")
