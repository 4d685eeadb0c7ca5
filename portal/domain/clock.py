"""The statutory clock of a stored request: its clock rows turned into a deadline."""

from datetime import date

from portal.deadlines import (
    ComplaintDeadline,
    Deadline,
    Pause,
    WorkingCalendar,
    complaint_deadline,
    compute_deadline,
    long_date,
)
from portal.models import ClockEvent, DataRequest
from portal.rights import COMPLAINT
from portal.workflow.definition import WorkflowDefinition


def deadline_of(
    request: DataRequest,
    definition: WorkflowDefinition,
    working: WorkingCalendar,
    today: date | None = None,
) -> Deadline | ComplaintDeadline | None:
    """None while the clock waits for requested evidence (it has not started)."""
    if definition.states[request.state].clock == "waiting":
        return None
    if request.data_right == COMPLAINT:
        rules = definition.complaint
        return complaint_deadline(
            request.received_date,
            working=working,
            acknowledged=not definition.states[request.state].acknowledgement_due,
            acknowledge_days=rules.acknowledge_within_days,
            target_working_days=rules.target_working_days,
        )
    start, pauses, extended, open_pause = None, [], False, None
    for event in request.clock_events:
        if event.kind in ("start", "restart"):
            start = event.on_date
        elif event.kind == "pause":
            open_pause = event.on_date
        elif event.kind == "resume" and open_pause is not None:
            pauses.append(Pause(open_pause, event.on_date))
            open_pause = None
        elif event.kind == "extend":
            extended = True
    if start is None:
        return None
    if open_pause is not None:
        pauses.append(Pause(open_pause, None))
    return compute_deadline(
        start,
        right=request.data_right,
        working=working,
        received=request.received_date,
        pauses=pauses,
        extended=extended,
        today=today,
    )


def record_clock(
    session,
    definition: WorkflowDefinition,
    request: DataRequest,
    working: WorkingCalendar,
    today: date,
    kind: str | None = None,
    on_date: date | None = None,
    reason: str = "",
) -> Deadline | None:
    """Add a clock row (if `kind` is given) and store the due date it leads to, inside the
    caller's transaction. The row keeps that date and, for the changes the requester is told
    about (`clock_changes` in request.yaml), what they are told."""
    event = None
    if kind:
        # Added to the request's rows in memory (written with the request's next flush): the
        # deadline is computed from them without writing and reading them back.
        event = ClockEvent(kind=kind, on_date=on_date or today)
        request.clock_events.append(event)
    deadline = deadline_of(request, definition, working, today)
    request.due_date = deadline.due if deadline else None
    if event is not None:
        event.due_after = request.due_date
        event.reason = clock_change_text(definition, event, reason)
    return deadline


def clock_change_text(definition: WorkflowDefinition, event: ClockEvent, reason: str = ""):
    """What the requester is told about this clock change, or None if it is not told."""
    text = definition.clock_changes.get(event.kind)
    if text is None:
        return None
    return text.replace("((date))", long_date(event.on_date)).replace("((reason))", reason)
