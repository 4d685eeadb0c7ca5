"""The requester's tracking journey: reference + contact + code, status, answering our
question, withdrawing, and downloading the response."""

from datetime import date

from sqlalchemy import func, select

from portal.deadlines.calendar import now_utc, received_date
from portal.domain.actions import apply_action
from portal.domain.filestore import FileStore
from portal.extensions import db
from portal.models import AuditEvent, OutboxMessage
from tests.factories import (
    DPO,
    build_pack,
    context,
    make_request,
    pdf_bytes,
    send_outcome_notice,
    staff_actor,
    to_disclosure_review,
)
from tests.helpers import deliver_messages, error_summary, latest_code, normalise
from tests.workflow_names import state


def today() -> date:
    return received_date(now_utc())


def act(request, action, **fields):
    return apply_action(context(db.session, today()), request, action, DPO, fields)


def sign_in_as_requester(client_request, request, contact="sam@example.com"):
    client_request.post("/track", {"reference": request.reference, "contact": contact})
    client_request.post("/track/code", {"code": latest_code()})
    return client_request.get("/track/request")


def codes_sent() -> int:
    return db.session.scalar(
        select(func.count(OutboxMessage.id)).where(OutboxMessage.message_key == "verification_code")
    )


def test_bad_input_is_explained(client_request, session):
    page = client_request.post("/track", {}, 200)
    assert error_summary(page) == [
        ("Enter your request reference", "#reference"),
        ("Enter the email address or mobile number you gave us", "#contact"),
    ]
    page = client_request.post("/track", {"reference": "12345", "contact": "sam@"}, 200)
    assert [href for _, href in error_summary(page)] == ["#reference", "#contact"]
    assert error_summary(page)[0][0].startswith("Enter the reference in the right format")
    assert codes_sent() == 0


def test_the_answer_never_says_whether_a_reference_exists(client_request, session):
    request = make_request(session)
    for reference, contact in [
        ("DR-AAAA-BBBB", "sam@example.com"),  # no such request
        (request.reference, "someone@example.com"),  # not the contact we hold
    ]:
        response = client_request.post("/track", {"reference": reference, "contact": contact})
        assert response.location.endswith("/track/code")
        page = client_request.post("/track/code", {"code": "123456"}, 200)
        assert error_summary(page) == [("The code is not correct. Check it and try again", "#code")]
    assert codes_sent() == 0
    assert client_request.client.get("/track/request").location.endswith("/track")


def test_answering_our_question_resumes_the_request(client_request, session):
    request = make_request(session)
    act(request, "route", services=["housing"])
    act(request, "ask_clarification", question="Which school years do you mean?")
    deliver_messages()
    page = sign_in_as_requester(client_request, request, contact="SAM@example.com")
    text = normalise(page.get_text(" "))
    assert "We need more information from you" in text
    assert "Which school years do you mean?" in text
    assert "The time limit is paused until you reply" in text

    page = client_request.post("/track/request/answer", {"answer": " "}, 200)
    assert error_summary(page) == [("Enter your answer", "#answer")]
    session.refresh(request)
    assert request.state == state("awaiting_clarification")

    response = client_request.post("/track/request/answer", {"answer": "Years 7 to 9"})
    assert "answered=1" in response.location
    session.refresh(request)
    assert request.state == state("with_service")
    answered = session.scalar(
        select(AuditEvent).where(AuditEvent.action == "clarification_received")
    )
    assert answered.actor_kind == "requester" and answered.detail["answer"] == "Years 7 to 9"


def test_withdrawing(client_request, session):
    request = make_request(session)
    sign_in_as_requester(client_request, request)
    client_request.get("/track/request/withdraw")
    client_request.post("/track/request/withdraw")
    session.refresh(request)
    assert request.state == state("withdrawn")
    page = client_request.get("/track/request")
    assert "You withdrew your request" in page.get_text()
    assert page.find("a", string="Withdraw your request") is None


def test_the_response_is_downloaded_once_complete(client_request, session, app):
    request = to_disclosure_review(session, make_request(session), today())
    store = FileStore(app.config["UPLOAD_STORAGE_DIR"])
    pack = build_pack(session, request, store, today())
    caseworker = staff_actor(session, "caseworker", "Casey Worker", ["housing"])
    apply_action(context(session, today()), request, "sign_off_disclosure", caseworker)
    page = sign_in_as_requester(client_request, request)
    assert page.find("a", string=lambda s: s and "Case notes" in s) is None
    file_id = pack.files[0].id
    assert client_request.client.get(f"/track/request/files/{file_id}").status_code == 404
    send_outcome_notice(session, request, "disclosed")
    page = client_request.get("/track/request")
    assert "Information Commissioner" in page.get_text()
    download = client_request.client.get(f"/track/request/files/{file_id}")
    assert download.status_code == 200 and download.data == pdf_bytes("Case notes")
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "response_downloaded"))
    keys = [m.message_key for m in session.scalars(select(OutboxMessage))]
    assert "outcome_notice" in keys
