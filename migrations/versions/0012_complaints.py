"""Complaints (DPA 2018 s.164A) are cases beside the four rights, optionally about a request

Revision ID: 0012_complaints
Revises: 0012_role_grants
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_complaints"
down_revision = "0012_role_grants"
branch_labels = None
depends_on = None

RIGHTS = "'access', 'rectification', 'restriction', 'objection'"


def upgrade():
    with op.batch_alter_table("data_request") as batch:
        batch.add_column(sa.Column("complaint_about_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_request_complaint_about", "data_request", ["complaint_about_id"], ["id"]
        )
        batch.create_index("ix_data_request_complaint_about_id", ["complaint_about_id"])
        batch.drop_constraint("ck_request_right", type_="check")
        batch.create_check_constraint(
            "ck_request_right", f"data_right IN ({RIGHTS}, 'complaint')"
        )


def downgrade():
    # A complaint's audit events are append-only, so complaints cannot be removed to fit the
    # older schema: refuse rather than lose them.
    count = op.get_bind().scalar(
        sa.text("SELECT count(*) FROM data_request WHERE data_right = 'complaint'")
    )
    if count:
        raise RuntimeError(f"{count} complaint(s) stored: cannot downgrade without losing them")
    with op.batch_alter_table("data_request") as batch:
        batch.drop_constraint("ck_request_right", type_="check")
        batch.drop_index("ix_data_request_complaint_about_id")
        batch.drop_constraint("fk_request_complaint_about", type_="foreignkey")
        batch.drop_column("complaint_about_id")
        batch.create_check_constraint("ck_request_right", f"data_right IN ({RIGHTS})")
