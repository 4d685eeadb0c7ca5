"""Save and come back later: a draft's contact for coming back and its link's token hash

Revision ID: 0015_saved_drafts
Revises: 0014_queue_at_scale
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_saved_drafts"
down_revision = "0014_queue_at_scale"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("draft") as batch:
        batch.add_column(sa.Column("saved_channel", sa.String(5), nullable=True))
        batch.add_column(sa.Column("saved_contact", sa.String(320), nullable=True))
        batch.add_column(sa.Column("resume_token_hash", sa.String(64), nullable=True))
        batch.create_index("ix_draft_saved_contact", ["saved_contact"])
        batch.create_unique_constraint("uq_draft_resume_token_hash", ["resume_token_hash"])


def downgrade():
    with op.batch_alter_table("draft") as batch:
        batch.drop_constraint("uq_draft_resume_token_hash", type_="unique")
        batch.drop_index("ix_draft_saved_contact")
        batch.drop_column("resume_token_hash")
        batch.drop_column("saved_contact")
        batch.drop_column("saved_channel")
