"""A requester coming back to their request: reference + the email or mobile we hold, then a
one-time code to that contact. The answer never says whether a reference exists."""

import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.verification import CodeResult, check_code, send_code
from portal.models import REQUESTER, AuditEvent, DataRequest, Draft
from portal.workflow import WorkflowDefinition


def _contacts(request: DataRequest) -> list[tuple[str, str]]:
    person = request.person("requester") or request.person("subject")
    out = []
    if person.email:
        out.append(("email", person.email.lower()))
    if person.phone:
        out.append(("sms", person.phone))
    return out


def start_tracking(
    session: Session,
    definition: WorkflowDefinition,
    reference: str,
    contact: tuple[str, str],
    now: datetime,
    secret: str,
) -> Draft:
    """A tracking session (a draft bound to the request). A code is sent only when the
    reference and contact match; otherwise the session exists but no code will ever work."""
    draft = Draft(
        id=secrets.token_urlsafe(32), answers={"tracking": True}, created_at=now, updated_at=now
    )
    session.add(draft)
    request = session.scalar(
        select(DataRequest).where(DataRequest.reference == reference.strip().upper())
    )
    channel, value = contact
    value = value.lower() if channel == "email" else value
    if request is not None and (channel, value) in _contacts(request):
        draft.request_id = request.id
        session.flush()
        send_code(session, definition, draft, channel, value, now, secret)
    session.commit()
    return draft


def confirm_tracking(session: Session, draft: Draft, code: str, now: datetime, secret: str):
    if draft.request_id is None:
        return CodeResult.WRONG  # the same answer as a wrong code: nothing is revealed
    result = check_code(session, draft, code, now, secret)
    if result is CodeResult.OK:
        session.add(
            AuditEvent(
                request_id=draft.request_id,
                actor=REQUESTER,
                action="requester_signed_in",
                detail={},
            )
        )
        session.commit()
    return result


def tracked_request(session: Session, draft: Draft | None) -> DataRequest | None:
    if draft is None or draft.request_id is None or not draft.verified_contact:
        return None
    return session.get(DataRequest, draft.request_id)


def latest_question(session: Session, request: DataRequest) -> str | None:
    detail = session.scalar(
        select(AuditEvent.detail)
        .where(AuditEvent.request_id == request.id, AuditEvent.action == "ask_clarification")
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    return (detail or {}).get("question")
