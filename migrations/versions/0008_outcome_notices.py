"""Outcome notices, Art 19 recipient tasks, and the reason and new due date of clock changes

Revision ID: 0008_outcome_notices
Revises: 0011_outbox_claim_order
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_outcome_notices"
down_revision = "0011_outbox_claim_order"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("clock_event") as batch:
        batch.add_column(sa.Column("due_after", sa.Date(), nullable=True))
        batch.add_column(sa.Column("reason", sa.Text(), nullable=True))
    op.create_table(
        "notice",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("request_id", sa.Integer(), sa.ForeignKey("data_request.id"), nullable=False),
        sa.Column("notice_key", sa.String(length=60), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("statement_pdf", sa.LargeBinary(), nullable=True),
        sa.Column("letter_pdf", sa.LargeBinary(), nullable=True),
        sa.Column("letter_status", sa.String(length=10), nullable=False),
        sa.Column("posted_on", sa.Date(), nullable=True),
        sa.Column("posted_by", sa.String(length=100), nullable=True),
        sa.Column("written_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_on", sa.Date(), nullable=True),
        sa.CheckConstraint("status IN ('draft', 'sent')", name="ck_notice_status"),
        sa.CheckConstraint(
            "letter_status IN ('none', 'queued', 'to_post', 'posted')",
            name="ck_notice_letter_status",
        ),
    )
    op.create_index("ix_notice_request_id", "notice", ["request_id"])
    op.create_table(
        "recipient_task",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("request_id", sa.Integer(), sa.ForeignKey("data_request.id"), nullable=False),
        sa.Column("notice_id", sa.Integer(), sa.ForeignKey("notice.id"), nullable=False),
        sa.Column("recipient", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("how", sa.Text(), nullable=True),
        sa.Column("done_by", sa.String(length=100), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.CheckConstraint("status IN ('open', 'done')", name="ck_recipient_task_status"),
    )
    op.create_index("ix_recipient_task_request_id", "recipient_task", ["request_id"])


def downgrade():
    op.drop_index("ix_recipient_task_request_id", table_name="recipient_task")
    op.drop_table("recipient_task")
    op.drop_index("ix_notice_request_id", table_name="notice")
    op.drop_table("notice")
    with op.batch_alter_table("clock_event") as batch:
        batch.drop_column("reason")
        batch.drop_column("due_after")
