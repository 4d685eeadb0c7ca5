"""Domain functions on a real database: a transition's state, audit event, clock rows and
outbox rows commit or roll back together; the sweep is idempotent; the audit trail is
append-only."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from portal.domain import DomainError
from portal.domain.actions import StaleRequest, apply_action
from portal.domain.requests import submit_request
from portal.domain.sweep import _staff_recipients, sweep
from portal.models import AuditEvent, ClockEvent, DataRequest, Draft, OutboxMessage, ServiceTask
from portal.runtime import definition
from portal.workflow import Actor
from tests.factories import (
    DPO,
    RECEIVED,
    answers,
    context,
    make_request,
    send_outcome_notice,
    staff_actor,
)
from tests.staff_helpers import make_staff
from tests.workflow_names import state


def counts(session):
    return tuple(
        session.scalar(select(func.count(model.id)))
        for model in (AuditEvent, ClockEvent, OutboxMessage, ServiceTask)
    )


def test_submit_writes_everything_in_one_go(session):
    request = make_request(session)
    assert request.state == state("triage")
    assert request.received_date == date(2026, 11, 25)
    assert request.due_date == date(2026, 12, 29)
    # The requester's acknowledgement and the DPO team's "new request" message.
    assert counts(session) == (1, 1, 2, 0)


def test_submit_requires_a_confirmed_contact(session):
    draft = Draft(id="d2", answers=answers(), verified_contact=None)
    session.add(draft)
    session.commit()
    with pytest.raises(DomainError):
        submit_request(context(session, RECEIVED), draft, draft.answers)
    assert session.scalar(select(func.count(DataRequest.id))) == 0


def test_pause_and_resume_move_the_due_date(session):
    request = make_request(session)
    apply_action(
        context(session, date(2026, 11, 26)),
        request,
        "route",
        DPO,
        {"services": ["family_support", "housing"]},
    )
    assert request.state == state("with_service")
    tasks = session.scalars(select(ServiceTask)).all()
    # Internal target: 5 working days before Tue 29 Dec: 28 Dec and 25 Dec are holidays ->
    # 24, 23, 22, 21, 18 Dec.
    assert [t.target_date for t in tasks] == [date(2026, 12, 18)] * 2
    apply_action(
        context(session, date(2026, 12, 1)),
        request,
        "ask_clarification",
        DPO,
        {"question": "Which years?"},
    )
    apply_action(
        context(session, date(2026, 12, 3)),
        request,
        "clarification_received",
        Actor("requester"),
        {"answer": "2024"},
    )
    # Paused 1-3 Dec: 3 days. 25 Dec + 3 = Mon 28 Dec (Boxing Day substitute) -> Tue 29 Dec.
    assert request.due_date == date(2026, 12, 29)
    apply_action(
        context(session, date(2026, 12, 4)), request, "extend", DPO, {"reason": "Many records"}
    )
    # 25 Feb 2027 + 3 = Sun 28 Feb -> Mon 1 Mar 2027.
    assert request.due_date == date(2027, 3, 1)
    kinds = [e.kind for e in session.scalars(select(ClockEvent).order_by(ClockEvent.id))]
    assert kinds == ["start", "pause", "resume", "extend"]
    audit = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(a.action, a.from_state, a.to_state) for a in audit][-1] == (
        "extend",
        state("with_service"),
        state("extended"),
    )
    keys = [
        m.message_key for m in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
    ]
    assert keys.count("time_extended") == 1 and keys.count("clarification_needed") == 1


def test_refused_action_changes_nothing(session):
    request = make_request(session, right="rectification")
    before = counts(session)
    with pytest.raises(DomainError, match="Only access requests"):
        apply_action(
            context(session, date(2026, 12, 1)),
            request,
            "ask_clarification",
            DPO,
            {"question": "?"},
        )
    assert counts(session) == before and request.state == state("triage")


def test_transition_rolls_back_whole_when_a_message_cannot_be_queued(session, monkeypatch):
    request = make_request(session)
    import portal.domain.actions as actions

    def broken_queue(*args, **kwargs):
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr(actions, "queue", broken_queue)
    before = counts(session)
    with pytest.raises(RuntimeError):
        apply_action(
            context(session, date(2026, 12, 1)),
            request,
            "request_evidence",
            DPO,
            {"evidence_kind": "identity", "reason": "Proof of identity"},
        )
    session.expire_all()
    assert counts(session) == before
    assert session.get(DataRequest, request.id).state == state("triage")


def test_stale_version_is_refused(session):
    request = make_request(session)
    version = request.version
    apply_action(
        context(session, date(2026, 11, 26)),
        request,
        "request_evidence",
        DPO,
        {"evidence_kind": "identity", "reason": "Photo ID"},
        expected_version=version,
    )
    with pytest.raises(StaleRequest):
        apply_action(
            context(session, date(2026, 11, 26)),
            request,
            "refuse",
            DPO,
            {"reason": "x"},
            expected_version=version,
        )


def test_evidence_restarts_the_clock(session):
    request = make_request(session)
    apply_action(
        context(session, date(2026, 11, 26)),
        request,
        "request_evidence",
        DPO,
        {"evidence_kind": "identity", "reason": "Photo ID"},
    )
    assert request.due_date is None  # waiting: the clock has not started
    apply_action(
        context(session, date(2026, 12, 10)),
        request,
        "evidence_received",
        DPO,
        {"evidence_date": "2026-12-08"},
    )
    assert request.due_date == date(2027, 1, 8)  # one month from the evidence date


def test_audit_events_cannot_be_edited_or_deleted(session):
    make_request(session)
    with pytest.raises((DBAPIError, IntegrityError)):
        session.execute(text("UPDATE audit_event SET actor_name = 'someone else'"))
        session.commit()
    session.rollback()
    with pytest.raises((DBAPIError, IntegrityError)):
        session.execute(text("DELETE FROM audit_event"))
        session.commit()
    session.rollback()
    assert session.scalar(select(func.count(AuditEvent.id))) == 1


def routed_to_housing(session):
    """A request received 25 Nov 2026 (due Tue 29 Dec 2026), routed to housing the next day."""
    request = make_request(session)
    routed = {"services": ["housing"]}
    apply_action(context(session, date(2026, 11, 26)), request, "route", DPO, routed)
    return request


def test_sweep_reminds_then_escalates_and_never_twice(session):
    request = routed_to_housing(session)

    def reminders():
        return [
            m
            for m in session.scalars(select(OutboxMessage))
            if m.message_key.startswith("staff_")
            and m.message_key not in ("staff_task_assigned", "staff_new_request")
        ]

    # Far from due: nothing.
    assert sweep(context(session, date(2026, 12, 1))).reminders == 0
    # 5 working days before (Mon 21 Dec: 22, 23, 24, 29 Dec = 4 left -> within 5).
    first = sweep(context(session, date(2026, 12, 21)))
    again = sweep(context(session, date(2026, 12, 21)))
    assert (first.reminders, again.reminders) == (1, 0)
    # Two days before: the second reminder, once.
    assert sweep(context(session, date(2026, 12, 24))).reminders == 1
    assert sweep(context(session, date(2026, 12, 24))).reminders == 0
    assert [m.recipient for m in reminders()] == ["housing.records@camden.gov.uk"] * 2
    # Overdue on Wed 30 Dec (a working day): flagged, escalated to the DPO, once.
    late = sweep(context(session, date(2026, 12, 30)))
    later = sweep(context(session, date(2026, 12, 31)))
    assert (late.flagged_overdue, late.escalations) == (1, 1)
    assert (later.flagged_overdue, later.escalations) == (0, 0)
    assert session.get(DataRequest, request.id).overdue
    escalations = [m for m in reminders() if m.message_key == "staff_overdue"]
    assert [m.recipient for m in escalations] == ["dpo@camden.gov.uk"]


def test_overdue_escalation_waits_for_a_working_day(session):
    make_request(session, now=datetime(2026, 2, 27, 12, 0, tzinfo=UTC))  # due Fri 27 Mar 2026
    saturday = sweep(context(session, date(2026, 3, 28)))
    assert (saturday.flagged_overdue, saturday.escalations) == (1, 0)
    monday = sweep(context(session, date(2026, 3, 30)))
    assert monday.escalations == 1


def test_same_draft_submitted_twice_makes_one_request(session):
    first = make_request(session)
    draft = session.get(Draft, "d1")
    again = submit_request(context(session, RECEIVED), draft, draft.answers)
    assert again.id == first.id
    assert session.scalar(select(func.count(DataRequest.id))) == 1


def test_submission_key_is_unique_in_the_database(session):
    make_request(session)
    duplicate = DataRequest(
        reference="DR-TEST-0001",
        submission_key="d1",
        data_right="access",
        subject_relation="self",
        state=state("triage"),
        received_at=RECEIVED,
        received_date=date(2026, 11, 25),
        owner_team="dpo",
        answers={},
    )
    session.add(duplicate)
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()


def test_request_cannot_complete_until_every_service_task_is_answered(session):
    from portal.domain.tasks import answer_task

    request = make_request(session, right="objection")
    apply_action(
        context(session, date(2026, 11, 26)),
        request,
        "route",
        DPO,
        {"services": ["family_support", "housing"]},
    )
    housing_worker = staff_actor(session, "caseworker", "Hana Okafor", ["housing"])
    family, housing = session.scalars(select(ServiceTask).order_by(ServiceTask.id)).all()
    with pytest.raises(DomainError, match="another service"):
        answer_task(context(session, RECEIVED), family, housing_worker, "no_data", "")
    with pytest.raises(DomainError, match="Describe the data found"):
        answer_task(context(session, RECEIVED), housing, housing_worker, "data_found", " ")
    answer_task(context(session, RECEIVED), housing, housing_worker, "no_data", "")
    with pytest.raises(DomainError, match="1 service search task"):
        apply_action(
            context(session, date(2026, 11, 30)),
            request,
            "record_outcome",
            housing_worker,
            {"outcome": "processing_stopped", "reason": "Done"},
        )
    answer_task(context(session, RECEIVED), family, DPO, "data_found", "Evaluation records 2024")
    apply_action(
        context(session, date(2026, 11, 30)),
        request,
        "record_outcome",
        housing_worker,
        {"outcome": "processing_stopped", "reason": "Done"},
    )
    send_outcome_notice(session, request, "processing_stopped", day=date(2026, 12, 1))
    assert request.state == state("completed") and request.outcome == "processing_stopped"
    actions = [a.action for a in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions == [
        "submit",
        "route",
        "answer_task",
        "answer_task",
        "record_outcome",
        "complete",
    ]


def test_reminders_also_go_to_the_assignee(session):
    request = routed_to_housing(session)
    sweep(context(session, date(2026, 12, 21)))  # first reminder: nobody assigned yet
    worker = make_staff("caseworker", ["housing"], email="hana@example.gov.uk")
    request.assignee_id = worker.id
    session.commit()
    sweep(context(session, date(2026, 12, 21)))  # same threshold: only the new person
    sweep(context(session, date(2026, 12, 24)))  # second reminder: both
    sent = [
        m.recipient
        for m in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        if m.message_key == "staff_reminder"
    ]
    assert sent == [
        "housing.records@camden.gov.uk",
        "hana@example.gov.uk",
        "housing.records@camden.gov.uk",
        "hana@example.gov.uk",
    ]
    # Someone who has left (deactivated) is not reminded.
    worker.active = False
    session.commit()
    open_services = [t.service for t in request.tasks if t.status == "open"]
    assert _staff_recipients(definition(), open_services, worker) == [
        ("email", "housing.records@camden.gov.uk")
    ]


def test_logging_an_offline_request_is_one_transaction(session):
    from sqlalchemy import event

    from portal.domain.offline import log_offline_request

    dpo = staff_actor(session, "dpo", "Dana Price")
    commits = []
    event.listen(session(), "after_commit", lambda s: commits.append(s))
    details = {"channel": "phone", "received": date(2026, 11, 24)}
    given = {
        "right": {"right": "access"},
        "who": {"who": "me"},
        "details": {"full_name": "Mia Jones", "other_names": "", "date_of_birth": "1990-05-04"},
        "address": {"address": "2 Crowndale Road", "postcode": "NW1 1TN"},
        "contact-method": {"method": "post"},
        "contact-details": {"address": "2 Crowndale Road", "postcode": "NW1 1TN"},
    }
    made = log_offline_request(context(session, date(2026, 11, 25)), details, given, dpo)
    assert len(commits) == 1
    actions = [e.action for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions == ["submit", "logged_offline"]
    assert made.received_date == date(2026, 11, 24) and made.due_date == date(2026, 12, 24)
