"""Notify delivery receipts, the shared send budget and staff attention items

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_message") as batch:
        batch.add_column(sa.Column("status_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "send_budget",
        sa.Column("name", sa.String(length=64), primary_key=True),
        sa.Column("tokens", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "attention",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("request_id", sa.Integer(), sa.ForeignKey("data_request.id"), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("outbox_id", sa.Integer(), sa.ForeignKey("outbox_message.id"), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(length=100), nullable=True),
        sa.CheckConstraint(
            "kind IN ('message_failed', 'contact_failed')", name="ck_attention_kind"
        ),
    )
    op.create_index("ix_attention_request_id", "attention", ["request_id"])


def downgrade():
    op.drop_index("ix_attention_request_id", table_name="attention")
    op.drop_table("attention")
    op.drop_table("send_budget")
    with op.batch_alter_table("outbox_message") as batch:
        batch.drop_column("status_at")
