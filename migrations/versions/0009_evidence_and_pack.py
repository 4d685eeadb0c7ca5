"""Evidence sent from the tracking page, and the disclosure pack with its delivery window

Revision ID: 0009_evidence_and_pack
Revises: 0007_notify_reliability
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_evidence_and_pack"
down_revision = "0007_notify_reliability"
branch_labels = None
depends_on = None

OLD_PURPOSES = "purpose IN ('authority', 'supporting', 'response')"
NEW_PURPOSES = (
    "purpose IN ('authority', 'supporting', 'response', 'evidence', 'pack', "
    "'parental_responsibility')"
)


def upgrade():
    with op.batch_alter_table("upload") as batch:
        batch.alter_column("content", existing_type=sa.LargeBinary(), nullable=True)
        batch.add_column(sa.Column("storage_key", sa.String(length=100), nullable=True))
        batch.create_unique_constraint("uq_upload_storage_key", ["storage_key"])
        batch.drop_constraint("ck_upload_purpose", type_="check")
        batch.create_check_constraint("ck_upload_purpose", NEW_PURPOSES)
        batch.create_check_constraint(
            "ck_upload_stored", "content IS NOT NULL OR storage_key IS NOT NULL"
        )

    op.create_table(
        "evidence_submission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("submission_key", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_date", sa.Date(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('identity', 'authority', 'parental_responsibility', 'answer')",
            name="ck_evidence_kind",
        ),
        sa.ForeignKeyConstraint(["request_id"], ["data_request.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("submission_key"),
    )
    op.create_index(
        "ix_evidence_submission_request_id", "evidence_submission", ["request_id"], unique=False
    )
    op.create_table(
        "evidence_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("upload_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('submitted', 'accepted', 'rejected')", name="ck_evidence_status"
        ),
        sa.ForeignKeyConstraint(["submission_id"], ["evidence_submission.id"]),
        sa.ForeignKeyConstraint(["upload_id"], ["upload.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("upload_id"),
    )
    op.create_index(
        "ix_evidence_file_submission_id", "evidence_file", ["submission_id"], unique=False
    )
    op.create_table(
        "disclosure_pack",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("checklist", sa.JSON(), nullable=True),
        sa.Column("assembled_by", sa.JSON(), nullable=False),
        sa.Column("signed_off_by", sa.String(length=100), nullable=True),
        sa.Column("signed_off_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=True),
        sa.Column("delivery_opened_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["request_id"], ["data_request.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("request_id"),
    )
    op.create_table(
        "pack_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pack_id", sa.Integer(), nullable=False),
        sa.Column("upload_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["pack_id"], ["disclosure_pack.id"]),
        sa.ForeignKeyConstraint(["upload_id"], ["upload.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("upload_id"),
    )
    op.create_index("ix_pack_file_pack_id", "pack_file", ["pack_id"], unique=False)


def downgrade():
    op.drop_index("ix_pack_file_pack_id", table_name="pack_file")
    op.drop_table("pack_file")
    op.drop_table("disclosure_pack")
    op.drop_index("ix_evidence_file_submission_id", table_name="evidence_file")
    op.drop_table("evidence_file")
    op.drop_index("ix_evidence_submission_request_id", table_name="evidence_submission")
    op.drop_table("evidence_submission")
    op.execute(
        "DELETE FROM upload WHERE purpose IN ('evidence', 'pack', 'parental_responsibility')"
    )
    with op.batch_alter_table("upload") as batch:
        batch.drop_constraint("ck_upload_stored", type_="check")
        batch.drop_constraint("ck_upload_purpose", type_="check")
        batch.create_check_constraint("ck_upload_purpose", OLD_PURPOSES)
        batch.drop_constraint("uq_upload_storage_key", type_="unique")
        batch.drop_column("storage_key")
        batch.alter_column("content", existing_type=sa.LargeBinary(), nullable=False)
