"""A resident in the browser: answers whatever question page the service shows next, reads the
code from the captured Notify message, and sends the request."""

import re
from datetime import date
from urllib.parse import urlparse

from portal.deadlines.calendar import now_utc
from portal.extensions import db
from portal.notify.dispatch import dispatch
from portal.notify.senders import CaptureSender
from portal.runtime import definition
from tests.browser.support import check, fill, submit

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def answers(right="access", who="me", born=None, email="sam@example.com", upload=False):
    born = born or date(1985, 2, 1)
    pages = {
        "right": {"right": right},
        "who": {"who": who},
        "representative": {"capacity": "solicitor", "organisation": "Law & Co"},
        "authority": {"upload": ("authority.pdf", PDF, "application/pdf")} if upload else {},
        "details": {
            "full_name": "Sam Taylor",
            "date_of_birth": [str(born.day), str(born.month), str(born.year)],
        },
        "child-view": {},
        "address": {"address_line_1": "1 Judd Street", "town": "London", "postcode": "WC1H 9JE"},
        "requester": {"full_name": "Alex Taylor", "relationship": "Mother"},
        "parental-responsibility": {"parental_responsibility": "yes"},
        "parental-responsibility-proof": {
            "upload": ("birth-certificate.pdf", PDF, "application/pdf")
        },
        "access": {
            "parts": ["safety", "home"],
            "what": "All my family support records",
            "period": "All of it",
        },
        "rectification-wrong": {"wrong": "My date of birth is wrong"},
        "rectification-correct": {"correction": "It should be 1 February 1985"},
        "rectification-evidence": {},
        "rectification-tell": {"tell": "yes"},
        "restriction-grounds": {"ground": "accuracy"},
        "restriction-why": {"why": "The assessment is wrong about my housing"},
        "restriction-tell": {"tell": "yes"},
        "objection-uses": {"uses": ["evaluate_impact"]},
        "objection-reasons": {"reasons": "I do not want to be part of evaluations"},
        "contact": {"method": "email", "email": email},
    }
    return pages


def deliver(live_server) -> None:
    """What `flask worker` does: send (here, capture) every queued message."""
    with live_server.app.app_context():
        dispatch(db.session, definition(), CaptureSender(db.session), now_utc)
        db.session.remove()


def read_code(page, live_server, recipient: str) -> str:
    """Open the captured-messages page, as a tester would, and read the newest code sent to
    this recipient."""
    back = page.url
    deliver(live_server)
    page.goto("/_dev/messages")
    check(page, "captured-messages")
    card = page.locator(".govuk-summary-card", has_text=recipient).filter(
        has_text="confirmation code"
    )
    code = re.search(r"\b(\d{6})\b", card.first.inner_text()).group(1)
    page.goto(back)
    return code


def make_request(
    page, live_server, pages: dict, email: str, empty_first=frozenset(), seen=None
) -> str:
    """From the start page to the confirmation; returns the reference. Pages named in
    `empty_first` are first submitted empty and their error state checked. `seen`, a list, gets
    the path of every page shown on the way."""
    seen = [] if seen is None else seen
    page.goto("/")
    seen.append("/")
    check(page, "start")
    page.get_by_role("button", name="Start now").click()
    page.wait_for_load_state("load")
    for _ in range(40):
        path = urlparse(page.url).path
        seen.append(path)
        if path == "/request/confirm-contact":
            check(page, "confirm-contact")
            page.fill("#code", read_code(page, live_server, email))
            submit(page)
        elif path == "/request/check":
            check(page, "check-answers")
            page.check("input[name=declaration]")
            submit(page)
        elif path == "/request/confirmation":
            check(page, "confirmation")
            panel = page.locator(".govuk-panel__body").inner_text()
            return re.search(r"DR-[0-9A-Z]{4}-[0-9A-Z]{4}", panel).group(0)
        elif path.startswith("/request/"):
            step = path.rsplit("/", 1)[-1]
            check(page, f"question-{step}")
            if step in empty_first:
                submit_empty(page, step)
            fill(page, pages[step])
            submit(page)
        else:
            raise AssertionError(f"unexpected page {page.url}")
    raise AssertionError("the journey did not reach the confirmation page")


def submit_empty(page, step: str) -> None:
    """Submit a page with nothing filled in: one GOV.UK error summary, the title says Error,
    and (with JavaScript) focus moves to the summary so screen readers announce it."""
    submit(page)
    assert page.locator(".govuk-error-summary").count() == 1, step
    assert page.title().startswith("Error: "), step
    if getattr(page, "_portal_js", True):
        focused = page.evaluate("document.activeElement.closest('.govuk-error-summary') !== null")
        assert focused, f"focus is not on the error summary on {step}"
    check(page, f"question-{step}-error")
