"""The queue's counts at a million requests: indexes of the open requests updated since their
handler looked and of all open requests in id order, and (PostgreSQL) statistics of how open,
state and due date go together

Revision ID: 0016_queue_counts
Revises: 0015_routing_and_seen
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_queue_counts"
down_revision = "0015_routing_and_seen"
branch_labels = None
depends_on = None

# The planner took "open", the running states and the due date as independent, so it expected a
# few hundred overdue requests where there were thousands and chose plans that read them all.
STATISTICS = (
    "CREATE STATISTICS st_request_open_state_due (dependencies, mcv) "
    "ON is_open, state, due_date FROM data_request"
)


def upgrade():
    for name, where in (
        ("ix_request_open_updated", "is_open AND handler_seen < requester_updates"),
        ("ix_request_open_id", "is_open"),
    ):
        predicate = sa.text(where)
        op.create_index(
            name, "data_request", ["id"], postgresql_where=predicate, sqlite_where=predicate
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(STATISTICS)
        op.execute("ANALYZE data_request")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP STATISTICS IF EXISTS st_request_open_state_due")
    op.drop_index("ix_request_open_id", table_name="data_request")
    op.drop_index("ix_request_open_updated", table_name="data_request")
