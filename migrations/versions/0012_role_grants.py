"""Separation of duties: access to request content given by an administrator waits for a DPO

Revision ID: 0012_role_grants
Revises: 0008_outcome_notices
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_role_grants"
down_revision = "0008_outcome_notices"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("staff_user") as batch:
        batch.add_column(
            sa.Column(
                "awaiting_approval", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    op.create_table(
        "role_grant",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("staff_id", sa.Integer(), sa.ForeignKey("staff_user.id"), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("services", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), sa.ForeignKey("staff_user.id"), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), sa.ForeignKey("staff_user.id"), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'rejected', 'replaced')",
            name="ck_role_grant_status",
        ),
        sa.CheckConstraint("role IN ('dpo', 'caseworker', 'admin')", name="ck_role_grant_role"),
    )
    op.create_index("ix_role_grant_staff_id", "role_grant", ["staff_id"])


def downgrade():
    op.drop_index("ix_role_grant_staff_id", table_name="role_grant")
    op.drop_table("role_grant")
    with op.batch_alter_table("staff_user") as batch:
        batch.drop_column("awaiting_approval")
