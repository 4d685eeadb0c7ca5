"""Staff in Chromium, with JavaScript on and off: first sign-in with two-factor set-up, the
triage queue, a request, and an action. Every page audited and photographed."""

import pyotp
from sqlalchemy import select

from portal.deadlines.calendar import now_utc, received_date
from portal.domain.actions import apply_action
from portal.domain.tasks import answer_task
from portal.extensions import db
from portal.models import DataRequest, OutboxMessage
from portal.workflow import Actor
from tests.browser.resident import answers, make_request
from tests.browser.support import check, choose_action, fill, submit
from tests.factories import context, flag_attention
from tests.factories import make_request as make_request_directly
from tests.staff_helpers import PASSWORD, make_staff
from tests.workflow_names import state

NEW_PASSWORD = "lantern-orchard-copper-58"  # noqa: S105


def new_staff(live_server, email, role="dpo", services=(), temporary_password=True):
    """An account as an administrator makes it: two-factor not set up yet."""
    with live_server.app.app_context():
        make_staff(
            role,
            services,
            email=email,
            name="Dana Price",
            two_factor=False,
            temporary_password=temporary_password,
        )
        db.session.remove()


def sign_in_first_time(page, email):
    page.goto("/staff/sign-in")
    check(page, "staff-sign-in")
    submit(page)
    check(page, "staff-sign-in-error")
    fill(page, {"email": email, "password": PASSWORD})
    submit(page)
    assert "/staff/two-factor" in page.url, page.inner_text("main")
    check(page, "staff-two-factor-set-up")
    key = page.locator("main code").inner_text().replace(" ", "")
    page.fill("#code", pyotp.TOTP(key).now())
    submit(page)
    # The account was made with a temporary password: its owner replaces it first.
    assert page.url.endswith("/staff/password"), page.inner_text("main")
    check(page, "staff-change-password")
    submit(page)
    check(page, "staff-change-password-error")
    fill(
        page,
        {
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
        },
    )
    submit(page)
    assert "Your password has been changed" in page.inner_text("main")
    return key


def test_staff_sign_in_triage_and_act(page, live_server, javascript):
    mode = "js" if javascript else "nojs"
    resident_email = f"staff-journey-{mode}@example.com"
    reference = make_request(
        page, live_server, answers("access", email=resident_email), resident_email
    )
    page.context.clear_cookies()

    email = f"dpo-{mode}@example.gov.uk"
    new_staff(live_server, email)
    sign_in_first_time(page, email)
    assert page.url.endswith("/staff/requests")
    check(page, "staff-queue")

    fill(page, {"q": reference})
    submit(page)
    check(page, "staff-queue-filtered")
    rows = page.locator("tbody tr")
    assert rows.count() == 1
    rows.first.get_by_role("link", name=reference).click()
    page.wait_for_load_state("load")
    check(page, "staff-request")

    choose_action(page, "Route to services")
    check(page, "staff-action-route")
    # The routing table's proposal comes ticked; untick it to see the error.
    for box in page.locator("input[name=services]").all():
        box.uncheck()
    submit(page)
    check(page, "staff-action-route-error")
    fill(page, {"services": ["housing", "education"]})
    submit(page)
    assert "Service searches" in page.inner_text("main")
    with live_server.app.app_context():
        found = db.session.scalar(select(DataRequest).where(DataRequest.reference == reference))
        assert found.state == state("with_service") and len(found.tasks) == 2
        db.session.remove()

    fill(page, {"note": "Called the family support team."})
    submit(page, "Add note")
    assert "Called the family support team." in page.inner_text(".moj-timeline")

    page.goto("/staff/requests/new")
    check(page, "staff-log-request")
    submit(page)
    check(page, "staff-log-request-error")

    # Notify refused the acknowledgement: the DPO sends it again from the Messages page.
    with live_server.app.app_context():
        found = db.session.scalar(select(DataRequest).where(DataRequest.reference == reference))
        refused = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.request_id == found.id)
        ).first()
        refused.status, refused.last_error = "failed", "400: Can't send to this recipient"
        channel = refused.channel
        db.session.commit()
        db.session.remove()
    page.goto("/staff/messages")
    check(page, "staff-messages")
    page.locator("main a", has_text="Send again").first.click()
    page.wait_for_load_state("load")
    check(page, "staff-resend")
    submit(page)
    check(page, "staff-resend-error")
    fill(page, {"channel": channel})
    submit(page)
    assert "will be sent again" in page.inner_text("main")
    page.goto("/staff/sign-out")
    check(page, "staff-sign-out")
    submit(page)
    check(page, "staff-signed-out")


def test_admin_pages(page, live_server, javascript):
    mode = "js" if javascript else "nojs"
    email = f"admin-{mode}@example.gov.uk"
    new_staff(live_server, email, role="admin")
    sign_in_first_time(page, email)
    assert page.url.endswith("/staff/accounts")
    check(page, "staff-accounts")
    page.get_by_role("link", name="Add a staff account").click()
    page.wait_for_load_state("load")
    check(page, "staff-new-account")
    submit(page)
    check(page, "staff-new-account-error")
    casey = f"casey-{mode}@example.gov.uk"
    fill(
        page,
        {
            "full_name": f"Casey Worker {mode}",
            "email": casey,
            "role": "caseworker",
            "services": ["housing"],
            "password": PASSWORD,
        },
    )
    submit(page)
    page.locator("tbody tr", has_text=casey).get_by_role("link").click()
    page.wait_for_load_state("load")
    check(page, "staff-account")
    fill(page, {"services": ["education"]})
    submit(page)
    check(page, "staff-accounts-changed")
    assert "waiting for a Data Protection Officer’s approval" in page.inner_text("main")
    page.get_by_role("link", name="Services").first.click()
    page.wait_for_load_state("load")
    check(page, "staff-services")
    assert f"Casey Worker {mode}" not in page.inner_text("main")  # not until a DPO approves
    page.goto("/staff/requests")
    check(page, "staff-forbidden")

    # A DPO approves the access the administrator asked for.
    page.goto("/staff/sign-out")
    submit(page)
    approver = f"approver-{mode}@example.gov.uk"
    new_staff(live_server, approver, role="dpo")
    sign_in_first_time(page, approver)
    page.goto("/staff/access-approvals")
    check(page, "staff-access-approvals")
    page.locator("tbody tr", has_text=casey).get_by_role("link").click()
    page.wait_for_load_state("load")
    check(page, "staff-access-approval")
    submit(page)
    check(page, "staff-access-approval-error")
    fill(page, {"decision": "approve"})
    submit(page)
    assert f"Casey Worker {mode} now has the access you approved" in page.inner_text("main")


def _request_in(live_server, key: str, *steps: str):
    """A request taken through the workflow as the DPO: `route` (to housing), `answer` (the
    housing search) and `review` (send for disclosure review)."""
    with live_server.app.app_context():
        session = db.session
        found = make_request_directly(session, key=key)
        dpo = Actor("dpo", id=None)
        today = received_date(now_utc())
        for step in steps:
            if step == "route":
                apply_action(
                    context(session, today), found, "route", dpo, {"services": ["housing"]}
                )
            elif step == "answer":
                answer_task(
                    context(session, now_utc()), found.tasks[0], dpo, "data_found", "Case notes"
                )
            elif step == "review":
                apply_action(context(session, today), found, "send_to_disclosure_review", dpo, {})
        reference = found.reference
        session.remove()
    return reference


def test_every_other_staff_page(page, live_server, javascript):
    """The request pages the main journey does not reach: each is audited and photographed."""
    mode = "js" if javascript else "nojs"
    working = _request_in(live_server, f"pages-working-{mode}", "route")
    reviewing = _request_in(live_server, f"pages-review-{mode}", "route", "answer", "review")
    with live_server.app.app_context():
        found = db.session.scalar(select(DataRequest).where(DataRequest.reference == reviewing))
        item_id = flag_attention(
            db.session, found, "The request received email was not delivered: address not found."
        ).id
        user = make_staff("dpo", email=f"pages-{mode}@example.gov.uk")
        secret = user.totp_secret
        db.session.remove()

    # A returning member of staff: password, then the code from their app.
    page.goto("/staff/sign-in")
    fill(page, {"email": f"pages-{mode}@example.gov.uk", "password": PASSWORD})
    submit(page)
    check(page, "staff-two-factor")
    submit(page)
    check(page, "staff-two-factor-error")
    page.fill("#code", pyotp.TOTP(secret).now())
    submit(page)
    assert page.url.endswith("/staff/requests")

    for path, name in [
        (f"/staff/requests/{working}", "staff-request-with-service"),
        (f"/staff/requests/{working}/assign", "staff-assign"),
        (f"/staff/requests/{working}/identity", "staff-identity"),
        (f"/staff/requests/{working}/tasks/housing", "staff-task"),
        (f"/staff/requests/{working}/actions/extend", "staff-action-extend"),
        (f"/staff/requests/{working}/actions/ask_clarification", "staff-action-clarify"),
        (f"/staff/requests/{working}/actions/refuse", "staff-action-refuse"),
        (f"/staff/requests/{reviewing}", "staff-request-in-review"),
        (f"/staff/requests/{reviewing}/pack", "staff-pack"),
        (f"/staff/requests/{reviewing}/pack/files", "staff-pack-file"),
        (f"/staff/requests/{reviewing}/pack/checklist", "staff-pack-checklist"),
        (f"/staff/requests/{reviewing}/attention/{item_id}", "staff-attention"),
        ("/staff/services", "staff-services-dpo"),
        ("/staff/password", "staff-change-own-password"),
    ]:
        page.goto(path)
        assert page.locator("h1").count() == 1, path
        check(page, name)
        submit_button = page.locator("main form .govuk-button:not([type=button])")
        if name.startswith(("staff-action", "staff-task", "staff-identity", "staff-pack-")):
            submit_button.first.click()
            page.wait_for_load_state("load")
            assert page.locator(".govuk-error-summary").count() == 1, path
            check(page, f"{name}-error")
