"""The outbox with the local capture sender: every message sent once, codes not kept."""

from datetime import UTC, timedelta

import pytest
from sqlalchemy import select

from portal.deadlines.calendar import now_utc
from portal.domain.outbox import queue
from portal.models import CapturedMessage, OutboxMessage
from portal.notify.dispatch import claim, dispatch, send_one
from portal.notify.senders import CaptureSender, TemporarySendError
from portal.runtime import definition


@pytest.fixture
def now():
    # Rows are queued "now" by the database default, so the tests dispatch just after that.
    return now_utc() + timedelta(minutes=1)


def test_capture_renders_the_template_and_sends_each_message_once(session, now):
    queue(
        session, definition(), "verification_code", [("email", "a@example.com")], {"code": "123456"}
    )
    session.commit()
    assert dispatch(session, definition(), CaptureSender(session), lambda: now) == 1
    assert dispatch(session, definition(), CaptureSender(session), lambda: now) == 0
    captured = session.scalars(select(CapturedMessage)).one()
    assert captured.subject == "Your confirmation code"
    assert "Your confirmation code is 123456." in captured.body
    row = session.scalars(select(OutboxMessage)).one()
    assert row.status == "sent" and row.notify_id == f"captured-{captured.id}"
    assert row.personalisation == {"code": "(sent)"}


def test_channels_a_message_lacks_are_skipped(session, now):
    rows = queue(
        session, definition(), "verification_code", [("letter", "1 Judd St")], {"code": "123456"}
    )
    assert rows == []


def test_temporary_failure_is_retried_later(session, now):
    class Flaky(CaptureSender):
        def send(self, row, message):
            raise TemporarySendError("503: try later")

    queue(session, definition(), "verification_code", [("sms", "07700900123")], {"code": "1"})
    session.commit()
    ids = claim(session, now, 10)
    send_one(session, definition(), Flaky(session), ids[0], now)
    row = session.get(OutboxMessage, ids[0])
    assert row.status == "pending" and row.attempts == 1 and "503" in row.last_error
    assert row.next_attempt_at.replace(tzinfo=UTC) > now
    assert claim(session, now, 10) == []  # not due yet
    assert claim(session, now + timedelta(hours=2), 10) == ids


def test_a_claim_by_a_worker_that_died_is_picked_up_again(session, now):
    queue(session, definition(), "verification_code", [("sms", "07700900123")], {"code": "1"})
    session.commit()
    ids = claim(session, now, 10)
    assert claim(session, now + timedelta(seconds=20), 10) == []  # leased
    assert claim(session, now + timedelta(seconds=31), 10) == ids  # lease expired


def test_a_message_captured_by_a_worker_that_died_is_not_captured_again(session, now):
    queue(session, definition(), "verification_code", [("sms", "07700900123")], {"code": "1"})
    session.commit()
    [row_id] = claim(session, now, 10)
    row = session.get(OutboxMessage, row_id)
    CaptureSender(session).send(row, definition().messages[row.message_key])
    session.commit()  # captured, but the worker died before recording it
    assert dispatch(
        session, definition(), CaptureSender(session), lambda: now + timedelta(minutes=1)
    )
    row = session.get(OutboxMessage, row_id)
    assert row.status == "sent" and row.attempts == 2
    assert len(session.scalars(select(CapturedMessage)).all()) == 1
