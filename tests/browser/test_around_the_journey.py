"""Around the journey, in Chromium with JavaScript on and off: the confirmation and the copy of
the answers, saving and coming back (by the emailed link and by a code), signing out of
tracking and its history, and the time-out warning for residents and staff (the session made
short through the settings, the browser's clock moved on). Every page audited by axe-core and
photographed."""

import re
from contextlib import contextmanager

import pyotp
from playwright.sync_api import expect
from sqlalchemy import select

from portal.deadlines.calendar import now_utc, received_date
from portal.domain.actions import apply_action
from portal.extensions import db
from portal.models import CapturedMessage, DataRequest
from portal.workflow import Actor
from tests.browser.resident import answers, deliver, make_request, read_code
from tests.browser.support import audit, check, fill, submit
from tests.factories import context
from tests.staff_helpers import PASSWORD, make_staff


@contextmanager
def resident_sessions_of(live_server, minutes: int):
    """The running server with a shorter resident session, as RESIDENT_SESSION_MINUTES sets it."""
    config = live_server.app.config
    before = config["RESIDENT_SESSION_MINUTES"]
    config["RESIDENT_SESSION_MINUTES"] = minutes
    try:
        yield
    finally:
        config["RESIDENT_SESSION_MINUTES"] = before


def ready(dialog):
    """The warning's script has loaded (it is fetched on its own) and set its timers: only then
    does moving the browser's clock on mean anything."""
    expect(dialog).to_have_attribute("data-portal-timeout-init", "")


def start_journey(page, who="me"):
    page.goto("/")
    page.get_by_role("button", name="Start now").click()
    page.wait_for_load_state("load")
    fill(page, {"right": "access"})
    submit(page)
    fill(page, {"who": who})
    submit(page)
    assert page.url.endswith("/request/details"), page.url


def saved_link(live_server, email: str) -> str:
    deliver(live_server)
    with live_server.app.app_context():
        bodies = db.session.scalars(
            select(CapturedMessage.body)
            .where(CapturedMessage.recipient == email)
            .order_by(CapturedMessage.id.desc())
        ).all()
        db.session.remove()
    link = next(b for b in bodies if "/request/resume/" in b)
    return re.search(r"https?://[^/\s]+(/request/resume/\S+)", link).group(1)


def test_the_confirmation_and_a_copy_of_the_answers(page, live_server, javascript):
    email = f"confirm-{javascript}@example.com"
    make_request(page, live_server, answers("access", email=email), email)
    sent_to = page.inner_text("#sent-to")
    assert f"{email[0]}•••@example.com" in sent_to and email not in sent_to
    assert page.get_by_role("link", name="check or update your request").is_visible()
    page.get_by_role("link", name="View, print or save a copy of your answers").click()
    page.wait_for_load_state("load")
    check(page, "confirmation-answers")
    assert "All my family support records" in page.inner_text("main")
    print_button = page.get_by_role("button", name="Print or save as PDF")
    assert print_button.is_visible() == javascript  # no button that cannot work


def test_saving_and_coming_back_by_the_emailed_link(page, live_server, javascript):
    email = f"save-link-{javascript}@example.com"
    start_journey(page)
    page.get_by_role("link", name="Save and come back later").click()
    page.wait_for_load_state("load")
    check(page, "save")
    page.fill("#contact", "")
    submit(page)
    check(page, "save-error")
    assert page.locator(".govuk-error-summary").count() == 1
    page.fill("#contact", email)
    submit(page)
    check(page, "saved")
    assert "We have sent a link to" in page.inner_text("main")
    page.goto("/request/details")
    assert "Your session has ended" in page.inner_text("h1")  # signed out on this device

    link = saved_link(live_server, email)
    page.goto(link)
    check(page, "resume-link")
    submit(page)
    assert page.url.endswith("/request/details"), page.url
    page.goto(link)
    check(page, "resume-link-used")
    assert "expired or has been used" in page.inner_text("h1")


def test_coming_back_with_the_email_address_and_a_code(page, live_server, javascript):
    email = f"save-code-{javascript}@example.com"
    start_journey(page)
    page.get_by_role("link", name="Save and come back later").click()
    page.wait_for_load_state("load")
    page.fill("#contact", email)
    submit(page)
    page.goto("/request/resume")
    check(page, "resume")
    submit(page)
    check(page, "resume-error")
    page.fill("#contact", email)
    submit(page)
    check(page, "resume-code")
    page.fill("#code", read_code(page, live_server, email))
    submit(page)
    assert page.url.endswith("/request/details"), page.url


def test_tracking_history_and_signing_out(page, live_server, javascript):
    email = f"history-{javascript}@example.com"
    reference = make_request(page, live_server, answers("access", email=email), email)
    with live_server.app.app_context():
        found = db.session.scalar(select(DataRequest).where(DataRequest.reference == reference))
        apply_action(
            context(db.session, received_date(now_utc())),
            found,
            "route",
            Actor("dpo", id=None),
            {"services": ["housing"]},
        )
        db.session.remove()
    page.goto("/track")
    fill(page, {"reference": reference, "contact": email})
    submit(page)
    page.fill("#code", read_code(page, live_server, email))
    submit(page)
    check(page, "track-status-history")
    history = page.locator(".portal-history li").all_inner_texts()
    assert [item.split(": ", 1)[1] for item in history] == [
        "We received your request",
        "We are looking at your request",
        "We are searching our records",
    ]
    page.locator("main").get_by_role("button", name="Sign out").click()
    page.wait_for_load_state("load")
    check(page, "signed-out")
    assert "You have signed out" in page.inner_text("h1")
    page.goto("/track/request")
    assert page.url.endswith("/track")


def test_the_resident_time_out_warning(page, live_server, javascript):
    with resident_sessions_of(live_server, 3):
        if javascript:
            page.clock.install()
        start_journey(page)
        if not javascript:
            # Nothing to see or press: the session ends and the next page explains.
            assert not page.locator("#timeout-warning").is_visible()
            page.goto("/session-ended")
            check(page, "session-ended")
            assert "3 minutes" in page.inner_text("main")
            return
        dialog = page.locator("#timeout-warning")
        ready(dialog)
        assert not dialog.is_visible()
        # The browser's clock still runs on its own too, so only the far side of the moment
        # the warning is due is checked.
        page.clock.run_for(61_000)  # 2 minutes before the end
        assert dialog.is_visible()
        assert page.evaluate("document.activeElement.id") == "timeout-heading"
        assert "2 minutes" in dialog.inner_text()
        audit(page, "timeout-warning")
        page.screenshot(path="tests/browser/screenshots/timeout-warning-js-desktop.png")
        # The keyboard reaches "Continue"; Enter keeps the session going and closes the dialog.
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent.trim()").startswith("Continue")
        with page.expect_response(lambda r: r.url.endswith("/session/extend")) as extended:
            page.keyboard.press("Enter")
        assert extended.value.status == 200
        expect(dialog).to_be_hidden()
        # Left alone again, the warning comes back, counts down and the session ends.
        page.clock.run_for(61_000)
        assert dialog.is_visible()
        page.clock.run_for(60_000)
        assert "1 minute" in dialog.inner_text() or "seconds" in dialog.inner_text()
        with page.expect_navigation():
            page.clock.run_for(62_000)
        assert page.url.endswith("/session-ended")
        check(page, "session-ended")
        page.goto("/request/details")
        assert "Your session has ended" in page.inner_text("h1")


def test_a_tab_in_use_keeps_an_idle_tab_from_warning_or_ending_the_session(
    page, live_server, javascript
):
    """Two tabs share one session: a page loaded in one moves the other's end on, and
    "Continue" in one closes the warning in both. Before, the idle tab warned on its own clock
    and, at its end, sent the browser to the session-ended page, which let go of the session
    the other tab was using."""
    if not javascript:
        return  # the warning needs JavaScript
    with resident_sessions_of(live_server, 3):
        page.clock.install()  # for the whole browser context: both tabs
        start_journey(page)
        idle = page.locator("#timeout-warning")
        ready(idle)
        page.clock.run_for(50_000)
        busy_page = page.context.new_page()
        busy_page.goto("/request/details")
        busy = busy_page.locator("#timeout-warning")
        ready(busy)
        expect(idle).to_have_attribute("data-ends-at", busy.get_attribute("data-ends-at"))
        page.clock.run_for(20_000)  # past the minute after which the idle tab alone would warn
        assert not idle.is_visible() and not busy.is_visible()
        page.clock.run_for(41_000)  # two minutes before the end the busy tab set
        assert idle.is_visible() and busy.is_visible()
        with busy_page.expect_response(lambda r: r.url.endswith("/session/extend")):
            busy.get_by_role("button", name="Continue").click()
        expect(busy).to_be_hidden()
        expect(idle).to_be_hidden()
        expect(idle).to_have_attribute("data-ends-at", busy.get_attribute("data-ends-at"))
        assert page.url.endswith("/request/details")
        busy_page.close()


def test_escape_continues_and_sign_out_signs_out(page, live_server, javascript):
    if not javascript:
        return  # the warning needs JavaScript; without it see the test above
    with resident_sessions_of(live_server, 3):
        page.clock.install()
        start_journey(page)
        dialog = page.locator("#timeout-warning")
        ready(dialog)
        page.clock.run_for(61_000)
        assert dialog.is_visible()
        with page.expect_response(lambda r: r.url.endswith("/session/extend")):
            page.keyboard.press("Escape")
        expect(dialog).to_be_hidden()
        page.clock.run_for(61_000)
        dialog.get_by_role("button", name="Sign out").click()
        page.wait_for_load_state("load")
        assert "You have signed out" in page.inner_text("h1")


def test_the_staff_time_out_warning(page, live_server, javascript):
    email = f"timeout-{javascript}@example.gov.uk"
    with live_server.app.app_context():
        make_staff(
            "dpo", (), email=email, name="Dana Price", two_factor=False, temporary_password=False
        )
        db.session.remove()
    if javascript:
        page.clock.install()
    page.goto("/staff/sign-in")
    fill(page, {"email": email, "password": PASSWORD})
    submit(page)
    key = page.locator("main code").inner_text().replace(" ", "")
    page.fill("#code", pyotp.TOTP(key).now())
    submit(page)
    assert "/staff/" in page.url and "sign-in" not in page.url, page.url
    if not javascript:
        assert not page.locator("#timeout-warning").is_visible()
        return
    dialog = page.locator("#timeout-warning")
    ready(dialog)
    page.clock.run_for(28 * 60_000 + 1_000)  # STAFF_IDLE_MINUTES (30) less 2 minutes
    assert dialog.is_visible()
    audit(page, "staff-timeout-warning")
    page.screenshot(path="tests/browser/screenshots/staff-timeout-warning-js-desktop.png")
    dialog.get_by_role("button", name="Continue").click()
    expect(dialog).to_be_hidden()
    page.clock.run_for(28 * 60_000 + 1_000)
    dialog.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state("load")
    assert "You have signed out" in page.inner_text("h1")
