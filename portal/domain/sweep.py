"""The scheduled sweep over the statutory clocks: reminders before the due date, and the overdue
flag with an escalation to the DPO. Safe to run any number of times: each message has a dedupe
key, so nothing is sent twice."""

from dataclasses import dataclass

from sqlalchemy import select

from portal.deadlines import long_date
from portal.domain.audit import record_event
from portal.domain.complaints import record_acknowledgements
from portal.domain.context import DomainContext
from portal.domain.outbox import queue
from portal.models import AuditActor, DataRequest
from portal.workflow import WorkflowDefinition


@dataclass
class SweepReport:
    reminders: int = 0
    escalations: int = 0
    flagged_overdue: int = 0
    complaints_acknowledged: int = 0


def _running_states(definition: WorkflowDefinition) -> list[str]:
    return [name for name, s in definition.states.items() if s.clock == "running"]


def _staff_recipients(definition, request) -> list[tuple[str, str]]:
    """The mailboxes of the services still searching (or the triage team), then the person the
    request is assigned to. The assignee comes last so that the earlier recipients keep their
    places in the dedupe keys when someone is assigned between two sweeps."""
    routing = definition.routing
    open_services = [t.service for t in request.tasks if t.status == "open"]
    if open_services:
        recipients = [("email", routing.services[s].email) for s in open_services]
    else:
        recipients = [("email", routing.team_emails[routing.triage_team])]
    assignee = request.assignee
    if assignee is not None and assignee.active and ("email", assignee.email) not in recipients:
        recipients.append(("email", assignee.email))
    return recipients


def sweep(ctx: DomainContext) -> SweepReport:
    """One pass over every running clock as of the context's today, in one transaction."""
    session, definition, working, today = ctx.session, ctx.definition, ctx.working, ctx.today()
    reminder_days = ctx.settings.reminder_working_days
    report = SweepReport()
    report.complaints_acknowledged = record_acknowledgements(ctx)
    requests = session.scalars(
        select(DataRequest).where(
            DataRequest.state.in_(_running_states(definition)), DataRequest.due_date.is_not(None)
        )
    )
    dpo = [("email", definition.routing.team_emails[definition.routing.triage_team])]
    for request in requests:
        due = request.due_date
        due_text = long_date(due)
        if today > due:
            if not request.overdue:
                request.overdue = True
                report.flagged_overdue += 1
                record_event(
                    session,
                    request,
                    AuditActor.system("system"),
                    "flag_overdue",
                    {"due": due.isoformat()},
                )
            if working.is_working_day(today):
                report.escalations += len(
                    queue(
                        session,
                        definition,
                        "staff_overdue",
                        dpo,
                        {"reference": request.reference, "due_date": due_text},
                        request,
                        dedupe_key=f"overdue:{request.id}:{due.isoformat()}",
                    )
                )
            continue
        left = working.working_days_between(today, due)
        crossed = [n for n in reminder_days if left <= n]
        if crossed:
            threshold = min(crossed)
            report.reminders += len(
                queue(
                    session,
                    definition,
                    "staff_reminder",
                    _staff_recipients(definition, request),
                    {
                        "reference": request.reference,
                        "due_date": due_text,
                        "working_days_left": left,
                    },
                    request,
                    dedupe_key=f"reminder:{request.id}:{due.isoformat()}:{threshold}",
                )
            )
    session.commit()
    return report
