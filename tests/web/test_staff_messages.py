"""The DPO's Messages page (paginated, filtered by status and message) and sending a failed
message again, on its own channel or another the requester gave, from that page and from the
request page. Messages go through the real Notify client to the local Notify server."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.deadlines.calendar import now_utc
from portal.domain.outbox import queue
from portal.extensions import db
from portal.models import Attention, AuditActor, AuditEvent, OutboxMessage
from portal.notify.configured import sender
from portal.notify.dispatch import dispatch
from portal.runtime import definition
from tests.factories import make_request, without_staff_messages
from tests.helpers import ClientRequest, error_summary, normalise
from tests.notify_server import API_KEY, template_ids
from tests.staff_helpers import make_staff, sign_in

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def notify_web(make_app, fake_notify):
    app = make_app(
        NOTIFY_API_KEY=API_KEY,
        NOTIFY_BASE_URL=fake_notify.base_url,
        NOTIFY_TEMPLATE_IDS=template_ids(),
    )
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def as_staff(app, role="dpo", services=()):
    user = make_staff(role, services)
    client = app.test_client()
    sign_in(client, user)
    return ClientRequest(client), user


def send_now():
    dispatch(db.session, definition(), sender(), now_utc)


def worker_once(database_url, fake_notify):
    """`flask --app portal worker --once` as its own process, sending through the local Notify."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NOTIFY_")}
    env.update(
        template_ids(),
        DATABASE_URL=database_url,
        NOTIFY_API_KEY=API_KEY,
        NOTIFY_BASE_URL=fake_notify.base_url,
    )
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "portal", "worker", "--once"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def failed_request_received(fake_notify):
    """A request whose acknowledgement Notify refused (400): failed, with an attention item."""
    request = make_request(db.session)
    without_staff_messages(db.session)
    person = request.person("requester") or request.person("subject")
    person.phone = "07700900456"
    db.session.commit()
    fake_notify.behaviour.script.extend(["400"])
    send_now()
    row = db.session.scalars(select(OutboxMessage)).one()
    assert row.status == "failed"
    return request, row


def test_the_dpo_sends_a_failed_message_by_text_from_the_request_page(
    notify_web, fake_notify, database_url
):
    request, row = failed_request_received(fake_notify)
    dpo_pages, dpo = as_staff(notify_web)
    page = dpo_pages.get(f"/staff/requests/{request.reference}")
    [link] = [a for a in page.select("a") if normalise(a.get_text()).startswith("Send again")]
    assert link["href"].endswith(f"/staff/messages/{row.id}/resend?back=request")

    form = dpo_pages.get(link["href"])
    options = {
        i["value"]: normalise(i.find_next("label").get_text())
        for i in form.select("input[name=channel]")
    }
    assert options == {"email": "Email (again)", "sms": "Text message", "letter": "Letter"}
    response = dpo_pages.post(link["href"], {"channel": "sms"})
    assert response.location.endswith(f"/staff/requests/{request.reference}")

    db.session.expire_all()
    old = db.session.get(OutboxMessage, row.id)
    new = db.session.get(OutboxMessage, old.resent_as_id)
    assert (new.channel, new.recipient, new.status) == ("sms", "07700900456", "pending")
    assert new.reference != old.reference and new.personalisation == old.personalisation
    audit = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "message_resent")
    ).one()
    assert audit.actor == AuditActor("staff", dpo.full_name, dpo.id, "dpo")
    assert audit.request_id == request.id
    assert audit.detail == {
        "message": "request_received",
        "channel": "sms",
        "failed_channel": "email",
    }

    worker_once(database_url, fake_notify)  # a real worker sends it
    db.session.expire_all()
    assert db.session.get(OutboxMessage, new.id).status == "sent"
    [texted] = [n for n in fake_notify.notifications if n["type"] == "sms"]
    assert texted["phone_number"] == "07700900456" and texted["reference"] == new.reference

    page = dpo_pages.get(f"/staff/requests/{request.reference}", follow=True)
    assert "Sent again" in normalise(page.get_text())
    assert not [a for a in page.select("a") if normalise(a.get_text()).startswith("Send again")]
    # Sent again once: the old message cannot be sent again.
    assert dpo_pages.client.post(link["href"], data={"channel": "email"}).status_code == 404


def test_the_messages_page_filters_pages_and_resends(notify_web, fake_notify):
    request, _ = failed_request_received(fake_notify)
    for i in range(55):
        queue(
            db.session,
            definition(),
            "staff_reminder",
            [("email", "housing@example.gov.uk")],
            {"reference": request.reference, "due_date": "1 March 2027", "working_days_left": i},
            request,
        )
    queue(db.session, definition(), "verification_code", [("sms", "07700900123")], {"code": "1"})
    db.session.commit()
    fake_notify.behaviour.script.extend([None] + ["400"] * 54)
    send_now()  # the code first (it jumps the queue), then 54 reminders refused and one sent
    dpo_pages, _ = as_staff(notify_web)

    page = dpo_pages.get("/staff/messages")
    assert "55 messages, page 1 of 2" in normalise(page.get_text())
    assert len(page.select("tbody tr")) == 50
    page = dpo_pages.get("/staff/messages?page=2")
    assert len(page.select("tbody tr")) == 5
    page = dpo_pages.get("/staff/messages?status=sent")
    kinds = [normalise(tr.select("td")[1].get_text()) for tr in page.select("tbody tr")]
    assert sorted(kinds) == ["Staff reminder", "Verification code"]
    page = dpo_pages.get("/staff/messages?status=failed&message=request_received")
    rows = page.select("tbody tr")
    assert len(rows) == 1 and request.reference in rows[0].get_text()
    # A failed staff reminder is visible, and can go to the same mailbox again.
    page = dpo_pages.get("/staff/messages?status=failed&message=staff_reminder&page=2")
    assert "54 messages, page 2 of 2" in normalise(page.get_text())
    link = page.select_one("tbody tr a[href*=resend]")
    form = dpo_pages.get(link["href"])
    assert [i["value"] for i in form.select("input[name=channel]")] == ["email"]
    response = dpo_pages.post(link["href"], {"channel": "email"})
    assert response.location.endswith("/staff/messages")
    # Nonsense filters fall back to the failed messages; nothing breaks.
    for query in ("status=nope", "message=<script>", "page=-3", "page=9999", "page=x"):
        dpo_pages.get(f"/staff/messages?{query}")
    # A one-time code is never offered for sending again.
    code = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.message_key == "verification_code")
    ).one()
    assert dpo_pages.client.get(f"/staff/messages/{code.id}/resend").status_code == 404


def test_a_failed_staff_reminder_shows_on_the_request_page(notify_web, fake_notify):
    request = make_request(db.session)
    queue(
        db.session,
        definition(),
        "staff_reminder",
        [("email", "housing@example.gov.uk")],
        {"reference": request.reference, "due_date": "1 March 2027", "working_days_left": 2},
        request,
    )
    db.session.commit()
    fake_notify.behaviour.script.extend(
        [None, "400"]
    )  # the acknowledgement goes, the reminder fails
    send_now()
    dpo_pages, _ = as_staff(notify_web)
    page = dpo_pages.get(f"/staff/requests/{request.reference}")
    text = normalise(page.get_text())
    assert "Staff reminder" in text and "team-only API key" in text
    assert page.select_one("a[href*=resend]")


def test_bad_resend_input_gets_an_error_and_changes_nothing(notify_web, fake_notify):
    request, row = failed_request_received(fake_notify)
    dpo_pages, _ = as_staff(notify_web)
    url = f"/staff/messages/{row.id}/resend"
    for data in ({}, {"channel": ""}, {"channel": "pigeon"}, {"channel": "email\u0000"}):
        page = dpo_pages.post(url, data, expected_status=200)
        assert error_summary(page) == [("Select how to send the message", "#channel")]
    db.session.expire_all()
    assert db.session.get(OutboxMessage, row.id).resent_as_id is None
    assert db.session.scalars(select(OutboxMessage)).all() == [row]
    assert dpo_pages.client.get("/staff/messages/999999/resend").status_code == 404


def test_only_the_dpo_can_send_a_message_again(notify_web, fake_notify):
    _, row = failed_request_received(fake_notify)
    for role, services in (("caseworker", ["housing"]), ("admin", [])):
        pages, _ = as_staff(notify_web, role, services)
        assert pages.client.get(f"/staff/messages/{row.id}/resend").status_code == 403
        assert (
            pages.client.post(
                f"/staff/messages/{row.id}/resend", data={"channel": "email"}
            ).status_code
            == 403
        )
    assert db.session.scalars(select(Attention)).one().outbox_id == row.id
