"""Notify delivery benchmark: one worker's sustained send rate against Notify's 3,000-a-minute
limit, and how long a worker killed with kill -9 delays the messages it had claimed. Each
figure is printed beside its ceiling, measured in the same run.

    make bench      # PostgreSQL at PG_TEST_URL (the production store); its schema is replaced
    BENCH_DATABASE_URL=sqlite:////tmp/bench.db .venv/bin/python -m benchmarks.notify_throughput

Runs real worker processes (`flask --app portal worker`) against the local Notify v2 server from
tests/ (the real client, real HTTP on loopback) with a simulated Notify round trip
(BENCH_LATENCY, default 0.15 s) and the real shared budget.

1. Throughput. Ceiling: bare notifications-python-client calls on as many threads as the worker
   has, drawing on the same kind of shared budget. Worker: one worker process sending a backlog.
   Both are measured at the steady rate, once the first bucketful (which goes at once) is spent.
2. Recovery. A worker is killed with kill -9 while it holds claims; another starts at once (a
   supervisor's restart, or a second worker). Reported: seconds from the kill until the last of
   the killed worker's claimed messages is recorded as sent (looked up in Notify if it was in
   flight, else sent), beside the time its claims took to expire (the floor: nothing it held
   may be touched before then)."""

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

from flask_migrate import upgrade
from notifications_python_client.notifications import NotificationsAPIClient
from sqlalchemy import select, text

from portal import create_app
from portal.deadlines.calendar import now_utc
from portal.domain import as_utc
from portal.extensions import db
from portal.models import OutboxMessage
from portal.notify.budget import Budget, BudgetGate
from tests.notify_server import API_KEY, FakeNotify, template_ids

ROOT = Path(__file__).resolve().parents[1]
SECONDS = float(os.environ.get("BENCH_SECONDS", "20"))
LATENCY = float(os.environ.get("BENCH_LATENCY", "0.15"))
THREADS = int(os.environ.get("NOTIFY_SEND_THREADS", "10"))
LIMIT = 3000
THROUGHPUT_GOAL, RECOVERY_GOAL = 0.95, 90.0


def make_app(database_url: str):
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "NOTIFY_API_KEY": None})
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
                "priority": 1,
                "next_attempt_at": due,
                "created_at": due,
            }
            for i in range(count)
        ],
    )
    db.session.commit()


def steady_rate(times: list[float]) -> float:
    """Requests a minute once the initial bucketful (and what refilled while it went out) is
    spent: over the last three quarters of the requests."""
    times = sorted(times)
    times = times[len(times) // 4 :]
    return (len(times) - 1) / (times[-1] - times[0]) * 60


def ceiling(notify: FakeNotify, sends: int) -> float:
    """Bare client calls on THREADS threads, each waiting on a shared budget of its own."""
    gate = BudgetGate(db.engine, Budget("bench-ceiling", LIMIT))
    before = len(notify.request_times)
    remaining = iter(range(sends))
    lock = threading.Lock()

    def send_until_done():
        client = NotificationsAPIClient(API_KEY, base_url=notify.base_url)
        while True:
            with lock:
                i = next(remaining, None)
            if i is None:
                return
            gate()
            client.send_email_notification(
                email_address="resident@example.com",
                template_id="00000000-0000-0000-0000-000000000001",
                personalisation={"reference": f"DR-{i}"},
                reference=f"ceiling-{i}",
            )

    threads = [threading.Thread(target=send_until_done) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return steady_rate(notify.request_times[before:])


class Worker:
    def __init__(self, env: dict, log: Path):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "portal", "worker", "--interval", "0.5"],
            cwd=ROOT,
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(60)


def rows() -> list[OutboxMessage]:
    db.session.expire_all()
    found = db.session.scalars(select(OutboxMessage)).all()
    db.session.commit()
    return found


def wait_until(condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"benchmark gave up waiting for {condition.__name__}")
        time.sleep(0.2)


def worker_throughput(notify: FakeNotify, env: dict, logs: Path, sends: int) -> float:
    db.session.execute(OutboxMessage.__table__.delete())
    db.session.commit()
    queue(sends)
    before = len(notify.request_times)
    worker = Worker(env, logs / "throughput.log")
    try:
        wait_until(lambda: notify.posts_since(before) >= sends, SECONDS * 3 + 60)
    finally:
        worker.stop()
    return steady_rate(notify.request_times[before:])


def recovery(notify: FakeNotify, env: dict, logs: Path) -> tuple[float, float, int]:
    db.session.execute(OutboxMessage.__table__.delete())
    db.session.commit()
    queue(int(LIMIT / 60 * 12))
    started = notify.posts()
    first = Worker(env, logs / "killed.log")
    wait_until(lambda: notify.posts() >= started + 100, 120)
    first.proc.send_signal(signal.SIGKILL)
    killed_at, killed_db = time.monotonic(), now_utc()
    first.proc.wait()
    held = {r.id: as_utc(r.next_attempt_at) for r in rows() if r.status == "sending"}
    second = Worker(env, logs / "restarted.log")

    def held_all_sent():
        return all(r.status == "sent" for r in rows() if r.id in held)

    try:
        wait_until(held_all_sent, 300)
        took = time.monotonic() - killed_at
    finally:
        second.stop()
    expired = (max(held.values()) - killed_db).total_seconds()
    return took, expired, len(held)


def main() -> None:
    database_url = os.environ["BENCH_DATABASE_URL"]
    notify = FakeNotify().start()
    notify.behaviour.delay_seconds = LATENCY
    app = make_app(database_url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NOTIFY_")}
    env.update(
        template_ids(),
        DATABASE_URL=database_url,
        NOTIFY_API_KEY=API_KEY,
        NOTIFY_BASE_URL=notify.base_url,
        NOTIFY_RATE_LIMIT_PER_MINUTE=str(LIMIT),
        NOTIFY_SEND_THREADS=str(THREADS),
        PYTHONUNBUFFERED="1",
    )
    sends = int(LIMIT / 60 * SECONDS)
    with app.app_context(), tempfile.TemporaryDirectory() as logs:
        top = ceiling(notify, sends)
        time.sleep(2)
        rate = worker_throughput(notify, env, Path(logs), sends)
        took, floor, held = recovery(notify, env, Path(logs))
        db.session.remove()
        db.engine.dispose()
    notify.stop()

    store = database_url.split(":")[0].split("+")[0]
    print(f"Notify delivery ({store}, local Notify server, {LATENCY:.2f} s round trip)")
    print(f"1. Sends a minute, one worker ({THREADS} send threads), {LIMIT}/min limit")
    print(
        f"  ceiling: bare client, same threads and budget {top:7.0f} /min"
        f"   {top / LIMIT:.3f} of the limit (budget's own ceiling 60/61 = 0.984)"
    )
    print(
        f"  outbox worker                                {rate:7.0f} /min"
        f"   {rate / LIMIT:.3f} of the limit, {rate / top:.3f} of the ceiling"
        f"  (goal >= {THROUGHPUT_GOAL})"
    )
    print(f"2. Recovery after kill -9 ({held} claimed messages)")
    print(f"  ceiling: its claims expired after              {floor:5.1f} s")
    print(
        f"  last of its claimed messages sent after        {took:5.1f} s"
        f"   (goal <= {RECOVERY_GOAL:.0f} s)"
    )


if __name__ == "__main__":
    main()
