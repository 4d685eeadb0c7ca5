"""The outbox dispatcher: claim due messages safely (FOR UPDATE SKIP LOCKED on PostgreSQL; one
worker per SQLite database), send them, record the outcome.

A claim is a short lease (LEASE) that the worker holding it renews while it lives (Heartbeat),
so a worker killed with kill -9 holds its messages for at most LEASE; another worker (or the
same one restarted) then claims them again and first looks each one up in Notify by its
reference, so nothing is sent twice. A worker told to stop finishes the sends in flight and
releases the rest at once."""

import logging
import random
import threading
import uuid
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from portal.domain.delivery import raise_if_unreachable
from portal.domain.outbox import ONE_TIME_CODES
from portal.domain.sealing import CODE_SEAL, CannotOpen
from portal.models import OutboxMessage
from portal.notify.budget import WorkerStopping
from portal.notify.senders import PermanentSendError, TemporarySendError
from portal.workflow.definition import WorkflowDefinition

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=30)
RENEW_EVERY = 10.0  # seconds: a lease is renewed twice before it could run out
MAX_ATTEMPTS = 8


@dataclass
class WorkerState:
    """Who holds a claim, and whether the worker has been told to stop."""

    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    stopping: threading.Event = field(default_factory=threading.Event)


def backoff(attempts: int) -> timedelta:
    """Exponential backoff with jitter: 15-30 s, 30-60 s, 1-2 min ... capped at 1 hour."""
    ceiling = min(30 * 2 ** (attempts - 1), 3600)
    return timedelta(seconds=random.uniform(ceiling / 2, ceiling))  # noqa: S311 (not security)


def claim(session: Session, now: datetime, limit: int, holder: str | None = None) -> list[int]:
    """Claim up to `limit` due messages, one-time codes first, then oldest first (so messages
    taken back from a dead worker go before the backlog queued after them), and commit."""
    due = (
        select(OutboxMessage)
        .where(
            or_(OutboxMessage.status == "pending", OutboxMessage.status == "sending"),
            OutboxMessage.next_attempt_at <= now,
        )
        .order_by(OutboxMessage.priority, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = list(session.scalars(due))
    for row in rows:
        row.status = "sending"
        row.attempts += 1
        row.next_attempt_at = now + LEASE
        row.claimed_by = holder
    ids = [row.id for row in rows]
    session.commit()
    return ids


def renew(engine: Engine, holder: str, now: datetime) -> int:
    """Extend every lease this worker holds; returns how many."""
    with engine.begin() as connection:
        return connection.execute(
            update(OutboxMessage)
            .where(OutboxMessage.claimed_by == holder, OutboxMessage.status == "sending")
            .values(next_attempt_at=now + LEASE)
        ).rowcount


def release(engine: Engine, holder: str, now: datetime) -> int:
    """Give back every message this worker still holds, due at once. Attempts are kept, so
    the next worker looks each one up before sending (its outcome may be unknown)."""
    with engine.begin() as connection:
        return connection.execute(
            update(OutboxMessage)
            .where(OutboxMessage.claimed_by == holder, OutboxMessage.status == "sending")
            .values(status="pending", claimed_by=None, next_attempt_at=now)
        ).rowcount


class Heartbeat:
    """Renews this worker's leases every RENEW_EVERY seconds on its own thread, so a send
    that takes long (or a budget wait) never lets a lease run out under a live worker."""

    def __init__(self, engine: Engine, state: WorkerState, now_fn, every: float = RENEW_EVERY):
        self.engine, self.state, self.now_fn, self.every = engine, state, now_fn, every
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, name="outbox-heartbeat", daemon=True)

    def start(self) -> "Heartbeat":
        self.thread.start()
        return self

    def _run(self) -> None:
        while not self.done.wait(self.every):
            try:
                renew(self.engine, self.state.id, self.now_fn())
            except Exception:
                log.exception("could not renew the outbox leases")

    def stop(self) -> None:
        self.done.set()
        self.thread.join(timeout=5)


def _give_back(row: OutboxMessage, now: datetime) -> None:
    """The worker is stopping before this row's request was made: release it untouched."""
    row.status, row.claimed_by, row.next_attempt_at = "pending", None, now
    row.attempts -= 1


def _failed_try(
    session: Session, definition: WorkflowDefinition, row: OutboxMessage, error: str, now
) -> None:
    row.last_error = error
    if row.attempts >= MAX_ATTEMPTS:
        row.status = "failed"
        log.warning("outbox %s failed after %s attempts", row.id, row.attempts)
        raise_if_unreachable(
            session, definition, row, "message_failed", f"gave up after {row.attempts} tries"
        )
    else:
        row.status, row.next_attempt_at = "pending", now + backoff(row.attempts)


@contextmanager
def _codes_opened(row: OutboxMessage):
    """A one-time code is sealed in the outbox: open it in memory for the send only. The clear
    value is set as the row's loaded value, so it is never written back."""
    if row.message_key not in ONE_TIME_CODES:
        yield
        return
    sealed = row.personalisation
    try:
        set_committed_value(row, "personalisation", CODE_SEAL.open_all(sealed))
    except CannotOpen as exc:
        raise PermanentSendError(f"the one-time code could not be opened ({exc})") from exc
    try:
        yield
    finally:
        set_committed_value(row, "personalisation", sealed)


def _forget_code(row: OutboxMessage) -> None:
    """Sent or failed for good: the code is of no more use, so it is not kept even sealed."""
    if row.message_key in ONE_TIME_CODES and row.status in ("sent", "failed"):
        row.personalisation = {k: f"({row.status})" for k in row.personalisation}


def send_one(
    session: Session,
    definition: WorkflowDefinition,
    sender,
    row_id: int,
    now: datetime,
    stopping: threading.Event | None = None,
):
    """Send one claimed message and record the outcome. Every exception counts as a try."""
    row = session.get(OutboxMessage, row_id)
    if row is None or row.status != "sending":
        session.rollback()
        return
    if stopping is not None and stopping.is_set():
        _give_back(row, now)
        session.commit()
        return
    message = definition.messages[row.message_key]
    try:
        # A retry may follow a send whose answer was lost: ask Notify first.
        with _codes_opened(row):
            notify_id = sender.find_sent(row, message) if row.attempts > 1 else None
            if notify_id is None and row.attempts > MAX_ATTEMPTS:
                # Claimed again after a worker died during the last try: give up, do not resend.
                raise TemporarySendError("no answer from the last try")
            notify_id = notify_id or sender.send(row, message)
    except WorkerStopping:
        session.rollback()
        row = session.get(OutboxMessage, row_id)
        _give_back(row, now)
    except PermanentSendError as exc:
        row.status, row.last_error = "failed", str(exc)
        # Notify's message names the problem, never the recipient; log the status code only.
        log.warning("outbox %s refused by Notify (%s)", row.id, str(exc).split(":")[0])
        raise_if_unreachable(session, definition, row, "message_failed", str(exc))
    except TemporarySendError as exc:
        _failed_try(session, definition, row, str(exc), now)
    except Exception as exc:
        # A non-JSON answer, a database error while capturing, a bug: still a try, so a
        # message that always fails this way gives up after MAX_ATTEMPTS instead of looping.
        log.exception("outbox %s: unexpected error while sending", row_id)
        session.rollback()
        row = session.get(OutboxMessage, row_id)
        _failed_try(session, definition, row, f"unexpected error ({type(exc).__name__})", now)
    else:
        row.status, row.notify_id, row.sent_at, row.last_error = "sent", notify_id, now, None
    _forget_code(row)
    row.claimed_by = None
    session.commit()


class SenderPool:
    """Sends claimed messages on several threads so one worker can keep up with Notify's rate
    limit despite each call's network round trip. Each thread has its own database session and
    Notify client (the client's HTTP session is not thread-safe)."""

    def __init__(self, engine: Engine, make_sender, threads: int):
        self.engine, self.make_sender, self.threads = engine, make_sender, threads
        self.local = threading.local()
        self.executor = ThreadPoolExecutor(threads, thread_name_prefix="notify-send")

    def _send(self, definition, row_id: int, now_fn, stopping) -> None:
        if not hasattr(self.local, "session"):
            self.local.session = Session(self.engine)
            self.local.sender = self.make_sender(self.local.session)
        try:
            send_one(self.local.session, definition, self.local.sender, row_id, now_fn(), stopping)
        except Exception:
            self.local.session.rollback()
            log.exception("outbox %s: could not record the outcome", row_id)

    def submit(self, definition, row_id: int, now_fn, stopping=None) -> Future:
        return self.executor.submit(self._send, definition, row_id, now_fn, stopping)

    def close(self) -> None:
        self.executor.shutdown()


def dispatch(
    session: Session,
    definition: WorkflowDefinition,
    sender,
    now_fn,
    batch: int = 50,
    pool: SenderPool | None = None,
    state: WorkerState | None = None,
) -> int:
    """Send every message due now; returns how many were claimed. Stops claiming once the
    worker is told to stop. With a pool, claims are topped up as sends finish, so the threads
    never wait for a whole batch (and a one-time code queued now waits behind at most one
    claim's worth)."""
    holder = state.id if state else None
    stopping = state.stopping if state else threading.Event()
    if pool is not None:
        return _dispatch_on_pool(session, definition, now_fn, pool, holder, stopping)
    attempted = 0
    while not stopping.is_set():
        ids = claim(session, now_fn(), batch, holder)
        if not ids:
            break
        for row_id in ids:
            send_one(session, definition, sender, row_id, now_fn(), stopping)
        attempted += len(ids)
    return attempted


def _dispatch_on_pool(session, definition, now_fn, pool, holder, stopping) -> int:
    in_flight: set[Future] = set()
    attempted, nothing_due = 0, False
    while True:
        # Keep a few more claimed than there are threads, no more: a one-time code queued now
        # then waits behind at most that many.
        if not nothing_due and not stopping.is_set() and len(in_flight) <= pool.threads:
            wanted = pool.threads + max(pool.threads // 2, 1) - len(in_flight)
            ids = claim(session, now_fn(), wanted, holder)
            in_flight |= {pool.submit(definition, i, now_fn, stopping) for i in ids}
            attempted += len(ids)
            nothing_due = not ids
            if ids:
                continue
        if not in_flight:
            return attempted
        _done, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
