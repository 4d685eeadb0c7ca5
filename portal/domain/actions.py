"""Applying a workflow action to a stored request: the engine decides, this writes the state,
clock rows, tasks, audit event and outbox rows in one transaction."""

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from portal.deadlines import WorkingCalendar, long_date
from portal.domain import DomainError, FieldError
from portal.domain.audit import record_event
from portal.domain.clock import deadline_of, record_clock
from portal.domain.context import DomainContext
from portal.domain.outbox import handling_staff, queue, read_where, requester_recipients
from portal.domain.pack_effects import PACK_EFFECTS
from portal.domain.requests import facts_for
from portal.domain.seen import requester_acted
from portal.models import DataRequest, OutboxMessage, ServiceTask
from portal.workflow import Actor, Refusal, WorkflowDefinition, decide

STALE_MESSAGE = (
    "Someone else changed this request while you were looking at it. "
    "Check the latest details and try again."
)


class StaleRequest(DomainError):
    """The request changed since the form was shown: about the whole form, not one answer."""

    def __init__(self, message: str = STALE_MESSAGE):
        super().__init__(message)


def check_version(request: DataRequest, expected_version: int | None) -> None:
    """Refuse a form made from an older version of the request (someone else acted since)."""
    if expected_version is not None and request.version != expected_version:
        raise StaleRequest(STALE_MESSAGE)


class ActionRefused(DomainError):
    """The workflow does not allow this action now (state, role, guard or a missing answer)."""


def _clock_date(decision, today: date) -> date:
    if decision.clock == "restart" and decision.fields.get("evidence_date"):
        value = decision.fields["evidence_date"]
        day = value if isinstance(value, date) else date.fromisoformat(value)
        if day > today:
            raise FieldError(
                "evidence_date", "The date evidence was received cannot be in the future"
            )
        return day
    return today


def apply_action(
    ctx: DomainContext,
    request: DataRequest,
    action: str,
    actor: Actor,
    fields: dict | None = None,
    expected_version: int | None = None,
) -> DataRequest:
    check_version(request, expected_version)
    session = ctx.session
    transition = ctx.definition.transitions.get(action)
    if transition is not None and transition.notice:
        # Its notice must be written, previewed and sent with it (portal.domain.notices).
        raise ActionRefused("Write and send the notice to do this.")
    with one_transaction(session):
        apply_with_context(ctx, request, action, actor, fields)
    return request


@dataclass(frozen=True)
class MessagePreview:
    """One message as the requester will receive it on one channel."""

    channel: str
    recipient: str
    subject: str | None
    body: str


def preview_action(
    ctx: DomainContext,
    request: DataRequest,
    action: str,
    actor: Actor,
    fields: dict | None = None,
    expected_version: int | None = None,
) -> list[MessagePreview]:
    """What the requester would receive if `action` were taken now with `fields`: the action is
    applied exactly as `apply_action` would, the messages it queues are rendered from their
    templates and personalisation, and everything is rolled back. Nothing is sent or kept."""
    check_version(request, expected_version)
    session = ctx.session
    session.commit()  # nothing of the page's own may be rolled back with the rehearsal
    last = session.scalar(select(func.max(OutboxMessage.id))) or 0
    try:
        apply_with_context(ctx, request, action, actor, fields)
        rows = session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.request_id == request.id, OutboxMessage.id > last)
            .order_by(OutboxMessage.id)
        ).all()
        out = []
        for row in rows:
            message = ctx.definition.messages[row.message_key]
            if message.audience != "requester" or not message.needs_template(row.channel):
                continue
            subject, body = message.templates[row.channel].render(row.personalisation)
            out.append(MessagePreview(row.channel, row.recipient, subject, body.strip()))
        return out
    finally:
        session.rollback()


@contextmanager
def one_transaction(session: Session):
    """Commit what the block did, or roll all of it back; a concurrent change to the request
    (its version moved on under us) becomes StaleRequest."""
    try:
        yield
        session.commit()
    except StaleDataError as exc:
        session.rollback()
        raise StaleRequest(STALE_MESSAGE) from exc
    except Exception:
        session.rollback()
        raise


def commit(session: Session) -> None:
    """Commit what the session holds, as `one_transaction` does."""
    with one_transaction(session):
        pass


def apply_with_context(
    ctx: DomainContext, request: DataRequest, action: str, actor: Actor, fields: dict | None = None
) -> None:
    """`apply_in_transaction` as of the context's today, with its definition and settings."""
    apply_in_transaction(
        ctx.session,
        ctx.definition,
        request,
        action,
        actor,
        ctx.today(),
        ctx.working,
        fields,
        ctx.settings.task_target_working_days,
    )


def apply_in_transaction(
    session: Session,
    definition: WorkflowDefinition,
    request: DataRequest,
    action: str,
    actor: Actor,
    today: date,
    working: WorkingCalendar,
    fields: dict | None = None,
    task_target_working_days: int = 5,
) -> None:
    """Decide and write one action without committing, for domain functions whose own change
    and the workflow step must be one transaction (accepting proof, changing a signed pack)."""
    before = deadline_of(request, definition, working, today)
    facts = facts_for(request, today, before.first_month_due if before else None)
    decision = decide(definition, facts, action, actor, today, fields)
    if isinstance(decision, Refusal):
        raise ActionRefused(decision.reason)
    _apply(session, definition, request, decision, actor, today, working, task_target_working_days)


def _apply(session, definition, request, decision, actor, today, working, target_days):
    request.state = decision.to_state
    if definition.states[decision.to_state].final:
        request.closed_on = today  # retention and statistics count from it
    was_open, request.is_open = request.is_open, definition.states[decision.to_state].is_open
    if request.is_open != was_open:
        for task in request.tasks:
            task.request_open = request.is_open
    on_date = _clock_date(decision, today) if decision.clock else None
    record_clock(
        session,
        definition,
        request,
        working,
        today,
        decision.clock,
        on_date,
        reason=str(decision.fields.get("reason") or ""),
    )
    request.overdue = bool(request.due_date and today > request.due_date)
    if decision.creates_tasks:
        services = decision.fields["services"]
        services = [services] if isinstance(services, str) else list(services)
        unknown = [s for s in services if s not in definition.routing.services]
        if unknown:
            raise FieldError("services", f"Unknown service: {', '.join(unknown)}")
        target = working.add_working_days(request.due_date, -target_days)
        already = {t.service for t in request.tasks}
        for code in (s for s in services if s not in already):
            session.add(
                ServiceTask(
                    request_id=request.id,
                    service=code,
                    target_date=target,
                    request_open=request.is_open,
                )
            )
            svc = definition.routing.services[code]
            queue(
                session,
                definition,
                "staff_task_assigned",
                [("email", svc.email)],
                {
                    "reference": request.reference,
                    "service": svc.name,
                    "target_date": long_date(target),
                },
                request,
            )
    if "outcome" in decision.fields:
        request.outcome = decision.fields["outcome"]
    if decision.pack:
        PACK_EFFECTS[decision.pack](session, request, actor, today)
    # What staff or the requester wrote is personal; the workflow's choices are not.
    record_event(
        session,
        request,
        actor,
        decision.action,
        personal={
            k: v if isinstance(v, str | list) else str(v) for k, v in decision.fields.items()
        },
        from_state=decision.from_state,
        to_state=decision.to_state,
    )
    change = (request.clock_events[-1].reason or "") if decision.clock else ""
    personalisation = {
        "reference": request.reference,
        "reason": decision.fields.get("reason", ""),
        "question": decision.fields.get("question", ""),
        "due_date": long_date(request.due_date) if request.due_date else "",
        "change": change,
        "where": read_where(request),
    }
    for key in decision.messages:
        queue(session, definition, key, requester_recipients(request), personalisation, request)
    if actor.role == "requester":
        requester_acted(request)
        # Whoever handles the request hears at once that the requester acted (answered,
        # withdrew...), rather than finding out at the next look at the queue.
        what = definition.transitions[decision.action].label
        queue(
            session,
            definition,
            "staff_requester_update",
            handling_staff(definition, request),
            {"reference": request.reference, "what": what},
            request,
        )
    session.flush()
