""" "New" and "updated" on the queue: a request is new until whoever handles it first opens it,
and updated when the requester has acted since they last did."""

from sqlalchemy import update

from portal.domain.context import DomainContext
from portal.models import DataRequest
from portal.workflow import Actor


def handles(request: DataRequest, actor: Actor) -> bool:
    """The assignee handles an assigned request; until someone is assigned, any DPO or
    caseworker who can open it does (the triage team, then the services searching)."""
    if request.assignee_id is not None:
        return actor.id == request.assignee_id
    return actor.role in ("dpo", "caseworker")


def marker(request: DataRequest) -> str | None:
    if request.handler_seen is None:
        return "new"
    if request.handler_seen < (request.requester_updates or 0):
        return "updated"
    return None


def requester_acted(request: DataRequest) -> None:
    """The requester did something staff should see (answered, withdrew, sent proof, complained
    about it): the queue marks the request "updated" until whoever handles it opens it."""
    request.requester_updates = (request.requester_updates or 0) + 1


def mark_seen(ctx: DomainContext, request: DataRequest, actor: Actor) -> None:
    """Record that the handler has seen the request as it is now, in its own transaction. The
    count read with the page is stored, so an update that lands while the page loads still shows.
    A plain UPDATE: seeing a request is not a change to it, so its version (which refuses stale
    forms) stays."""
    if not handles(request, actor) or request.handler_seen == (request.requester_updates or 0):
        return
    ctx.session.execute(
        update(DataRequest)
        .where(DataRequest.id == request.id)
        .values(handler_seen=request.requester_updates or 0)
        .execution_options(synchronize_session=False)
    )
    ctx.session.commit()
