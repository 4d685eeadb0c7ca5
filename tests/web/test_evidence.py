"""Evidence and answers sent from the tracking page, and staff accepting or rejecting each file:
accepted proof restarts the clock from the day it arrived (R5)."""

import io
from datetime import date

import pytest
from sqlalchemy import func, select

from portal.deadlines.calendar import now_utc, received_date
from portal.domain import FieldError
from portal.domain.actions import apply_action
from portal.domain.evidence import review_evidence, submit_evidence
from portal.extensions import db
from portal.models import (
    AuditEvent,
    ClockEvent,
    EvidenceFile,
    EvidenceSubmission,
    OutboxMessage,
    Upload,
)
from portal.runtime import definition
from tests.factories import DPO, context, make_request, pdf_bytes
from tests.helpers import error_summary, latest_code, normalise
from tests.staff_helpers import make_staff, sign_in
from tests.workflow_names import state

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
KEY = "k" * 24


def today() -> date:
    return received_date(now_utc())


def ask_for_proof(request, kind="identity", day=None):
    apply_action(
        context(db.session, day or today()),
        request,
        "request_evidence",
        DPO,
        {"evidence_kind": kind, "reason": "A photo of your passport or driving licence."},
    )


def sign_in_as_requester(client_request, request):
    client_request.post("/track", {"reference": request.reference, "contact": "sam@example.com"})
    client_request.post("/track/code", {"code": latest_code()})
    return client_request.get("/track/request")


def send(client_request, files, expected=302, answer="", key=KEY):
    return client_request.post(
        "/track/request/answer",
        {"submission_key": key, "answer": answer, "files": files},
        expected,
        content_type="multipart/form-data",
    )


def counts():
    return (
        db.session.scalar(select(func.count(EvidenceSubmission.id))),
        db.session.scalar(select(func.count(Upload.id)).where(Upload.purpose == "evidence")),
    )


def test_bad_evidence_is_explained_and_nothing_is_stored(client_request, session):
    request = make_request(session)
    ask_for_proof(request)
    page = sign_in_as_requester(client_request, request)
    text = normalise(page.get_text(" "))
    assert "We need proof of identity" in text
    assert page.select_one("input[type=file][multiple]#files")

    cases = [
        ([], "Select the files to send"),
        ([(io.BytesIO(b"MZ\x90\x00 an exe"), "passport.pdf")], "must be a PDF, JPG or PNG"),
        ([(io.BytesIO(b""), "empty.pdf")], "The selected file is empty"),
        (
            [(io.BytesIO(pdf_bytes() + b"0" * (10 * 1024 * 1024)), "huge.pdf")],
            "must be smaller than 10MB",
        ),
        ([(io.BytesIO(pdf_bytes(str(i))), f"{i}.pdf") for i in range(11)], "10 files or fewer"),
        (
            [(io.BytesIO(pdf_bytes("a")), "a.pdf"), (io.BytesIO(pdf_bytes("a")), "again.pdf")],
            "the same file more than once",
        ),
    ]
    for files, message in cases:
        page = send(client_request, files, 200)
        summary = error_summary(page)
        assert len(summary) == 1 and message in summary[0][0], (message, summary)
        assert summary[0][1] == "#files"
        assert page.select_one("#files-error")
    assert counts() == (0, 0)
    session.refresh(request)
    assert request.state == state("awaiting_evidence")


def test_a_double_submission_is_stored_once(client_request, session):
    request = make_request(session)
    ask_for_proof(request)
    sign_in_as_requester(client_request, request)
    files = lambda: [(io.BytesIO(pdf_bytes("passport")), "passport.pdf")]  # noqa: E731
    response = send(client_request, files())
    assert "sent=1" in response.location
    send(client_request, files())  # the same page posted again (a double click)
    assert counts() == (1, 1)
    told = session.scalars(
        select(OutboxMessage).where(OutboxMessage.message_key == "staff_evidence_sent")
    ).all()
    assert len(told) == 1 and told[0].recipient == definition().routing.team_emails["dpo"]
    assert told[0].personalisation["what"] == "proof of identity"
    # Sending the same file again in a new submission is refused, with a field error.
    page = send(client_request, files(), 200, key="n" * 24)
    assert error_summary(page) == [("You have already sent us one of these files", "#files")]
    assert counts() == (1, 1)


def test_accepting_proof_restarts_the_clock_from_the_day_it_arrived(session):
    request = make_request(session)  # received Wed 25 Nov 2026
    ask_for_proof(request, day=date(2026, 11, 26))
    assert request.due_date is None
    submit_evidence(
        context(session, date(2026, 12, 1)),
        request,
        submission_key=KEY,
        answer="",
        files=[(pdf_bytes("licence"), "pdf", "licence.pdf"), (PNG, "png", "selfie.png")],
    )
    first, second = session.scalars(select(EvidenceFile).order_by(EvidenceFile.id)).all()
    assert first.submission.kind == "identity"

    with pytest.raises(FieldError) as refused:
        review_evidence(context(session, date(2026, 12, 10)), request, first.id, DPO, "reject", " ")
    assert refused.value.field == "reason"
    review_evidence(
        context(session, date(2026, 12, 10)),
        request,
        first.id,
        DPO,
        "reject",
        "The photo is too blurred to read.",
    )
    assert request.state == state("awaiting_evidence") and request.due_date is None
    told = session.scalar(
        select(OutboxMessage).where(OutboxMessage.message_key == "evidence_rejected")
    )
    assert told.personalisation["reason"] == "The photo is too blurred to read."
    assert told.recipient == "sam@example.com"

    # Accepted ten days later, the month still runs from 1 December: 1 January 2027 is a bank
    # holiday, so the due date rolls to Monday 4 January.
    review_evidence(context(session, date(2026, 12, 10)), request, second.id, DPO, "accept", "")
    assert request.state == state("triage")
    assert request.due_date == date(2027, 1, 4)
    restart = session.scalar(select(ClockEvent).where(ClockEvent.kind == "restart"))
    assert restart.on_date == date(2026, 12, 1)
    assert session.scalar(
        select(OutboxMessage).where(OutboxMessage.message_key == "evidence_accepted")
    )
    with pytest.raises(FieldError):  # decided once only
        review_evidence(
            context(session, date(2026, 12, 10)), request, second.id, DPO, "reject", "x"
        )


def test_staff_accept_and_reject_on_the_request_page(app, client_request, session):
    request = make_request(session)
    ask_for_proof(request, kind="parental_responsibility")
    page = sign_in_as_requester(client_request, request)
    assert "birth certificate" in page.get_text()
    send(
        client_request,
        [(io.BytesIO(pdf_bytes("order")), "order.pdf"), (io.BytesIO(PNG), "certificate.png")],
    )
    order, certificate = session.scalars(select(EvidenceFile).order_by(EvidenceFile.id)).all()

    dpo = app.test_client()
    sign_in(dpo, make_staff("dpo", name="Dana Price"))
    client_request.client, requester = dpo, client_request.client
    page = client_request.get(f"/staff/requests/{request.reference}")
    evidence = normalise(page.select_one("#evidence").find_parent("div").get_text(" "))
    assert "Proof of parental responsibility" in evidence and "order.pdf" in evidence
    url = f"/staff/requests/{request.reference}/evidence/{order.id}"
    client_request.get(url)
    # Staff who cannot see the request cannot reach its files or decide on them.
    outsider = app.test_client()
    sign_in(outsider, make_staff("caseworker", ["family_support"], name="Chris Moss"))
    assert outsider.get(url).status_code == 404
    assert outsider.post(url, data={"decision": "accept"}).status_code == 404
    assert (
        outsider.get(f"/staff/requests/{request.reference}/files/{order.upload_id}").status_code
        == 404
    )
    page = client_request.post(url, {"version": request.version}, 200)
    assert error_summary(page) == [("Select whether you accept or reject the file", "#decision")]
    page = client_request.post(url, {"decision": "reject", "version": request.version}, 200)
    assert error_summary(page) == [
        ("Enter the reason, which the requester will be sent", "#reason")
    ]
    client_request.post(
        url, {"decision": "reject", "reason": "It is not signed.", "version": request.version}
    )
    session.refresh(request)
    client_request.post(
        f"/staff/requests/{request.reference}/evidence/{certificate.id}",
        {"decision": "accept", "version": request.version},
    )
    session.refresh(request)
    assert request.state == state("triage") and request.due_date is not None
    # Deciding again is refused with a field error.
    page = client_request.post(url, {"decision": "accept", "version": request.version}, 200)
    assert "already been accepted or rejected" in error_summary(page)[0][0]
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("evidence_%"))
    ).all()
    # Accepting the proof is also the workflow's "evidence received" step, which restarts the clock.
    assert actions == [
        "evidence_sent",
        "evidence_rejected",
        "evidence_accepted",
        "evidence_received",
    ]

    # The requester sees each decision, with the reason.
    client_request.client = requester
    page = client_request.get("/track/request")
    text = normalise(page.get_text(" "))
    assert "Not accepted It is not signed." in text and "certificate.png" in text


def test_answering_a_question_with_a_file(client_request, session):
    request = make_request(session)
    apply_action(context(db.session, today()), request, "route", DPO, {"services": ["housing"]})
    apply_action(
        context(db.session, today()),
        request,
        "ask_clarification",
        DPO,
        {"question": "Which school did the child attend?"},
    )
    sign_in_as_requester(client_request, request)
    page = send(client_request, [(io.BytesIO(pdf_bytes("letter")), "letter.pdf")], 200)
    assert error_summary(page) == [("Enter your answer", "#answer")]
    assert counts() == (0, 0)
    send(
        client_request,
        [(io.BytesIO(pdf_bytes("letter")), "letter.pdf")],
        answer="Judd Street Primary",
    )
    session.refresh(request)
    assert request.state == state("with_service")
    submission = session.scalar(select(EvidenceSubmission))
    assert submission.kind == "answer" and submission.answer == "Judd Street Primary"
    assert [f.upload.filename for f in submission.files] == ["letter.pdf"]
    # The same page posted again stores nothing more; nor does a page left open once nothing
    # is awaited.
    send(client_request, [(io.BytesIO(pdf_bytes("letter")), "letter.pdf")], answer="Judd")
    response = send(client_request, [(io.BytesIO(pdf_bytes("more")), "more.pdf")], key="m" * 24)
    assert response.location.endswith("/track/request")
    assert counts() == (1, 1)


def test_text_messages_about_evidence_point_to_the_tracking_page_not_to_email(app):
    """Someone with only a mobile must be able to act on the text alone."""
    for key in (
        "evidence_needed",
        "clarification_needed",
        "evidence_accepted",
        "evidence_rejected",
    ):
        _, body = definition().messages[key].templates["sms"].render({"reference": "DR-AAAA-BBBB"})
        assert "email" not in body.lower(), key
        assert "request" in body and "DR-AAAA-BBBB" in body
    _, body = definition().messages["evidence_needed"].templates["sms"].render({})
    assert "Check or update your request" in body
