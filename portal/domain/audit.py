"""The audit trail's everyday entry: something done to a request that leaves its state as it
was (a note, a pack file, a notice drafted), naming who did it. Changes of state are audited
by `actions.apply_action` with their from and to states."""

from sqlalchemy.orm import Session

from portal.models import AuditActor, AuditEvent, DataRequest
from portal.workflow import Actor


def record_event(
    session: Session, request: DataRequest, actor: Actor, action: str, detail: dict
) -> None:
    session.add(
        AuditEvent(
            request_id=request.id,
            actor=AuditActor.acting(actor),
            action=action,
            from_state=request.state,
            to_state=request.state,
            detail=detail,
        )
    )
