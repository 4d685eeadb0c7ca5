"""The audit trail becomes a hash chain, its personal details a separate part, and on
PostgreSQL the app's database role may only read and append to it

Existing events are chained in the order they were written (by id); their details under the
keys that hold free text, file names or recipients move to the personal part. On PostgreSQL
the role named by DATABASE_APP_ROLE (default portal_app; made, without a login, when
missing) gets what the web and worker processes need, and on audit_event and audit_checkpoint
only SELECT and INSERT: it cannot UPDATE, DELETE or TRUNCATE them, and as it does not own
them it cannot ALTER them or disable their triggers. Migrations keep running as the owner.

Revision ID: 0012_audit_chain
Revises: 0013_web_sessions
"""

import json
import re
import secrets

import sqlalchemy as sa
from alembic import op
from flask import current_app

from portal.domain.audit import GENESIS, event_hash, personal_hash

revision = "0012_audit_chain"
down_revision = "0013_web_sessions"
branch_labels = None
depends_on = None

# Details of earlier events that are personal (free text, file names, recipients).
PERSONAL_KEYS = ("note", "how", "reason", "file", "files", "recipient", "question", "answer")
APPEND_ONLY = ("audit_event", "audit_checkpoint")
ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _drop_triggers(table):
    if _postgres():
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_change ON {table}")
    else:
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")


def _refuse_changes(table):
    if _postgres():
        op.execute(
            f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table.replace('_', ' ')} rows are append-only'); END"
            )


def app_role() -> str:
    role = current_app.config.get("DATABASE_APP_ROLE") or "portal_app"
    if not ROLE_NAME.match(role):
        raise RuntimeError(f"DATABASE_APP_ROLE must be a lower-case SQL name, not {role!r}")
    return role


def grant_app_role(role: str) -> None:
    """What the web and worker processes may do, as `role`: everything they need on every
    table, only reading and appending on the audit trail."""
    op.execute(
        f"""
        DO $$ BEGIN
          IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN
            CREATE ROLE "{role}" NOLOGIN;
          END IF;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
        END $$
        """
    )
    op.execute(f'GRANT USAGE ON SCHEMA public TO "{role}"')
    op.execute(f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"')
    op.execute(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{role}"')
    # Tables later migrations make (as this owner) are the app's too...
    op.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public "
        f'GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "{role}"'
    )
    op.execute(
        f'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO "{role}"'
    )
    # ...but the schema's history and the audit trail are not.
    op.execute(f'REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON alembic_version FROM "{role}", PUBLIC')
    for table in APPEND_ONLY:
        op.execute(f'REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM "{role}", PUBLIC')
    op.execute(f'REVOKE UPDATE, TRUNCATE ON audit_personal, audit_chain_head FROM "{role}"')
    op.execute(f'GRANT UPDATE (count, hash, last_at) ON audit_chain_head TO "{role}"')


def _chain_existing_events(bind) -> tuple[int, str, object]:
    events = sa.table(
        "audit_event",
        sa.column("id"),
        sa.column("request_id"),
        sa.column("actor_kind"),
        sa.column("actor_staff_id"),
        sa.column("actor_role"),
        sa.column("actor_name"),
        sa.column("action"),
        sa.column("from_state"),
        sa.column("to_state"),
        sa.column("detail", sa.JSON),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("seq"),
        sa.column("personal_sha256"),
        sa.column("prev_hash"),
        sa.column("hash"),
    )
    personal = sa.table(
        "audit_personal", sa.column("event_id"), sa.column("salt"), sa.column("content", sa.JSON)
    )
    rows = bind.execute(sa.select(events).order_by(events.c.id)).mappings().all()
    prev, seq, last_at = GENESIS, 0, None
    for row in rows:
        seq += 1
        detail = dict(row["detail"] or {})
        if isinstance(row["detail"], str):
            detail = json.loads(row["detail"])
        moved = {k: detail.pop(k) for k in PERSONAL_KEYS if k in detail}
        columns = {**row, "seq": seq, "detail": detail, "personal_sha256": None}
        if moved:
            salt = secrets.token_hex(16)
            columns["personal_sha256"] = personal_hash(salt, moved)
            bind.execute(sa.insert(personal).values(event_id=row["id"], salt=salt, content=moved))
        created = row["created_at"]
        if last_at is not None and created < last_at:
            created = last_at
        columns["created_at"] = created
        digest = event_hash(prev, columns)
        bind.execute(
            sa.update(events)
            .where(events.c.id == row["id"])
            .values(
                seq=seq,
                detail=detail,
                created_at=created,
                personal_sha256=columns["personal_sha256"],
                prev_hash=prev,
                hash=digest,
            )
        )
        prev, last_at = digest, created
    return seq, prev, last_at


def upgrade():
    op.create_table(
        "audit_personal",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("salt", sa.String(length=32), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["audit_event.id"]),
        sa.PrimaryKeyConstraint("event_id"),
    )
    op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("id = 1", name="ck_audit_chain_head_one_row"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "audit_checkpoint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("problem", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    _refuse_changes("audit_checkpoint")

    _drop_triggers("audit_event")
    with op.batch_alter_table("audit_event") as batch_op:
        batch_op.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("personal_sha256", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    bind = op.get_bind()
    count, head, last_at = _chain_existing_events(bind)
    with op.batch_alter_table("audit_event") as batch_op:
        batch_op.alter_column("seq", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint("uq_audit_event_seq", ["seq"])
        batch_op.create_unique_constraint("uq_audit_event_hash", ["hash"])
    _refuse_changes("audit_event")
    chain_head = sa.table(
        "audit_chain_head",
        sa.column("id"),
        sa.column("count"),
        sa.column("hash"),
        sa.column("last_at", sa.DateTime(timezone=True)),
    )
    bind.execute(sa.insert(chain_head).values(id=1, count=count, hash=head, last_at=last_at))
    if _postgres():
        grant_app_role(app_role())


def downgrade():
    if _postgres():
        role = app_role()
        op.execute(
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA public "
            f'REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM "{role}"'
        )
        op.execute(
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA public "
            f'REVOKE USAGE, SELECT ON SEQUENCES FROM "{role}"'
        )
        op.execute(f'REVOKE ALL ON ALL TABLES IN SCHEMA public FROM "{role}"')
        op.execute(f'REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM "{role}"')
    _drop_triggers("audit_event")
    bind = op.get_bind()
    # Personal details go back into the events' detail, as before the chain.
    parts = bind.execute(sa.text("SELECT event_id, content FROM audit_personal")).all()
    events = sa.table("audit_event", sa.column("id"), sa.column("detail", sa.JSON))
    for event_id, content in parts:
        detail = bind.execute(sa.select(events.c.detail).where(events.c.id == event_id)).scalar()
        if isinstance(content, str):
            content = json.loads(content)
        bind.execute(
            sa.update(events)
            .where(events.c.id == event_id)
            .values(detail={**(detail or {}), **content})
        )
    with op.batch_alter_table("audit_event") as batch_op:
        batch_op.drop_constraint("uq_audit_event_hash", type_="unique")
        batch_op.drop_constraint("uq_audit_event_seq", type_="unique")
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
        batch_op.drop_column("personal_sha256")
        batch_op.drop_column("seq")
    _refuse_changes("audit_event")
    _drop_triggers("audit_checkpoint")
    op.drop_table("audit_checkpoint")
    op.drop_table("audit_chain_head")
    op.drop_table("audit_personal")
