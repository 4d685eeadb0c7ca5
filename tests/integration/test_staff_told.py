"""Staff are told: the DPO team's mailbox of every new request; whoever handles a request (its
assignee, else the services still searching, else the DPO team) when the requester acts."""

from datetime import date

from sqlalchemy import select

from portal.domain.actions import apply_action
from portal.domain.evidence import submit_evidence
from portal.domain.tasks import answer_task
from portal.extensions import db
from portal.models import OutboxMessage
from portal.runtime import definition
from portal.workflow import Actor
from tests.factories import DPO, context, make_complaint, make_request, pdf_bytes, staff_actor

REQUESTER = Actor("requester")
DAY = date(2026, 11, 26)


def told(key):
    return db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.message_key == key).order_by(OutboxMessage.id)
    ).all()


def dpo_team():
    routing = definition().routing
    return routing.team_emails[routing.triage_team]


def test_the_dpo_team_hears_of_every_new_request(session):
    request = make_request(session, right="rectification")
    [message] = told("staff_new_request")
    assert message.recipient == dpo_team() and message.channel == "email"
    assert message.request_id == request.id
    assert message.personalisation == {
        "reference": request.reference,
        "right": "Rectification",
        "received_by": "online",
        "due_date": "29 December 2026",  # one month, rolled past Christmas
    }


def test_a_withdrawal_goes_to_the_assignee(session):
    request = make_request(session)
    caseworker = staff_actor(session, "caseworker", "Chris Moss", ["housing"])
    request.assignee_id = caseworker.id
    session.commit()
    apply_action(context(session, DAY), request, "withdraw", REQUESTER)
    [message] = told("staff_requester_update")
    assert message.recipient == "chris.moss@example.gov.uk"
    assert message.personalisation["what"] == definition().transitions["withdraw"].label


def test_unassigned_it_goes_to_the_services_still_searching(session):
    request = make_request(session)
    apply_action(
        context(session, DAY), request, "route", DPO, {"services": ["housing", "education"]}
    )
    housing = next(t for t in request.tasks if t.service == "housing")
    answer_task(context(session, DAY), housing, DPO, "no_data", "")
    apply_action(
        context(session, DAY),
        request,
        "ask_clarification",
        DPO,
        {"question": "Which school?"},
    )
    submit_evidence(
        context(session, DAY), request, submission_key="k" * 24, answer="Hill Top", files=[]
    )
    [message] = told("staff_requester_update")
    assert message.recipient == definition().routing.services["education"].email
    # The answer is the requester's workflow step: one message, not a second about files.
    assert told("staff_evidence_sent") == []


def test_with_nobody_else_proof_goes_to_the_dpo_team(session):
    request = make_request(session)
    apply_action(
        context(session, DAY),
        request,
        "request_evidence",
        DPO,
        {"evidence_kind": "identity", "reason": "A photo of your passport."},
    )
    submit_evidence(
        context(session, DAY),
        request,
        submission_key="p" * 24,
        answer="",
        files=[(pdf_bytes("passport"), "pdf", "passport.pdf")],
    )
    [message] = told("staff_evidence_sent")
    assert message.recipient == dpo_team()
    assert told("staff_requester_update") == []


def test_the_dpo_team_hears_of_every_complaint_too(session):
    complaint = make_complaint(session)
    [message] = told("staff_new_request")
    assert message.recipient == dpo_team() and message.request_id == complaint.id
    assert message.personalisation["reference"] == complaint.reference
    assert message.personalisation["right"] == "Complaint"
    assert message.personalisation["received_by"] == "online"


def test_a_complaint_about_a_request_goes_to_whoever_handles_it(session):
    request = make_request(session)
    caseworker = staff_actor(session, "caseworker", "Chris Moss", ["housing"])
    request.assignee_id = caseworker.id
    session.commit()
    seen = request.requester_updates or 0
    complaint = make_complaint(session, reference=request.reference, email="sam@example.com")
    assert complaint.complaint_about == request
    [message] = told("staff_requester_update")
    assert message.recipient == "chris.moss@example.gov.uk"
    assert message.request_id == request.id
    assert complaint.reference in message.personalisation["what"]
    assert request.requester_updates == seen + 1
    # The DPO team hears of the complaint itself once, not twice.
    assert [m.recipient for m in told("staff_new_request")] == [dpo_team(), dpo_team()]


def test_a_complaint_about_an_unassigned_request_in_triage_is_not_told_twice(session):
    request = make_request(session)
    make_complaint(session, reference=request.reference, email="sam@example.com")
    assert told("staff_requester_update") == []
