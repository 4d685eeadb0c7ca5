"""Notify's delivery-receipt callback: bearer token checked, statuses recorded, and a requester
who cannot be reached raises an attention item for staff."""

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Attention, OutboxMessage
from portal.notify.configured import sender
from portal.notify.dispatch import dispatch
from portal.runtime import definition
from tests.factories import make_request, without_staff_messages

TOKEN = "a-long-random-callback-token-chosen-by-the-council"
URL = "/notify/delivery-receipt"


@pytest.fixture
def receipts(make_app):
    app = make_app(NOTIFY_CALLBACK_TOKEN=TOKEN)
    with app.app_context():
        request = make_request(db.session)
        without_staff_messages(db.session)
        dispatch(db.session, definition(), sender(), lambda: request.received_at.replace(year=2100))
        row = db.session.scalars(select(OutboxMessage)).one()
        yield app.test_client(), row
        db.session.remove()
        db.engine.dispose()


def receipt(row, status):
    return {
        "id": row.notify_id,
        "reference": row.reference,
        "to": row.recipient,
        "status": status,
        "notification_type": row.channel,
    }


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}, {"Authorization": "Bearer "}],
)
def test_a_bad_or_missing_token_is_refused(receipts, headers):
    client, row = receipts
    response = client.post(URL, json=receipt(row, "delivered"), headers=headers)
    assert response.status_code == 401
    assert db.session.get(OutboxMessage, row.id).status == "sent"


def test_without_a_configured_token_every_callback_is_refused(make_app):
    app = make_app(NOTIFY_CALLBACK_TOKEN=None)
    response = app.test_client().post(
        URL, json={"status": "delivered"}, headers={"Authorization": "Bearer None"}
    )
    assert response.status_code == 401


def test_delivered_is_recorded(receipts):
    client, row = receipts
    auth = {"Authorization": f"Bearer {TOKEN}"}
    response = client.post(URL, json=receipt(row, "delivered"), headers=auth)
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(OutboxMessage, row.id).status == "delivered"
    assert db.session.scalars(select(Attention)).all() == []


def test_permanent_failure_of_the_only_channel_raises_a_task(receipts):
    client, row = receipts
    auth = {"Authorization": f"Bearer {TOKEN}"}
    client.post(URL, json=receipt(row, "permanent-failure"), headers=auth)
    client.post(URL, json=receipt(row, "permanent-failure"), headers=auth)  # Notify retries
    db.session.expire_all()
    assert db.session.get(OutboxMessage, row.id).status == "permanent-failure"
    item = db.session.scalars(select(Attention)).one()
    assert item.kind == "contact_failed" and item.request_id == row.request_id


def test_temporary_failure_is_recorded_without_a_task(receipts):
    client, row = receipts
    auth = {"Authorization": f"Bearer {TOKEN}"}
    client.post(URL, json=receipt(row, "temporary-failure"), headers=auth)
    db.session.expire_all()
    assert db.session.get(OutboxMessage, row.id).status == "temporary-failure"
    assert db.session.scalars(select(Attention)).all() == []


def test_unknown_notifications_and_bad_bodies(receipts):
    client, row = receipts
    auth = {"Authorization": f"Bearer {TOKEN}"}
    unknown = {**receipt(row, "delivered"), "reference": "999", "id": "nope"}
    assert client.post(URL, json=unknown, headers=auth).status_code == 404
    assert client.post(URL, data="not json", headers=auth).status_code == 400
    assert client.post(URL, json=["delivered"], headers=auth).status_code == 400


@pytest.mark.parametrize(
    "reference",
    [10**40, "9" * 400, 2**63, "réf-é", "\u0000", ["a"], {"a": 1}, 1.5e308],
)
def test_an_out_of_range_or_non_ascii_reference_is_a_4xx(receipts, reference):
    client, row = receipts
    auth = {"Authorization": f"Bearer {TOKEN}"}
    body = {**receipt(row, "delivered"), "reference": reference}
    response = client.post(URL, json=body, headers=auth)
    assert 400 <= response.status_code < 500
    db.session.expire_all()
    assert db.session.get(OutboxMessage, row.id).status == "sent"


def test_a_receipt_for_a_reference_from_another_database_is_not_matched(receipts):
    client, row = receipts
    auth = {"Authorization": f"Bearer {TOKEN}"}
    # What the old scheme would have sent: the row's id. It names no message here.
    body = {**receipt(row, "delivered"), "reference": str(row.id), "id": "other"}
    assert client.post(URL, json=body, headers=auth).status_code == 404
    db.session.expire_all()
    assert db.session.get(OutboxMessage, row.id).status == "sent"
