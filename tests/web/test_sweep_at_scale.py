"""The sweep at scale: committed batches, a fixed number of statements per batch, and an overdue
flag that does not make a form already open stale."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from portal.deadlines.calendar import now_utc, received_date
from portal.domain.sweep import sweep
from portal.extensions import db
from portal.models import AuditEvent, DataRequest, OutboxMessage
from tests.factories import context, make_request
from tests.helpers import normalise
from tests.staff_helpers import make_staff, sign_in


def _long_ago(days: int) -> datetime:
    return datetime.combine(received_date(now_utc()), datetime.min.time(), tzinfo=UTC) - timedelta(
        days=days
    )


def test_a_form_opened_before_the_sweep_still_submits(app):
    dpo = make_staff("dpo", name="Sweep Watcher")
    request = make_request(db.session, key="late1", now=_long_ago(100), name="Late Larkin")
    assert not request.overdue
    client = app.test_client()
    sign_in(client, dpo)
    page = client.get(f"/staff/requests/{request.reference}/actions/route")
    assert page.status_code == 200
    version = int(page.get_data(as_text=True).split('name="version" type="hidden" value="')[1][:1])

    report = sweep(context(db.session))
    assert report.flagged_overdue == 1
    db.session.expire_all()
    flagged = db.session.get(DataRequest, request.id)
    assert flagged.overdue and flagged.version == version

    response = client.post(
        f"/staff/requests/{request.reference}/actions/route",
        data={"services": ["housing"], "version": str(version)},
    )
    assert response.status_code == 302, normalise(response.get_data(as_text=True))[:500]
    db.session.expire_all()
    assert db.session.get(DataRequest, request.id).tasks[0].service == "housing"


def test_the_sweep_commits_batch_by_batch_with_the_same_result(app):
    for i in range(7):
        make_request(db.session, key=f"batch{i}", now=_long_ago(60 + i), name=f"Batch {i}")
    commits = []

    def committed(session):
        commits.append(session)

    # Every session's commits: on PostgreSQL the batches are written on connections of their own.
    event.listen(Session, "after_commit", committed)
    try:
        report = sweep(context(db.session), batch_size=2)
    finally:
        event.remove(Session, "after_commit", committed)
    assert (report.flagged_overdue, report.batches, report.looked_at) == (7, 4, 7)
    assert len(commits) >= 4
    flags = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "flag_overdue"))
    assert len(flags.all()) == 7
    again = sweep(context(db.session), batch_size=100)
    assert (again.flagged_overdue, again.escalations, again.reminders) == (0, 0, 0)
    keys = db.session.scalars(
        select(OutboxMessage.dedupe_key).where(OutboxMessage.message_key == "staff_overdue")
    ).all()
    assert len(keys) == len(set(keys)) == report.escalations


def _statements(run) -> int:
    seen = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        run()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    # Everything is counted, the audit chain too: its entries are appended a batch at a time.
    return len(seen)


def test_a_batch_makes_the_same_statements_however_many_requests_it_holds(app):
    """Rows are read, flagged and messaged a batch at a time: never a statement per request."""
    for i in range(3):
        make_request(db.session, key=f"few{i}", now=_long_ago(70), name=f"Few {i}")
    few = _statements(lambda: sweep(context(db.session)))
    for i in range(12):
        make_request(db.session, key=f"many{i}", now=_long_ago(80), name=f"Many {i}")
    many = _statements(lambda: sweep(context(db.session)))
    assert db.session.scalar(select(DataRequest).where(~DataRequest.overdue)) is None
    assert many == few, (few, many)


def test_staff_are_read_once_per_pass_however_many_batches(app):
    """Assignees are read once: not again after each batch's commit (one statement per member
    of staff per batch, before)."""
    worker = make_staff("dpo", name="Reminded Rowe")
    for i in range(6):
        request = make_request(db.session, key=f"rem{i}", now=_long_ago(28), name=f"Rem {i}")
        request.assignee_id = worker.id
    db.session.commit()
    seen = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if "FROM staff_user" in statement:
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        report = sweep(context(db.session), batch_size=2)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert report.batches >= 3 and report.reminders >= 6
    assert len(seen) == 1
    sent_to = db.session.scalars(
        select(OutboxMessage.recipient).where(OutboxMessage.message_key == "staff_reminder")
    ).all()
    assert sent_to.count(worker.email) == 6
