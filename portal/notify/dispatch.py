"""The outbox dispatcher: claim due messages safely (FOR UPDATE SKIP LOCKED on PostgreSQL), send
them, record the outcome. A worker killed mid-batch loses nothing: a claim is a lease that
expires, and a reclaimed message is first looked up by its reference so it is not sent twice."""

import logging
import random
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from portal.models import OutboxMessage
from portal.notify.senders import PermanentSendError, TemporarySendError
from portal.workflow.definition import WorkflowDefinition

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 8
# Codes are personal secrets: once sent, the outbox keeps no copy.
REDACT_AFTER_SEND = {"verification_code"}


def backoff(attempts: int) -> timedelta:
    """Exponential backoff with full jitter: up to 30 s, 1 min, 2 min ... capped at 1 hour."""
    ceiling = min(30 * 2 ** (attempts - 1), 3600)
    return timedelta(seconds=random.uniform(ceiling / 2, ceiling))  # noqa: S311 (not security)


def claim(session: Session, now: datetime, limit: int) -> list[int]:
    """Claim up to `limit` due messages for this worker and commit the claim."""
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
        log.warning("outbox %s refused by Notify: %s", row.id, str(exc).split(":")[0])
    except TemporarySendError as exc:
        row.last_error = str(exc)
        if row.attempts >= MAX_ATTEMPTS:
            row.status = "failed"
            log.warning("outbox %s failed after %s attempts", row.id, row.attempts)
        else:
            row.status, row.next_attempt_at = "pending", now + backoff(row.attempts)
    else:
        row.status, row.notify_id, row.sent_at, row.last_error = "sent", notify_id, now, None
        if row.message_key in REDACT_AFTER_SEND:
            row.personalisation = {k: "(sent)" for k in row.personalisation}
    session.commit()


def dispatch(session: Session, definition: WorkflowDefinition, sender, now_fn, batch=50) -> int:
    """Send every message due now; returns how many were attempted."""
    attempted = 0
    while True:
        ids = claim(session, now_fn(), batch)
        if not ids:
            return attempted
        for row_id in ids:
            send_one(session, definition, sender, row_id, now_fn())
        attempted += len(ids)
