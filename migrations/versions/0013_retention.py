"""Retention: the day a request closed, when retention anonymised it, and a legal hold

Requests already in a final state get the London date of the audit event that took them there.

Revision ID: 0013_retention
Revises: 0012_audit_chain
"""

from datetime import UTC

import sqlalchemy as sa
from alembic import op
from flask import current_app

from portal.deadlines.calendar import received_date

revision = "0013_retention"
down_revision = "0012_audit_chain"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("data_request") as batch_op:
        batch_op.add_column(sa.Column("closed_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("anonymised_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("legal_hold_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("legal_hold_by", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("legal_hold_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_data_request_closed_on", ["closed_on"], unique=False)
    definition = current_app.extensions.get("workflow")
    if definition is None:
        return
    final = [name for name, state in definition.states.items() if state.final]
    requests = sa.table("data_request", sa.column("id"), sa.column("state"), sa.column("closed_on"))
    events = sa.table(
        "audit_event",
        sa.column("request_id"),
        sa.column("to_state"),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    bind = op.get_bind()
    closed = bind.execute(
        sa.select(requests.c.id, requests.c.state).where(requests.c.state.in_(final))
    ).all()
    for request_id, state in closed:
        at = bind.execute(
            sa.select(sa.func.max(events.c.created_at)).where(
                events.c.request_id == request_id, events.c.to_state == state
            )
        ).scalar()
        if at is not None:
            at = at if at.tzinfo else at.replace(tzinfo=UTC)  # SQLite: naive, stored as UTC
            bind.execute(
                sa.update(requests)
                .where(requests.c.id == request_id)
                .values(closed_on=received_date(at))
            )


def downgrade():
    with op.batch_alter_table("data_request") as batch_op:
        batch_op.drop_index("ix_data_request_closed_on")
        batch_op.drop_column("legal_hold_at")
        batch_op.drop_column("legal_hold_by")
        batch_op.drop_column("legal_hold_reason")
        batch_op.drop_column("anonymised_at")
        batch_op.drop_column("closed_on")
