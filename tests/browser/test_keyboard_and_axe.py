"""A whole request, and a staff sign-in with an action, made with the keyboard alone, with
focus always visible and moved to the error summary after a failed submit; and proof that the
audit fails when a label goes missing."""

import re

import pyotp
import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import DataRequest
from tests.browser.resident import answers, read_code
from tests.browser.support import AccessibilityViolations, audit, check
from tests.browser.test_staff_journeys import new_staff
from tests.factories import make_request
from tests.staff_helpers import PASSWORD
from tests.workflow_names import state

FOCUS_VISIBLE = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  return style.outlineStyle !== 'none' || style.boxShadow !== 'none'
    || style.backgroundColor === 'rgb(255, 221, 0)';
}"""


def tab_to(page, selector: str, limit: int = 80) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            assert page.evaluate(FOCUS_VISIBLE), f"focus on {selector} is not visible"
            return
    raise AssertionError(f"{selector} cannot be reached with the Tab key")


def choose_radio(page, name: str, value: str) -> None:
    tab_to(page, f"input[name='{name}']")
    target = f"input[name='{name}'][value='{value}']"
    for _ in range(10):
        if page.evaluate("(s) => document.activeElement.matches(s)", target):
            page.keyboard.press("Space")
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"option {value} of {name} cannot be reached with the arrow keys")


def type_answers(page, data: dict) -> None:
    for name, value in data.items():
        if isinstance(value, list) and page.locator(f"#{name}-day").count():
            for part, text in zip(("day", "month", "year"), value, strict=True):
                tab_to(page, f"#{name}-{part}")
                page.keyboard.type(text)
        elif isinstance(value, list):
            for choice in value:
                tab_to(page, f"input[name='{name}'][value='{choice}']")
                page.keyboard.press("Space")
        elif page.locator(f"input[type=radio][name='{name}']").count():
            choose_radio(page, name, value)
        else:
            tab_to(page, f"[name='{name}']")
            page.keyboard.type(value)


def press_menu_action(page, name: str) -> None:
    """Tab to the request page's "Actions" button (MoJ button menu), open it with Enter (focus
    moves to its first item), arrow down to the action and follow it with Enter."""
    tab_to(page, ".portal-actions button.moj-button-menu__toggle-button")
    page.keyboard.press("Enter")
    toggle = page.locator(".portal-actions button.moj-button-menu__toggle-button")
    assert toggle.get_attribute("aria-expanded") == "true"
    for _ in range(20):
        here = page.evaluate("() => document.activeElement.innerText.trim()")
        if here == name:
            assert page.evaluate(FOCUS_VISIBLE), f"focus on the action {name} is not visible"
            with page.expect_navigation():
                page.keyboard.press("Enter")
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"the action {name} cannot be reached with the arrow keys")


def press_submit(page) -> None:
    tab_to(page, "main form button.govuk-button:not([type=button])")
    with page.expect_navigation():
        page.keyboard.press("Enter")


@pytest.mark.parametrize("javascript", [True], ids=["js"])
def test_a_request_with_the_keyboard_alone(page, live_server):
    email = "keyboard@example.com"
    pages = answers("access", email=email)
    page.goto("/")
    tab_to(page, "a.govuk-button--start")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    # A failed submit moves focus to the error summary; its link takes focus to the field.
    press_submit(page)
    assert page.evaluate("document.activeElement.classList.contains('govuk-error-summary')")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.name") == "right"

    for _ in range(30):
        path = page.url.split("127.0.0.1", 1)[1].split("/", 1)[1]
        path = "/" + path.split("?")[0]
        if path == "/request/confirm-contact":
            code = read_code(page, live_server, email)
            tab_to(page, "#code")
            page.keyboard.type(code)
            press_submit(page)
        elif path == "/request/check":
            tab_to(page, "input[name=declaration]")
            page.keyboard.press("Space")
            press_submit(page)
        elif path == "/request/confirmation":
            assert re.search(r"DR-[0-9A-Z]{4}-[0-9A-Z]{4}", page.inner_text("main"))
            check(page, "confirmation")
            return
        else:
            step = path.rsplit("/", 1)[-1]
            type_answers(page, pages[step])
            press_submit(page)
    raise AssertionError("the keyboard journey did not finish")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_audit_fails_when_a_label_is_missing(page, live_server):
    """Proof that the suite can fail: remove the email field's label and axe must object."""
    page.goto("/staff/sign-in")
    audit(page, "staff-sign-in")  # passes as shipped
    page.goto("/staff/sign-in")
    if not page._portal_js:
        page.route(
            "**/staff/sign-in",
            lambda route: route.fulfill(
                body=re.sub(
                    r'<label[^>]*for="email"[^>]*>.*?</label>',
                    "",
                    route.fetch().text(),
                    flags=re.DOTALL,
                ),
                content_type="text/html",
            ),
        )
        page.goto("/staff/sign-in")
    else:
        page.evaluate("document.querySelector('label[for=email]').remove()")
    with pytest.raises(AccessibilityViolations, match=r"label .*#email"):
        audit(page, "staff-sign-in-without-label")


def press_link(page, name: str, limit: int = 80) -> None:
    """Tab to the link in the page's main content with exactly this text, and follow it."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        here = page.evaluate(
            "() => { const el = document.activeElement;"
            " return el.matches('main a') ? el.innerText.trim() : null; }"
        )
        if here == name:
            assert page.evaluate(FOCUS_VISIBLE), f"focus on the link {name} is not visible"
            with page.expect_navigation():
                page.keyboard.press("Enter")
            return
    raise AssertionError(f"the link {name} cannot be reached with the Tab key")


@pytest.mark.parametrize("javascript", [True], ids=["js"])
def test_staff_sign_in_triage_and_act_with_the_keyboard_alone(page, live_server):
    with live_server.app.app_context():
        session = db.session
        # The resident asked for education records: the routing form comes with Education ticked.
        reference = make_request(
            session,
            key="keyboard-staff",
            name="Robin Keys",
            extra={"access-parts": {"parts": ["educational_progress"]}},
        ).reference
        session.remove()
    email = "keyboard-dpo@example.gov.uk"
    new_staff(live_server, email, temporary_password=False)

    page.goto("/staff/sign-in")
    type_answers(page, {"email": email, "password": PASSWORD})
    press_submit(page)
    key = page.locator("main code").inner_text().replace(" ", "")
    type_answers(page, {"code": pyotp.TOTP(key).now()})
    press_submit(page)
    assert page.url.endswith("/staff/requests")

    type_answers(page, {"q": "Robin Keys"})
    press_submit(page)
    press_link(page, reference)
    press_menu_action(page, "Route to services")
    assert page.locator("input[name=services][value=education]").is_checked()
    press_submit(page)
    assert "Service searches" in page.inner_text("main")
    with live_server.app.app_context():
        found = db.session.scalar(select(DataRequest).where(DataRequest.reference == reference))
        assert found.state == state("with_service")
        assert [t.service for t in found.tasks] == ["education"]
        db.session.remove()
