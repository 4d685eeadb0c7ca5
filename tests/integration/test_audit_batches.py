"""Appending to the audit chain a batch at a time (the sweep's overdue entries): one take of the
chain's head per batch, the same verifiable chain as appending one at a time, and lock order
that keeps the sweep out of deadlocks with staff on PostgreSQL."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, event, func, select, update
from sqlalchemy.orm import Session

from portal.deadlines.calendar import now_utc, received_date
from portal.domain.audit import Entry, record_event, record_events, verify_chain
from portal.domain.sweep import sweep
from portal.extensions import db
from portal.models import AuditActor, AuditChainHead, AuditEvent, DataRequest
from tests.conftest import TEST_DATABASE_URL
from tests.factories import context, make_request

SWEEPER = AuditActor.system("system")


def _long_ago(days: int) -> datetime:
    return datetime.combine(received_date(now_utc()), datetime.min.time(), tzinfo=UTC) - timedelta(
        days=days
    )


def _entry(request, n):
    return Entry(request.id, SWEEPER, "probe", {"n": n}, request.state, request.state)


def test_a_batch_appends_in_order_and_the_chain_verifies(session):
    request = make_request(session)
    before = session.scalar(select(AuditChainHead.count))
    # Mixed in one transaction: one, a batch, one again.
    record_event(session, request, SWEEPER, "probe", {"n": 0})
    assert record_events(session, [_entry(request, n) for n in (1, 2, 3)]) == 3
    record_event(session, request, SWEEPER, "probe", {"n": 4})
    session.commit()
    probes = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "probe").order_by(AuditEvent.seq)
    ).all()
    assert [p.public_detail["n"] for p in probes] == [0, 1, 2, 3, 4]
    assert [p.seq for p in probes] == list(range(before + 1, before + 6))
    assert all(b.prev_hash == a.hash for a, b in zip(probes, probes[1:], strict=False))
    result = verify_chain(session)
    assert result.ok and result.checked == before + 5
    assert session.scalar(select(AuditChainHead.hash)) == probes[-1].hash


def test_an_empty_batch_takes_nothing(session):
    make_request(session)
    head = session.execute(select(AuditChainHead.count, AuditChainHead.hash)).one()
    assert record_events(session, []) == 0
    session.commit()
    assert session.execute(select(AuditChainHead.count, AuditChainHead.hash)).one() == head


def test_a_changed_batch_entry_is_caught(session, owner_database_url):
    request = make_request(session)
    record_events(session, [_entry(request, n) for n in range(3)])
    session.commit()
    from tests.integration.test_audit_chain import tamper

    table = AuditEvent.__table__
    tamper(
        owner_database_url,
        update(table)
        .where(table.c.action == "probe", table.c.detail.is_not(None))
        # The middle one of the batch.
        .where(table.c.seq == session.scalar(select(func.max(AuditEvent.seq))) - 1)
        .values(actor_name="someone else"),
    )
    session.expire_all()
    result = verify_chain(session)
    assert not result.ok and "does not match its hash" in result.problem


def test_the_sweep_takes_the_head_once_a_batch(app):
    for i in range(5):
        make_request(db.session, key=f"head{i}", now=_long_ago(60 + i), name=f"Head {i}")
    seen = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if "audit_chain_head" in statement:
            seen.append(statement.split()[0])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        report = sweep(context(db.session), batch_size=2)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert (report.flagged_overdue, report.batches) == (5, 3)
    # Per batch: take the head (UPDATE ... RETURNING) and move it to the last hash.
    assert seen == ["UPDATE"] * 6
    flags = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "flag_overdue").order_by(AuditEvent.seq)
    ).all()
    assert len(flags) == 5
    assert verify_chain(db.session).ok


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="row locks are PostgreSQL's")
def test_the_sweep_never_waits_for_a_request_staff_hold_and_never_deadlocks(app):
    """A member of staff changes a request (its row locked) and is about to write its audit
    entry while the sweep flags it. The sweep skips that request, finishes its batch without
    waiting and flags it on the next pass; the staff action then takes the chain's head and
    commits. (Taking the head before the flags used to deadlock here.)"""
    held = make_request(db.session, key="held", now=_long_ago(90), name="Held Hughes")
    other = make_request(db.session, key="free", now=_long_ago(91), name="Free Fraser")
    engine = create_engine(db.engine.url, pool_size=2)
    staff = Session(engine)
    try:
        table = DataRequest.__table__
        # As a staff action's write does: the row is locked until the transaction ends.
        staff.execute(
            update(table).where(table.c.id == held.id).values(version=table.c.version + 1)
        )
        row = staff.get(DataRequest, held.id)

        done, errors = [], []

        def run_sweep():
            try:
                with app.app_context():
                    done.append(sweep(context(db.session)))
                    db.session.remove()
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)

        sweeper = threading.Thread(target=run_sweep)
        sweeper.start()
        sweeper.join(timeout=20)
        assert not sweeper.is_alive(), "the sweep waited for a request staff hold"
        assert errors == []
        assert done[0].flagged_overdue == 1

        record_event(staff, row, SWEEPER, "probe", {"n": 1})
        staff.commit()
    finally:
        staff.close()
        engine.dispose()

    db.session.expire_all()
    assert db.session.get(DataRequest, other.id).overdue
    assert not db.session.get(DataRequest, held.id).overdue
    assert sweep(context(db.session)).flagged_overdue == 1
    db.session.expire_all()
    assert db.session.get(DataRequest, held.id).overdue
    assert verify_chain(db.session).ok
