"""Migrations over a database that already holds data. SQLite rebuilds a table to alter it
(Alembic's batch mode); with foreign keys enforced, that must neither fail nor lose rows. The
audit trail stays append-only through every migration."""

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from portal import create_app
from portal.extensions import db
from tests.conftest import TEST_DATABASE_URL
from tests.factories import make_request

pytestmark = pytest.mark.skipif(
    bool(TEST_DATABASE_URL), reason="SQLite table rebuilds; PostgreSQL alters in place"
)

BEFORE_AUDIT_ACTORS = "0010_upload_purpose_length"  # the revision 0005_audit_actors follows
DANA = (
    "INSERT INTO staff_user (id, email, full_name, role, services, password_hash,"
    " totp_confirmed, active, failed_attempts, session_epoch, created_at, must_change_password)"
    " VALUES (7, 'dana@example.gov.uk', 'Dana Price', 'dpo', '[]', 'x', 1, 1, 0, 1,"
    " '2026-11-27 10:00:00', 0)"
)


def _app(tmp_path):
    return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.db'}"})


def _audit_is_append_only():
    for statement in ("UPDATE audit_event SET action = 'x'", "DELETE FROM audit_event"):
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()


def test_upgrading_keeps_rows_that_refer_to_a_rebuilt_table(tmp_path):
    app = _app(tmp_path)
    with app.app_context():
        # The rows are written at head (the factories use today's models), then the schema is
        # taken back to 0003 and upgraded again, with those rows in it.
        upgrade()
        db.session.execute(
            text(
                "INSERT INTO staff_user (id, email, full_name, role, services, password_hash,"
                " totp_confirmed, active, failed_attempts, session_epoch, created_at)"
                " VALUES (7, 'dana@example.gov.uk', 'Dana Price', 'dpo', '[]', 'x', 1, 1, 0, 1,"
                " '2026-11-27 10:00:00')"
            )
        )
        # Raw SQL: the models describe the newest schema, not revision 0003's.
        reference = "DR-AAAA-BBBB"
        db.session.execute(
            text(
                "INSERT INTO data_request (reference, submission_key, data_right,"
                " subject_relation, channel, state, received_at, received_date, legacy_regime,"
                " overdue, owner_team, answers, version, created_at)"
                " VALUES (:ref, 'k1', 'access', 'self', 'online', 'triage',"
                " '2026-11-25 10:00:00', '2026-11-25', 0, 0, 'dpo', '{}', 1,"
                " '2026-11-25 10:00:00')"
            ),
            {"ref": reference},
        )
        db.session.execute(text("UPDATE data_request SET assignee_id = 7"))
        db.session.commit()

        downgrade(revision="0003")
        upgrade()  # 0004 rebuilds staff_user, which data_request refers to

        row = db.session.execute(text("SELECT reference, assignee_id FROM data_request")).one()
        assert tuple(row) == (reference, 7)
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert db.session.execute(text("PRAGMA foreign_key_check")).all() == []
        must_change = db.session.execute(
            text("SELECT must_change_password FROM staff_user WHERE id = 7")
        ).scalar()
        assert must_change == 0  # existing accounts keep their own passwords

        downgrade(revision="0003")
        assert db.session.execute(text("SELECT count(*) FROM staff_user")).scalar() == 1
        db.session.remove()
        db.engine.dispose()


def test_the_evidence_and_pack_migration_goes_down_and_up_with_data(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'pack.db'}"})
    with app.app_context():
        upgrade()
        reference = make_request(db.session).reference
        db.session.execute(
            text(
                "INSERT INTO upload (request_id, purpose, filename, content_type, size, sha256,"
                " content, storage_key, created_at) VALUES (1, 'pack', 'p.pdf',"
                " 'application/pdf', 4, :h, NULL, 'abc', '2026-11-27 10:00:00')"
            ),
            {"h": "0" * 64},
        )
        db.session.commit()
        # Neither content nor a stored file: refused by the database itself.
        with pytest.raises(IntegrityError):
            db.session.execute(
                text(
                    "INSERT INTO upload (request_id, purpose, filename, content_type, size,"
                    " sha256, created_at) VALUES (1, 'pack', 'q.pdf', 'application/pdf', 4,"
                    " :h, '2026-11-27 10:00:00')"
                ),
                {"h": "1" * 64},
            )
        db.session.rollback()

        downgrade(revision="0007_notify_reliability")  # through 0010 and 0009
        assert db.session.execute(text("SELECT count(*) FROM upload")).scalar() == 0
        assert db.session.execute(text("SELECT reference FROM data_request")).scalar() == reference
        upgrade()
        assert db.session.execute(text("SELECT count(*) FROM evidence_file")).scalar() == 0
        assert db.session.execute(text("PRAGMA foreign_key_check")).all() == []
        db.session.remove()
        db.engine.dispose()


def test_audit_actors_become_keys_with_the_name_on_the_account(tmp_path):
    app = _app(tmp_path)
    with app.app_context():
        upgrade(revision=BEFORE_AUDIT_ACTORS)
        db.session.execute(text(DANA))
        labels = ["dpo:7", "requester", "GOV.UK Notify", "caseworker:99", "command line"]
        for label in labels:
            db.session.execute(
                text(
                    "INSERT INTO audit_event (actor, action, detail, created_at)"
                    " VALUES (:label, 'note', '{}', '2026-11-27 10:00:00')"
                ),
                {"label": label},
            )
        db.session.commit()

        upgrade()
        rows = db.session.execute(
            text(
                "SELECT actor_kind, actor_staff_id, actor_role, actor_name FROM audit_event"
                " ORDER BY id"
            )
        ).all()
        assert [tuple(r) for r in rows] == [
            ("staff", 7, "dpo", "Dana Price"),
            ("requester", None, None, "requester"),
            ("system", None, None, "GOV.UK Notify"),
            ("staff", None, "caseworker", "caseworker:99"),  # no such account: kept as it was
            ("system", None, None, "command line"),
        ]
        _audit_is_append_only()
        with pytest.raises(DBAPIError):  # a staff id must be a real account
            db.session.execute(
                text(
                    "INSERT INTO audit_event (actor_kind, actor_staff_id, actor_name, action,"
                    " detail, created_at) VALUES ('staff', 99, 'X', 'note', '{}', '2026-11-27')"
                )
            )
        db.session.rollback()

        downgrade(revision=BEFORE_AUDIT_ACTORS)
        actors = db.session.execute(text("SELECT actor FROM audit_event ORDER BY id")).scalars()
        assert list(actors) == labels
        _audit_is_append_only()
        db.session.remove()
        db.engine.dispose()


def test_tasks_learn_whether_their_request_is_open(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'tasks.db'}"})
    with app.app_context():
        upgrade(revision="0016_updated_index")
        ids = []
        for key in ("open", "closed"):
            ids.append(
                db.session.execute(
                    text(
                        "INSERT INTO data_request (reference, submission_key, data_right,"
                        " subject_relation, channel, state, received_at, received_date,"
                        " legacy_regime, overdue, owner_team, answers, created_at, version,"
                        " is_open) VALUES (:ref, :key, 'access', 'self', 'online', 'triage',"
                        " '2026-11-27 10:00:00', '2026-11-27', 0, 0, 'dpo', '{}',"
                        " '2026-11-27 10:00:00', 1, :open)"
                        " RETURNING id"
                    ),
                    {"ref": f"DR-{key.upper()}", "key": key, "open": key == "open"},
                ).scalar()
            )
        for request_id in ids:
            db.session.execute(
                text(
                    "INSERT INTO service_task (request_id, service, status, target_date)"
                    " VALUES (:id, 'housing', 'open', '2026-12-01')"
                ),
                {"id": request_id},
            )
        db.session.commit()
        upgrade()
        rows = db.session.execute(
            text("SELECT request_id, request_open FROM service_task ORDER BY request_id")
        ).all()
        assert [(r.request_id, bool(r.request_open)) for r in rows] == [
            (ids[0], True),
            (ids[1], False),
        ]
        db.session.remove()
        db.engine.dispose()
