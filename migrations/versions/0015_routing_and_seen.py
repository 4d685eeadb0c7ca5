"""The engine's routing proposal, what the handler has seen of the requester's updates, and
indexes for the queue's "new" count and the open service searches; uploads may be scans of a
letter or form

Revision ID: 0015_routing_and_seen
Revises: 0015_saved_drafts
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_routing_and_seen"
down_revision = "0015_saved_drafts"
branch_labels = None
depends_on = None


PURPOSES = ("authority", "supporting", "response", "evidence", "pack", "parental_responsibility")


def _purposes(values) -> str:
    return "purpose IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade():
    # A scan of the letter or form of a request logged by staff.
    with op.batch_alter_table("upload") as batch:
        batch.drop_constraint("ck_upload_purpose", type_="check")
        batch.create_check_constraint("ck_upload_purpose", _purposes((*PURPOSES, "scan")))
    with op.batch_alter_table("data_request") as batch:
        batch.add_column(sa.Column("routing_proposal", sa.JSON(), nullable=True))
        batch.add_column(
            sa.Column("requester_updates", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("handler_seen", sa.Integer(), nullable=True))
    # Requests already there have been worked on: they are not "new" the day this arrives.
    request = sa.table("data_request", sa.column("handler_seen"))
    op.execute(request.update().values(handler_seen=0))
    unseen = sa.text("is_open AND handler_seen IS NULL")
    op.create_index(
        "ix_request_open_unseen",
        "data_request",
        ["id"],
        postgresql_where=unseen,
        sqlite_where=unseen,
    )
    open_task = sa.text("status = 'open'")
    op.create_index(
        "ix_task_open_target",
        "service_task",
        ["target_date", "id"],
        postgresql_where=open_task,
        sqlite_where=open_task,
    )


def downgrade():
    op.execute("DELETE FROM upload WHERE purpose = 'scan'")
    with op.batch_alter_table("upload") as batch:
        batch.drop_constraint("ck_upload_purpose", type_="check")
        batch.create_check_constraint("ck_upload_purpose", _purposes(PURPOSES))
    op.drop_index("ix_task_open_target", table_name="service_task")
    op.drop_index("ix_request_open_unseen", table_name="data_request")
    with op.batch_alter_table("data_request") as batch:
        batch.drop_column("handler_seen")
        batch.drop_column("requester_updates")
        batch.drop_column("routing_proposal")
