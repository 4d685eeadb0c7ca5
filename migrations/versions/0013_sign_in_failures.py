"""Staff sign-in failures counted per account and client (a hash of its address)

Revision ID: 0013_sign_in_failures
Revises: 0012_complaints
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_sign_in_failures"
down_revision = "0012_complaints"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sign_in_failure",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("staff_id", sa.Integer(), sa.ForeignKey("staff_user.id"), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("first_failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("staff_id", "client", name="uq_sign_in_failure_client"),
    )
    op.create_index("ix_sign_in_failure_staff_id", "sign_in_failure", ["staff_id"])


def downgrade():
    op.drop_index("ix_sign_in_failure_staff_id", table_name="sign_in_failure")
    op.drop_table("sign_in_failure")
