"""When the clock restarts, pauses, resumes or is extended, the requester is told the new date
on their channels (checked on what the local Notify server receives) and sees it, with the
reason, on their tracking page."""

from datetime import timedelta

from portal.deadlines import long_date
from portal.deadlines.calendar import now_utc, received_date
from portal.domain.actions import apply_action
from portal.extensions import db
from portal.notify.configured import sender
from portal.notify.dispatch import dispatch
from portal.runtime import definition
from tests.factories import DPO, context, make_request
from tests.helpers import ClientRequest, normalise

EMAIL, MOBILE = "sam@example.com", "07700900123"
BOTH = {"method": "both", "contact": {"email": EMAIL, "mobile": MOBILE}}


def today():
    return received_date(now_utc())


def act(request, action, day=None, **fields):
    return apply_action(context(db.session, day or today()), request, action, DPO, fields)


def delivered(fake_notify, key):
    dispatch(db.session, definition(), sender(), now_utc)
    fake_notify.wait_idle()
    template = definition().messages[key].templates
    return {
        n["type"]: template[n["type"]].render(n["personalisation"])[1]
        for n in fake_notify.notifications
        if n["personalisation"].get("reference") and key_of(n, key)
    }


def key_of(notification, key):
    wanted = set(definition().messages[key].personalisation)
    return set(notification["personalisation"]) == wanted


def tracking_page(app, fake_notify, request):
    requester = ClientRequest(app.test_client())
    requester.post("/track", {"reference": request.reference, "contact": EMAIL})
    dispatch(db.session, definition(), sender(), now_utc)
    fake_notify.wait_idle()
    code = [n for n in fake_notify.notifications if "code" in n["personalisation"]][-1]
    requester.post("/track/code", {"code": code["personalisation"]["code"]})
    page = requester.get("/track/request")
    changes = page.select_one("#due-date-changes")
    return page, normalise(changes.find_next("ul").get_text(" ")) if changes else ""


def test_a_restarted_clock_tells_the_new_date_on_every_channel_and_the_tracking_page(
    notify_app, fake_notify
):
    request = make_request(db.session, key="r", **BOTH)
    act(request, "request_evidence", evidence_kind="identity", reason="A copy of your passport")
    arrived = today() - timedelta(days=2)
    act(request, "evidence_received", evidence_date=arrived.isoformat())
    new_due = request.due_date
    told = delivered(fake_notify, "due_date_changed")
    assert set(told) == {"email", "sms"}
    assert long_date(new_due) in told["email"] and long_date(arrived) in told["email"]
    assert "started again" in told["email"]
    assert long_date(new_due) in told["sms"] and "in the email we sent you" in told["sms"]
    page, changes = tracking_page(notify_app, fake_notify, request)
    assert f"The time limit started again on {long_date(arrived)}" in changes
    assert f"We must now reply by {long_date(new_due)}" in changes


def test_pause_resume_and_extension_are_each_told_with_the_reason(notify_app, fake_notify):
    request = make_request(db.session, key="p", **BOTH)
    act(request, "route", services=["housing"])
    first_due = request.due_date
    asked = today()
    act(request, "ask_clarification", question="Which years do you mean?")
    paused = delivered(fake_notify, "clarification_needed")
    assert "paused" in paused["email"] and "paused" in paused["sms"]
    act(request, "clarification_received", asked + timedelta(days=10), answer="2019 to 2021")
    resumed_due = request.due_date
    assert resumed_due > first_due
    told = delivered(fake_notify, "due_date_changed")
    assert long_date(resumed_due) in told["email"] and long_date(resumed_due) in told["sms"]
    act(request, "extend", asked + timedelta(days=10), reason="Records span four services.")
    extended = delivered(fake_notify, "time_extended")
    assert long_date(request.due_date) in extended["email"]
    assert "Records span four services." in extended["email"]

    _, changes = tracking_page(notify_app, fake_notify, request)
    assert f"The time limit is paused from {long_date(asked)}" in changes
    assert f"We received your answer on {long_date(asked + timedelta(days=10))}" in changes
    assert f"We must now reply by {long_date(resumed_due)}" in changes
    assert "because: Records span four services." in changes
    assert f"We must now reply by {long_date(request.due_date)}" in changes
    # Newest first.
    assert changes.index("extended") < changes.index("paused from")
