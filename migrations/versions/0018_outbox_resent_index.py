"""An index of the outbox's link from a message to the one that replaced it (`resent_as_id`):
every foreign key has one, so deleting or checking a message never reads the whole outbox to
find the rows that point at it. Partial (only the messages that were resent), so the rows a
sweep writes in bulk add nothing to it.

Revision ID: 0018_outbox_resent_index
Revises: 0017_task_request_open
"""

import sqlalchemy as sa
from alembic import op

revision = "0018_outbox_resent_index"
down_revision = "0017_task_request_open"
branch_labels = None
depends_on = None

RESENT = sa.text("resent_as_id IS NOT NULL")


def upgrade():
    # Built without blocking the worker's writes on PostgreSQL: the outbox is the largest table
    # (a sweep at a million open requests adds 460,000 rows).
    with op.get_context().autocommit_block():
        op.create_index(
            "ix_outbox_message_resent_as_id",
            "outbox_message",
            ["resent_as_id"],
            postgresql_concurrently=True,
            postgresql_where=RESENT,
            sqlite_where=RESENT,
        )


def downgrade():
    op.drop_index("ix_outbox_message_resent_as_id", table_name="outbox_message")
