"""What the request page shows beside and below its detail: the key facts (state, due date and
working days left, assignee, services, channel) and the timeline, in London time. Read-only:
shapes what the page's queries found for the template."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from portal.deadlines import WorkingCalendar
from portal.template_helpers import audit_value, humanise
from portal.workflow.definition import State, WorkflowDefinition

LONDON = ZoneInfo("Europe/London")
# How a request reached the council, in staff words (offline intake's channels and the journey).
CHANNEL_LABELS = {
    "online": "Online",
    "post": "Post",
    "phone": "Phone",
    "email": "Email",
    "in_person": "In person",
}
# The event staff record when they log a request that arrived offline. The request's own
# creation event comes with it in the same transaction; the timeline shows the two as one.
LOGGED_OFFLINE = "logged_offline"


@dataclass(frozen=True)
class TimeLeft:
    due: date
    working_days: int  # negative when overdue
    running: bool  # False while the clock is paused or stopped: the due date may still move


def time_left(state: State, deadline, today: date, working: WorkingCalendar) -> TimeLeft | None:
    """The due date and working days left, when the request has a clock and is still open."""
    if deadline is None or not state.is_open:
        return None
    return TimeLeft(
        deadline.due, working.working_days_between(today, deadline.due), state.clock == "running"
    )


def london_time(moment: datetime) -> datetime:
    """Stored times are UTC (SQLite hands them back without a zone)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LONDON)


def london_text(moment: datetime) -> str:
    """`3 May 2026 at 2:05pm`, as GOV.UK writes times, in Europe/London."""
    local = london_time(moment)
    hour = local.hour % 12 or 12
    return f"{local.day} {local:%B %Y} at {hour}:{local:%M}{'am' if local.hour < 12 else 'pm'}"


@dataclass
class TimelineItem:
    label: str
    by: str
    at: datetime  # London time
    when: str
    change: tuple[str, str] | None = None
    details: list[tuple[str, str]] = field(default_factory=list)


def timeline(
    events, definition: WorkflowDefinition, complaint: bool, services: dict
) -> list[TimelineItem]:
    """Newest first. A request logged by staff is one entry (who logged it, how it arrived),
    not a "Submit" by the requester beside a "Logged offline" by staff."""
    events = list(events)
    logged = next((e for e in events if e.action == LOGGED_OFFLINE), None)
    created_state = None
    if logged is not None:
        created = [e for e in events if e.from_state is None and e is not logged]
        if created:
            created_state = created[0].to_state
            events = [e for e in events if e not in created]
    states, transitions = definition.states, definition.transitions
    new = "New complaint" if complaint else "New request"
    items = []
    for event in reversed(events):
        to_state = created_state if event is logged and created_state else event.to_state
        change = None
        if to_state and to_state != event.from_state:
            before = states[event.from_state].staff_label if event.from_state in states else new
            after = states[to_state].staff_label if to_state in states else humanise(to_state)
            change = (before, after)
        detail = event.detail
        if event is logged:
            how = CHANNEL_LABELS.get(detail.get("channel"), humanise(detail.get("channel", "")))
            label = f"{'Complaint' if complaint else 'Request'} logged: received by {how.lower()}"
            detail = {k: v for k, v in detail.items() if k != "channel"}
        elif event.action in transitions:
            label = transitions[event.action].label
        else:
            label = humanise(event.action)
        at = london_time(event.created_at)
        items.append(
            TimelineItem(
                label=label,
                by=event.actor_name,
                at=at,
                when=london_text(event.created_at),
                change=change,
                details=[
                    (humanise(k), audit_value(k, v, services)) for k, v in detail.items() if v
                ],
            )
        )
    return items
