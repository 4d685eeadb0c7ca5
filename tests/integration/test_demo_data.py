"""`flask --app portal demo-data`: a newcomer's database gets requests in every state of the
workflow, made through the domain functions by the demo staff accounts."""

from collections import Counter

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEvent, DataRequest, OutboxMessage, ServiceTask, StaffUser
from portal.runtime import definition
from tests.notify_server import API_KEY, template_ids


def test_every_state_of_the_workflow_gets_requests_and_nothing_else_is_made(app):
    result = app.test_cli_runner().invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output

    states = Counter(db.session.scalars(select(DataRequest.state)))
    assert set(states) == set(definition().states)
    # Each state's line in the output is the number of requests really in it: no request
    # was left behind by a route the engine refused.
    for code, state in definition().states.items():
        assert f"{states[code]:>2}  {state.staff_label}" in result.output
    assert f"Added {sum(states.values())} demonstration requests" in result.output

    # Real casework: tasks, an audit trail naming the demo staff, and messages to send.
    assert db.session.scalar(select(func.count()).select_from(ServiceTask)) > 0
    staff_ids = set(db.session.scalars(select(StaffUser.id)))
    acted = set(db.session.scalars(select(AuditEvent.actor_staff_id).distinct()))
    assert staff_ids & acted
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) > len(states)
    # Received on different days, some of them long enough ago to be due already.
    received = set(db.session.scalars(select(DataRequest.received_date)))
    assert len(received) > 3


def test_a_second_run_adds_nothing(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["demo-data"])
    before = db.session.scalar(select(func.count()).select_from(DataRequest))
    again = runner.invoke(args=["demo-data"])
    assert again.exit_code == 0
    assert "already has requests" in again.output
    assert db.session.scalar(select(func.count()).select_from(DataRequest)) == before


def test_demo_data_is_refused_in_production(make_app):
    app = make_app(
        PRODUCTION=True,
        CLAMD_HOST="127.0.0.1",
        NOTIFY_API_KEY=API_KEY,
        NOTIFY_TEMPLATE_IDS=template_ids(),
    )
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["demo-data"])
        assert result.exit_code == 2 and "not available in production" in result.output
        assert db.session.scalar(select(func.count()).select_from(DataRequest)) == 0
