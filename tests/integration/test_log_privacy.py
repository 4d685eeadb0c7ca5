"""Logs are JSON lines with a request id, and hold nothing anyone typed: a resident's request,
tracking it, staff signing in and acting, a message Notify refuses and a page that crashes are
all logged, and every value typed is then searched for in every line."""

import io
import json

import pytest
from sqlalchemy import select

from portal.deadlines.calendar import now_utc
from portal.extensions import db
from portal.logging_setup import configure_logging
from portal.models import DataRequest
from portal.notify.configured import sender
from portal.notify.dispatch import dispatch
from portal.runtime import definition
from tests.helpers import ClientRequest, Resident, deliver_messages, latest_code
from tests.staff_helpers import PASSWORD, current_code, make_staff

NAME = "Zara Quillfeather"
EMAIL = "zara.quillfeather@example.com"
TYPED = {
    NAME,
    "Quillfeather",
    "1979-03-17",
    "17/3/1979",
    "14 Marrowbone Mews",
    "Marrowbone",
    "NW1 2RU",
    EMAIL,
    "07700900123",
    "Every Quillfeather record since 2015",
    "Which Marrowbone reports do you mean",
    "The Marrowbone reports of 2019",
    "Telephoned Zara about her records",
    PASSWORD,
    # Notify's explanation of a refused message (the fake server's text for a 400).
    "team-only API key",
    "Crash with Zara Quillfeather",
}


@pytest.fixture
def logs(notify_app):
    notify_app.config["PROPAGATE_EXCEPTIONS"] = False  # log a crash as production would

    def crash():
        raise ValueError(f"Crash with {NAME}")

    notify_app.add_url_rule("/_crash", "crash", crash)
    buffer = io.StringIO()
    configure_logging("INFO", stream=buffer)
    yield buffer
    configure_logging("INFO")


def test_logs_are_json_lines_with_request_ids_and_no_personal_data(notify_app, logs, fake_notify):
    typed = set(TYPED)
    resident = Resident(ClientRequest(notify_app.test_client()))
    resident.client_request.client.get("/request/start")
    resident.make_request(
        dob="17 3 1979",
        contact={"email": EMAIL},
        overrides={
            "details": {"full_name": NAME, "other_names": "", "date_of_birth": ["17", "3", "1979"]},
            "address": {
                "address_line_1": "14 Marrowbone Mews",
                "town": "London",
                "postcode": "NW1 2RU",
            },
            "access": {
                "parts": ["not_sure"],
                "what": "Every Quillfeather record since 2015",
                "period": "All of it",
            },
        },
    )
    request = db.session.scalars(select(DataRequest)).one()

    # Staff: sign in (password and code typed), search by name, write a note, ask a question.
    dpo = make_staff("dpo")
    staff = ClientRequest(notify_app.test_client())
    staff.post("/staff/sign-in", {"email": dpo.email, "password": PASSWORD})
    code = current_code(dpo)
    typed.add(code)
    staff.post("/staff/two-factor", {"code": code})
    staff.post("/staff/requests", {"q": NAME})
    staff.get("/staff/requests?search=1")
    ref = request.reference
    staff.post(f"/staff/requests/{ref}/note", {"note": "Telephoned Zara about her records"})
    db.session.refresh(request)
    staff.post(
        f"/staff/requests/{ref}/actions/route",
        {"services": ["housing"], "version": request.version},
    )
    db.session.refresh(request)
    staff.post(
        f"/staff/requests/{ref}/actions/ask_clarification",
        {"question": "Which Marrowbone reports do you mean", "version": request.version},
    )
    deliver_messages()

    # The requester tracks it with a code and answers.
    tracker = ClientRequest(notify_app.test_client())
    tracker.post("/track", {"reference": ref, "contact": EMAIL})
    code = latest_code()
    typed.add(code)
    tracker.post("/track/code", {"code": code})
    tracker.get("/track/request")
    tracker.post("/track/request/answer", {"answer": "The Marrowbone reports of 2019"})
    tracker.post("/track", {"reference": ref, "contact": "07700900123"})

    # Notify refuses a message, explaining why in its answer.
    db.session.refresh(request)
    staff.post(
        f"/staff/requests/{ref}/actions/ask_clarification",
        {"question": "Which Marrowbone reports do you mean", "version": request.version},
        expected_status=302,
    )
    fake_notify.behaviour.script.extend(["400"] * 5)
    dispatch(db.session, definition(), sender(), now_utc)

    # A page that crashes with personal data in its exception's message.
    assert notify_app.test_client().get("/_crash").status_code == 500

    lines = logs.getvalue().splitlines()
    entries = [json.loads(line) for line in lines]  # every line is JSON
    requests_logged = [e for e in entries if e["logger"] == "portal.request"]
    assert len(requests_logged) > 20
    assert all(len(e["request_id"]) == 32 for e in requests_logged)
    assert any("refused by Notify" in e["message"] for e in entries)
    crash = next(e for e in entries if e.get("exception") == "builtins.ValueError")
    assert crash["request_id"] and any("in crash" in frame for frame in crash["stack"])

    text = logs.getvalue()
    found = sorted(value for value in typed if value.lower() in text.lower())
    assert found == [], f"typed values found in the logs: {found}"


def test_a_request_id_from_the_proxy_is_kept_and_returned(client):
    response = client.get("/", headers={"X-Request-Id": "edge-0123456789abcdef"})
    assert response.headers["X-Request-Id"] == "edge-0123456789abcdef"
    response = client.get("/", headers={"X-Request-Id": "<script>" + "x" * 100})
    assert len(response.headers["X-Request-Id"]) == 32


def test_the_check_fails_when_an_exception_message_is_logged(notify_app, logs):
    """The search above is not vacuous: Flask's own formatter, which prints the exception's
    message, leaks the name."""
    import logging

    ours = [h for h in logging.getLogger().handlers if getattr(h, "stream", None) is logs]
    ours[0].setFormatter(logging.Formatter("%(message)s"))
    assert notify_app.test_client().get("/_crash").status_code == 500
    assert NAME in logs.getvalue()
