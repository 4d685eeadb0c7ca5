"""One outcome per right in Chromium, with JavaScript on and off: staff write the notice (first
with nothing filled in), preview it on each channel and send it; the requester then reads it on
their tracking page. Every page audited with axe-core and photographed."""

import re

import pyotp
import pytest

from portal.deadlines.calendar import now_utc, received_date
from portal.domain.actions import apply_action
from portal.domain.filestore import FileStore
from portal.domain.tasks import answer_task
from portal.extensions import db
from portal.runtime import definition
from portal.workflow import Actor
from tests.browser.resident import deliver
from tests.browser.support import check, choose_action, fill, submit
from tests.factories import (
    build_pack,
    context,
    make_request,
    staff_actor,
    to_disclosure_review,
)
from tests.staff_helpers import PASSWORD, make_staff

DPO = Actor("dpo", id=1)
# (right, outcome, what staff type)
OUTCOMES = [
    ("rectification", "rectified", {"recipients": ["Police"]}),
    ("restriction", "restricted", {"recipients": ["nobody"]}),
    ("objection", "objection_not_upheld", {}),
    ("access", "disclosed_in_part", {"exemptions": "DPA 2018 Schedule 2, paragraph 16"}),
]


def ready(live_server, right, outcome, key, email):
    """A request brought, through the domain, to where its outcome notice is written."""
    with live_server.app.app_context():
        session = db.session
        today = received_date(now_utc())
        extra = {f"{right}-tell": {"tell": "yes"}} if right != "access" else {}
        request = make_request(session, right=right, key=key, contact={"email": email}, extra=extra)
        if right == "access":
            to_disclosure_review(session, request, today)
            store = FileStore(live_server.app.config["UPLOAD_STORAGE_DIR"])
            build_pack(session, request, store, today)
            checker = staff_actor(session, "caseworker", f"Checker {key}", ["housing"])
            apply_action(context(session, today), request, "sign_off_disclosure", checker)
        else:
            apply_action(context(session, today), request, "route", DPO, {"services": ["housing"]})
            answer_task(
                context(session, now_utc()), request.tasks[0], DPO, "data_found", "Case notes"
            )
            apply_action(
                context(session, today),
                request,
                "record_outcome",
                DPO,
                {"outcome": outcome, "reason": "Recorded"},
            )
        reference = request.reference
        db.session.remove()
    return reference


def staff_sign_in(page, live_server, email):
    with live_server.app.app_context():
        user = make_staff("dpo", email=email, name="Dana Price")
        secret = user.totp_secret
        db.session.remove()
    page.goto("/staff/sign-in")
    fill(page, {"email": email, "password": PASSWORD})
    submit(page)
    page.fill("#code", pyotp.TOTP(secret).now())
    submit(page)
    assert page.url.endswith("/staff/requests"), page.inner_text("main")


def read_code(page, live_server, email):
    deliver(live_server)
    page.goto("/_dev/messages")
    card = page.locator(".govuk-summary-card", has_text=email).filter(has_text="confirmation code")
    return re.search(r"\b(\d{6})\b", card.first.inner_text()).group(1)


@pytest.mark.parametrize(("right", "outcome", "inputs"), OUTCOMES, ids=[o[0] for o in OUTCOMES])
def test_an_outcome_notice_from_staff_to_the_tracking_page(
    page, live_server, javascript, right, outcome, inputs
):
    mode = "js" if javascript else "nojs"
    email = f"notice-{right}-{mode}@example.com"
    reference = ready(live_server, right, outcome, f"browser-{right}-{mode}", email)

    staff_sign_in(page, live_server, f"dpo-notice-{right}-{mode}@example.gov.uk")
    page.goto(f"/staff/requests/{reference}")
    choose_action(page, "Write and send the outcome notice")
    if "/notices/complete/" not in page.url:  # access: choose which outcome first
        check(page, "staff-notice-choose")
        fill(page, {"notice": outcome})
        submit(page)
    check(page, f"staff-notice-write-{outcome}")
    submit(page)  # nothing filled in
    assert page.locator(".govuk-error-summary").count() == 1
    assert page.title().startswith("Error: ")
    check(page, f"staff-notice-write-{outcome}-error")
    fill(page, {"reasons": f"Our reasons for {outcome}.", **inputs})
    submit(page)
    check(page, "staff-notice-preview")
    main = page.inner_text("main")
    assert "On their tracking page" in main and f"Email to {email}" in main
    assert f"Our reasons for {outcome}." in main
    submit(page, "Send the notice")
    assert f"/staff/requests/{reference}" in page.url
    check(page, f"staff-request-after-{outcome}")
    page.context.clear_cookies()

    page.goto("/track")
    fill(page, {"reference": reference, "contact": email})
    submit(page)
    code = read_code(page, live_server, email)
    page.goto("/track/code")
    page.fill("#code", code)
    submit(page)
    assert page.url.endswith("/track/request"), page.inner_text("main")
    check(page, f"track-notice-{outcome}")
    decision = page.inner_text("#our-decision + div")
    title = definition_title(live_server, outcome)
    assert title in decision and f"Our reasons for {outcome}." in decision
    assert "Information Commissioner's Office" in decision and "court" in decision
    if outcome == "rectified":
        assert "Police" in page.inner_text("#who-we-told + p + ul")


def definition_title(live_server, outcome):
    with live_server.app.app_context():
        return definition().notices[outcome].title
