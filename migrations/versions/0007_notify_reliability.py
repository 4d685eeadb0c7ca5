"""Notify reliability: a random reference per message, one-time codes first, claims a worker
holds (and releases), and staff resends

Revision ID: 0007_notify_reliability
Revises: 0004
"""

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0007_notify_reliability"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_message") as batch:
        batch.add_column(sa.Column("reference", sa.String(length=36), nullable=True))
        batch.add_column(
            sa.Column("priority", sa.Integer(), nullable=False, server_default=sa.text("1"))
        )
        batch.add_column(sa.Column("claimed_by", sa.String(length=36), nullable=True))
        batch.add_column(sa.Column("resent_as_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_outbox_message_resent_as_id", "outbox_message", ["resent_as_id"], ["id"]
        )
    # Existing rows get fresh random references too. A receipt for a message sent before this
    # migration (whose reference was its id) is still matched by Notify's notification id.
    outbox = sa.table("outbox_message", sa.column("id", sa.Integer), sa.column("reference"))
    connection = op.get_bind()
    ids = [row.id for row in connection.execute(sa.select(outbox.c.id))]
    for row_id in ids:
        connection.execute(
            outbox.update().where(outbox.c.id == row_id).values(reference=str(uuid.uuid4()))
        )
    connection.execute(
        sa.text("UPDATE outbox_message SET priority = 0 WHERE message_key = 'verification_code'")
    )
    with op.batch_alter_table("outbox_message") as batch:
        batch.alter_column("reference", existing_type=sa.String(length=36), nullable=False)
        batch.create_unique_constraint("uq_outbox_message_reference", ["reference"])
        batch.create_index("ix_outbox_due", ["priority", "next_attempt_at"])


def downgrade():
    with op.batch_alter_table("outbox_message") as batch:
        batch.drop_index("ix_outbox_due")
        batch.drop_constraint("uq_outbox_message_reference", type_="unique")
        batch.drop_constraint("fk_outbox_message_resent_as_id", type_="foreignkey")
        batch.drop_column("resent_as_id")
        batch.drop_column("claimed_by")
        batch.drop_column("priority")
        batch.drop_column("reference")
