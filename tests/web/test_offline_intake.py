"""Logging a request received by post, phone, email or in person: the resident journey's own
questions for each right and asker, their validation, a scan of the letter or form, for the DPO
and caseworkers, in one transaction."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.deadlines import add_months
from portal.deadlines.calendar import now_utc, received_date
from portal.extensions import db
from portal.models import AuditActor, AuditEvent, DataRequest, OutboxMessage, Upload
from portal.questions import journey
from portal.rights import RIGHTS
from tests.helpers import error_summary
from tests.staff_helpers import make_staff, sign_in
from tests.web.intake_helpers import fill, with_scan

WHO = ("me", "young_person", "child", "represented")


def today():
    return received_date(now_utc())


@pytest.fixture
def people(app):
    return {
        "dpo": make_staff("dpo", name="Dana Price"),
        "housing": make_staff("caseworker", ["housing"], name="Hana Okafor"),
        "admin": make_staff("admin", name="Ali Admin"),
    }


@pytest.fixture
def as_(app, people, client_request):
    def sign_in_as(who):
        client = app.test_client()
        sign_in(client, people[who])
        client_request.client = client
        return client_request

    return sign_in_as


def count(model=DataRequest) -> int:
    return db.session.scalar(select(func.count(model.id)))


def post(client, url, data, status=302):
    return client.post(url, data, status, content_type="multipart/form-data")


def test_first_the_right_and_who_is_asking_then_their_questions(people, as_):
    client = as_("dpo")
    page = client.get("/staff/requests/new?right=")
    assert [h for _, h in error_summary(page)] == ["#right", "#who"]
    page = client.get("/staff/requests/new")
    assert page.select("input[name=right]") and not page.select("input[name=channel]")
    page = client.get("/staff/requests/new?right=access&who=me")
    assert page.select("input[name=channel]") and page.select("input[name=scan]")


@pytest.mark.parametrize("right", RIGHTS)
@pytest.mark.parametrize("who", WHO)
def test_each_right_asks_the_journeys_questions_and_stores_the_answers(people, as_, right, who):
    client = as_("dpo")
    url = f"/staff/requests/new?right={right}&who={who}"
    page = client.get(url)
    # Every question page of the journey for this right and asker (uploads aside: the scan
    # stands for them) is on the staff page, under its own name.
    answers = {"right": {"right": right}, "who": {"who": who}}
    expected = {
        s.name
        for s in journey.applicable(answers, today())
        if s.name not in answers and not issubclass(s.form, journey.forms.UploadForm)
    }
    shown = {
        name.rsplit("-", 1)[0]
        for name in {i["name"] for i in page.select("form[enctype] [name]")}
        if "-" in name
    }
    assert expected - {"child-view"} <= shown
    response = post(client, url, with_scan(fill(page, channel="post")))
    made = db.session.scalar(select(DataRequest).order_by(DataRequest.id.desc()))
    assert response.location.endswith(f"/staff/requests/{made.reference}")
    assert made.data_right == right and made.channel == "post"
    # The right's own answers are kept as the journey keeps them.
    own = {s.name for s in journey.applicable(answers, today())} - {"right", "who"}
    assert {k for k in made.answers if k.startswith(right)} == {
        n for n in own if n.startswith(right) and n in shown
    }
    assert made.answers["who"] == who
    scan = db.session.scalar(select(Upload).where(Upload.request_id == made.id))
    assert scan.purpose == "scan" and scan.filename == "letter.pdf"
    assert made.routing_proposal["services"]  # routed like an online request


def test_a_request_received_by_post_starts_its_clock_on_the_day_it_arrived(people, as_):
    client = as_("dpo")
    url = "/staff/requests/new?right=access&who=child"
    page = client.get(url)
    arrived = today() - timedelta(days=10)
    data = fill(page, received=arrived, channel="post")
    # Post needs the scan; a parent's request needs the parent's name.
    page = post(client, url, {**data, "requester-full_name": ""}, 200)
    assert error_summary(page) == [
        ("Select a scan of the letter or form", "#scan"),
        ("Enter your full name", "#requester-full_name"),
    ]
    assert count() == 0 and count(Upload) == 0
    future = today() + timedelta(days=3)
    page = post(
        client,
        url,
        with_scan({**data, "received": [str(future.day), str(future.month), str(future.year)]}),
        200,
    )
    assert error_summary(page)[0][0] == "Date received must be today or in the past"
    # A postal reply with no email or mobile: staff need no one-time code, so that is enough.
    postal = {
        **data,
        "contact-method": "post",
        "contact-post_email": "",
        "contact-post_mobile": "",
        "contact-post_address_line_1": "2 Crowndale Road",
        "contact-post_town": "London",
        "contact-post_postcode": "NW1 1TN",
    }
    post(client, url, with_scan(postal))
    made = db.session.scalar(select(DataRequest))
    assert made.channel == "post" and made.received_date == arrived
    assert add_months(arrived, 1) <= made.due_date <= add_months(arrived, 1) + timedelta(days=4)
    letter = db.session.scalar(
        select(OutboxMessage).where(
            OutboxMessage.request_id == made.id, OutboxMessage.channel == "letter"
        )
    )
    assert "Mia Jones" in letter.recipient
    logged = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.request_id == made.id, AuditEvent.action == "logged_offline"
        )
    )
    dpo = people["dpo"]
    assert logged.actor == AuditActor("staff", dpo.full_name, dpo.id, "dpo")
    assert logged.detail["scan"] is True


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        (
            {"contact-method": "sms", "contact-mobile": "12345"},
            [
                (
                    "Enter a UK mobile phone number, like 07700 900 982 or +44 7700 900 982",
                    "#contact-mobile",
                )
            ],
        ),
        (
            {"address-postcode": "ZZ"},
            [("Enter a real postcode, like NW1 2RU", "#address-postcode")],
        ),
        (
            {"contact-method": "both", "contact-both_email": "mia@"},
            [
                (
                    "Enter an email address in the correct format, like name@example.com",
                    "#contact-both_email",
                )
            ],
        ),
        (
            {"details-full_name": "M" * 201},
            [("Full name must be 200 characters or fewer", "#details-full_name")],
        ),
        ({"access-parts": None}, [("Select the kinds of information you want", None)]),
    ],
)
def test_an_offline_request_is_checked_like_the_online_journey(people, as_, change, errors):
    client = as_("dpo")
    url = "/staff/requests/new?right=access&who=me"
    data = fill(client.get(url))
    page = post(client, url, {k: v for k, v in {**data, **change}.items() if v is not None}, 200)
    found = error_summary(page)
    assert [t for t, _ in found] == [t for t, _ in errors]
    assert all(h == want for (_, h), (_, want) in zip(found, errors, strict=True) if want)
    assert count() == 0
    post(client, url, data)
    made = db.session.scalar(select(DataRequest))
    assert made.person("subject").full_name == "Mia Jones"


def test_an_empty_page_shows_every_question_it_needs_answered(people, as_):
    client = as_("dpo")
    page = post(client, "/staff/requests/new?right=access&who=child", {}, 200)
    targets = [h for _, h in error_summary(page)]
    assert targets[:2] == ["#channel", "#received-day"]
    assert "#contact-method" in targets and "#details-full_name" in targets
    assert count() == 0


def test_an_infected_or_wrong_type_scan_is_refused_and_nothing_stored(people, as_):
    client = as_("dpo")
    url = "/staff/requests/new?right=access&who=me"
    data = fill(client.get(url), channel="email")
    page = post(client, url, with_scan(data, b"just text", "letter.txt"), 200)
    assert error_summary(page) == [("The selected file must be a PDF, JPG or PNG", "#scan")]
    assert count() == 0 and count(Upload) == 0


def test_a_caseworker_logs_a_request_for_the_dpo_to_triage(people, as_):
    client = as_("housing")
    url = "/staff/requests/new?right=objection&who=me"
    response = post(client, url, fill(client.get(url)))
    made = db.session.scalar(select(DataRequest))
    # Not routed to their service yet, so they are told its reference and go back to the queue.
    assert response.location.endswith("/staff/requests")
    page = client.get("/staff/requests")
    assert f"Request {made.reference} logged" in page.get_text()
    logged = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "logged_offline"))
    assert logged.actor.role == "caseworker"


def test_an_administrator_cannot_log_a_request(people, as_):
    client = as_("admin").client
    assert client.get("/staff/requests/new?right=access&who=me").status_code == 403
    assert client.post("/staff/requests/new?right=access&who=me").status_code == 403
