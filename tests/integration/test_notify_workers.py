"""Real worker processes (`flask --app portal worker`) against the local Notify server, on the
suite's database (SQLite, or PostgreSQL with TEST_DATABASE_URL): kill -9 and SIGTERM, one worker
per SQLite database, several workers in capture mode, one-time codes ahead of a backlog."""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.deadlines.calendar import now_utc
from portal.domain import as_utc
from portal.domain.outbox import queue
from portal.extensions import db
from portal.models import CapturedMessage, OutboxMessage
from portal.runtime import definition
from tests.notify_server import API_KEY, template_ids

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def on_postgres(database_url):
    return database_url.startswith("postgresql")


def worker_env(database_url, notify=None, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NOTIFY_")}
    env.update(DATABASE_URL=database_url, PYTHONUNBUFFERED="1")
    if notify is not None:
        env.update(template_ids(), NOTIFY_API_KEY=API_KEY, NOTIFY_BASE_URL=notify.base_url)
    env.update({k: str(v) for k, v in extra.items()})
    return env


class Worker:
    def __init__(self, env, log: Path, *args):
        self.log = log
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "flask",
                "--app",
                "portal",
                "worker",
                "--interval",
                "0.2",
                *args,
            ],
            cwd=ROOT,
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )

    def output(self) -> str:
        return self.log.read_text()

    def wait(self, timeout: float) -> int:
        return self.proc.wait(timeout=timeout)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def workers(tmp_path):
    started = []

    def start(env, *args) -> Worker:
        worker = Worker(env, tmp_path / f"worker-{len(started)}.log", *args)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()
        print(f"--- {worker.log.name}\n{worker.output()}")  # shown when the test fails


def wait_for(condition, timeout: float, every: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(every)
    raise AssertionError(f"gave up after {timeout} s waiting for {condition.__name__}")


def queue_notices(count: int) -> None:
    for i in range(count):
        queue(
            db.session,
            definition(),
            "request_received",
            [("email", f"resident{i}@example.com")],
            {
                "reference": f"DR-{i}",
                "right": "a copy of your data",
                "due_date": "1 March 2027",
                "summary": "-",
            },
        )
    db.session.commit()


def outbox() -> list[OutboxMessage]:
    db.session.expire_all()
    rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    db.session.commit()  # end the read, so SQLite does not pin an old snapshot
    return rows


def assert_each_sent_once(notify, rows):
    references = Counter(n["reference"] for n in notify.notifications)
    assert set(references.values()) == {1}, "a message was sent twice"
    assert {r.reference for r in rows if r.status == "sent"} == set(references)


def test_kill_9_loses_nothing_and_its_claims_are_sent_within_90_seconds(
    app, fake_notify, workers, database_url
):
    count = 40
    queue_notices(count)
    fake_notify.behaviour.delay_seconds = 0.3  # a slow Notify: the worker is mid-batch
    env = worker_env(database_url, fake_notify, NOTIFY_SEND_THREADS=4)
    first = workers(env)

    def holds_claims():
        return [r.reference for r in outbox() if r.status == "sending" and r.claimed_by]

    wait_for(lambda: fake_notify.posts() >= 3, 90)
    held = holds_claims()
    os.kill(first.proc.pid, signal.SIGKILL)
    killed_at = time.monotonic()
    first.wait(10)
    assert held, "the worker should have held claims when it was killed"

    workers(env)  # another worker (on SQLite: the only one, now the first is dead)
    wait_for(lambda: all(r.status == "sent" for r in outbox()), 120, every=0.5)
    rows = outbox()
    assert_each_sent_once(fake_notify, rows)
    assert len(rows) == count
    sent_at = {n["reference"]: n["received_at"] for n in fake_notify.notifications}
    last_held_sent = max(sent_at[reference] for reference in held)
    assert last_held_sent - killed_at <= 90


def test_sigterm_finishes_sends_in_flight_releases_the_rest_and_exits_within_30_seconds(
    app, fake_notify, workers, database_url
):
    count = 30
    queue_notices(count)
    fake_notify.behaviour.delay_seconds = 2.0
    env = worker_env(database_url, fake_notify, NOTIFY_SEND_THREADS=4)
    worker = workers(env)
    wait_for(lambda: fake_notify.in_flight > 0, 90, every=0.02)  # a slow start under load
    os.kill(worker.proc.pid, signal.SIGTERM)
    stopped_at = time.monotonic()
    assert worker.wait(30) == 0, worker.output()
    assert time.monotonic() - stopped_at <= 30
    fake_notify.wait_idle()

    rows = outbox()
    accepted = {n["reference"] for n in fake_notify.notifications}
    assert accepted, "a send was in flight"
    assert not [r for r in rows if r.status == "sending"], "nothing is left claimed"
    # Every send that was in flight finished and was recorded ...
    assert {r.reference for r in rows if r.status == "sent"} == accepted
    # ... and everything else is free for another worker at once, its tries untouched.
    waiting = [r for r in rows if r.status != "sent"]
    assert waiting and all(r.status == "pending" and r.claimed_by is None for r in waiting)
    assert all(r.attempts == 0 for r in waiting)
    assert all(as_utc(r.next_attempt_at) <= now_utc() for r in waiting)
    assert "SIGTERM" in worker.output()

    fake_notify.behaviour.delay_seconds = 0.0
    assert workers(env, "--once").wait(60) == 0
    rows = outbox()
    assert {r.status for r in rows} == {"sent"}
    assert_each_sent_once(fake_notify, rows)


def test_a_second_worker_on_one_sqlite_database_refuses_to_start(
    app, fake_notify, workers, database_url, on_postgres
):
    if on_postgres:
        pytest.skip("PostgreSQL runs many workers (see the two-worker tests)")
    count = 40
    queue_notices(count)
    fake_notify.behaviour.delay_seconds = 0.05
    # 10 requests a second at most: a bucket of 10, then 10 a second.
    env = worker_env(database_url, fake_notify, NOTIFY_RATE_LIMIT_PER_MINUTE=610)
    first = workers(env)
    wait_for(lambda: fake_notify.posts() >= 1, 90)
    second = workers(env)
    once = workers(env, "--once")
    assert second.wait(120) == 1 and once.wait(120) == 1  # a slow start is not a failure
    for refused in (second, once):
        assert "Another worker is already running on this SQLite database" in refused.output()
    wait_for(lambda: all(r.status == "sent" for r in outbox()), 60, every=0.5)
    assert first.proc.poll() is None
    assert_each_sent_once(fake_notify, outbox())
    assert fake_notify.busiest_second() <= 10 + 10 + 1


def test_several_workers_in_capture_mode_capture_each_message_once(
    app, workers, database_url, on_postgres
):
    count = 60
    queue_notices(count)
    env = worker_env(database_url)  # no Notify API key: capture
    started = [workers(env) for _ in range(3)]
    wait_for(lambda: all(r.status == "sent" for r in outbox()), 120, every=0.5)

    def settled():  # each either refused and exited, or started and handles SIGTERM
        return all(w.proc.poll() is not None or "worker: started" in w.output() for w in started)

    wait_for(settled, 60, every=0.2)
    for worker in started:
        worker.proc.send_signal(signal.SIGTERM)
    codes = [worker.wait(30) for worker in started]
    assert db.session.scalar(select(func.count(CapturedMessage.id))) == count
    assert db.session.scalar(select(func.count(func.distinct(CapturedMessage.outbox_id)))) == count
    if on_postgres:
        assert codes == [0, 0, 0]
    else:
        assert sorted(codes) == [0, 1, 1]  # one worker per SQLite database; the others refused
    for worker, code in zip(started, codes, strict=True):
        assert "Traceback" not in worker.output()
        if code:
            assert "Another worker is already running" in worker.output()


def test_a_one_time_code_goes_ahead_of_a_backlog(app, fake_notify, workers, database_url):
    count = 150
    queue_notices(count)
    # 10 requests a second: the backlog takes 15 seconds.
    env = worker_env(database_url, fake_notify, NOTIFY_RATE_LIMIT_PER_MINUTE=610)
    workers(env)
    wait_for(lambda: fake_notify.posts() >= 20, 90)
    queue(db.session, definition(), "verification_code", [("sms", "07700900123")], {"code": "1"})
    db.session.commit()
    code = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.message_key == "verification_code")
    ).one()
    wait_for(lambda: fake_notify.by_reference(code.reference), 30)
    position = [n["reference"] for n in fake_notify.notifications].index(code.reference)
    assert position < 60, f"the code waited behind {position} messages"
    wait_for(lambda: all(r.status == "sent" for r in outbox()), 60, every=0.5)
    assert_each_sent_once(fake_notify, outbox())


@pytest.mark.parametrize("kind", ["sms", "email"])
def test_notifications_from_an_earlier_copy_of_the_database_are_not_trusted(
    app, fake_notify, workers, database_url, kind
):
    """After a database is recreated, Notify's old notifications must not mark new messages as
    sent (a look-up trusting one would never send them)."""
    recipient = "07700900123" if kind == "sms" else "a@example.com"
    for i in range(5):
        queue(db.session, definition(), "verification_code", [(kind, recipient)], {"code": i})
    db.session.commit()
    rows = outbox()
    # Notify still holds notifications from an earlier copy of this database, whose references
    # were the row ids (the old scheme).
    for row in rows:
        fake_notify.notifications.append(
            {"id": f"old-{row.id}", "reference": str(row.id), "type": kind, "received_at": 0.0}
        )
    for row in rows:  # each message's first try had an unknown outcome
        row.attempts = 1
    db.session.commit()
    assert workers(worker_env(database_url, fake_notify), "--once").wait(60) == 0
    rows = outbox()
    assert {r.status for r in rows} == {"sent"}
    assert not [r for r in rows if r.notify_id.startswith("old-")]
    assert fake_notify.posts() == 5


def test_worker_leases_are_short_and_renewed(app, fake_notify, workers, database_url):
    queue_notices(4)
    fake_notify.behaviour.delay_seconds = 15.0  # one send outlasts the lease's first half
    env = worker_env(database_url, fake_notify, NOTIFY_SEND_THREADS=4)
    workers(env)
    wait_for(lambda: fake_notify.in_flight > 0, 90, every=0.05)
    first = {r.id: as_utc(r.next_attempt_at) for r in outbox() if r.status == "sending"}
    assert first and all(v - now_utc() <= timedelta(seconds=31) for v in first.values())
    time.sleep(12)
    renewed = {r.id: as_utc(r.next_attempt_at) for r in outbox() if r.status == "sending"}
    assert any(renewed[i] > first[i] for i in first if i in renewed)


def test_workers_with_wrong_clocks_neither_steal_claims_nor_overspend(
    app, fake_notify, database_url, on_postgres, tmp_path
):
    """Two workers whose clocks are 12 seconds fast and 12 seconds slow. Claims, their expiry
    and the budget all run on the database's clock: on their own clocks the fast worker would
    take the slow one's claims 6 seconds into a slow send and send them again, and each would
    see the other's budget as long refilled."""
    if not on_postgres:
        pytest.skip("one worker per SQLite database")
    queue_notices(20)
    fake_notify.behaviour.delay_seconds = 14.0  # Notify answers slowly: claims are held long
    env = worker_env(database_url, fake_notify, NOTIFY_RATE_LIMIT_PER_MINUTE=610)  # 10 a second
    procs = []
    for offset in ("12", "-12"):
        log = (tmp_path / f"skew{offset}.log").open("w")
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "tests.skewed_clock", offset]
                + ["flask", "--app", "portal", "worker", "--interval", "0.2"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
    try:
        wait_for(lambda: all(r.status == "sent" for r in outbox()), 120, every=0.5)
        assert_each_sent_once(fake_notify, outbox())
        # Then a fast Notify and a backlog: together they keep to 10 requests a second.
        fake_notify.behaviour.delay_seconds = 0.0
        before = len(fake_notify.request_times)
        queue_notices(100)
        wait_for(lambda: all(r.status == "sent" for r in outbox()), 120, every=0.5)
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(30)
    outputs = [(tmp_path / f"skew{o}.log").read_text() for o in ("12", "-12")]
    assert all("attempted" in out for out in outputs), "both workers should have sent"
    assert_each_sent_once(fake_notify, outbox())
    assert fake_notify.busiest_second(since=before) <= 10 + 10 + 1
