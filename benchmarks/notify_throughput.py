"""Notify throughput: how fast the outbox worker sends, against a baseline measured in the same
run, and whether it sustains Notify's 3,000-a-minute limit without exceeding it.

    make bench      # PostgreSQL at PG_TEST_URL (the production store); its schema is replaced
    BENCH_DATABASE_URL=sqlite:////tmp/bench.db .venv/bin/python -m benchmarks.notify_throughput

Runs against the local Notify v2 server from tests/ (the real client, real HTTP on loopback).
Part 1 has no added latency, so it measures the portal's own cost per message against bare
client calls. Part 2 adds a simulated Notify round trip (BENCH_LATENCY, default 0.15 s) and
the real 3,000/min budget, as a worker in production would meet them."""

import os
import time
from datetime import timedelta

from flask_migrate import upgrade
from notifications_python_client.notifications import NotificationsAPIClient
from sqlalchemy import text

from portal import create_app
from portal.deadlines.calendar import now_utc
from portal.extensions import db
from portal.models import OutboxMessage
from portal.notify.dispatch import dispatch
from portal.runtime import definition, send_budget, sender, sender_pool
from tests.notify_server import API_KEY, FakeNotify, template_ids

SENDS = int(os.environ.get("BENCH_SENDS", "500"))
LIMITED_SECONDS = float(os.environ.get("BENCH_LIMITED_SECONDS", "20"))
LATENCY = float(os.environ.get("BENCH_LATENCY", "0.15"))
LIMIT = 3000


def make_app(notify: FakeNotify, database_url: str):
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "NOTIFY_API_KEY": API_KEY,
            "NOTIFY_BASE_URL": notify.base_url,
            "NOTIFY_TEMPLATE_IDS": template_ids(),
            "NOTIFY_RATE_LIMIT_PER_MINUTE": LIMIT,
        }
    )
    with app.app_context():
        if database_url.startswith("postgresql"):
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
    return app


def queue(count: int) -> None:
    due = now_utc() - timedelta(seconds=1)
    db.session.execute(
        OutboxMessage.__table__.insert(),
        [
            {
                "message_key": "request_received",
                "channel": "email",
                "recipient": "resident@example.com",
                "personalisation": {"reference": f"DR-{i}", "right": "a copy", "due_date": "x"},
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": due,
                "created_at": due,
            }
            for i in range(count)
        ],
    )
    db.session.commit()


def bare_client_rate(notify: FakeNotify) -> float:
    client = NotificationsAPIClient(API_KEY, base_url=notify.base_url)
    start = time.perf_counter()
    for i in range(SENDS):
        client.send_email_notification(
            email_address="resident@example.com",
            template_id="00000000-0000-0000-0000-000000000001",
            personalisation={"reference": f"DR-{i}"},
            reference=f"bare-{i}",
        )
    return SENDS / (time.perf_counter() - start)


def outbox_run(count: int, budget=None, pool=None) -> tuple[int, float]:
    queue(count)
    sent_before = db.session.query(OutboxMessage).filter_by(status="sent").count()
    start = time.perf_counter()
    dispatch(db.session, definition(), sender(), now_utc, budget=budget, pool=pool)
    elapsed = time.perf_counter() - start
    sent = db.session.query(OutboxMessage).filter_by(status="sent").count() - sent_before
    return sent, elapsed


def main() -> None:
    notify = FakeNotify().start()
    database_url = os.environ["BENCH_DATABASE_URL"]
    app = make_app(notify, database_url)
    with app.app_context():
        baseline = bare_client_rate(notify)
        sent, elapsed = outbox_run(SENDS)
        one_thread = sent / elapsed

        notify.behaviour.delay_seconds = LATENCY
        budget, pool = send_budget(), sender_pool()
        sent_slow, elapsed_slow = outbox_run(min(SENDS, 100))
        limited_count = int(LIMIT / 60 * LIMITED_SECONDS)
        limited, limited_elapsed = outbox_run(limited_count, budget=budget, pool=pool)
        if pool is not None:
            pool.close()
        db.session.remove()
        db.engine.dispose()
    notify.stop()

    # The first bucketful goes at once; the steady rate is what follows it.
    steady = (limited - budget.capacity) / limited_elapsed * 60
    threads = app.config["NOTIFY_SEND_THREADS"] if pool else 1
    print(f"Notify throughput ({database_url.split(':')[0].split('+')[0]}, local Notify server)")
    print("Part 1, no added latency: the portal's own cost per message")
    print(f"  baseline: bare client sends, one thread     {baseline:8.1f} /s")
    print(
        f"  outbox worker, one thread                   {one_thread:8.1f} /s"
        f"   ratio to baseline {one_thread / baseline:.2f}"
    )
    print(f"Part 2, {LATENCY:.2f} s simulated Notify round trip, {LIMIT}/min budget")
    print(
        f"  outbox worker, one thread                   {sent_slow / elapsed_slow * 60:8.0f} /min"
        f"   ratio to the limit {sent_slow / elapsed_slow * 60 / LIMIT:.3f}"
    )
    print(
        f"  outbox worker, {threads} send threads, {limited} msgs  {steady:8.0f} /min"
        f"   ratio to the limit {steady / LIMIT:.3f} (ceiling 60/61 = 0.984)"
    )


if __name__ == "__main__":
    main()
