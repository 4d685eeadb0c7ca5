"""The statutory clock of a stored request: its clock rows turned into a deadline."""

from datetime import date

from portal.deadlines import Deadline, Pause, WorkingCalendar, compute_deadline
from portal.models import DataRequest
from portal.workflow.definition import WorkflowDefinition


def deadline_of(
    request: DataRequest,
    definition: WorkflowDefinition,
    working: WorkingCalendar,
    today: date | None = None,
) -> Deadline | None:
    """None while the clock waits for requested evidence (it has not started)."""
    if definition.states[request.state].clock == "waiting":
        return None
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
