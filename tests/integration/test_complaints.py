"""Complaints (DPA 2018 s.164A) on a real database: made online or logged by the DPO, linked to
the request they name, acknowledged at once through the outbox, acknowledged in the workflow
by the sweep once the message has gone, answered with an outcome notice; every refusal of the
workflow; the 30-day acknowledgement clock and the internal target through the calendar."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from portal.domain import DomainError, FieldError
from portal.domain.actions import ActionRefused, apply_action
from portal.domain.clock import deadline_of
from portal.domain.complaints import log_offline_complaint, record_acknowledgements
from portal.domain.sweep import sweep
from portal.models import AuditEvent, DataRequest, OutboxMessage
from portal.runtime import definition
from portal.workflow import Actor
from tests.factories import (
    DPO,
    RECEIVED,
    W,
    context,
    make_complaint,
    make_request,
    send_outcome_notice,
    staff_actor,
)
from tests.workflow_names import state

REQUESTER = Actor("requester")


def outbox(session, complaint, key="complaint_acknowledged"):
    return session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.request_id == complaint.id, OutboxMessage.message_key == key)
        .order_by(OutboxMessage.id)
    ).all()


def mark_sent(session, rows):
    for row in rows:
        row.status = "sent"
        row.sent_at = datetime(2026, 11, 25, 10, 5, tzinfo=UTC)
    session.commit()


def test_an_online_complaint_is_stored_acknowledged_on_every_channel_and_dated(session):
    complaint = make_complaint(session, email="cara@example.com", mobile="07700900123")
    assert complaint.reference.startswith("CP-")
    assert complaint.data_right == "complaint"
    assert complaint.state == state("complaint_received")
    # Received Wed 25 Nov 2026: acknowledge by Tue 29 Dec (30 days, rolled over Christmas and
    # the Boxing Day substitute); the internal target, 20 working days, is Wed 23 Dec.
    dates = deadline_of(complaint, definition(), W, date(2026, 11, 25))
    assert (dates.acknowledge_by, dates.target) == (date(2026, 12, 29), date(2026, 12, 23))
    assert complaint.due_date == date(2026, 12, 23)
    rows = outbox(session, complaint)
    assert sorted((r.channel, r.recipient) for r in rows) == [
        ("email", "cara@example.com"),
        ("sms", "07700900123"),
    ]
    assert rows[0].personalisation["target_date"] == "23 December 2026"
    made = session.scalars(select(AuditEvent).where(AuditEvent.request_id == complaint.id)).all()
    assert [(e.action, e.actor_kind, e.to_state) for e in made] == [
        ("complaint_made", "requester", state("complaint_received"))
    ]


def test_submitting_the_same_complaint_twice_makes_one(session):
    first = make_complaint(session)
    from portal.domain.complaints import submit_complaint
    from portal.models import Draft

    again = submit_complaint(context(session, RECEIVED), session.get(Draft, "c1"))
    assert again.id == first.id
    assert session.scalar(select(func.count(DataRequest.id))) == 1


def test_a_complaint_needs_the_confirmed_contact(session):
    with pytest.raises(DomainError):
        make_complaint(session, verified="someone@else.example")
    assert session.scalar(select(func.count(DataRequest.id))) == 0
    assert session.scalar(select(func.count(AuditEvent.id))) == 0


def test_a_complaint_is_linked_to_the_request_only_when_the_contact_matches(session):
    request = make_request(session)  # sam@example.com
    linked = make_complaint(session, key="c1", reference=request.reference, email="sam@example.com")
    stranger = make_complaint(session, key="c2", reference=request.reference)
    assert linked.complaint_about_id == request.id
    assert stranger.complaint_about_id is None
    session.refresh(request)
    assert [c.reference for c in request.complaints] == [linked.reference]
    # Audited on the complaint, naming the request; the request's own timeline, which its
    # service's caseworkers read, does not mention it.
    made = session.scalars(select(AuditEvent).where(AuditEvent.request_id == linked.id)).one()
    assert made.detail["about_request"] == request.reference
    on_request = session.scalars(
        select(AuditEvent.action).where(AuditEvent.request_id == request.id)
    ).all()
    assert "complaint_made" not in on_request


def test_the_sweep_acknowledges_once_the_message_has_gone(session):
    complaint = make_complaint(session)
    ctx = context(session, date(2026, 11, 26))
    assert record_acknowledgements(ctx) == 0  # nothing sent yet: still due
    session.commit()
    assert complaint.state == state("complaint_received")
    mark_sent(session, outbox(session, complaint))
    report = sweep(ctx)
    assert report.complaints_acknowledged == 1
    session.refresh(complaint)
    assert complaint.state == state("complaint_investigating")
    assert complaint.due_date == date(2026, 12, 23)  # the internal target
    event = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.request_id == complaint.id)
        .order_by(AuditEvent.id.desc())
    ).first()
    assert (event.action, event.actor_kind) == ("acknowledge_complaint", "system")
    assert event.detail["how"].startswith("Acknowledged by email on 25 November 2026")
    assert sweep(ctx).complaints_acknowledged == 0  # idempotent


def test_a_failed_acknowledgement_leaves_the_deadline_on_the_queue(session):
    """Notify refused it: the complaint stays unacknowledged, its 30-day date due, until staff
    record an acknowledgement made another way."""
    complaint = make_complaint(session, now=datetime(2026, 12, 10, 10, tzinfo=UTC))
    for row in outbox(session, complaint):
        row.status = "permanent-failure"
    session.commit()
    sweep(context(session, date(2026, 12, 11)))
    session.refresh(complaint)
    assert complaint.state == state("complaint_received")
    # Received Thu 10 Dec: acknowledge by Mon 11 Jan 2027, before the target (Tue 12 Jan).
    assert complaint.due_date == date(2027, 1, 11)
    apply_action(
        context(session, date(2026, 12, 14)),
        complaint,
        "acknowledge_complaint",
        DPO,
        {"how": "Letter posted on 14 December"},
    )
    assert complaint.state == state("complaint_investigating")
    assert complaint.due_date == date(2027, 1, 12)


def test_the_workflow_refuses_what_a_state_does_not_allow(session):
    complaint = make_complaint(session)
    ctx = context(session, date(2026, 11, 26))
    caseworker = staff_actor(session, "caseworker", "Casey Worker", ["housing"])
    # An answer is a notice: never through the plain action.
    with pytest.raises(ActionRefused):
        apply_action(ctx, complaint, "answer_complaint", DPO)
    # A caseworker cannot acknowledge (and sees no complaints).
    with pytest.raises(ActionRefused):
        apply_action(ctx, complaint, "acknowledge_complaint", caseworker, {"how": "x"})
    # A request's actions do not apply to a complaint.
    with pytest.raises(ActionRefused, match="cannot be done while"):
        apply_action(ctx, complaint, "route", DPO, {"services": ["housing"]})
    # Acknowledging needs to say how.
    with pytest.raises(ActionRefused, match="Missing"):
        apply_action(ctx, complaint, "acknowledge_complaint", DPO, {"how": " "})
    apply_action(ctx, complaint, "acknowledge_complaint", DPO, {"how": "Phoned them"})
    with pytest.raises(ActionRefused, match="cannot be done while"):
        apply_action(ctx, complaint, "acknowledge_complaint", DPO, {"how": "Again"})
    apply_action(ctx, complaint, "withdraw_complaint", REQUESTER)
    assert complaint.state == state("complaint_withdrawn")
    with pytest.raises(ActionRefused, match="cannot be done while"):
        apply_action(ctx, complaint, "withdraw_complaint", DPO)
    # A complaint's action does not apply to a request either.
    request = make_request(session)
    with pytest.raises(ActionRefused, match="cannot be done while"):
        apply_action(ctx, request, "acknowledge_complaint", DPO, {"how": "x"})
    assert len(outbox(session, complaint, "complaint_withdrawn")) == 1


def test_the_answer_is_an_outcome_notice_with_the_steps_and_the_ico(session):
    complaint = make_complaint(session)
    notice = send_outcome_notice(
        session,
        complaint,
        "complaint_partly_upheld",
        action="answer_complaint",
        day=date(2026, 12, 2),
        reasons="The letter went to an old address. We have corrected it.",
        steps="We read the file and spoke to the caseworker.",
    )
    assert complaint.state == state("complaint_answered")
    assert complaint.outcome == "complaint_partly_upheld"
    for text in (
        "We agree with part of it",
        "We read the file and spoke to the caseworker.",
        "Information Commissioner's Office",
        "https://ico.org.uk/make-a-complaint/",
        "Make a complaint",
    ):
        assert text in notice.body
    assert outbox(session, complaint, "outcome_notice")
    with pytest.raises(DomainError):
        send_outcome_notice(
            session, complaint, "complaint_upheld", action="answer_complaint", steps="x"
        )


def test_the_answer_needs_the_steps_taken(session):
    complaint = make_complaint(session)
    with pytest.raises(FieldError) as refused:
        send_outcome_notice(
            session, complaint, "complaint_upheld", action="answer_complaint", steps=" "
        )
    assert refused.value.field == "steps"
    assert complaint.state == state("complaint_received")


def _offline(**overrides):
    data = {
        "channel": "post",
        "received": date(2026, 11, 20),
        "about": "use",
        "request_reference": "",
        "what_happened": "My details were shared with my ex-partner.",
        "what_they_want": "To know how it happened.",
        "full_name": "Pat Doe",
        "email": "",
        "mobile": "",
        "address": "2 Judd Street\nLondon",
        "postcode": "WC1H 9JE",
    }
    data.update(overrides)
    return data


def test_the_dpo_logs_a_letter_and_it_is_acknowledged_by_post(session):
    ctx = context(session, date(2026, 11, 25))
    from tests.factories import ensure_dpo_account

    ensure_dpo_account(session)
    complaint = log_offline_complaint(ctx, _offline(), DPO)
    assert complaint.channel == "post"
    assert complaint.received_date == date(2026, 11, 20)
    # Received Fri 20 Nov: acknowledge by Mon 21 Dec; target 20 working days, Fri 18 Dec.
    dates = deadline_of(complaint, definition(), W, date(2026, 11, 25))
    assert (dates.acknowledge_by, dates.target) == (date(2026, 12, 21), date(2026, 12, 18))
    [letter] = outbox(session, complaint)
    assert letter.channel == "letter" and letter.recipient.startswith("Pat Doe\n")
    event = session.scalars(select(AuditEvent).where(AuditEvent.request_id == complaint.id)).one()
    assert (event.action, event.actor_kind, event.actor_name) == (
        "complaint_made",
        "staff",
        DPO.name,
    )


def test_an_offline_complaint_links_to_the_request_it_names(session):
    request = make_request(session)
    complaint = log_offline_complaint(
        context(session, date(2026, 11, 26)),
        _offline(channel="phone", request_reference=request.reference, email="pat@example.com"),
        DPO,
    )
    assert complaint.complaint_about_id == request.id
    assert [r.channel for r in outbox(session, complaint)] == ["email"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"request_reference": "DR-AAAA-BBBB"}, "request_reference"),
        ({"received": date(2026, 11, 30)}, "received"),
        ({"channel": "pigeon"}, "channel"),
        ({"about": "weather"}, "about"),
        ({"what_happened": "  "}, "what_happened"),
        ({"address": "", "postcode": ""}, "email"),
    ],
)
def test_bad_offline_complaints_store_nothing(session, overrides, field):
    from tests.factories import ensure_dpo_account

    ensure_dpo_account(session)
    session.commit()
    before = session.scalar(select(func.count(AuditEvent.id)))
    with pytest.raises(FieldError) as refused:
        log_offline_complaint(context(session, date(2026, 11, 25)), _offline(**overrides), DPO)
    assert refused.value.field == field
    assert session.scalar(select(func.count(DataRequest.id))) == 0
    assert session.scalar(select(func.count(AuditEvent.id))) == before
    assert session.scalar(select(func.count(OutboxMessage.id))) == 0


def test_only_the_dpo_logs_complaints(session):
    caseworker = staff_actor(session, "caseworker", "Casey Worker", ["housing"])
    with pytest.raises(DomainError):
        log_offline_complaint(context(session, date(2026, 11, 25)), _offline(), caseworker)
    assert session.scalar(select(func.count(DataRequest.id))) == 0
