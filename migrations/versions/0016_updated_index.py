"""An index of the open requests the requester has acted on since their handler last looked (the
queue's "updated" count)

Revision ID: 0016_updated_index
Revises: 0015_routing_and_seen
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_updated_index"
down_revision = "0015_routing_and_seen"
branch_labels = None
depends_on = None


def upgrade():
    updated = sa.text("is_open AND handler_seen < requester_updates")
    op.create_index(
        "ix_request_open_updated",
        "data_request",
        ["id"],
        postgresql_where=updated,
        sqlite_where=updated,
    )


def downgrade():
    op.drop_index("ix_request_open_updated", table_name="data_request")
