"""An upload's purpose holds every purpose allowed: 'parental_responsibility' is 23 characters
and the column held 20, which SQLite does not enforce and PostgreSQL does

Revision ID: 0006_schema_drift
Revises: 0009_evidence_and_pack
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_schema_drift"
down_revision = "0009_evidence_and_pack"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("upload") as batch:
        batch.alter_column(
            "purpose", existing_type=sa.String(length=20), type_=sa.String(length=40)
        )


def downgrade():
    # 20 characters cannot hold this purpose; the migration before this one removes these
    # uploads on its own way down too.
    op.execute("DELETE FROM upload WHERE purpose = 'parental_responsibility'")
    with op.batch_alter_table("upload") as batch:
        batch.alter_column(
            "purpose", existing_type=sa.String(length=40), type_=sa.String(length=20)
        )
