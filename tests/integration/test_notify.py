"""The outbox against a local Notify v2 server through the real notifications-python-client:
failures injected as Notify's contract describes them, and nothing lost or sent twice."""

import time
import uuid
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.config import ConfigError
from portal.deadlines.calendar import now_utc
from portal.domain.outbox import queue, requester_recipients
from portal.extensions import db
from portal.models import Attention, AuditEvent, OutboxMessage
from portal.notify.budget import Budget, database_now
from portal.notify.configured import budget_gate, sender
from portal.notify.dispatch import claim, dispatch, send_one
from portal.runtime import definition
from tests.factories import make_request, without_staff_messages
from tests.notify_server import API_KEY, template_ids


@pytest.fixture
def now():
    return now_utc() + timedelta(minutes=1)


def queue_codes(session, count, channel="email"):
    recipient = "a@example.com" if channel == "email" else "07700900123"
    for i in range(count):
        queue(session, definition(), "verification_code", [(channel, recipient)], {"code": i})
    session.commit()


def drain(session, notify, now, rounds=12):
    """Dispatch until nothing is due, letting time pass between rounds as backoff would."""
    for _ in range(rounds):
        dispatch(session, definition(), sender(), lambda moment=now: moment)
        notify.wait_idle()  # a slow answer finishes while the worker backs off
        now += timedelta(hours=2)
    return now


def sent_references(notify) -> Counter:
    return Counter(n["reference"] for n in notify.notifications)


def test_each_message_is_delivered_once_under_30_percent_failures(notify_app, fake_notify, now):
    session = db.session
    queue_codes(session, 30, "email")
    queue_codes(session, 30, "sms")
    fake_notify.behaviour.failure_rate = 0.3
    drain(session, fake_notify, now)

    rows = session.scalars(select(OutboxMessage)).all()
    assert {r.status for r in rows} == {"sent"}
    refs = sent_references(fake_notify)
    assert sorted(refs) == sorted(r.reference for r in rows)
    assert set(refs.values()) == {1}, "a message was sent twice"
    by_ref = {n["reference"]: n["id"] for n in fake_notify.notifications}
    assert all(r.notify_id == by_ref[r.reference] for r in rows)
    assert fake_notify.posts() > 60  # failures really happened and were retried
    assert max(r.attempts for r in rows) > 1


def test_429_backs_off_before_trying_again(notify_app, fake_notify, now):
    session = db.session
    queue_codes(session, 1)
    fake_notify.behaviour.script.extend(["429"])
    dispatch(session, definition(), sender(), lambda: now)
    row = session.scalars(select(OutboxMessage)).one()
    assert row.status == "pending" and row.attempts == 1
    assert "429" in row.last_error
    assert row.next_attempt_at.replace(tzinfo=now.tzinfo) >= now + timedelta(seconds=15)
    assert dispatch(session, definition(), sender(), lambda: now) == 0  # still backing off
    assert fake_notify.posts() == 1
    dispatch(session, definition(), sender(), lambda: now + timedelta(minutes=2))
    assert session.get(OutboxMessage, row.id).status == "sent"
    assert sent_references(fake_notify) == {row.reference: 1}


def test_400_is_not_retried_and_staff_are_told(notify_app, fake_notify, now):
    session = db.session
    request = make_request(session)
    without_staff_messages(session)
    fake_notify.behaviour.script.extend(["400"])
    dispatch(session, definition(), sender(), lambda: now)
    drain(session, fake_notify, now)
    row = session.scalars(select(OutboxMessage)).one()
    assert row.status == "failed" and row.attempts == 1
    assert "team-only API key" in row.last_error  # Notify's own message, for staff
    assert fake_notify.posts() == 1
    item = session.scalars(select(Attention)).one()
    assert item.request_id == request.id and item.kind == "message_failed"
    assert session.scalar(
        select(func.count(AuditEvent.id)).where(AuditEvent.action == "message_failed")
    )


def test_a_worker_killed_between_send_and_record_does_not_send_twice(notify_app, fake_notify, now):
    session = db.session
    queue_codes(session, 1)

    class DiesAfterSending:
        def __init__(self, real):
            self.real = real

        def find_sent(self, row, message):
            return self.real.find_sent(row, message)

        def send(self, row, message):
            self.real.send(row, message)
            raise KeyboardInterrupt  # the process dies before it records the outcome

    [row_id] = claim(session, now, 10)
    with pytest.raises(KeyboardInterrupt):
        send_one(session, definition(), DiesAfterSending(sender()), row_id, now)
    session.rollback()
    assert session.get(OutboxMessage, row_id).status == "sending"
    assert claim(session, now + timedelta(seconds=20), 10) == []  # still leased

    dispatch(session, definition(), sender(), lambda: now + timedelta(seconds=31))
    row = session.get(OutboxMessage, row_id)
    assert row.status == "sent" and row.attempts == 2
    assert fake_notify.posts() == 1, "the reference check should have found the first send"
    assert row.notify_id == fake_notify.notifications[0]["id"]


@pytest.mark.parametrize("failure", ["lose_answer", "slow", "drop", "500"])
def test_unknown_outcomes_are_checked_by_reference(notify_app, fake_notify, now, failure):
    session = db.session
    queue_codes(session, 1)
    fake_notify.behaviour.script.extend([failure])
    drain(session, fake_notify, now)
    row = session.scalars(select(OutboxMessage)).one()
    assert row.status == "sent"
    assert sent_references(fake_notify) == {row.reference: 1}


def test_a_bad_api_key_is_refused_by_the_server_and_not_retried(make_app, fake_notify, now):
    wrong = API_KEY[:-36] + "00000000-0000-0000-0000-000000000000"
    app = make_app(
        NOTIFY_API_KEY=wrong,
        NOTIFY_BASE_URL=fake_notify.base_url,
        NOTIFY_TEMPLATE_IDS=template_ids(),
    )
    with app.app_context():
        queue_codes(db.session, 1)
        dispatch(db.session, definition(), sender(), lambda: now)
        row = db.session.scalars(select(OutboxMessage)).one()
        assert row.status == "failed" and "403" in row.last_error
        assert fake_notify.notifications == []
        db.session.remove()


def test_missing_template_id_fails_the_message_not_the_worker(make_app, fake_notify, now):
    app = make_app(
        NOTIFY_API_KEY=API_KEY, NOTIFY_BASE_URL=fake_notify.base_url, NOTIFY_TEMPLATE_IDS={}
    )
    with app.app_context():
        queue_codes(db.session, 1)
        dispatch(db.session, definition(), sender(), lambda: now)
        row = db.session.scalars(select(OutboxMessage)).one()
        assert row.status == "failed"
        assert "NOTIFY_TEMPLATE_VERIFICATION_CODE_EMAIL" in row.last_error
        db.session.remove()


def test_production_refuses_to_start_without_every_template_id(make_app):
    ids = template_ids()
    ids.pop("NOTIFY_TEMPLATE_REQUEST_RECEIVED_LETTER")
    ids.pop("NOTIFY_TEMPLATE_STAFF_OVERDUE_EMAIL")
    with pytest.raises(ConfigError) as error:
        make_app(
            PRODUCTION=True, CLAMD_HOST="127.0.0.1", NOTIFY_API_KEY=API_KEY, NOTIFY_TEMPLATE_IDS=ids
        )
    assert "NOTIFY_TEMPLATE_REQUEST_RECEIVED_LETTER" in str(error.value)
    assert "NOTIFY_TEMPLATE_STAFF_OVERDUE_EMAIL" in str(error.value)
    with pytest.raises(ConfigError, match="NOTIFY_API_KEY"):
        make_app(
            PRODUCTION=True,
            CLAMD_HOST="127.0.0.1",
            NOTIFY_API_KEY=None,
            NOTIFY_TEMPLATE_IDS=template_ids(),
        )
    make_app(
        PRODUCTION=True,
        CLAMD_HOST="127.0.0.1",
        NOTIFY_API_KEY=API_KEY,
        NOTIFY_TEMPLATE_IDS=template_ids(),
    )


def test_the_budget_grants_a_bucket_then_refills_at_the_limit(app):
    budget = Budget("test", per_minute=610)  # 10 a second, a bucket of 10
    with db.engine.begin() as connection:
        started = database_now(connection)
    granted, elapsed = 0, 0.0
    for _ in range(2):  # a full bucket, then what came back while the database's clock ran on
        with db.engine.begin() as connection:
            while (wait := budget.try_take(connection)) == 0.0:
                granted += 1
            elapsed = (database_now(connection) - started).total_seconds()
        assert 0 < wait <= 0.1  # refused: the next token is less than a tenth of a second away
        time.sleep(0.25)
    assert 10 + 2 <= granted <= 10 + elapsed * 10 + 1


def test_the_worker_waits_on_the_budget_for_sends_and_look_ups(notify_app, fake_notify, now):
    notify_app.config["NOTIFY_RATE_LIMIT_PER_MINUTE"] = 610  # a bucket of 10, then 10 a second
    session = db.session
    queue_codes(session, 25)
    # Every third answer is lost, so those messages are looked up before they are sent again.
    fake_notify.behaviour.script.extend(["lose_answer", None, None] * 8)
    gate = budget_gate()
    for moment in (now, now + timedelta(minutes=5), now + timedelta(minutes=10)):
        dispatch(session, definition(), sender(gate=gate), lambda moment=moment: moment)
    rows = session.scalars(select(OutboxMessage)).all()
    assert {r.status for r in rows} == {"sent"}
    assert fake_notify.gets() > 0
    assert set(sent_references(fake_notify).values()) == {1}
    # Sends and look-ups together: never more than a bucket plus a second's refill a second.
    assert fake_notify.busiest_second() <= 10 + 10 + 1


def test_every_unexpected_error_counts_as_a_try_and_ends_in_failed(notify_app, fake_notify, now):
    session = db.session
    request = make_request(session)
    without_staff_messages(session)
    fake_notify.behaviour.broken = True  # every answer a 200 that is not JSON
    moment = now
    for _ in range(12):
        dispatch(session, definition(), sender(), lambda moment=moment: moment)
        moment += timedelta(hours=2)
    row = session.scalars(select(OutboxMessage)).one()
    assert row.status == "failed" and row.attempts == 8
    assert "InvalidResponse" in row.last_error
    # The first try sent; every later try first asked Notify, got no answer it could read, and
    # so did not send again.
    assert fake_notify.posts() == 1 and fake_notify.gets() == 7
    assert session.scalars(select(Attention)).one().request_id == request.id


def test_a_non_json_answer_to_an_accepted_send_is_looked_up_not_resent(
    notify_app, fake_notify, now
):
    session = db.session
    queue_codes(session, 1)
    fake_notify.behaviour.script.extend(["not_json"])
    drain(session, fake_notify, now)
    row = session.scalars(select(OutboxMessage)).one()
    assert row.status == "sent" and row.attempts == 2
    assert sent_references(fake_notify) == {row.reference: 1}


@pytest.mark.parametrize("mismatch", ["recipient", "template"])
def test_a_look_up_trusts_only_a_matching_notification(notify_app, fake_notify, now, mismatch):
    session = db.session
    queue_codes(session, 1)
    row = session.scalars(select(OutboxMessage)).one()
    # An earlier attempt whose answer was lost, as far as the outbox knows ...
    [row_id] = claim(session, now, 10)
    session.get(OutboxMessage, row_id).status = "pending"
    session.commit()
    # ... and Notify holds a notification with this reference for someone or something else.
    template = template_ids()["NOTIFY_TEMPLATE_VERIFICATION_CODE_EMAIL"]
    fake_notify.notifications.append(
        {
            "id": "from-elsewhere",
            "reference": row.reference,
            "type": "email",
            "template": {"id": template if mismatch == "recipient" else "another", "version": 1},
            "email_address": "someone.else@example.com"
            if mismatch == "recipient"
            else row.recipient,
            "received_at": 0.0,
        }
    )
    dispatch(session, definition(), sender(), lambda: now + timedelta(minutes=1))
    row = session.get(OutboxMessage, row_id)
    assert row.status == "sent" and row.notify_id != "from-elsewhere"
    assert fake_notify.gets() == 1 and fake_notify.posts() == 1


def test_references_are_random_and_unique(session):
    queue_codes(session, 3)
    references = [r.reference for r in session.scalars(select(OutboxMessage))]
    assert len(set(references)) == 3
    assert all(len(r) == 36 and str(uuid.UUID(r)) == r for r in references)


def test_one_time_codes_go_ahead_of_a_backlog(session, now):
    for i in range(20):
        queue(
            session,
            definition(),
            "request_received",
            [("email", "a@example.com")],
            {
                "reference": f"DR-{i}",
                "right": "a copy",
                "due_date": "1 January 2027",
                "summary": "-",
            },
        )
    session.commit()
    queue_codes(session, 1)
    [first] = claim(session, now, 1)
    assert session.get(OutboxMessage, first).message_key == "verification_code"


def test_requester_contacts_follow_their_choice(session):
    request = make_request(session)
    assert requester_recipients(request) == [("email", "sam@example.com")]
