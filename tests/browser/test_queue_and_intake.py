"""The queue (counts, MoJ filter with selected-filter tags, sortable headers, views) and the
offline intake in Chromium, with JavaScript on and off and with the keyboard alone: every page
audited with axe and photographed at 1280 and 375 pixels wide."""

from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from portal.deadlines.calendar import now_utc, received_date
from portal.domain.actions import apply_action
from portal.extensions import db
from tests.browser.support import check, fill, submit
from tests.browser.test_keyboard_and_axe import press_submit, tab_to, type_answers
from tests.factories import DPO, context, ensure_dpo_account, pdf_bytes
from tests.factories import make_request as make_request_directly
from tests.staff_helpers import PASSWORD, make_staff

# The fold of a 1280 by 800 screen, the size the issue was measured at.
FOLD = {"width": 1280, "height": 800}


def _seed(live_server, mode: str, count: int = 30) -> str:
    """Requests in several states, and a DPO to sign in as; returns the DPO's two-factor key."""
    with live_server.app.app_context():
        session = db.session
        ensure_dpo_account(session)
        today = received_date(now_utc())
        for i in range(count):
            when = datetime.combine(
                today - timedelta(days=(i * 7) % 60), datetime.min.time(), tzinfo=UTC
            ) + timedelta(hours=12)
            made = make_request_directly(
                session, key=f"queue-{mode}-{i}", now=when, name=f"Queue {mode.title()} {i:02d}"
            )
            if i % 3 == 1:
                apply_action(context(session, today), made, "route", DPO, {"services": ["housing"]})
            elif i % 5 == 2:
                apply_action(
                    context(session, today),
                    made,
                    "request_evidence",
                    DPO,
                    {"evidence_kind": "identity", "reason": "Photo ID"},
                )
        user = make_staff("dpo", email=f"queue-{mode}@example.gov.uk", name="Dana Price")
        secret = user.totp_secret
        session.remove()
    return secret


def _sign_in(page, mode: str, secret: str) -> None:
    page.goto("/staff/sign-in")
    fill(page, {"email": f"queue-{mode}@example.gov.uk", "password": PASSWORD})
    submit(page)
    page.fill("#code", pyotp.TOTP(secret).now())
    submit(page)
    assert page.url.endswith("/staff/requests"), page.inner_text("main")


def _rows_above_the_fold(page) -> int:
    page.set_viewport_size(FOLD)
    page.evaluate("window.scrollTo(0, 0)")
    bottoms = page.eval_on_selector_all(
        "tbody tr", "rows => rows.map(r => r.getBoundingClientRect().bottom)"
    )
    return sum(1 for b in bottoms if b <= FOLD["height"])


def test_the_queue_and_its_views(page, live_server, javascript):
    mode = "js" if javascript else "nojs"
    secret = _seed(live_server, mode)
    _sign_in(page, mode, secret)
    check(page, "staff-queue-views")
    above = _rows_above_the_fold(page)
    assert above >= 6, f"only {above} rows of the queue show above the fold at 1280x800"
    page.set_viewport_size({"width": 1280, "height": 900})
    counts = page.locator("[data-testid=queue-counts] li")
    assert counts.count() == 4

    # A count's card opens the requests it counts, with the filter shown as a removable tag.
    page.locator("[data-count=paused]").click()
    page.wait_for_load_state("load")
    assert "flag=paused" in page.url
    tag = page.locator("a.moj-filter__tag")
    assert tag.count() == 1 and "Waiting on the requester" in tag.inner_text()
    check(page, "staff-queue-tagged")
    tag.click()
    page.wait_for_load_state("load")
    assert "flag=" not in page.url and page.locator("a.moj-filter__tag").count() == 0

    # Sortable headers are links the server answers: they work without JavaScript.
    due = page.locator("th[aria-sort=ascending]")
    assert due.inner_text().startswith("Due")
    due.locator("a").click()
    page.wait_for_load_state("load")
    assert page.locator("th[aria-sort=descending]").inner_text().startswith("Due")
    check(page, "staff-queue-sorted")

    # Filters from the filter panel, kept with the order.
    page.select_option("select[name=right]", "access")
    page.select_option("select[name=flag]", "new")
    submit(page, "Apply filters")
    assert "right=access" in page.url and "dir=desc" in page.url
    assert page.locator("a.moj-filter__tag").count() == 2

    page.get_by_role("link", name="Assigned to me").click()
    page.wait_for_load_state("load")
    assert "No requests match" in page.inner_text("main")
    check(page, "staff-queue-mine")
    page.get_by_role("link", name="Open service searches").click()
    page.wait_for_load_state("load")
    assert page.locator("[data-testid=searches-table] tbody tr").count() >= 10
    check(page, "staff-searches")


def test_logging_a_request_received_by_post(page, live_server, javascript):
    mode = "js" if javascript else "nojs"
    secret = _seed(live_server, f"intake-{mode}", count=0)
    _sign_in(page, f"intake-{mode}", secret)
    page.get_by_role("link", name="Log a request").click()
    page.wait_for_load_state("load")
    check(page, "staff-intake-start")
    submit(page)
    check(page, "staff-intake-start-error")
    fill(page, {"right": "access", "who": "child"})
    submit(page)
    assert "right=access" in page.url and "who=child" in page.url
    check(page, "staff-intake")
    submit(page)
    check(page, "staff-intake-error")
    received = received_date(now_utc()) - timedelta(days=3)
    fill(
        page,
        {
            "channel": "post",
            "received": [str(received.day), str(received.month), str(received.year)],
            "scan": ("letter.pdf", pdf_bytes("letter"), "application/pdf"),
            "details-full_name": "Mia Jones",
            "details-date_of_birth": ["4", "5", "2016"],
            "address-address_line_1": "2 Crowndale Road",
            "address-town": "London",
            "address-postcode": "NW1 1TN",
            "requester-full_name": "Jo Jones",
            "requester-relationship": "Mother",
            "parental-responsibility-parental_responsibility": "yes",
            "access-parts": ["home", "safety"],
            "access-what": "Everything from the family support team",
            "access-period": "2020 to now",
            "contact-method": "post",
            "contact-post_address_line_1": "2 Crowndale Road",
            "contact-post_town": "London",
            "contact-post_postcode": "NW1 1TN",
        },
    )
    submit(page)
    assert "/staff/requests/DR-" in page.url, page.inner_text("main")
    main = page.inner_text("main")
    assert "letter.pdf" in main and "Proposed routing" in main
    check(page, "staff-request-logged-offline")


@pytest.mark.parametrize("javascript", [True], ids=["js"])
def test_the_queue_with_the_keyboard_alone(page, live_server):
    secret = _seed(live_server, "keys", count=3)
    page.goto("/staff/sign-in")
    type_answers(page, {"email": "queue-keys@example.gov.uk", "password": PASSWORD})
    press_submit(page)
    type_answers(page, {"code": pyotp.TOTP(secret).now()})
    press_submit(page)
    assert page.url.endswith("/staff/requests")
    # A sortable header, then a count, then a tag's removal, each reached with Tab.
    tab_to(page, "th[aria-sort] a[href*='sort=received']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "sort=received" in page.url
    tab_to(page, "a:has([data-count=new])")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "flag=new" in page.url
    tab_to(page, "a.moj-filter__tag")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "flag=" not in page.url and "sort=received" in page.url
