"""How long a resident's session lasts, said truthfully wherever it is mentioned and from one
setting; the time-out warning's figures and its "continue" and "sign out" for residents and
staff; signing out of tracking; the tracking page's history and the files' types and sizes."""

from datetime import timedelta

import pytest
from flask import render_template
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import WebSession
from tests.factories import DPO, context, make_request
from tests.helpers import ClientRequest, deliver_messages, normalise
from tests.staff_helpers import make_staff, sign_in
from tests.web.test_sessions import MovingClock
from tests.web.test_tracking import act, sign_in_as_requester, today

JSON = {"Accept": "application/json"}


@pytest.fixture
def short_app(make_app):
    app = make_app(RESIDENT_SESSION_MINUTES=30)
    app.extensions["clock"] = MovingClock()
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def dialog(page):
    return page.select_one("dialog[data-module=portal-timeout]")


def test_every_page_that_says_how_long_tells_the_truth_from_the_settings(short_app):
    visitor = ClientRequest(short_app.test_client())
    ended = normalise(visitor.get("/session-ended").get_text())
    assert "not used this service for 30 minutes" in ended
    assert "deleted 7 days" in ended or "delete answers that were not sent 7 days" in ended
    assert "24 hours" not in ended and "2 hours" not in ended
    cookies = normalise(visitor.get("/cookies").get_text())
    assert "after 30 minutes without using the service" in cookies
    privacy = normalise(visitor.get("/privacy").get_text())
    assert "answers you started but did not send for 7 days" in privacy
    with short_app.test_request_context("/request/right"):
        error_page = normalise(render_template("errors/500.html", title="Sorry"))
    assert "(30 minutes after your last page)" in error_page and "for 7 days" in error_page
    assert "24 hours" not in error_page


def test_a_residents_session_really_ends_after_the_setting(short_app):
    clock = short_app.extensions["clock"]
    visitor = ClientRequest(short_app.test_client())
    visitor.client.get("/request/start")
    visitor.post("/request/right", {"right": "access"})
    clock.offset += timedelta(minutes=29)
    assert visitor.client.get("/request/who").status_code == 200
    clock.offset += timedelta(minutes=29)  # 29 minutes after the last page: still going
    assert visitor.client.get("/request/who").status_code == 200
    clock.offset += timedelta(minutes=31)
    page = visitor.get("/request/who", 400)
    assert page.h1.get_text(strip=True) == "Your session has ended"


def test_the_warning_is_on_pages_with_something_to_lose_only(short_app):
    visitor = ClientRequest(short_app.test_client())
    assert dialog(visitor.get("/")) is None
    visitor.client.get("/request/start")
    warning = dialog(visitor.get("/request/right"))
    assert warning["data-seconds"] == str(30 * 60) and warning["data-warn-seconds"] == "120"
    assert warning["data-ended-url"] == "/session-ended"
    assert warning["aria-labelledby"] == "timeout-heading"
    assert warning.find(id="timeout-heading")
    forms = warning.find_all("form")
    assert [f["action"] for f in forms] == ["/session/extend", "/sign-out"]
    assert all(f.find("input", {"name": "csrf_token"}) for f in forms)
    # Without JavaScript a <dialog> without `open` is never shown.
    assert not warning.has_attr("open")


def test_the_warning_counts_from_when_the_session_really_ends(short_app):
    """The store rewrites a session's expiry at most once a minute: a page in between must
    not promise more time than the stored expiry leaves."""
    clock = short_app.extensions["clock"]
    visitor = ClientRequest(short_app.test_client())
    visitor.client.get("/request/start")
    visitor.get("/request/right")  # the session's first page stores its CSRF token too
    clock.offset += timedelta(seconds=30)
    seconds = int(dialog(visitor.get("/request/right"))["data-seconds"])
    assert 30 * 60 - 31 <= seconds <= 30 * 60 - 29
    clock.offset += timedelta(seconds=60)  # the record is rewritten: a full session again
    assert dialog(visitor.get("/request/right"))["data-seconds"] == str(30 * 60)


def test_continue_keeps_a_residents_session_going(short_app):
    clock = short_app.extensions["clock"]
    visitor = ClientRequest(short_app.test_client())
    visitor.client.get("/request/start")
    clock.offset += timedelta(minutes=28)
    response = visitor.client.post("/session/extend", headers=JSON)
    assert response.status_code == 200 and response.json["seconds"] == 30 * 60
    clock.offset += timedelta(minutes=28)  # 56 minutes after the only page, 28 after continue
    assert visitor.client.get("/request/right").status_code == 200


def test_without_continue_the_session_ends(short_app):
    clock = short_app.extensions["clock"]
    visitor = ClientRequest(short_app.test_client())
    visitor.client.get("/request/start")
    clock.offset += timedelta(minutes=31)
    response = visitor.client.post("/session/extend", headers=JSON)
    assert response.status_code == 401 and response.json["ended_url"] == "/session-ended"


def test_continue_without_javascript_goes_back_to_the_page(short_app):
    visitor = ClientRequest(short_app.test_client())
    visitor.client.get("/request/start")
    response = visitor.client.post(
        "/session/extend", headers={"Referer": "http://localhost/request/right"}
    )
    assert response.status_code == 303 and response.location.endswith("/request/right")


def test_the_session_ended_page_lets_the_session_go(short_app):
    visitor = ClientRequest(short_app.test_client())
    visitor.client.get("/request/start")
    assert db.session.scalar(select(func.count()).select_from(WebSession)) == 1
    visitor.get("/session-ended")
    assert db.session.scalar(select(func.count()).select_from(WebSession)) == 0
    assert visitor.client.get("/request/right").status_code == 400


def test_staff_get_the_warning_and_continue_resets_their_idle_time(app, client):
    clock = MovingClock()
    app.extensions["clock"] = clock
    sign_in(client, make_staff())
    page = ClientRequest(client).get("/staff/requests")
    warning = dialog(page)
    assert warning["data-seconds"] == str(30 * 60)  # STAFF_IDLE_MINUTES
    assert [f["action"] for f in warning.find_all("form")] == [
        "/staff/session/extend",
        "/staff/sign-out",
    ]
    assert warning["data-ended-url"] == "/staff/sign-in"
    clock.offset += timedelta(minutes=25)
    response = client.post("/staff/session/extend", headers=JSON)
    assert response.status_code == 200 and response.json["seconds"] == 30 * 60
    clock.offset += timedelta(minutes=25)  # 50 minutes since the page, 25 since continue
    assert client.get("/staff/requests").status_code == 200
    clock.offset += timedelta(minutes=31)
    assert client.get("/staff/requests").status_code == 302


def test_a_staff_warning_never_promises_more_than_the_12_hours(app, client):
    clock = MovingClock()
    app.extensions["clock"] = clock
    sign_in(client, make_staff())
    for _ in range(35):
        clock.offset += timedelta(minutes=20)
        client.get("/staff/requests")
    # 11 hours 40 minutes after signing in: 20 minutes left, not the 30 of idle time.
    warning = dialog(ClientRequest(client).get("/staff/requests"))
    assert 19 * 60 <= int(warning["data-seconds"]) <= 20 * 60


def test_tracking_has_sign_out_which_ends_the_session_on_the_server(client_request, session):
    request = make_request(session)
    page = sign_in_as_requester(client_request, request)
    nav = page.select_one(".govuk-service-navigation")
    assert nav.find("a", href="/sign-out").get_text(strip=True) == "Sign out"
    form = page.find("form", action="/sign-out")
    assert form.find("button").get_text(strip=True) == "Sign out"
    copied = client_request.client.get_cookie("portal_session").value
    response = client_request.post("/sign-out", {}, 303)
    assert response.location.endswith("/signed-out?tracking=1")
    signed_out = client_request.get("/signed-out?tracking=1")
    assert signed_out.h1.get_text(strip=True) == "You have signed out"
    assert client_request.client.get("/track/request").location.endswith("/track")
    assert db.session.scalar(select(func.count()).select_from(WebSession)) <= 1
    replay = client_request.client.application.test_client()
    replay.set_cookie("portal_session", copied)
    assert replay.get("/track/request").location.endswith("/track")


def test_the_header_link_asks_before_signing_out(client_request, session):
    request = make_request(session)
    sign_in_as_requester(client_request, request)
    page = client_request.get("/sign-out")
    assert page.h1.get_text(strip=True) == "Sign out"
    assert client_request.client.get("/track/request").status_code == 200


def test_tracking_lists_what_has_happened_in_plain_words_without_staff_notes(
    client_request, session
):
    from portal.domain.casework import add_note

    request = make_request(session)
    add_note(context(session, today()), request, DPO, "Mum rang, very upset about the police")
    act(request, "route", services=["housing"])
    act(request, "ask_clarification", question="Which school years do you mean?")
    deliver_messages()
    page = sign_in_as_requester(client_request, request)
    items = [normalise(li.get_text()) for li in page.select(".portal-history li")]
    day = f"{today().day} {today():%B %Y}"
    assert items == [
        f"{day}: We received your request",
        f"{day}: We are looking at your request",
        f"{day}: We are searching our records",
        f"{day}: We need more information from you",
    ]
    assert "police" not in page.get_text() and "Mum rang" not in page.get_text()


def test_files_the_requester_sent_show_their_type_and_size(client_request, session):
    from tests.helpers import pdf_file

    request = make_request(session)
    act(request, "ask_clarification", question="Which school years do you mean?")
    sign_in_as_requester(client_request, request)
    content, name = pdf_file("school letter.pdf", size=2048)
    client_request.post(
        "/track/request/answer",
        {"answer": "Years 7 to 9", "files": [(content, name)], "submission_key": "k" * 20},
        content_type="multipart/form-data",
    )
    page = client_request.get("/track/request")
    table = next(t for t in page.select("table") if "Files you sent us" in t.caption.get_text())
    headers = [normalise(th.get_text()) for th in table.select("thead th")]
    assert headers[:3] == ["File", "Type", "Size"]
    row = [normalise(td.get_text()) for td in table.select("tbody td")]
    assert row[:3] == ["school letter.pdf", "PDF", "2KB"]
