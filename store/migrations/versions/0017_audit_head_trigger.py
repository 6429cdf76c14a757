"""audit_head_trigger: the database moves the chain's head with each event it stores

Every audit event was followed by an UPDATE of `audit_head` from the ORM: a statement (and,
on PostgreSQL, a round trip) per event on intake's hot path (issue 16). A trigger now sets
the head to each event as it is inserted, or re-hashed when PostgreSQL gave it another id
than the one it was hashed with (store/audit.py), in the same statement and transaction:
a savepoint rolled back takes the head back with its events.

SQLite drops a table's triggers when a batch migration rebuilds the table: a later
migration that rebuilds `case_event` must create these again.

Revision ID: 0017_audit_head_trigger
Revises: 0016_outbox_parts
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017_audit_head_trigger"
down_revision: str | None = "0016_outbox_parts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MOVE = "UPDATE audit_head SET last_event_id = NEW.id, last_hash = NEW.hash WHERE id = 1"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_head_follows_case_event() RETURNS trigger"
            f" LANGUAGE plpgsql AS $$ BEGIN {_MOVE}; RETURN NULL; END $$"
        )
        op.execute(
            "CREATE TRIGGER case_event_moves_audit_head"
            " AFTER INSERT OR UPDATE OF hash ON case_event"
            " FOR EACH ROW EXECUTE FUNCTION audit_head_follows_case_event()"
        )
        return
    op.execute(
        "CREATE TRIGGER case_event_moves_audit_head AFTER INSERT ON case_event"
        f" BEGIN {_MOVE}; END"
    )
    op.execute(
        "CREATE TRIGGER case_event_rehash_moves_audit_head AFTER UPDATE OF hash ON case_event"
        f" BEGIN {_MOVE}; END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER case_event_moves_audit_head ON case_event")
        op.execute("DROP FUNCTION audit_head_follows_case_event()")
        return
    op.execute("DROP TRIGGER case_event_rehash_moves_audit_head")
    op.execute("DROP TRIGGER case_event_moves_audit_head")
