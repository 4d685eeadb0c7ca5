"""The outbox dispatcher: claim due messages safely (FOR UPDATE SKIP LOCKED on PostgreSQL), send
them, record the outcome. A worker killed mid-batch loses nothing: a claim is a lease that
expires, and a reclaimed message is first looked up by its reference so it is not sent twice."""

import logging
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from sqlalchemy import Engine, or_, select
from sqlalchemy.orm import Session

from portal.domain.delivery import raise_if_unreachable
from portal.models import OutboxMessage
from portal.notify.budget import Budget
from portal.notify.senders import PermanentSendError, TemporarySendError
from portal.workflow.definition import WorkflowDefinition

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 8
# Codes are personal secrets: once sent, the outbox keeps no copy.
REDACT_AFTER_SEND = {"verification_code"}


def backoff(attempts: int) -> timedelta:
    """Exponential backoff with jitter: 15-30 s, 30-60 s, 1-2 min ... capped at 1 hour."""
    ceiling = min(30 * 2 ** (attempts - 1), 3600)
    return timedelta(seconds=random.uniform(ceiling / 2, ceiling))  # noqa: S311 (not security)


def claim(session: Session, now: datetime, limit: int, budget: Budget | None = None) -> list[int]:
    """Claim up to `limit` due messages for this worker (and, with a budget, no more than the
    shared rate limit allows right now) and commit the claim."""
    due = (
        select(OutboxMessage)
        .where(
            or_(OutboxMessage.status == "pending", OutboxMessage.status == "sending"),
            OutboxMessage.next_attempt_at <= now,
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = list(session.scalars(due))
    if budget is not None:
        budget.wait_seconds = 0.0
    if budget is not None and rows:
        rows = rows[: budget.take(session, len(rows), now)]
    for row in rows:
        row.status = "sending"
        row.attempts += 1
        row.next_attempt_at = now + LEASE
    ids = [row.id for row in rows]
    session.commit()
    return ids


def send_one(session: Session, definition: WorkflowDefinition, sender, row_id: int, now: datetime):
    row = session.get(OutboxMessage, row_id)
    message = definition.messages[row.message_key]
    try:
        notify_id = sender.find_sent(row) if row.attempts > 1 else None
        notify_id = notify_id or sender.send(row, message)
    except PermanentSendError as exc:
        row.status, row.last_error = "failed", str(exc)
        # Notify's message names the problem, never the recipient; log the status code only.
        log.warning("outbox %s refused by Notify (%s)", row.id, str(exc).split(":")[0])
        raise_if_unreachable(session, definition, row, "message_failed", str(exc))
    except TemporarySendError as exc:
        row.last_error = str(exc)
        if row.attempts >= MAX_ATTEMPTS:
            row.status = "failed"
            log.warning("outbox %s failed after %s attempts", row.id, row.attempts)
            raise_if_unreachable(
                session, definition, row, "message_failed", f"gave up after {row.attempts} tries"
            )
        else:
            row.status, row.next_attempt_at = "pending", now + backoff(row.attempts)
    else:
        row.status, row.notify_id, row.sent_at, row.last_error = "sent", notify_id, now, None
        if row.message_key in REDACT_AFTER_SEND:
            row.personalisation = {k: "(sent)" for k in row.personalisation}
    session.commit()


class SenderPool:
    """Sends a claimed batch on several threads so one worker can keep up with Notify's rate
    limit despite each call's network round trip. Each thread has its own database session and
    Notify client (the client's HTTP session is not thread-safe)."""

    def __init__(self, engine: Engine, make_sender, threads: int):
        self.engine, self.make_sender = engine, make_sender
        self.local = threading.local()
        self.executor = ThreadPoolExecutor(threads, thread_name_prefix="notify-send")

    def _send(self, definition: WorkflowDefinition, row_id: int, now_fn) -> None:
        if not hasattr(self.local, "session"):
            self.local.session = Session(self.engine)
            self.local.sender = self.make_sender(self.local.session)
        try:
            send_one(self.local.session, definition, self.local.sender, row_id, now_fn())
        except Exception:
            self.local.session.rollback()
            log.exception("outbox %s: unexpected error while sending", row_id)

    def send_all(self, definition: WorkflowDefinition, ids: list[int], now_fn) -> None:
        list(self.executor.map(lambda row_id: self._send(definition, row_id, now_fn), ids))

    def close(self) -> None:
        self.executor.shutdown()


def dispatch(
    session: Session,
    definition: WorkflowDefinition,
    sender,
    now_fn,
    batch: int = 50,
    budget: Budget | None = None,
    sleep=time.sleep,
    pool: SenderPool | None = None,
) -> int:
    """Send every message due now, waiting on the shared budget when it runs dry; returns how
    many sends were attempted. With a pool, each claimed batch is sent on its threads."""
    attempted = 0
    while True:
        ids = claim(session, now_fn(), batch, budget)
        if not ids:
            if budget is not None and budget.wait_seconds:
                sleep(budget.wait_seconds)
                continue
            return attempted
        if pool is not None:
            pool.send_all(definition, ids, now_fn)
        else:
            for row_id in ids:
                send_one(session, definition, sender, row_id, now_fn())
        attempted += len(ids)
