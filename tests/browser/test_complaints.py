"""A complaint in Chromium, with JavaScript on and off: from the footer link through the online
form (each page's error state too), the code, checking and sending; tracking it by its own
reference; the DPO answering it with an outcome notice and the intake form; the complainant
reading the outcome. Every page audited with axe-core and photographed at 375 and 1280 px."""

import re

from sqlalchemy import select

from portal.extensions import db
from portal.models import DataRequest
from tests.browser.resident import read_code
from tests.browser.support import check, choose_action, fill, submit
from tests.browser.test_staff_journeys import new_staff, sign_in_first_time
from tests.workflow_names import state


def track(page, live_server, reference, email, name):
    page.context.clear_cookies()
    page.goto("/track")
    fill(page, {"reference": reference, "contact": email})
    submit(page)
    page.fill("#code", read_code(page, live_server, email))
    submit(page)
    assert page.url.endswith("/track/request"), page.inner_text("main")
    check(page, name)
    return page.inner_text("main")


def test_a_complaint_online_answered_by_the_dpo(page, live_server, javascript):
    mode = "js" if javascript else "nojs"
    email = f"complainant-{mode}@example.com"

    page.goto("/")
    page.locator(".govuk-footer a", has_text="Make a complaint").click()
    page.wait_for_load_state("load")
    check(page, "complaint-start")
    page.get_by_role("button", name="Start now").click()
    page.wait_for_load_state("load")

    for step, data in (
        ("complaint-about", {"about": "use"}),
        (
            "complaint-details",
            {
                "what_happened": "A letter about my son was sent to my neighbour.",
                "what_they_want": "An apology and to know what was in it.",
            },
        ),
        ("complaint-contact", {"full_name": "Cara Jones", "email": email}),
    ):
        assert page.url.endswith(f"/complaint/{step}"), page.url
        check(page, f"{step}")
        submit(page)
        assert page.locator(".govuk-error-summary").count() == 1, step
        assert page.title().startswith("Error: "), step
        check(page, f"{step}-error")
        fill(page, data)
        submit(page)

    assert page.url.endswith("/complaint/confirm"), page.url
    check(page, "complaint-confirm")
    page.fill("#code", read_code(page, live_server, email))
    submit(page)
    assert page.url.endswith("/complaint/check"), page.url
    check(page, "complaint-check")
    assert "A letter about my son was sent to my neighbour." in page.inner_text("main")
    submit(page, "Send complaint")
    check(page, "complaint-sent")
    panel = page.locator(".govuk-panel__body").inner_text()
    reference = re.search(r"CP-[0-9A-Z]{4}-[0-9A-Z]{4}", panel).group(0)

    text = track(page, live_server, reference, email, "complaint-track")
    assert f"Your complaint {reference}" in text and "We aim to tell you the outcome by" in text

    page.context.clear_cookies()
    dpo = f"dpo-complaints-{mode}@example.gov.uk"
    new_staff(live_server, dpo)
    sign_in_first_time(page, dpo)
    page.goto("/staff/requests")
    row = page.locator("tbody tr", has_text=reference)
    assert "Complaint" in row.inner_text()
    row.get_by_role("link", name=reference).click()
    page.wait_for_load_state("load")
    check(page, "staff-complaint")
    assert "Acknowledge by (30 days, s.164A)" in page.inner_text("main")

    choose_action(page, "Write and send the outcome of the complaint")
    check(page, "staff-complaint-outcome")
    fill(page, {"notice": "complaint_partly_upheld"})
    submit(page)
    check(page, "staff-complaint-notice")
    submit(page)
    check(page, "staff-complaint-notice-error")
    fill(
        page,
        {
            "reasons": "The letter went to the wrong door. We have changed how we post.",
            "steps": "We checked the post log and spoke to the team who sent it.",
        },
    )
    submit(page)
    check(page, "staff-complaint-notice-preview")
    submit(page, "Send the notice")
    with live_server.app.app_context():
        found = db.session.scalar(select(DataRequest).where(DataRequest.reference == reference))
        assert found.state == state("complaint_answered")
        db.session.remove()

    page.goto("/staff/complaints/new")
    check(page, "staff-log-complaint")
    submit(page)
    check(page, "staff-log-complaint-error")

    text = track(page, live_server, reference, email, "complaint-track-answered")
    assert "We have partly upheld your complaint" in text
    assert "We checked the post log and spoke to the team who sent it." in text
    assert "Information Commissioner's Office" in text
