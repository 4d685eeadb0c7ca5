"""What happens after a message leaves the outbox: Notify's delivery receipts, and raising a
staff attention item when a requester can no longer be reached."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.audit import record_event
from portal.models import (
    DELIVERY_STATUSES,
    FAILED_STATUSES,
    Attention,
    AuditActor,
    DataRequest,
    OutboxMessage,
)
from portal.workflow.definition import WorkflowDefinition


class UnknownNotification(LookupError):
    pass


def record_receipt(
    session: Session,
    definition: WorkflowDefinition,
    *,
    reference: str | None,
    notify_id: str | None,
    status: str,
    now: datetime,
) -> OutboxMessage:
    """Apply one delivery receipt. Receipts for statuses we do not track are accepted and
    ignored; a permanent failure of every channel a message went to raises an attention item."""
    row = None
    if reference:
        row = session.scalar(select(OutboxMessage).where(OutboxMessage.reference == reference))
    if row is None and notify_id:
        row = session.scalar(select(OutboxMessage).where(OutboxMessage.notify_id == notify_id))
    if row is None:
        raise UnknownNotification(reference or notify_id)
    if status in DELIVERY_STATUSES and row.status != status:
        row.status, row.status_at = status, now
        if status == "permanent-failure":
            raise_if_unreachable(
                session, definition, row, "contact_failed", "Notify could not deliver it"
            )
    session.commit()
    return row


def raise_if_unreachable(
    session: Session, definition: WorkflowDefinition, row: OutboxMessage, kind: str, reason: str
) -> Attention | None:
    """When a requester message has failed on every channel it went to, staff must contact the
    requester another way: add an attention item (once per message) and an audit entry."""
    if row.request_id is None or definition.messages[row.message_key].audience != "requester":
        return None
    # The same message on the requester's other channel (when they chose both) may have worked.
    for channel in {"email", "sms", "letter"} - {row.channel}:
        latest = session.scalar(
            select(OutboxMessage)
            .where(
                OutboxMessage.request_id == row.request_id,
                OutboxMessage.message_key == row.message_key,
                OutboxMessage.channel == channel,
            )
            .order_by(OutboxMessage.id.desc())
            .limit(1)
        )
        if latest is not None and latest.status not in FAILED_STATUSES:
            return None
    if session.scalar(select(Attention.id).where(Attention.outbox_id == row.id)):
        return None
    detail = f"The {row.message_key.replace('_', ' ')} {row.channel} was not delivered: {reason}."
    item = Attention(request_id=row.request_id, kind=kind, outbox_id=row.id, detail=detail)
    session.add(item)
    record_event(
        session,
        session.get(DataRequest, row.request_id) if row.request_id else None,
        AuditActor.system("GOV.UK Notify"),
        "message_failed",
        {"message": row.message_key, "channel": row.channel, "reason": reason},
        from_state=None,
        to_state=None,
    )
    return item
