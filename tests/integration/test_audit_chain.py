"""The audit trail is a hash chain: `flask --app portal audit verify` finds an edited, deleted,
inserted back-dated or re-ordered event, and a cut-off tail or a rewritten chain against a head
recorded earlier. The tampering is done as an attacker with the owner's access would: with the
append-only triggers lifted (SQLite: dropped; PostgreSQL: disabled by the owner). On
PostgreSQL the app itself runs as a role that cannot do any of it."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from portal.domain.audit import (
    GENESIS,
    daily_check,
    event_hash,
    record_event,
    remove_personal,
    verify_chain,
)
from portal.domain.casework import add_note
from portal.extensions import db
from portal.models import (
    AuditActor,
    AuditCheckpoint,
    AuditEvent,
    AuditPersonal,
    OutboxMessage,
)
from tests.conftest import TEST_DATABASE_URL
from tests.factories import DPO, context, make_request

ON_POSTGRES = bool(TEST_DATABASE_URL)


@pytest.fixture
def trail(session):
    """A request with a few events: submitted, then three notes by the DPO."""
    request = make_request(session)
    for n in range(3):
        add_note(context(session), request, DPO, f"Note {n}: spoke to Sam Taylor")
    assert session.scalar(select(func.count(AuditEvent.id))) == 4
    return request


def verify(app, *args):
    result = app.test_cli_runner().invoke(args=["audit", "verify", *args])
    return result.exit_code, result.output.strip()


def tamper(owner_url, *statements):
    """Run SQL as the database's owner, with the audit trail's triggers out of the way."""
    engine = create_engine(owner_url)
    with engine.begin() as conn:
        if ON_POSTGRES:
            conn.execute(text("ALTER TABLE audit_event DISABLE TRIGGER USER"))
        else:
            for verb in ("update", "delete"):
                conn.execute(text(f"DROP TRIGGER IF EXISTS audit_event_no_{verb}"))
        for statement in statements:
            conn.execute(text(statement) if isinstance(statement, str) else statement)
        if ON_POSTGRES:
            conn.execute(text("ALTER TABLE audit_event ENABLE TRIGGER USER"))
    engine.dispose()


def events(owner_url):
    engine = create_engine(owner_url)
    table = AuditEvent.__table__
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(select(table).order_by(table.c.seq))]
    engine.dispose()
    return rows


def test_an_untouched_chain_verifies_and_says_how_many_events_it_checked(app, trail):
    code, out = verify(app)
    assert code == 0
    head = db.session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == 4))
    assert out == f"audit chain verified: 4 event(s), head 4 {head}"


def test_every_event_links_to_the_one_before(session, trail):
    chain = session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
    assert [e.seq for e in chain] == [1, 2, 3, 4]
    assert chain[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(chain, chain[1:], strict=False))


def test_personal_details_are_apart_and_can_be_removed_without_breaking_the_chain(
    app, session, trail
):
    note = session.scalar(select(AuditEvent).where(AuditEvent.action == "note"))
    assert note.public_detail == {}
    assert note.detail == {"note": "Note 0: spoke to Sam Taylor"}
    remove_personal(session, [note.id])
    session.commit()
    session.expire_all()
    note = session.get(AuditEvent, note.id)
    assert note.detail == {} and note.personal_removed
    assert verify(app)[0] == 0


def test_an_edited_event_is_named(app, trail, owner_database_url):
    tamper(owner_database_url, "UPDATE audit_event SET actor_name = 'Someone Else' WHERE seq = 2")
    code, out = verify(app)
    assert code == 1
    assert "event 2 (id 2) does not match its hash: its content was changed" in out
    assert "after 1 good event(s)" in out


def test_edited_personal_details_are_named(app, trail, owner_database_url):
    tamper(
        owner_database_url,
        'UPDATE audit_personal SET content = \'{"note": "nothing to see"}\' WHERE event_id = 3',
    )
    code, out = verify(app)
    assert code == 1 and "event 3 (id 3): its personal details do not match their hash" in out


def test_a_deleted_event_is_named(app, trail, owner_database_url):
    tamper(
        owner_database_url,
        "DELETE FROM audit_personal WHERE event_id = 2",
        "DELETE FROM audit_event WHERE seq = 2",
    )
    code, out = verify(app)
    assert code == 1 and "event 3 (id 3) follows event 1: event 2 is missing" in out


def test_a_deleted_event_with_the_rest_renumbered_is_caught_by_the_links(
    app, trail, owner_database_url
):
    tamper(
        owner_database_url,
        "DELETE FROM audit_personal WHERE event_id = 2",
        "DELETE FROM audit_event WHERE seq = 2",
        "UPDATE audit_event SET seq = seq - 1 WHERE seq > 2",
    )
    code, out = verify(app)
    assert code == 1 and "event 2 (id 3) does not link to the event before it" in out


def test_an_inserted_back_dated_event_is_caught_even_when_its_hash_is_right(
    app, session, trail, owner_database_url
):
    """A forged note dated last week, appended with a correctly computed hash: its place in
    time gives it away."""
    last = events(owner_database_url)[-1]
    forged = {
        **{k: last[k] for k in ("request_id", "actor_kind", "actor_staff_id", "actor_role")},
        "actor_name": "Dana Price",
        "action": "assign",
        "from_state": last["from_state"],
        "to_state": last["to_state"],
        "detail": {"before": None, "after": "Dana Price"},
        "personal_sha256": None,
        "created_at": datetime.now(UTC) - timedelta(days=7),
        "seq": 5,
    }
    digest = event_hash(last["hash"], forged)
    table = AuditEvent.__table__
    tamper(
        owner_database_url,
        table.insert().values(
            **{k: v for k, v in forged.items()}, prev_hash=last["hash"], hash=digest
        ),
    )
    code, out = verify(app)
    assert code == 1 and "event 5 (id 5) is dated before the event before it: back-dated" in out


def test_an_inserted_event_with_a_made_up_hash_is_named(app, trail, owner_database_url):
    last = events(owner_database_url)[-1]
    tamper(
        owner_database_url,
        text(
            "INSERT INTO audit_event (request_id, actor_kind, actor_name, action, detail,"
            " created_at, seq, prev_hash, hash)"
            " VALUES (:r, 'system', 'system', 'note', '{}', :at, 5, :prev, :hash)"
        ).bindparams(r=last["request_id"], at=datetime.now(UTC), prev=last["hash"], hash="f" * 64),
    )
    code, out = verify(app)
    assert code == 1 and "event 5 (id 5) does not match its hash" in out


def test_a_reordered_pair_is_named(app, trail, owner_database_url):
    tamper(
        owner_database_url,
        "UPDATE audit_event SET seq = 100 WHERE seq = 2",
        "UPDATE audit_event SET seq = 2 WHERE seq = 3",
        "UPDATE audit_event SET seq = 3 WHERE seq = 100",
    )
    code, out = verify(app)
    assert code == 1 and "event 2 (id 3) does not link to the event before it" in out


def test_a_cut_off_tail_is_caught_by_the_head_and_by_a_recorded_head(
    app, session, trail, owner_database_url
):
    daily_check(context(session))  # the worker's check records the head: 4 events
    chain = events(owner_database_url)
    tamper(owner_database_url, "DELETE FROM audit_personal WHERE event_id = 4")
    tamper(owner_database_url, "DELETE FROM audit_event WHERE seq = 4")
    code, out = verify(app)
    assert code == 1 and "event 4 is missing: the chain ends at event 3, but holds 4" in out
    # A careful attacker also moves the chain's head back and removes the checkpoints...
    tamper(
        owner_database_url,
        text("UPDATE audit_chain_head SET count = 3, hash = :h").bindparams(h=chain[2]["hash"]),
        "DROP TRIGGER IF EXISTS audit_checkpoint_no_delete"
        if not ON_POSTGRES
        else "ALTER TABLE audit_checkpoint DISABLE TRIGGER USER",
        "DELETE FROM audit_checkpoint",
    )
    assert verify(app)[0] == 0
    # ...but the head in the worker's log (or anyone's note of it) still catches it.
    code, out = verify(app, "--head", f"4:{chain[3]['hash']}")
    assert code == 1 and "event 4 is missing" in out and "recorded on the command line" in out


def test_a_whole_chain_rewritten_consistently_is_caught_against_an_earlier_head(
    app, session, trail, owner_database_url
):
    daily_check(context(session))
    chain = events(owner_database_url)
    chain[1]["actor_name"] = "Someone Else"
    prev, statements = GENESIS, []
    for row in chain:
        row["prev_hash"] = prev
        row["hash"] = prev = event_hash(prev, row)
        statements.append(
            text(
                "UPDATE audit_event SET actor_name = :n, prev_hash = :p, hash = :h WHERE id = :i"
            ).bindparams(n=row["actor_name"], p=row["prev_hash"], h=row["hash"], i=row["id"])
        )
    # Hashes are unique: move them out of the way first.
    tamper(
        owner_database_url,
        "UPDATE audit_event SET hash = 'x' || id",
        *statements,
        text("UPDATE audit_chain_head SET hash = :h").bindparams(h=prev),
    )
    code, out = verify(app)
    assert code == 1
    assert "event 4 does not match the head recorded on" in out and "rewritten" in out


def test_the_daily_check_records_the_head_once_a_day(session, trail):
    day = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    first = daily_check(context(session, day))
    assert first.ok and first.head_count == 4
    assert daily_check(context(session, day + timedelta(hours=5))) is None
    add_note(context(session), trail, DPO, "Another note")
    second = daily_check(context(session, day + timedelta(days=1)))
    assert second.ok and second.head_count == 5
    heads = session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id)).all()
    assert [(c.count, c.hash) for c in heads] == [
        (4, first.head_hash),
        (5, second.head_hash),
    ]


def test_a_failed_daily_check_alerts_the_dpo(app, session, trail, owner_database_url):
    tamper(owner_database_url, "UPDATE audit_event SET action = 'x' WHERE seq = 3")
    result = daily_check(context(session))
    assert not result.ok
    alert = session.scalar(
        select(OutboxMessage).where(OutboxMessage.message_key == "staff_audit_failed")
    )
    assert alert is not None and "event 3" in alert.personalisation["problem"]
    assert (
        alert.recipient
        == app.extensions["workflow"].routing.team_emails[
            app.extensions["workflow"].routing.triage_team
        ]
    )
    checkpoint = session.scalar(select(AuditCheckpoint))
    assert not checkpoint.ok and "event 3" in checkpoint.problem


def test_the_worker_check_command_logs_the_head(app, trail):
    result = app.test_cli_runner().invoke(args=["audit", "check"])
    assert result.exit_code == 0
    head = db.session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == 4))
    assert f"chain head 4 event(s), {head}" in result.output


def test_an_event_added_around_record_event_is_refused(session, trail):
    session.add(AuditEvent(actor=AuditActor.system("x"), action="note", public_detail={}))
    with pytest.raises(RuntimeError, match="record_event only"):
        session.flush()
    session.rollback()


def test_a_bad_head_on_the_command_line_is_refused(app, trail):
    code, out = verify(app, "--head", "four:abc")
    assert code == 2 and "COUNT:HASH" in out


def test_concurrent_appends_from_many_connections_make_one_chain(app, session, trail):
    """Several processes' worth of connections appending at once (PostgreSQL: the head's row
    lock orders them; SQLite: one writer at a time)."""
    engine = db.engine
    errors = []

    def append(n):
        try:
            for i in range(5):
                with Session(engine) as own:
                    for _attempt in range(50):
                        try:
                            record_event(own, None, AuditActor.system(f"w{n}"), "probe", {"i": i})
                            own.commit()
                            break
                        except DBAPIError:  # SQLite: database is locked; try again
                            own.rollback()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=append, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert session.scalar(select(func.count(AuditEvent.id))) == 4 + 20
    result = verify_chain(session)
    assert result.ok and result.checked == 24


@pytest.mark.skipif(not ON_POSTGRES, reason="database roles are PostgreSQL's")
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_event SET actor_name = 'x'",
        "DELETE FROM audit_event",
        "TRUNCATE audit_event CASCADE",
        "ALTER TABLE audit_event DISABLE TRIGGER USER",
        "ALTER TABLE audit_event DISABLE TRIGGER ALL",
        "DROP TRIGGER audit_event_no_change ON audit_event",
        "UPDATE audit_checkpoint SET ok = true",
        "DELETE FROM audit_checkpoint",
        "UPDATE audit_personal SET content = '{}'",
        "SET session_replication_role = replica",
    ],
)
def test_the_apps_database_role_cannot_change_the_trail(session, trail, statement):
    assert session.execute(text("SELECT current_user")).scalar().endswith("_app")
    with pytest.raises(DBAPIError, match="permission denied|must be owner"):
        session.execute(text(statement))
    session.rollback()
    assert verify_chain(session).ok


@pytest.mark.skipif(not ON_POSTGRES, reason="database roles are PostgreSQL's")
def test_the_apps_database_role_can_append_and_remove_personal_details(session, trail):
    assert session.scalar(select(func.count(AuditPersonal.event_id))) == 3
    remove_personal(session, session.scalars(select(AuditPersonal.event_id)).all())
    session.commit()
    assert session.scalar(select(func.count(AuditPersonal.event_id))) == 0
    assert verify_chain(session).ok
