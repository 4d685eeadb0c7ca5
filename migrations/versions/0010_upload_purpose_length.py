"""Room for the 'parental_responsibility' upload purpose (23 characters; the column held 20)

Revision ID: 0010_upload_purpose_length
Revises: 0009_evidence_and_pack
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_upload_purpose_length"
down_revision = "0009_evidence_and_pack"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("upload") as batch:
        batch.alter_column(
            "purpose", existing_type=sa.String(length=20), type_=sa.String(length=30)
        )


def downgrade():
    op.execute("DELETE FROM upload WHERE purpose = 'parental_responsibility'")
    with op.batch_alter_table("upload") as batch:
        batch.alter_column(
            "purpose", existing_type=sa.String(length=30), type_=sa.String(length=20)
        )
