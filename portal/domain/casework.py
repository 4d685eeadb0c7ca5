"""Staff work on a request that is not a workflow transition: who may see it, assignment,
internal notes, the identity check, staff downloads and attention items. Each function is
one transaction with its audit entry; each checks the request's version when given one."""

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from portal.domain import DomainError, FieldError
from portal.domain.actions import check_version, commit
from portal.domain.audit import record_event
from portal.domain.context import DomainContext
from portal.models import (
    Attention,
    DataRequest,
    ServiceTask,
    StaffUser,
    Upload,
)
from portal.workflow import Actor

NOTE_LIMIT = 5000


def actor_for(user: StaffUser) -> Actor:
    return Actor(user.role, frozenset(user.services or ()), user.id, user.full_name)


def visible_requests(actor: Actor, open_only: bool = False):
    """A WHERE clause: the DPO sees every request; a caseworker only those routed to one of
    their services; anyone else none. `open_only` for a clause that also asks for open
    requests: a caseworker's are then found through their service's tasks of open requests."""
    if actor.role == "dpo":
        return DataRequest.id.is_not(None)
    if actor.role == "caseworker" and actor.services:
        tasks = [ServiceTask.request_id == DataRequest.id, ServiceTask.service.in_(actor.services)]
        if open_only:
            tasks.append(ServiceTask.request_open)
        return exists().where(*tasks)
    return DataRequest.id.is_(None)


def find_visible(session: Session, actor: Actor, reference: str) -> DataRequest | None:
    return session.scalar(
        select(DataRequest).where(DataRequest.reference == reference, visible_requests(actor))
    )


def assign(
    ctx: DomainContext,
    request: DataRequest,
    assignee: StaffUser | None,
    actor: Actor,
    expected_version: int | None = None,
) -> None:
    session = ctx.session
    if actor.role != "dpo":
        raise DomainError("Only the DPO can assign requests.")
    check_version(request, expected_version)
    if assignee is not None:
        if not assignee.active or assignee.role not in ("dpo", "caseworker"):
            raise FieldError("assignee", "Choose an active DPO or caseworker")
        routed = {t.service for t in request.tasks}
        if assignee.role == "caseworker" and not routed & set(assignee.services):
            raise FieldError(
                "assignee",
                "This caseworker's service has not been routed this request. Route it first.",
            )
    before = request.assignee.full_name if request.assignee else None
    if request.assignee_id != (assignee.id if assignee else None):
        request.handler_seen = None  # "new" on the queue until the new assignee opens it
    request.assignee_id = assignee.id if assignee else None
    record_event(
        session,
        request,
        actor,
        "assign",
        {"before": before, "after": assignee.full_name if assignee else None},
    )
    commit(session)


def add_note(ctx: DomainContext, request: DataRequest, actor: Actor, text: str) -> None:
    session = ctx.session
    text = (text or "").strip()
    if not text:
        raise FieldError("note", "Enter a note")
    if len(text) > NOTE_LIMIT:
        raise FieldError("note", f"A note must be {NOTE_LIMIT:,} characters or fewer")
    record_event(session, request, actor, "note", personal={"note": text})
    commit(session)


def record_identity_check(
    ctx: DomainContext,
    request: DataRequest,
    actor: Actor,
    how: str,
    expected_version: int | None = None,
) -> None:
    session, now = ctx.session, ctx.now()
    if actor.role != "dpo":
        raise DomainError("Only the DPO can record the identity and authority check.")
    check_version(request, expected_version)
    how = (how or "").strip()
    if not how:
        raise FieldError("how", "Say how identity and authority were checked")
    request.identity_checked_at = now
    record_event(session, request, actor, "identity_checked", personal={"how": how})
    commit(session)


def record_staff_download(
    session: Session, request: DataRequest, actor: Actor, upload: Upload
) -> None:
    record_event(
        session,
        request,
        actor,
        "file_downloaded",
        {"sha256": upload.sha256},
        personal={"file": upload.filename},
    )
    commit(session)


def resolve_attention(
    ctx: DomainContext, item: Attention, request: DataRequest, actor: Actor, how: str
) -> None:
    session, now = ctx.session, ctx.now()
    how = (how or "").strip()
    if not how:
        raise FieldError("how", "Say how you contacted the requester")
    item.resolved_at, item.resolved_by = now, actor.label
    record_event(
        session, request, actor, "attention_resolved", {"kind": item.kind}, personal={"how": how}
    )
    commit(session)
