"""`flask notify templates|check` and two real worker processes sharing one PostgreSQL outbox."""

import os
import re
import subprocess
import sys
from collections import Counter

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import CapturedMessage, OutboxMessage
from portal.runtime import definition
from tests.conftest import TEST_DATABASE_URL
from tests.notify_server import API_KEY, template_ids


def test_templates_env_lists_every_variable_once(app):
    result = app.test_cli_runner().invoke(args=["notify", "templates", "--env"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    expected = [f"{name}=" for name in template_ids()]
    assert lines == expected
    assert "NOTIFY_TEMPLATE_REQUEST_RECEIVED_EMAIL=" in lines


def test_templates_prints_texts_to_paste_into_notify(app):
    result = app.test_cli_runner().invoke(args=["notify", "templates"])
    assert "=== NOTIFY_TEMPLATE_VERIFICATION_CODE_SMS  (requester, sms)" in result.output
    assert "Subject: We have received your request ((reference))" in result.output


def test_check_queues_every_template_through_the_outbox(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["notify", "check", "--email", "dpo@example.com", "--sms", "07700 900123"]
    )
    assert result.exit_code == 0, result.output
    rows = db.session.scalars(select(OutboxMessage)).all()
    expected = sum(len(set(m.channels) & {"email", "sms"}) for m in definition().messages.values())
    assert len(rows) == expected
    assert {(r.channel, r.recipient) for r in rows} == {
        ("email", "dpo@example.com"),
        ("sms", "07700900123"),
    }
    assert f"{expected} message(s) queued" in result.output
    worker = runner.invoke(args=["worker", "--once"])
    assert worker.exit_code == 0
    assert db.session.scalar(select(func.count(CapturedMessage.id))) == expected
    bodies = " ".join(m.body for m in db.session.scalars(select(CapturedMessage)))
    assert "((" not in bodies  # every placeholder filled


def test_check_refuses_a_bad_email(app):
    result = app.test_cli_runner().invoke(args=["notify", "check", "--email", "not-an-email"])
    assert result.exit_code == 2
    assert "not a valid email address" in result.output
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0


@pytest.mark.postgres
@pytest.mark.skipif(
    not (TEST_DATABASE_URL or "").startswith("postgresql"), reason="needs PostgreSQL"
)
def test_two_workers_on_postgres_never_send_the_same_message_twice(app, fake_notify):
    count = 120
    for i in range(count):
        channel, to = ("email", "a@example.com") if i % 2 else ("sms", "07700900123")
        db.session.add(
            OutboxMessage(
                message_key="verification_code",
                channel=channel,
                recipient=to,
                personalisation={"code": str(i)},
            )
        )
    db.session.commit()
    fake_notify.behaviour.delay_seconds = 0.01
    fake_notify.behaviour.failure_rate = 0.1
    fake_notify.behaviour.failures = ("500", "429")
    env = {
        **os.environ,
        **template_ids(),
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "NOTIFY_API_KEY": API_KEY,
        "NOTIFY_BASE_URL": fake_notify.base_url,
        # 20 a second between them: the shared budget, not each worker, sets the pace.
        "NOTIFY_RATE_LIMIT_PER_MINUTE": "1220",
    }
    command = [sys.executable, "-m", "flask", "--app", "portal", "worker", "--once"]
    workers = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True) for _ in range(2)
    ]
    outputs = [w.communicate(timeout=120)[0] for w in workers]
    assert [w.returncode for w in workers] == [0, 0]

    attempted = [sum(map(int, re.findall(r"attempted (\d+)", out))) for out in outputs]
    assert all(n > 0 for n in attempted), f"both workers should have worked: {attempted}"
    references = Counter(n["reference"] for n in fake_notify.notifications)
    db.session.expire_all()
    rows = db.session.scalars(select(OutboxMessage)).all()
    # Messages whose every try failed stay pending for a later run; none went out twice.
    assert set(references.values()) == {1}
    assert {r.reference for r in rows if r.status == "sent"} == set(references)
    waiting = [r for r in rows if r.status != "sent"]
    assert all(r.status == "pending" and r.last_error for r in waiting)
    assert len(references) + len(waiting) == count and len(references) > count * 0.8
    # Together they kept to the shared budget, look-ups included: never more than a bucket plus
    # a second's refill in any one second.
    assert fake_notify.busiest_second() <= 20 + 20 + 1
