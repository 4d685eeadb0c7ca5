"""The complaint journey through the pages: online (from the footer, the start page and a
request's tracking page), confirmed with a code, acknowledged at once; tracked by its own
reference; answered by the DPO with an outcome notice the complainant reads; logged by the DPO
from a letter, call or email; every form's bad input gives an error summary and stores nothing;
caseworkers do not see complaints."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.deadlines.calendar import now_utc, received_date
from portal.domain.clock import deadline_of
from portal.extensions import db
from portal.models import AuditEvent, DataRequest, Draft, OutboxMessage
from portal.runtime import definition, working_calendar
from tests.factories import make_request
from tests.helpers import ClientRequest, deliver_messages, error_summary, latest_code, normalise
from tests.staff_helpers import make_staff, sign_in
from tests.workflow_names import state

ABOUT = {"about": "request", "request_reference": ""}
DETAILS = {
    "what_happened": "You sent my records to my old address.",
    "what_they_want": "An apology and to know who saw them.",
}
CONTACT = {"full_name": "Cara Jones", "email": "cara.complains@example.com", "mobile": ""}


def dpo_mailbox():
    """The DPO team's mailbox, told of every new complaint beside the complainant's messages."""
    routing = definition().routing
    return routing.team_emails[routing.triage_team]


def complaints():
    return db.session.scalars(
        select(DataRequest).where(DataRequest.data_right == "complaint").order_by(DataRequest.id)
    ).all()


def make_online_complaint(client_request, about=None, details=None, contact=None, start=None):
    client_request.client.get(start or "/complaint/begin")
    client_request.post("/complaint/complaint-about", about or ABOUT)
    client_request.post("/complaint/complaint-details", details or DETAILS)
    response = client_request.post("/complaint/complaint-contact", contact or CONTACT)
    assert response.location.endswith("/complaint/check")
    response = client_request.client.get("/complaint/check")
    assert response.location.endswith("/complaint/confirm")  # the code is sent first
    client_request.post("/complaint/confirm", {"code": latest_code()})
    page = client_request.get("/complaint/check")
    client_request.post("/complaint/check", {})
    return page


def test_the_footer_and_start_page_link_to_the_complaint_form(client_request, session):
    for url in ("/", "/privacy", "/track"):
        page = client_request.get(url)
        assert "/complaint" in [a["href"] for a in page.select(".govuk-footer a")]
    page = client_request.get("/")
    assert "/complaint" in [a["href"] for a in page.select("main a")]
    page = client_request.get("/complaint")
    assert page.select_one("a.govuk-button--start")["href"] == "/complaint/begin"


def test_a_complaint_made_online_is_acknowledged_at_once_and_tracked(client_request, session):
    page = make_online_complaint(client_request, contact={**CONTACT, "mobile": "07700 900 123"})
    text = normalise(page.get_text(" "))
    assert "You sent my records to my old address." in text
    assert "07700900123" in text  # stored compact, as the request journey does
    [complaint] = complaints()
    assert complaint.state == state("complaint_received")
    sent = client_request.get("/complaint/sent")
    assert complaint.reference in normalise(sent.get_text(" "))
    today = received_date(now_utc())
    dates = deadline_of(complaint, definition(), working_calendar(), today)
    assert dates.acknowledge_by == working_calendar().roll_forward(today + timedelta(days=30))
    # Acknowledged at once on both channels given, through the outbox.
    acks = [
        m
        for m in deliver_messages()
        if complaint.reference in (m.subject or m.body) and m.recipient != dpo_mailbox()
    ]
    assert sorted(m.channel for m in acks) == ["email", "sms"]
    # Tracked by its own reference and a code.
    client_request.post(
        "/track", {"reference": complaint.reference, "contact": "cara.complains@example.com"}
    )
    client_request.post("/track/code", {"code": latest_code()})
    page = client_request.get("/track/request")
    text = normalise(page.get_text(" "))
    assert f"Your complaint {complaint.reference}" in text
    assert "We have received your complaint" in text
    assert "We aim to tell you the outcome by" in text


def test_the_dpo_sees_it_on_the_queue_and_answers_it(client, session):
    resident = ClientRequest(client)
    make_online_complaint(resident)
    [complaint] = complaints()
    dpo = make_staff("dpo", name="Dana Price")
    sign_in(client, dpo)
    staff = ClientRequest(client)
    queue = staff.get("/staff/requests")
    row = next(r for r in queue.select("tbody tr") if complaint.reference in r.get_text())
    assert "Complaint" in row.get_text()
    page = staff.get(f"/staff/requests/{complaint.reference}")
    text = normalise(page.get_text(" "))
    assert "Acknowledge by (30 days, s.164A)" in text
    assert "Internal target for the outcome" in text
    assert "You sent my records to my old address." in text
    links = [a["href"] for a in page.select("a")]
    ref = complaint.reference
    assert f"/staff/requests/{ref}/notices/answer_complaint" in links
    assert f"/staff/requests/{ref}/actions/acknowledge_complaint" in links
    # Refused: the form without saying how it was acknowledged.
    page = staff.post(
        f"/staff/requests/{ref}/actions/acknowledge_complaint",
        {"how": "", "version": complaint.version},
        200,
    )
    assert error_summary(page)
    db.session.refresh(complaint)
    assert complaint.state == state("complaint_received")
    # The outcome: written, previewed, sent.
    url = f"/staff/requests/{ref}/notices/answer_complaint/complaint_upheld"
    page = staff.post(url, {"reasons": "", "steps": "", "version": complaint.version}, 200)
    assert [href for _, href in error_summary(page)] == ["#reasons", "#steps"]
    response = staff.post(
        url,
        {
            "reasons": "We posted the records to an old address. We apologise.",
            "steps": "We checked the post log and spoke to the team.",
            "version": complaint.version,
        },
    )
    preview = staff.get(response.location)
    assert "We checked the post log" in normalise(preview.get_text(" "))
    staff.post(response.location, {"version": complaint.version})
    db.session.refresh(complaint)
    assert complaint.state == state("complaint_answered")
    assert complaint.outcome == "complaint_upheld"
    # The complainant reads the outcome, the steps and the ICO's details.
    client.post("/staff/sign-out", data={})
    resident = ClientRequest(app_client := client)
    app_client.post("/track", data={"reference": ref, "contact": CONTACT["email"]})
    resident.post("/track/code", {"code": latest_code()})
    text = normalise(resident.get("/track/request").get_text(" "))
    for expected in (
        "We have upheld your complaint",
        "We checked the post log and spoke to the team.",
        "Information Commissioner's Office",
        "We have told you the outcome of your complaint",
    ):
        assert expected in text


def test_a_complaint_from_a_tracking_page_is_linked_to_that_request(client, session):
    request = make_request(session)  # sam@example.com
    resident = ClientRequest(client)
    resident.post("/track", {"reference": request.reference, "contact": "sam@example.com"})
    resident.post("/track/code", {"code": latest_code()})
    page = resident.get("/track/request")
    link = next(a for a in page.select("main a") if "Make a complaint" in a.get_text())
    assert link["href"] == "/complaint/begin?about=tracked"
    client.get(link["href"])
    page = resident.get("/complaint/complaint-about")
    assert page.select_one("#request_reference")["value"] == request.reference
    make_online_complaint(
        resident,
        about={"about": "request", "request_reference": request.reference},
        contact={**CONTACT, "email": "sam@example.com"},
        start=link["href"],
    )
    [complaint] = complaints()
    assert complaint.complaint_about_id == request.id
    # The request's tracking page lists it.
    resident.post("/track", {"reference": request.reference, "contact": "sam@example.com"})
    resident.post("/track/code", {"code": latest_code()})
    text = normalise(resident.get("/track/request").get_text(" "))
    assert f"{complaint.reference}: We have received your complaint" in text
    # Staff see each from the other.
    sign_in(client, make_staff("dpo", name="Dana Price"))
    staff = ClientRequest(client)
    page = staff.get(f"/staff/requests/{request.reference}")
    assert f"/staff/requests/{complaint.reference}" in [a["href"] for a in page.select("a")]
    page = staff.get(f"/staff/requests/{complaint.reference}")
    assert f"/staff/requests/{request.reference}" in [a["href"] for a in page.select("a")]


def test_a_reference_to_someone_elses_request_is_not_linked(client_request, session):
    request = make_request(session)
    make_online_complaint(
        client_request, about={"about": "request", "request_reference": request.reference}
    )
    [complaint] = complaints()
    assert complaint.complaint_about_id is None
    assert complaint.answers["complaint"]["request_reference"] == request.reference


@pytest.mark.parametrize(
    ("page", "data", "expected"),
    [
        (
            "complaint-about",
            {},
            [("Select what your complaint is about", "#about")],
        ),
        (
            "complaint-about",
            {"about": "weather", "request_reference": "12345"},
            [
                ("Select what your complaint is about", "#about"),  # a tampered form
                (
                    "Enter the request reference in the right format, like DR-7KQ2-M9XP",
                    "#request_reference",
                ),
            ],
        ),
        (
            "complaint-details",
            {},
            [
                ("Enter what happened", "#what_happened"),
                ("Enter what you would like us to do", "#what_they_want"),
            ],
        ),
        (
            "complaint-details",
            {"what_happened": "x" * 5001, "what_they_want": "y"},
            [("What happened must be 5000 characters or fewer", "#what_happened")],
        ),
        (
            "complaint-contact",
            {},
            [
                ("Enter your full name", "#full_name"),
                ("Enter an email address or a UK mobile phone number", "#email"),
            ],
        ),
        (
            "complaint-contact",
            {"full_name": "Cara", "email": "cara@", "mobile": "12"},
            None,
        ),
    ],
)
def test_bad_input_on_each_page_is_explained_and_not_stored(
    client_request, session, page, data, expected
):
    client_request.client.get("/complaint/begin")
    answers = {
        "complaint-about": ABOUT,
        "complaint-details": DETAILS,
    }
    for name, given in answers.items():
        if name == page:
            break
        client_request.post(f"/complaint/{name}", given)
    before = dict(db.session.scalars(select(Draft)).one().answers)
    result = client_request.post(f"/complaint/{page}", data, 200)
    summary = error_summary(result)
    if expected is None:  # the field library's own messages
        assert [href for _, href in summary] == ["#email", "#mobile"]
    else:
        assert summary == expected
    db.session.expire_all()
    assert db.session.scalars(select(Draft)).one().answers == before
    assert not complaints()


def test_a_wrong_code_sends_nothing_and_makes_no_complaint(client_request, session):
    client_request.client.get("/complaint/begin")
    client_request.post("/complaint/complaint-about", ABOUT)
    client_request.post("/complaint/complaint-details", DETAILS)
    client_request.post("/complaint/complaint-contact", CONTACT)
    client_request.client.get("/complaint/check")
    page = client_request.post("/complaint/confirm", {"code": "000000"}, 200)
    assert error_summary(page) == [("The code is not correct. Check it and try again", "#code")]
    page = client_request.post("/complaint/confirm", {"code": "12"}, 200)
    assert error_summary(page) == [("The confirmation code must be 6 numbers", "#code")]
    assert client_request.client.post("/complaint/check").location.endswith("/complaint/confirm")
    assert not complaints()


def test_pages_cannot_be_skipped(client_request, session):
    assert client_request.client.get("/complaint/check").status_code == 400  # no draft
    client_request.client.get("/complaint/begin")
    response = client_request.client.get("/complaint/complaint-contact")
    assert response.location.endswith("/complaint/complaint-about")
    response = client_request.client.post("/complaint/check")
    assert response.location.endswith("/complaint/complaint-about")
    assert client_request.client.get("/complaint/nowhere").status_code == 404


def test_the_complainant_can_withdraw(client_request, session):
    make_online_complaint(client_request)
    [complaint] = complaints()
    client_request.post("/track", {"reference": complaint.reference, "contact": CONTACT["email"]})
    client_request.post("/track/code", {"code": latest_code()})
    page = client_request.get("/track/request")
    assert "/track/request/withdraw" in [a["href"] for a in page.select("main a")]
    page = client_request.get("/track/request/withdraw")
    assert "withdraw your complaint" in normalise(page.get_text(" "))
    client_request.post("/track/request/withdraw", {})
    db.session.refresh(complaint)
    assert complaint.state == state("complaint_withdrawn")


OFFLINE = {
    "channel": "phone",
    "about": "use",
    "request_reference": "",
    "what_happened": "My details were shared with my ex-partner.",
    "what_they_want": "To know how.",
    "full_name": "Pat Doe",
    "email": "pat.complains@example.com",
    "mobile": "",
    "address": "",
    "postcode": "",
}


def _offline(**changes):
    today = received_date(now_utc())
    data = {**OFFLINE, "received": [str(today.day), str(today.month), str(today.year)]}
    data.update(changes)
    return data


@pytest.fixture
def dpo(client):
    sign_in(client, make_staff("dpo", name="Dana Price"))
    return ClientRequest(client)


def test_the_dpo_logs_a_phoned_in_complaint(dpo, session):
    page = dpo.get("/staff/complaints/new")
    assert "/staff/complaints/new" in [a["href"] for a in page.select("a")]  # in the menu
    response = dpo.post("/staff/complaints/new", _offline(mobile="07700 900 456"))
    [complaint] = complaints()
    assert response.location.endswith(f"/staff/requests/{complaint.reference}")
    assert complaint.channel == "phone"
    assert complaint.people[0].phone == "07700900456"
    rows = db.session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.request_id == complaint.id,
            OutboxMessage.message_key != "staff_new_request",
        )
    ).all()
    assert sorted(r.channel for r in rows) == ["email", "sms"]
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.request_id == complaint.id)
    ).one()
    assert (event.action, event.actor_name) == ("complaint_made", "Dana Price")


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"channel": "", "about": "", "what_happened": "", "full_name": ""},
            ["#channel", "#about", "#what_happened", "#full_name"],
        ),
        ({"received": ["31", "2", "2026"]}, ["#received-day"]),
        ({"received": ["1", "1", "2099"]}, ["#received"]),
        ({"email": "", "mobile": "", "address": ""}, ["#email"]),
        ({"address": "1 Judd Street"}, ["#postcode"]),
        ({"email": "pat@", "mobile": "0123"}, ["#email", "#mobile"]),
        ({"request_reference": "DR-AAAA-BBBB"}, ["#request_reference"]),
        ({"request_reference": "nonsense"}, ["#request_reference"]),
    ],
)
def test_bad_input_on_the_intake_form_stores_nothing(dpo, session, changes, expected):
    events = db.session.scalar(select(func.count(AuditEvent.id)))
    page = dpo.post("/staff/complaints/new", _offline(**changes), 200)
    assert [href for _, href in error_summary(page)] == expected
    assert not complaints()
    assert db.session.scalar(select(func.count(AuditEvent.id))) == events


def test_caseworkers_do_not_see_complaints(client, session):
    request = make_request(session)
    from portal.domain.actions import apply_action
    from tests.factories import DPO, context

    apply_action(context(session), request, "route", DPO, {"services": ["housing"]})
    resident = ClientRequest(client)
    make_online_complaint(
        resident,
        about={"about": "request", "request_reference": request.reference},
        contact={**CONTACT, "email": "sam@example.com"},
    )
    [complaint] = complaints()
    assert complaint.complaint_about_id == request.id
    sign_in(client, make_staff("caseworker", services=("housing",)))
    staff = ClientRequest(client)
    assert client.get(f"/staff/requests/{complaint.reference}").status_code == 404
    queue = normalise(staff.get("/staff/requests").get_text(" "))
    assert request.reference in queue and complaint.reference not in queue
    page = staff.get(f"/staff/requests/{request.reference}")
    assert complaint.reference not in normalise(page.get_text(" "))
    assert client.get("/staff/complaints/new").status_code == 403


def test_signing_in_to_the_request_proves_it_whatever_contact_the_complaint_gives(
    client_request, session
):
    request = make_request(session)  # sam@example.com
    other = make_request(session, key="d2", name="Someone Else", contact={"email": "x@example.com"})
    client_request.post("/track", {"reference": request.reference, "contact": "sam@example.com"})
    client_request.post("/track/code", {"code": latest_code()})
    make_online_complaint(
        client_request,
        about={"about": "request", "request_reference": request.reference},
        start="/complaint/begin?about=tracked",
    )
    # Started from the same tracking page but naming another request: not proved.
    make_online_complaint(
        client_request,
        about={"about": "request", "request_reference": other.reference},
        contact={**CONTACT, "email": "cara.second@example.com"},
        start="/complaint/begin?about=tracked",
    )
    first, second = complaints()
    assert first.complaint_about_id == request.id
    assert second.complaint_about_id is None


def test_the_queue_tags_a_late_complaint_and_names_its_request(client, session):
    from datetime import UTC, datetime, time

    from tests.factories import make_complaint

    request = make_request(session)
    today = received_date(now_utc())
    long_ago = datetime.combine(today - timedelta(days=45), time(10), UTC)
    late = make_complaint(
        session, now=long_ago, reference=request.reference, email="sam@example.com"
    )
    assert late.due_date < today
    sign_in(client, make_staff("dpo", name="Dana Price"))
    queue = ClientRequest(client).get("/staff/requests?right=complaint")
    rows = queue.select("tbody tr")
    assert len(rows) == 1
    text = normalise(rows[0].get_text(" "))
    assert late.reference in text and "Overdue" in text
    assert f"about {request.reference}" in text
    links = [a["href"] for a in rows[0].select("a")]
    assert f"/staff/requests/{request.reference}" in links
