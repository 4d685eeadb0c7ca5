"""Audit events name who acted by key, not by a label

A member of staff by id, with the name and role they had at the time; the requester; or a named
part of the system. Replaces the `actor` label ("dpo:2"), which read differently once the
person's role changed.

Revision ID: 0005_audit_actors
Revises: 0010_upload_purpose_length
"""

import re

import sqlalchemy as sa
from alembic import op

revision = "0005_audit_actors"
down_revision = "0010_upload_purpose_length"
branch_labels = None
depends_on = None

STAFF_LABEL = re.compile(r"^(dpo|caseworker|admin):(\d+)$")


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _allow_changes():
    """The audit trail is append-only; its triggers are lifted only while its columns change."""
    if _postgres():
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_change ON audit_event")
    else:
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS audit_event_no_{verb}")


def _refuse_changes():
    # The same triggers as 0001 (on SQLite a table rebuild drops them, so they are made again).
    if _postgres():
        op.execute(
            "CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event "
            "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_event_no_{verb.lower()} BEFORE {verb} ON audit_event "
                "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END"
            )


def actor_columns(label: str, staff: dict[int, str]) -> dict:
    """The new columns for an old label. A member of staff gets the name on their account now:
    the name they had when they acted was not kept. A label naming no account stays as it was."""
    if label == "requester":
        return {"kind": "requester", "staff_id": None, "role": None, "name": "requester"}
    match = STAFF_LABEL.match(label)
    if match:
        role, staff_id = match.group(1), int(match.group(2))
        if staff_id in staff:
            return {"kind": "staff", "staff_id": staff_id, "role": role, "name": staff[staff_id]}
        return {"kind": "staff", "staff_id": None, "role": role, "name": label}
    return {"kind": "system", "staff_id": None, "role": None, "name": label}


def upgrade():
    _allow_changes()
    with op.batch_alter_table("audit_event") as batch:
        batch.add_column(sa.Column("actor_kind", sa.String(length=10), nullable=True))
        batch.add_column(sa.Column("actor_staff_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("actor_role", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("actor_name", sa.String(length=200), nullable=True))

    bind = op.get_bind()
    staff = dict(bind.execute(sa.text("SELECT id, full_name FROM staff_user")).all())
    labels = bind.execute(sa.text("SELECT DISTINCT actor FROM audit_event")).scalars().all()
    for label in labels:
        bind.execute(
            sa.text(
                "UPDATE audit_event SET actor_kind = :kind, actor_staff_id = :staff_id,"
                " actor_role = :role, actor_name = :name WHERE actor = :label"
            ),
            {**actor_columns(label, staff), "label": label},
        )

    with op.batch_alter_table("audit_event") as batch:
        batch.alter_column("actor_kind", existing_type=sa.String(length=10), nullable=False)
        batch.alter_column("actor_name", existing_type=sa.String(length=200), nullable=False)
        batch.create_foreign_key(
            "fk_audit_event_actor_staff", "staff_user", ["actor_staff_id"], ["id"]
        )
        batch.create_index("ix_audit_event_actor_staff_id", ["actor_staff_id"])
        batch.create_check_constraint(
            "ck_audit_actor_kind", "actor_kind IN ('staff', 'requester', 'system')"
        )
        batch.create_check_constraint(
            "ck_audit_actor_staff", "actor_staff_id IS NULL OR actor_kind = 'staff'"
        )
        batch.drop_column("actor")
    _refuse_changes()


def downgrade():
    _allow_changes()
    with op.batch_alter_table("audit_event") as batch:
        batch.add_column(sa.Column("actor", sa.String(length=100), nullable=True))
    op.execute(
        "UPDATE audit_event SET actor = CASE"
        " WHEN actor_staff_id IS NOT NULL"
        " THEN actor_role || ':' || CAST(actor_staff_id AS VARCHAR(20))"
        " ELSE SUBSTR(actor_name, 1, 100) END"
    )
    with op.batch_alter_table("audit_event") as batch:
        batch.alter_column("actor", existing_type=sa.String(length=100), nullable=False)
        batch.drop_constraint("ck_audit_actor_staff", type_="check")
        batch.drop_constraint("ck_audit_actor_kind", type_="check")
        batch.drop_index("ix_audit_event_actor_staff_id")
        batch.drop_constraint("fk_audit_event_actor_staff", type_="foreignkey")
        batch.drop_column("actor_name")
        batch.drop_column("actor_role")
        batch.drop_column("actor_staff_id")
        batch.drop_column("actor_kind")
    _refuse_changes()
