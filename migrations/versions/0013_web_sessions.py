"""Server-side sessions: the cookie holds a random token, the session lives in this table

Revision ID: 0013_web_sessions
Revises: 0013_sign_in_failures
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_web_sessions"
down_revision = "0013_sign_in_failures"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "web_session",
        sa.Column("id", sa.String(length=64), primary_key=True),
        sa.Column("area", sa.String(length=10), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("area IN ('resident', 'staff')", name="ck_web_session_area"),
    )
    op.create_index("ix_web_session_expires_at", "web_session", ["expires_at"])


def downgrade():
    op.drop_index("ix_web_session_expires_at", table_name="web_session")
    op.drop_table("web_session")
