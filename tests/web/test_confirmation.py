"""The confirmation page and the acknowledgement: where it went, what happens next, a copy of
the answers to print, and an email that says what was asked without the details."""

import pytest
from sqlalchemy import select

from portal.deadlines.calendar import now_utc
from portal.extensions import db
from portal.models import DataRequest
from portal.notify.configured import sender
from portal.notify.dispatch import dispatch
from portal.runtime import definition
from tests.factories import make_request
from tests.helpers import ClientRequest, Resident, deliver_messages, normalise


@pytest.fixture
def resident(client_request):
    client_request.client.get("/request/start")
    return Resident(client_request)


def acknowledgement(messages):
    (found,) = [m for m in messages if "received your request" in m.body and m.channel == "email"]
    return found


def test_the_confirmation_says_where_it_went_and_what_happens_next(resident, client_request):
    resident.make_request(contact={"email": "sam.taylor@example.com"})
    page = client_request.get("/request/confirmation")
    text = normalise(page.get_text())
    sent_to = normalise(page.select_one("#sent-to").get_text())
    assert "by email to s•••@example.com" in sent_to
    assert "sam.taylor" not in text  # partly hidden from anyone looking on
    assert page.find("a", href="/track").get_text(strip=True) == "check or update your request"
    assert "We send you our answer by email" in text
    assert "within one calendar month" in text and "up to 2 more months" in text
    assert page.find("a", href="/request/confirmation/answers")


def test_a_text_message_confirmation_shows_the_last_digits_only(resident, client_request):
    resident.make_request(contact_method="sms", contact={"mobile": "07700 900123"})
    sent_to = normalise(client_request.get("/request/confirmation").select_one("#sent-to").text)
    assert "by text message to ••••••••123" in sent_to
    assert "07700" not in sent_to


def test_a_copy_of_the_answers_to_print_shows_what_the_check_page_showed(resident, client_request):
    check = resident.make_request(right="rectification")
    copy = client_request.get("/request/confirmation/answers")
    request = db.session.scalars(select(DataRequest)).one()
    assert copy.h1.get_text(strip=True) == f"Your request {request.reference}"

    def rows(page):
        return [
            (normalise(r.select_one("dt").get_text()), normalise(r.select_one("dd").get_text()))
            for r in page.select(".govuk-summary-list__row")
        ]

    assert rows(copy) == rows(check)
    assert ("What is wrong or missing?", "My date of birth is wrong") in rows(copy)
    assert not copy.select(".govuk-summary-list__actions")  # nothing to change any more
    assert copy.select_one("[data-module=portal-print]")


def test_nobody_else_gets_the_copy_of_the_answers(resident, client_request, app):
    resident.make_request()
    stranger = ClientRequest(app.test_client())
    response = stranger.client.get("/request/confirmation/answers")
    assert response.status_code == 302 and response.location.endswith("/")


def test_the_acknowledgement_email_summarises_what_was_asked_without_the_details(resident, session):
    resident.make_request(
        who="child",
        dob="3 4 2020",
        overrides={
            "access": {
                "parts": ["home", "health", "safety"],
                "what": "My son's CAMHS referral and the police report",
                "period": "All of it",
            },
        },
    )
    body = acknowledgement(deliver_messages()).body
    assert "* What you asked for: a copy of your child's information" in body
    assert "* Who it is about: your child" in body
    assert "* Kinds of information: housing and 2 other kinds" in body
    for private in ("CAMHS", "police", "Sam Taylor", "2020", "wellbeing", "Health", "safety"):
        assert private not in body
    letter_or_sms = [m for m in deliver_messages() if m.channel != "email"]
    assert all("Kinds of information" not in m.body for m in letter_or_sms)


def test_everything_is_searched_when_the_resident_is_not_sure(resident):
    resident.make_request(
        overrides={"access": {"parts": ["not_sure"], "what": "All", "period": "All of it"}}
    )
    body = acknowledgement(deliver_messages()).body
    assert "* Kinds of information: everything we hold (you were not sure which kinds)" in body
    assert "* Who it is about: you" in body


def test_the_summary_reaches_notify_as_the_templates_personalisation(notify_app, fake_notify):
    make_request(
        db.session,
        who="represented",
        # A request sent when the question listed the privacy notice's categories.
        extra={"access-parts": {"parts": ["reports_assessments", "risk"]}},
    )
    fake_notify.behaviour.slow_seconds = 0
    dispatch(db.session, definition(), sender(), now_utc)
    fake_notify.wait_idle()
    (sent,) = [
        n
        for n in fake_notify.notifications
        if n["type"] == "email" and "summary" in n["personalisation"]
    ]
    assert sent["personalisation"]["summary"].splitlines() == [
        "* What you asked for: a copy of their information",
        "* Who it is about: the person you act for",
        "* Kinds of information: reports about your situation and 1 other kind not named here",
    ]
