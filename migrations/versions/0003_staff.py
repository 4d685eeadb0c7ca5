"""Staff accounts, assignees, identity checks and response uploads

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "staff_user",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("email", sa.String(length=320), nullable=False, unique=True),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("services", sa.JSON(), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("totp_secret", sa.String(length=64), nullable=True),
        sa.Column("totp_confirmed", sa.Boolean(), nullable=False),
        sa.Column("last_totp_step", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("session_epoch", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_sign_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("role IN ('dpo', 'caseworker', 'admin')", name="ck_staff_role"),
    )
    with op.batch_alter_table("data_request") as batch:
        batch.add_column(
            sa.Column("identity_checked_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch.create_foreign_key(
            "fk_request_assignee", "staff_user", ["assignee_id"], ["id"]
        )
    with op.batch_alter_table("upload") as batch:
        batch.drop_constraint("ck_upload_purpose", type_="check")
        batch.create_check_constraint(
            "ck_upload_purpose", "purpose IN ('authority', 'supporting', 'response')"
        )


def downgrade():
    with op.batch_alter_table("upload") as batch:
        batch.drop_constraint("ck_upload_purpose", type_="check")
        batch.create_check_constraint(
            "ck_upload_purpose", "purpose IN ('authority', 'supporting')"
        )
    with op.batch_alter_table("data_request") as batch:
        batch.drop_constraint("fk_request_assignee", type_="foreignkey")
        batch.drop_column("identity_checked_at")
    op.drop_table("staff_user")
