"""The queue at scale: a stored open flag with partial indexes of open requests, a caseworker's
requests by service, and a trigram index for name search on PostgreSQL

Revision ID: 0014_queue_at_scale
Revises: 0013_retention
"""

import sqlalchemy as sa
from alembic import op
from flask import current_app

revision = "0014_queue_at_scale"
down_revision = "0013_retention"
branch_labels = None
depends_on = None

OPEN = sa.text("is_open")


def _closed_states() -> list[str]:
    """Which states are closed comes from the workflow file (a state whose clock has stopped),
    read now: the domain keeps the flag from then on."""
    definition = current_app.extensions["workflow"]
    return [name for name, state in definition.states.items() if not state.is_open]


def upgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    op.add_column(
        "data_request",
        sa.Column("is_open", sa.Boolean(), nullable=False, server_default=sa.true()),
    )
    closed = _closed_states()
    if closed:
        request = sa.table("data_request", sa.column("state"), sa.column("is_open"))
        op.execute(
            request.update().where(request.c.state.in_(closed)).values(is_open=sa.false())
        )
    for name, column in (("ix_request_open_due", "due_date"), ("ix_request_open_received", "received_date")):
        op.create_index(
            name, "data_request", [column, "id"], postgresql_where=OPEN, sqlite_where=OPEN
        )
    op.create_index("ix_task_service_request", "service_task", ["service", "request_id"])
    if postgres:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_index(
        "ix_person_full_name_trgm",
        "person",
        ["full_name"],
        postgresql_using="gin",
        postgresql_ops={"full_name": "gin_trgm_ops"},
    )


def downgrade():
    op.drop_index("ix_person_full_name_trgm", table_name="person")
    op.drop_index("ix_task_service_request", table_name="service_task")
    op.drop_index("ix_request_open_received", table_name="data_request")
    op.drop_index("ix_request_open_due", table_name="data_request")
    with op.batch_alter_table("data_request") as batch:
        batch.drop_column("is_open")
