"""The worker process: send due messages, renew its claims while it lives, and on SIGTERM (or
Ctrl-C) finish the sends in flight, release everything else it holds and exit."""

import logging
import signal
import time

import click
from flask import current_app

from portal.extensions import db
from portal.extensions import workflow_definition as definition
from portal.logging_setup import bind_request_id, new_request_id
from portal.notify.budget import DatabaseClock
from portal.notify.configured import budget_gate, sender, sender_pool
from portal.notify.dispatch import Heartbeat, WorkerState, dispatch, release
from portal.notify.worker_lock import AnotherWorkerRunning, hold_worker_lock

log = logging.getLogger(__name__)


def run_worker(sweep_once, once: bool = False, interval: float = 2.0) -> int:
    """The worker loop; returns the process's exit status."""
    try:
        lock = hold_worker_lock(db.engine)  # noqa: F841 (held until the process exits)
    except AnotherWorkerRunning as exc:
        click.echo(f"Error: {exc}", err=True)
        return 1
    state = WorkerState()
    now = DatabaseClock(db.engine)
    gate = budget_gate()
    pool = sender_pool(gate)
    threads = current_app.config["NOTIFY_SEND_THREADS"] if pool else 1
    # Small claims keep one-time codes from waiting behind a long batch.
    batch = max(2 * threads, 5)

    def stop(signum, _frame):
        click.echo(f"worker: {signal.Signals(signum).name}, finishing sends in flight")
        state.stopping.set()
        if gate is not None:
            gate.stop()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    # From here on SIGTERM finishes the sends in flight; tests and supervisors can wait for it.
    click.echo(f"worker: started, {threads} send thread(s)")
    heartbeat = Heartbeat(db.engine, state, now).start()
    last_sweep = 0.0
    try:
        while not state.stopping.is_set():
            bind_request_id(f"worker-{new_request_id()}")  # one id per pass for its log lines
            sent = dispatch(
                db.session,
                definition(),
                sender(gate=gate),
                now,
                batch=batch,
                pool=pool,
                state=state,
            )
            if sent:
                click.echo(f"worker: attempted {sent} message(s)")
            if state.stopping.is_set():
                break
            if time.monotonic() - last_sweep > 3600 or once:
                sweep_once()
                last_sweep = time.monotonic()
            if once:
                break
            state.stopping.wait(interval)
    finally:
        if pool is not None:
            pool.close()  # waits for the sends in flight
        heartbeat.stop()
        db.session.rollback()
        released = release(db.engine, state.id, now())
        if released:
            click.echo(f"worker: released {released} message(s) for another worker")
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
