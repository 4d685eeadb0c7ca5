"""Save and come back later: a single-use link by email, or the contact and a code, within the
7 days the retention schedule keeps unsent answers."""

import hashlib
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.clock import FixedClock
from portal.deadlines.calendar import now_utc
from portal.domain import retention
from portal.domain.filestore import FileStore
from portal.extensions import db
from portal.models import Draft, OutboxMessage
from tests.helpers import ClientRequest, deliver_messages, error_summary, normalise

FIRST_PAGES = [
    ("right", {"right": "access"}),
    ("who", {"who": "me"}),
    (
        "details",
        {"full_name": "Sam Taylor", "other_names": "", "date_of_birth": ["1", "2", "1985"]},
    ),
]


@pytest.fixture
def clock(app):
    fixed = FixedClock(now_utc())
    app.extensions["clock"] = fixed
    return fixed


def later(clock, **delta):
    clock.moment = clock.moment + timedelta(**delta)


def half_finished(client_request):
    client_request.client.get("/request/start")
    for step, data in FIRST_PAGES:
        client_request.post(f"/request/{step}", data)


def save(client_request, contact="sam@example.com"):
    return client_request.post("/request/save", {"contact": contact})


def the_link(messages) -> str:
    (saved,) = [m for m in messages if m.subject == "Your saved answers"]
    return re.search(r"http://localhost(/request/resume/\S+)", saved.body).group(1)


def test_every_question_page_and_the_check_page_offer_to_save(client_request):
    half_finished(client_request)
    page = client_request.get("/request/address")
    assert page.find("a", string="Save and come back later")["href"] == "/request/save"
    assert not client_request.get("/").find("a", string="Save and come back later")


def test_saving_sends_a_single_use_link_and_signs_out(client_request, app, clock):
    half_finished(client_request)
    response = save(client_request, "Sam@Example.com")
    assert response.location.endswith("/request/saved")
    page = client_request.get("/request/saved")
    assert "We have sent a link to S•••@example.com" in normalise(page.get_text())
    until = clock.moment + timedelta(days=7)
    assert f"until {until.day} {until:%B %Y}" in normalise(page.get_text())
    # Signed out: the answers are not on this device any more.
    assert client_request.client.get("/request/address").status_code == 400

    link = the_link(deliver_messages())
    token = link.rsplit("/", 1)[1]
    draft = db.session.scalars(select(Draft)).one()
    assert draft.saved_contact == "sam@example.com"
    assert draft.resume_token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(db.session.scalars(select(OutboxMessage.personalisation)).all())
    assert len(token) >= 40 and "sam" not in link.lower()

    # Opening the link only asks (a mail scanner must not spend it)...
    other_device = ClientRequest(app.test_client())
    assert other_device.get(link).h1.get_text(strip=True) == "Carry on with your request"
    assert other_device.get(link).find("button", string=re.compile("Carry on"))
    # ...the button carries on where the resident stopped, with every answer kept.
    response = other_device.post(link, {})
    assert response.location.endswith("/request/address")
    page = other_device.get("/request/details")
    assert page.find("input", {"name": "full_name"})["value"] == "Sam Taylor"
    # Used once: the same link again leads nowhere.
    assert other_device.get(link, 404).h1.get_text(strip=True) == (
        "This link has expired or has been used"
    )
    assert ClientRequest(app.test_client()).post(link, {}, 404)


def test_a_link_older_than_7_days_is_refused_and_the_answers_are_deleted(
    client_request, app, clock, tmp_path
):
    half_finished(client_request)
    save(client_request)
    link = the_link(deliver_messages())
    later(clock, days=7, minutes=1)
    assert ClientRequest(app.test_client()).get(link, 404)
    done = retention.run(
        db.session, app.extensions["retention"], FileStore(tmp_path / "store"), 60, clock.moment
    )
    assert done.counts()["unsubmitted_drafts"] == 1
    assert db.session.scalars(select(Draft)).all() == []


def test_within_7_days_the_link_still_works(client_request, app, clock):
    half_finished(client_request)
    save(client_request)
    link = the_link(deliver_messages())
    later(clock, days=6, hours=23)
    assert ClientRequest(app.test_client()).post(link, {}).location.endswith("/request/address")


def test_coming_back_with_the_mobile_and_a_code(client_request, app, clock):
    half_finished(client_request)
    save(client_request, "07700 900123")
    texts = [m for m in deliver_messages() if m.channel == "sms"]
    assert len(texts) == 1 and "http" not in texts[0].body  # no link in a text message
    assert "Carry on with a saved request" in texts[0].body

    elsewhere = ClientRequest(app.test_client())
    response = elsewhere.post("/request/resume", {"contact": "07700 900123"})
    assert response.location.endswith("/request/resume/code")
    page = elsewhere.get("/request/resume/code")
    assert page.h1.get_text(strip=True) == "Check your phone"
    page = elsewhere.post("/request/resume/code", {"code": "000000"}, 200)
    assert error_summary(page) == [("The code is not correct. Check it and try again", "#code")]
    code = re.search(r"\b(\d{6})\b", deliver_messages()[-1].body).group(1)
    response = elsewhere.post("/request/resume/code", {"code": code})
    assert response.location.endswith("/request/address")
    assert elsewhere.client.get("/request/address").status_code == 200


def test_a_contact_with_nothing_saved_gets_the_same_answer_and_no_message(app, clock):
    visitor = ClientRequest(app.test_client())
    response = visitor.post("/request/resume", {"contact": "nobody@example.com"})
    assert response.location.endswith("/request/resume/code")
    assert "we have sent a code" in normalise(visitor.get("/request/resume/code").get_text())
    assert deliver_messages() == []
    page = visitor.post("/request/resume/code", {"code": "123456"}, 200)
    assert error_summary(page)


def test_bad_contact_details_are_shown_as_errors(client_request):
    half_finished(client_request)
    page = client_request.post("/request/save", {"contact": ""}, 200)
    assert error_summary(page) == [("Enter an email address or a UK mobile number", "#contact")]
    page = client_request.post("/request/save", {"contact": "not an email"}, 200)
    assert error_summary(page)[0][1] == "#contact"
    page = ClientRequest(client_request.client).post("/request/resume", {"contact": "@"}, 200)
    assert error_summary(page)[0][1] == "#contact"
    assert db.session.scalars(select(Draft)).one().saved_contact is None


def test_too_many_saves_to_one_contact_are_refused(client_request):
    half_finished(client_request)
    for _ in range(5):
        save(client_request)
        client_request.client.get("/request/start")
        for step, data in FIRST_PAGES:
            client_request.post(f"/request/{step}", data)
    page = client_request.post("/request/save", {"contact": "sam@example.com"}, 200)
    assert error_summary(page) == [
        ("You have asked for too many codes. Wait an hour and try again", None)
    ]


def test_the_save_page_suggests_the_contact_already_confirmed(client_request):
    half_finished(client_request)
    draft = db.session.scalars(select(Draft)).one()
    draft.verified_contact = "sam@example.com"
    db.session.commit()
    page = client_request.get("/request/save")
    assert page.find("input", {"name": "contact"})["value"] == "sam@example.com"
