"""Staff pages say who is signed in and which service they are in; every staff action ends on a
confirmation banner (from the session, never the URL); legal or destructive actions warn, ask
why where the audit trail needs it and show exactly what the requester will receive first."""

import pytest
from sqlalchemy import func, select

from portal.deadlines.calendar import now_utc, received_date
from portal.domain.actions import apply_action
from portal.extensions import db
from portal.models import AuditEvent, DataRequest, OutboxMessage, StaffUser
from portal.runtime import definition
from tests.factories import DPO, context, make_request
from tests.helpers import error_summary, normalise
from tests.staff_helpers import make_staff, sign_in
from tests.workflow_names import state


def today():
    return received_date(now_utc())


@pytest.fixture
def people(app):
    return {
        "dpo": make_staff("dpo", name="Dana Price"),
        "housing": make_staff("caseworker", ["housing"], name="Hana Okafor"),
        "admin": make_staff("admin", name="Ali Admin"),
    }


@pytest.fixture
def as_(app, people, client_request):
    def sign_in_as(who):
        client = app.test_client()
        sign_in(client, people[who])
        client_request.client = client
        return client_request

    return sign_in_as


def banners(page) -> list[str]:
    return [
        normalise(b.select_one(".govuk-notification-banner__heading").get_text())
        for b in page.select(".govuk-notification-banner--success")
    ]


def outbox_count(request, key) -> int:
    return db.session.scalar(
        select(func.count(OutboxMessage.id)).where(
            OutboxMessage.request_id == request.id, OutboxMessage.message_key == key
        )
    )


def test_staff_pages_name_the_staff_service_and_the_signed_in_person(app, people, as_):
    request = make_request(db.session)
    dpo = as_("dpo")
    page = dpo.get(f"/staff/requests/{request.reference}")
    title = normalise(page.title.string)
    assert title.startswith(f"Request {request.reference} – Data rights casework – ")
    assert app.config["SERVICE_NAME"] not in title
    bar = normalise(page.select_one("header .moj-identity-bar").get_text(" "))
    assert bar == "Signed in as Dana Price , Data Protection Officer"
    caseworker = as_("housing")
    page = caseworker.get("/staff/requests")
    bar = normalise(page.select_one(".moj-identity-bar").get_text(" "))
    housing = definition().routing.services["housing"].name
    assert bar == f"Signed in as Hana Okafor , Caseworker ({housing})"
    admin = as_("admin")
    assert "Administrator" in admin.get("/staff/accounts").select_one(".moj-identity-bar").text
    # Before signing in there is nobody to name.
    signed_out = app.test_client().get("/staff/sign-in").get_data(as_text=True)
    assert "moj-identity-bar" not in signed_out and "Data rights casework" in signed_out


def test_every_request_action_ends_on_a_banner_saying_what_happened(people, as_):
    request = make_request(db.session)
    ref = request.reference
    dpo = as_("dpo")

    def act(url, data, expected_banner):
        response = dpo.post(url, data)
        assert "?" not in response.location, response.location  # nothing in the URL
        page = dpo.get(response.location)
        assert banners(page) == [expected_banner]
        assert banners(dpo.get(response.location)) == []  # shown once
        return page

    with_service = definition().states[state("with_service")].staff_label
    act(
        f"/staff/requests/{ref}/actions/route",
        {"services": ["housing"], "version": request.version},
        f"Route to services: done. The request is now: {with_service}.",
    )
    act(
        f"/staff/requests/{ref}/note",
        {"note": "Phoned the school"},
        "Your note was added to the timeline.",
    )
    db.session.refresh(request)
    act(
        f"/staff/requests/{ref}/assign",
        {"assignee": str(people["housing"].id), "version": request.version},
        "The request is assigned to Hana Okafor.",
    )
    db.session.refresh(request)
    act(
        f"/staff/requests/{ref}/identity",
        {"how": "Passport seen", "version": request.version},
        "The identity and authority check is recorded.",
    )
    act(
        f"/staff/requests/{ref}/tasks/housing",
        {"answer": "data_found", "finding": "Two files"},
        f"The search answer for {definition().routing.services['housing'].name} is recorded.",
    )


def test_withdrawing_for_the_requester_warns_asks_why_and_previews_the_message(people, as_):
    request = make_request(db.session)
    ref, url = request.reference, f"/staff/requests/{request.reference}/actions/withdraw"
    dpo = as_("dpo")
    page = dpo.get(url)
    assert (
        "This ends the request and cannot be undone" in page.select_one(".govuk-warning-text").text
    )
    assert page.select_one("textarea[name=reason]")

    page = dpo.post(url, {"version": request.version, "reason": "  "}, 200)
    assert error_summary(page) == [("Enter why you are doing this for the requester", "#reason")]

    page = dpo.post(url, {"version": request.version, "reason": "They phoned on Monday"}, 200)
    text = normalise(page.get_text(" "))
    assert "What the requester will receive" in text
    assert "Email to sam@example.com" in text
    # The message from workflows/messages.yaml, personalised, as the requester will get it.
    template = definition().messages["request_withdrawn"].templates["email"]
    subject, body = template.render({"reference": ref})
    assert normalise(page.select_one(".portal-preview").text) == normalise(body)
    assert f"Subject: {subject}" in text
    button = page.select_one("button[name=confirm]")
    assert "govuk-button--warning" in button["class"]
    assert normalise(button.text) == "Withdraw the request"
    carried = {i["name"]: i["value"] for i in page.select("input[type=hidden]")}
    assert carried["reason"] == "They phoned on Monday"
    # The preview sent and changed nothing.
    db.session.refresh(request)
    assert request.state != state("withdrawn") and outbox_count(request, "request_withdrawn") == 0

    page = dpo.post(url, {**carried, "change": "1"}, 200)
    assert page.select_one("textarea[name=reason]").text.strip() == "They phoned on Monday"

    response = dpo.post(url, {**carried, "confirm": "1"})
    db.session.refresh(request)
    assert request.state == state("withdrawn")
    assert outbox_count(request, "request_withdrawn") == 1
    event = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.request_id == request.id, AuditEvent.action == "withdraw"
        )
    )
    assert event.personal.content["reason"] == "They phoned on Monday"
    assert banners(dpo.get(response.location))[0].startswith("Withdraw the request: done.")


def test_closing_shows_the_reason_the_requester_will_be_sent(people, as_):
    request = make_request(db.session)
    ctx = context(db.session, today())
    apply_action(
        ctx, request, "request_evidence", DPO, {"evidence_kind": "identity", "reason": "ID"}
    )
    url = f"/staff/requests/{request.reference}/actions/close"
    dpo = as_("dpo")
    page = dpo.post(url, {"version": request.version, "reason": ""}, 200)
    assert error_summary(page) == [("Enter why the request is being closed", "#reason")]
    page = dpo.post(url, {"version": request.version, "reason": "No reply in 3 months"}, 200)
    assert "No reply in 3 months" in page.select_one(".portal-preview").text
    assert outbox_count(request, "request_closed") == 0
    dpo.post(url, {"version": request.version, "reason": "No reply in 3 months", "confirm": "1"})
    db.session.refresh(request)
    assert request.state == state("closed") and outbox_count(request, "request_closed") == 1


def test_which_actions_are_destructive_is_read_from_the_workflow(app):
    flagged = {a for a, t in definition().transitions.items() if t.destructive}
    assert flagged == {"refuse", "close", "withdraw", "withdraw_complaint"}
    reasons = {a for a, t in definition().transitions.items() if t.needs_reason}
    assert reasons == {"withdraw", "withdraw_complaint"}


def test_refusing_warns_before_the_notice_is_written_and_beside_the_send_button(people, as_):
    request = make_request(db.session)
    ref = request.reference
    dpo = as_("dpo")
    write = dpo.get(f"/staff/requests/{ref}/notices/refuse", follow=True)
    assert "ends the request" in write.select_one(".govuk-warning-text").text
    key = next(n.key for n in definition().notices.values() if n.action == "refuse")
    response = dpo.post(
        f"/staff/requests/{ref}/notices/refuse/{key}",
        {"reasons": "Fourth identical request this month.", "version": request.version},
    )
    preview = dpo.get(response.location)
    assert "ends the request" in preview.select_one(".govuk-warning-text").text
    assert "govuk-button--warning" in preview.select_one("form button")["class"]
    response = dpo.post(response.location, {"version": request.version})
    assert "?" not in response.location
    assert banners(dpo.get(response.location))[0].endswith("was sent to the requester.")


def test_deactivating_an_account_warns_and_asks_why(people, as_):
    admin = as_("admin")
    worker = people["housing"]
    accounts = admin.get("/staff/accounts")
    link = accounts.select_one(f"a[href='/staff/accounts/{worker.id}/active']")
    assert link is not None
    page = admin.get(link["href"])
    assert worker.full_name in page.select_one(".govuk-warning-text").text
    page = admin.post(link["href"], {"active": "0", "reason": ""}, 200)
    assert error_summary(page) == [("Enter why you are doing this", "#reason")]
    db.session.refresh(worker)
    assert worker.active
    response = admin.post(link["href"], {"active": "0", "reason": "Left the council"})
    db.session.refresh(worker)
    assert not worker.active
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "staff_deactivated"))
    assert event.personal.content == {"reason": "Left the council"}
    assert banners(admin.get(response.location)) == [
        "Hana Okafor’s account is deactivated and signed out everywhere."
    ]
    response = admin.post(link["href"], {"active": "1"})
    assert banners(admin.get(response.location)) == ["Hana Okafor’s account is active again."]


def test_resetting_two_factor_warns_and_asks_why(people, as_):
    admin = as_("admin")
    worker = people["housing"]
    account = admin.get(f"/staff/accounts/{worker.id}")
    link = account.select_one("a.govuk-button--warning")
    assert link["href"] == f"/staff/accounts/{worker.id}/reset-two-factor"
    page = admin.get(link["href"])
    assert page.select_one(".govuk-warning-text")
    assert "govuk-button--warning" in page.select_one("form button")["class"]
    page = admin.post(link["href"], {"reason": " "}, 200)
    assert error_summary(page) == [("Enter why you are doing this", "#reason")]
    assert db.session.get(StaffUser, worker.id).totp_confirmed
    response = admin.post(link["href"], {"reason": "Lost phone"})
    db.session.refresh(worker)
    assert not worker.totp_confirmed
    assert banners(admin.get(response.location))[0].startswith("Two-factor authentication is reset")


def test_a_stale_preview_is_refused_not_sent(people, as_):
    request = make_request(db.session)
    url = f"/staff/requests/{request.reference}/actions/withdraw"
    dpo = as_("dpo")
    version = request.version
    apply_action(context(db.session, today()), request, "route", DPO, {"services": ["housing"]})
    page = dpo.post(url, {"version": version, "reason": "Phoned", "confirm": "1"}, 200)
    assert "Someone else changed this request" in normalise(page.get_text(" "))
    assert db.session.get(DataRequest, request.id).state == state("with_service")


def test_the_rehearsal_for_a_preview_leaves_no_trace(people, as_):
    request = make_request(db.session)
    url = f"/staff/requests/{request.reference}/actions/withdraw"
    dpo = as_("dpo")
    events = db.session.scalar(select(func.count(AuditEvent.id)))
    messages = db.session.scalar(select(func.count(OutboxMessage.id)))
    dpo.post(url, {"version": request.version, "reason": "Phoned"}, 200)
    db.session.expire_all()
    assert db.session.scalar(select(func.count(AuditEvent.id))) == events
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == messages
    assert db.session.get(DataRequest, request.id).version == request.version


def test_staff_errors_are_shown_in_the_staff_area(app, people, as_):
    caseworker = as_("housing")
    for url, status in (("/staff/accounts", 403), ("/staff/requests/DR-AAAA-BBBB", 404)):
        page = caseworker.get(url, expected_status=status)
        assert " – Data rights casework – " in page.title.string, url
        assert page.select_one(".moj-identity-bar"), url
        assert not page.select_one(".govuk-exit-this-page"), url  # a resident's safety button
    # A resident's error page is unchanged.
    page = app.test_client().get("/no-such-page")
    assert app.config["SERVICE_NAME"] in page.get_data(as_text=True)
