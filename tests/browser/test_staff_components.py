"""The staff area's MoJ Design System components in Chromium, with JavaScript on and off: the
identity bar, the request page's two columns, sub navigation, button menu and timeline, a
destructive action's warning, reason and preview, and the confirmation banner after it (which
takes focus). Every page audited with axe and photographed at 1280 and 375 pixels wide."""

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import DataRequest
from tests.browser.support import check, choose_action, fill, submit
from tests.browser.test_keyboard_and_axe import press_menu_action, press_submit, type_answers
from tests.browser.test_staff_journeys import new_staff, sign_in_first_time
from tests.factories import make_request
from tests.staff_helpers import make_staff
from tests.workflow_names import state


def _request(live_server, key: str) -> str:
    with live_server.app.app_context():
        reference = make_request(db.session, key=key, name="Robin Case").reference
        db.session.remove()
    return reference


def _state(live_server, reference: str) -> str:
    with live_server.app.app_context():
        found = db.session.scalar(select(DataRequest).where(DataRequest.reference == reference))
        db.session.remove()
        return found.state


def _box(page, selector: str) -> dict:
    return page.locator(selector).first.bounding_box()


def test_request_page_components_and_a_destructive_action(page, live_server, javascript):
    mode = "js" if javascript else "nojs"
    reference = _request(live_server, f"components-{mode}")
    new_staff(live_server, f"dpo-components-{mode}@example.gov.uk")
    sign_in_first_time(page, f"dpo-components-{mode}@example.gov.uk")
    assert "Dana Price, Data Protection Officer" in page.inner_text(".moj-identity-bar")

    page.goto(f"/staff/requests/{reference}")
    check(page, "staff-request-two-columns")
    # Key facts beside the detail at desktop width, above it on a phone.
    facts, detail = _box(page, ".portal-key-facts"), _box(page, ".govuk-grid-column-two-thirds")
    assert facts["x"] > detail["x"] + detail["width"] - 1
    page.set_viewport_size({"width": 375, "height": 812})
    facts, detail = _box(page, ".portal-key-facts"), _box(page, ".govuk-grid-column-two-thirds")
    assert facts["y"] < detail["y"]
    page.set_viewport_size({"width": 1280, "height": 900})

    withdraw = page.locator(".portal-actions a", has_text="Withdraw the request")
    if javascript:
        # One "Actions" button; its items show only when it is opened.
        assert not withdraw.is_visible()
        assert page.locator(".portal-actions > button").inner_text().strip() == "Actions"
    else:
        assert withdraw.is_visible()
    choose_action(page, "Withdraw the request")
    check(page, "staff-withdraw")
    assert "cannot be undone" in page.inner_text(".govuk-warning-text")
    submit(page)
    check(page, "staff-withdraw-error")
    assert "Enter why you are doing this for the requester" in page.inner_text(
        ".govuk-error-summary"
    )
    fill(page, {"reason": "They phoned to withdraw it."})
    submit(page)
    check(page, "staff-withdraw-preview")
    assert f"Your request {reference} has been withdrawn" in page.inner_text(".portal-preview")
    assert _state(live_server, reference) != state("withdrawn")  # nothing sent yet
    submit(page, "Withdraw the request")
    assert page.url.endswith(f"/staff/requests/{reference}")
    check(page, "staff-request-confirmation")
    banner = page.locator(".govuk-notification-banner--success")
    assert "Withdraw the request: done." in banner.inner_text()
    if javascript:
        # GOV.UK Frontend moves focus to a success banner, so it is read out first.
        assert page.evaluate(
            "document.activeElement.classList.contains('govuk-notification-banner')"
        )
    assert _state(live_server, reference) == state("withdrawn")
    assert "They phoned to withdraw it." in page.inner_text(".moj-timeline")


@pytest.mark.parametrize("javascript", [True], ids=["js"])
def test_the_button_menu_and_a_destructive_action_with_the_keyboard_alone(page, live_server):
    reference = _request(live_server, "components-keyboard")
    new_staff(live_server, "dpo-components-keyboard@example.gov.uk")
    sign_in_first_time(page, "dpo-components-keyboard@example.gov.uk")
    page.goto(f"/staff/requests/{reference}")
    press_menu_action(page, "Withdraw the request")
    assert page.url.endswith(f"/staff/requests/{reference}/actions/withdraw")
    type_answers(page, {"reason": "Asked by phone."})
    press_submit(page)  # Continue: the preview
    assert "What the requester will receive" in page.inner_text("main")
    press_submit(page)  # the warning button comes first
    assert page.evaluate("document.activeElement.classList.contains('govuk-notification-banner')")
    assert _state(live_server, reference) == state("withdrawn")


def test_deactivating_an_account_warns_and_asks_why(page, live_server, javascript):
    mode = "js" if javascript else "nojs"
    new_staff(live_server, f"leaver-{mode}@example.gov.uk", role="caseworker", services=["housing"])
    new_staff(live_server, f"admin-components-{mode}@example.gov.uk", role="admin")
    sign_in_first_time(page, f"admin-components-{mode}@example.gov.uk")
    row = page.locator("tbody tr", has_text=f"leaver-{mode}@example.gov.uk")
    row.get_by_role("link", name="Deactivate").click()
    page.wait_for_load_state("load")
    check(page, "staff-deactivate")
    submit(page)
    check(page, "staff-deactivate-error")
    fill(page, {"reason": "Left the council."})
    submit(page)
    assert "deactivated and signed out everywhere" in page.inner_text(
        ".govuk-notification-banner--success"
    )
    check(page, "staff-accounts-deactivated")

    # Resetting someone's two-factor authentication: the same warning and question.
    with live_server.app.app_context():
        phone_lost = make_staff(
            "caseworker", ["housing"], email=f"lost-phone-{mode}@example.gov.uk", name="Lee Lost"
        ).id
        db.session.remove()
    page.goto(f"/staff/accounts/{phone_lost}")
    page.get_by_role("button", name="Reset two-factor authentication").click()
    page.wait_for_load_state("load")
    check(page, "staff-reset-two-factor")
    submit(page)
    check(page, "staff-reset-two-factor-error")
    fill(page, {"reason": "Lost their phone."})
    submit(page)
    assert "Two-factor authentication is reset for Lee Lost" in page.inner_text(
        ".govuk-notification-banner--success"
    )
