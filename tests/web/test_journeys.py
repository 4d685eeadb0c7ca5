"""Each right and each 'who is it about' branch, end to end through the test client."""

import io
from datetime import date

import pytest
from sqlalchemy import func, select

from portal.models import AuditEvent, ClockEvent, DataRequest, OutboxMessage, Upload
from tests.helpers import Resident, deliver_messages, error_summary, pdf_file
from tests.workflow_names import state


@pytest.fixture
def resident(client_request):
    client_request.client.get("/request/start")
    return Resident(client_request)


def only_request(session) -> DataRequest:
    requests = session.scalars(select(DataRequest)).all()
    assert len(requests) == 1
    return requests[0]


@pytest.mark.parametrize("right", ["access", "rectification", "restriction", "objection"])
def test_each_right_end_to_end(resident, client_request, session, right):
    resident.make_request(right=right)
    page = client_request.get("/request/confirmation")
    request = only_request(session)
    assert request.data_right == right
    assert request.state == state("triage")
    reference = page.select_one(".govuk-panel__body strong").get_text()
    assert reference == request.reference
    assert request.reference.startswith("DR-") and len(request.reference) == 12
    assert request.due_date is not None
    due = f"{request.due_date.day} {request.due_date:%B %Y}"
    assert due in page.get_text()
    assert session.scalar(select(func.count(AuditEvent.id))) == 1
    assert [e.kind for e in session.scalars(select(ClockEvent))] == ["start"]
    received = [m for m in deliver_messages() if "received your request" in m.body]
    assert len(received) == 1 and reference in received[0].body and due in received[0].body


def test_access_answers_are_stored(resident, session):
    resident.make_request(right="access")
    request = only_request(session)
    assert request.answers["access"] == {
        "parts": ["safety", "home"],
        "what": "All my family support records",
        "period": "All of it",
    }
    subject = request.person("subject")
    assert subject.full_name == "Sam Taylor"
    assert subject.date_of_birth == date(1985, 2, 1)
    assert subject.postcode == "WC1H 9JE"
    assert subject.email == "sam@example.com" and subject.contact_by == "email"
    assert request.person("requester") is None


def test_young_person_asks_for_their_own_data(resident, client_request, session):
    client_request.post("/request/right", {"right": "access"})
    client_request.post("/request/who", {"who": "young_person"})
    page = client_request.get("/request/details")
    assert page.h1.get_text(strip=True) == "About you"
    assert "You do not need to ask your parents" in page.get_text()
    resident.make_request(who="young_person", dob="3 4 2012")
    request = only_request(session)
    assert request.subject_relation == "self"
    assert request.state == state("triage")
    assert request.answers["who"] == "young_person"


def test_parent_asking_about_a_child_of_12_or_over_is_told_and_reviewed(
    resident, client_request, session
):
    client_request.post("/request/right", {"right": "access"})
    client_request.post("/request/who", {"who": "child"})
    response = client_request.post(
        "/request/details",
        {"full_name": "Jo Taylor", "date_of_birth": ["3", "4", str(date.today().year - 13)]},
    )
    assert response.location.endswith("/request/child-view")
    page = client_request.get("/request/child-view")
    assert "may ask whether they understand and agree" in page.get_text()
    resident.make_request(who="child", dob=f"3 4 {date.today().year - 13}")
    request = only_request(session)
    assert request.subject_relation == "child"
    assert request.state == state("competence_review")
    confirmation = client_request.get("/request/confirmation")
    assert "Because your child is 12 or over" in confirmation.get_text()
    assert request.person("requester").full_name == "Alex Taylor"
    assert request.person("requester").email == "sam@example.com"
    assert request.person("subject").email is None


def test_parent_asking_about_a_young_child_skips_the_review(resident, client_request, session):
    resident.make_request(who="child", dob=f"3 4 {date.today().year - 6}")
    assert only_request(session).state == state("triage")
    confirmation = client_request.get("/request/confirmation")
    assert "Because your child is 12 or over" not in confirmation.get_text()


def test_a_parent_is_asked_about_parental_responsibility_and_may_upload_proof(
    resident, client_request, session
):
    client_request.post("/request/right", {"right": "access"})
    client_request.post("/request/who", {"who": "child"})
    for step, data in [
        ("details", {"full_name": "Jo Taylor", "date_of_birth": ["3", "4", "2020"]}),
        ("address", {"address_line_1": "1 Judd Street", "town": "London", "postcode": "WC1H 9JE"}),
        ("requester", {"full_name": "Alex Taylor", "relationship": "Father"}),
    ]:
        client_request.post(f"/request/{step}", data)
    page = client_request.get("/request/parental-responsibility")
    assert "special guardianship order" in page.get_text()
    page = client_request.post("/request/parental-responsibility", {}, 200)
    assert error_summary(page) == [
        (
            "Select whether you have parental responsibility for your child",
            "#parental_responsibility",
        )
    ]
    client_request.post("/request/parental-responsibility", {"parental_responsibility": "yes"})
    page = client_request.get("/request/parental-responsibility-proof")
    assert "(optional)" in page.find("h1").get_text()
    page = client_request.post(
        "/request/parental-responsibility-proof",
        {"upload": (io.BytesIO(b"MZ not a pdf"), "cert.pdf")},
        200,
        content_type="multipart/form-data",
    )
    assert error_summary(page) == [("The selected file must be a PDF, JPG or PNG", "#upload")]
    resident.make_request(
        who="child",
        dob=f"3 4 {date.today().year - 6}",
        overrides={
            "parental-responsibility": {"parental_responsibility": "not_sure"},
            "parental-responsibility-proof": {"upload": pdf_file("birth certificate.pdf")},
        },
    )
    request = only_request(session)
    assert request.answers["parental-responsibility"] == {"parental_responsibility": "not_sure"}
    (upload,) = session.scalars(select(Upload)).all()
    assert upload.purpose == "parental_responsibility" and upload.request_id == request.id
    assert upload.filename == "birth certificate.pdf"


def test_representative_uploads_written_authority(resident, session):
    resident.make_request(who="represented", upload=pdf_file("signed authority.pdf"))
    request = only_request(session)
    assert request.subject_relation == "represented"
    assert request.answers["representative"]["capacity"] == "solicitor"
    uploads = session.scalars(select(Upload)).all()
    assert len(uploads) == 1
    assert uploads[0].request_id == request.id
    assert uploads[0].purpose == "authority"
    assert uploads[0].filename == "signed authority.pdf"
    assert uploads[0].content.startswith(b"%PDF")


def test_text_message_contact(resident, session):
    resident.make_request(contact_method="sms", contact={"mobile": "07700 900123"})
    subject = only_request(session).person("subject")
    assert subject.phone == "07700900123" and subject.email is None
    sent = session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "sms")).all()
    assert {m.message_key for m in sent} == {"verification_code", "request_received"}


def test_post_contact_still_confirms_by_email(resident, session):
    resident.make_request(
        contact_method="post",
        contact={
            "post_address_line_1": "2 Judd Street",
            "post_town": "London",
            "post_postcode": "WC1H 9JE",
            "post_email": "s@example.com",
        },
    )
    subject = only_request(session).person("subject")
    assert (subject.address, subject.postcode) == ("2 Judd Street\nLondon", "WC1H 9JE")
    deliver_messages()
    channels = {m.channel for m in session.scalars(select(OutboxMessage)).all()}
    assert channels == {"email", "letter"}  # the code by email, the acknowledgement by post


def test_submitting_twice_makes_one_request(resident, client_request, session):
    resident.make_request()
    client_request.post("/request/check", {"declaration": "y"})
    client_request.client.post("/request/check", data={"declaration": "y"})
    assert session.scalar(select(func.count(DataRequest.id))) == 1
    # The back button to any question page leads to the confirmation, not a new request.
    response = client_request.client.get("/request/right")
    assert response.location.endswith("/request/confirmation")


def test_change_link_returns_to_check_and_new_questions_are_asked(
    resident, client_request, session
):
    client_request.post("/request/right", {"right": "objection"})
    # Answer everything for an objection, up to the check page, without submitting.
    for step, data in [
        ("who", {"who": "me"}),
        ("details", {"full_name": "Sam Taylor", "date_of_birth": ["1", "2", "1985"]}),
        ("address", {"address_line_1": "1 Judd Street", "town": "London", "postcode": "WC1H 9JE"}),
        ("objection-uses", {"uses": ["evaluate_impact"]}),
        ("objection-reasons", {"reasons": "Because"}),
        ("contact", {"method": "email", "email": "sam@example.com"}),
    ]:
        client_request.post(f"/request/{step}", data)
    from tests.helpers import latest_code

    client_request.post("/request/confirm-contact", {"code": latest_code()})
    page = client_request.get("/request/check")
    links = [a["href"] for a in page.select(".govuk-summary-list__actions a")]
    assert "/request/details?change=1" in links
    # A simple change goes straight back to the check page.
    response = client_request.post(
        "/request/details?change=1",
        {
            "full_name": "Sam Taylor",
            "date_of_birth": ["1", "2", "1985"],
            "nhs_number": "943 476 5919",
        },
    )
    assert response.location.endswith("/request/check")
    # Changing the right asks the new right's questions, then returns to the check page.
    response = client_request.post("/request/right?change=1", {"right": "restriction"})
    assert response.location.endswith("/request/restriction-grounds?change=1")
    response = client_request.post("/request/restriction-grounds?change=1", {"ground": "accuracy"})
    assert response.location.endswith("/request/restriction-why?change=1")
    response = client_request.post("/request/restriction-why?change=1", {"why": "Checking"})
    assert response.location.endswith("/request/restriction-tell?change=1")
    response = client_request.post("/request/restriction-tell?change=1", {"tell": "no"})
    assert response.location.endswith("/request/check")
    text = client_request.get("/request/check").get_text()
    assert "943 476 5919" not in text and "9434765919" in text
    assert "Why do you object?" not in text  # the old right's answers no longer apply
    client_request.post("/request/check", {"declaration": "y"})
    request = only_request(session)
    assert request.data_right == "restriction"
    assert "objection-uses" not in request.answers
    assert request.person("subject").nhs_number == "9434765919"


@pytest.mark.parametrize(
    ("right", "who"),
    [
        ("access", "represented"),
        ("rectification", "child"),
        ("restriction", "young_person"),
        ("objection", "me"),
    ],
)
def test_every_question_page_renders_with_gov_uk_basics(resident, client_request, right, who):
    """GET each page before answering it: one <h1>, a matching <title>, a back link."""
    from tests.helpers import latest_code

    seen = []
    original = resident.answer

    def answer_after_looking(step, data, expected_status=302):
        page = client_request.get(f"/request/{step}")
        assert page.select_one(".govuk-back-link"), step
        seen.append(step)
        return original(step, data, expected_status)

    resident.answer = answer_after_looking
    dob = f"3 4 {date.today().year - 13}" if who in ("child", "young_person") else "1 2 1985"
    resident.make_request(right=right, who=who, dob=dob)
    assert seen[0] == "right" and seen[-1] == "contact"
    assert latest_code()


def test_wording_for_one_resident_does_not_leak_to_the_next(make_app):
    from tests.helpers import ClientRequest, error_summary

    app = make_app()
    with app.app_context():
        for who, expected in [
            ("child", "Enter your child's full name"),
            ("me", "Enter your full name"),
            ("represented", "Enter their full name"),
        ]:
            client_request = ClientRequest(app.test_client())
            client_request.client.get("/request/start")
            client_request.post("/request/right", {"right": "access"})
            client_request.post("/request/who", {"who": who})
            if who == "represented":
                client_request.post("/request/representative", {"capacity": "advocate"})
                client_request.post(
                    "/request/authority",
                    {"upload": pdf_file()},
                    content_type="multipart/form-data",
                )
            page = client_request.post("/request/details", {}, expected_status=200)
            assert error_summary(page)[0][0] == expected
