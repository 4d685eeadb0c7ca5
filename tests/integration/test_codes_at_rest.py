"""One-time codes are never in clear in the database: sealed in the outbox row (read here
straight from the table), opened only by the sender, and removed once the message is sent or
has failed for good."""

import json
import re
from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import select, text

from portal.deadlines.calendar import now_utc
from portal.domain.sealing import CODE_SEAL, PREFIX
from portal.domain.verification import send_code
from portal.extensions import db
from portal.models import CapturedMessage, Draft, OutboxMessage
from portal.notify.configured import sender
from portal.notify.dispatch import MAX_ATTEMPTS, claim, dispatch, send_one
from portal.notify.senders import CaptureSender, TemporarySendError
from portal.runtime import definition


@pytest.fixture
def now():
    return now_utc() + timedelta(minutes=1)


def raw_outbox() -> list[tuple[str, str]]:
    """(status, personalisation) as stored: the database's own text, not the model's."""
    with db.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT status, personalisation FROM outbox_message ORDER BY id")
        ).all()
    # SQLite hands back the JSON text, psycopg the decoded value: compare as JSON text.
    return [(s, v if isinstance(v, str) else json.dumps(v)) for s, v in rows]


def code_for(email: str, now) -> Draft:
    draft = Draft(id=f"draft-{email}", answers={}, created_at=now, updated_at=now)
    db.session.add(draft)
    db.session.commit()
    send_code(
        db.session, definition(), draft, "email", email, now, current_app.config["SECRET_KEY"]
    )
    return draft


def test_a_code_is_sealed_in_the_outbox_and_blanked_once_sent(app, now):
    code_for("sam@example.com", now)
    [(status, stored)] = raw_outbox()
    assert status == "pending"
    sealed = json.loads(stored)["code"]
    assert sealed.startswith(PREFIX)

    dispatch(db.session, definition(), CaptureSender(db.session), lambda: now)
    captured = db.session.scalars(select(CapturedMessage)).one()
    code = re.search(r"\b(\d{6})\b", captured.body).group(1)  # the sender opened it
    # Not in clear while it waited. (Any six digits would do by chance now and then: the
    # sealed token is base64, digits included.)
    assert code not in stored
    assert raw_outbox() == [("sent", '{"code": "(sent)"}')]
    assert all(code not in value for _, value in raw_outbox())


def test_a_code_that_fails_for_good_is_removed(app, now):
    class Refusing(CaptureSender):
        def send(self, row, message):
            assert not row.personalisation["code"].startswith(PREFIX)  # opened for the send
            raise TemporarySendError("503: try later")

    code_for("sam@example.com", now)
    [row_id] = claim(db.session, now, 10)
    send_one(db.session, definition(), Refusing(db.session), row_id, now)
    [(status, stored)] = raw_outbox()
    assert status == "pending" and PREFIX in stored  # still sealed between tries, never clear
    row = db.session.get(OutboxMessage, row_id)
    row.attempts = MAX_ATTEMPTS - 1
    db.session.commit()
    later = now + timedelta(hours=3)
    [row_id] = claim(db.session, later, 10)
    send_one(db.session, definition(), Refusing(db.session), row_id, later)
    assert raw_outbox() == [("failed", '{"code": "(failed)"}')]


def test_a_code_notify_refuses_is_removed_and_notify_got_it_in_clear(notify_app, fake_notify, now):
    code_for("sam@example.com", now)
    code_for("kim@example.com", now)
    fake_notify.behaviour.script.extend(["400"])
    dispatch(db.session, definition(), sender(), lambda: now)
    stored = raw_outbox()
    assert sorted(stored) == [("failed", '{"code": "(failed)"}'), ("sent", '{"code": "(sent)"}')]
    [delivered] = fake_notify.notifications
    assert re.fullmatch(r"\d{6}", delivered["personalisation"]["code"])


def test_a_code_sealed_with_another_key_fails_at_once_and_is_removed(app, now):
    draft = Draft(id="draft-other-key", answers={}, created_at=now, updated_at=now)
    db.session.add(draft)
    db.session.commit()
    send_code(db.session, definition(), draft, "email", "a@example.com", now, "x" * 40)
    dispatch(db.session, definition(), CaptureSender(db.session), lambda: now)
    assert raw_outbox() == [("failed", '{"code": "(failed)"}')]
    assert db.session.scalars(select(CapturedMessage)).all() == []


def test_the_seal_opens_only_with_a_registered_key():
    sealed = CODE_SEAL.seal("k" * 40, "123456")
    assert sealed.startswith(PREFIX) and "123456" not in sealed
    CODE_SEAL.use("k" * 40)
    assert CODE_SEAL.open(sealed) == "123456"
    assert CODE_SEAL.open("654321") == "654321"  # queued before sealing (or a sample)
