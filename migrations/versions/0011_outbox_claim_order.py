"""Workers claim unsent messages codes first, then oldest first: index just those rows

Revision ID: 0011_outbox_claim_order
Revises: 0005_audit_actors
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_outbox_claim_order"
down_revision = "0005_audit_actors"
branch_labels = None
depends_on = None

UNSENT = sa.text("status IN ('pending', 'sending')")


def upgrade():
    op.drop_index("ix_outbox_due", table_name="outbox_message")
    op.create_index(
        "ix_outbox_due",
        "outbox_message",
        ["priority", "id"],
        postgresql_where=UNSENT,
        sqlite_where=UNSENT,
    )


def downgrade():
    op.drop_index("ix_outbox_due", table_name="outbox_message")
    op.create_index("ix_outbox_due", "outbox_message", ["priority", "next_attempt_at"])
