"""Each service task knows whether its request is open, with an index of a service's tasks of
open requests (a caseworker's queue counts)

Revision ID: 0017_task_request_open
Revises: 0016_updated_index
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_task_request_open"
down_revision = "0016_updated_index"
branch_labels = None
depends_on = None

OPEN = sa.text("request_open")


def upgrade():
    with op.batch_alter_table("service_task") as batch:
        batch.add_column(
            sa.Column("request_open", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    op.execute(
        "UPDATE service_task SET request_open = "
        "(SELECT data_request.is_open FROM data_request "
        "WHERE data_request.id = service_task.request_id)"
    )
    op.create_index(
        "ix_task_service_open_request",
        "service_task",
        ["service", "request_id"],
        postgresql_where=OPEN,
        sqlite_where=OPEN,
    )


def downgrade():
    op.drop_index("ix_task_service_open_request", table_name="service_task")
    with op.batch_alter_table("service_task") as batch:
        batch.drop_column("request_open")
