"""Answering a service's search task: "data found" (with what) or "no data held"."""

from portal.domain import DomainError, FieldError
from portal.domain.audit import record_event
from portal.domain.context import DomainContext
from portal.models import DataRequest, ServiceTask
from portal.workflow import Actor

ANSWERS = ("data_found", "no_data")


def answer_task(
    ctx: DomainContext, task: ServiceTask, actor: Actor, answer: str, finding: str
) -> ServiceTask:
    """Record a service's answer and audit it, in one transaction. A caseworker may answer only
    their own service's task."""
    session, now = ctx.session, ctx.now()
    if actor.role not in ("dpo", "caseworker"):
        raise DomainError("Only the DPO or a caseworker can answer a search task.")
    if actor.role == "caseworker" and task.service not in actor.services:
        raise DomainError("This task belongs to another service.")
    if answer not in ANSWERS:
        raise FieldError("answer", "Select whether the service holds data")
    if answer == "data_found" and not (finding or "").strip():
        raise FieldError("finding", "Describe the data found")
    request = session.get(DataRequest, task.request_id)
    before = task.status
    task.status, task.finding, task.answered_at = answer, (finding or "").strip() or None, now
    record_event(
        session,
        request,
        actor,
        "answer_task",
        {"service": task.service, "before": before, "after": answer},
    )
    session.commit()
    return task
