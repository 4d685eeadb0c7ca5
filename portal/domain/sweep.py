"""The scheduled sweep over the statutory clocks: reminders before the due date, and the overdue
flag with an escalation to the DPO. Safe to run any number of times: each message has a dedupe
key, so nothing is sent twice.

Built for a million open requests: it reads only the running requests due on or before the
last reminder day (through the partial index of open requests, in due-date order), a batch at a
time, and commits each batch, so no row stays locked for longer than a batch takes. Setting the
overdue flag is a plain UPDATE that leaves the request's version alone: a form opened before
the sweep still submits."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, tuple_, update

from portal.deadlines import long_date
from portal.deadlines.calendar import now_utc
from portal.domain.audit import Entry, record_events
from portal.domain.bulk import among, insert_rows
from portal.domain.complaints import record_acknowledgements
from portal.domain.context import DomainContext
from portal.domain.outbox import message_rows
from portal.models import AuditActor, DataRequest, OutboxMessage, ServiceTask, StaffUser
from portal.workflow import WorkflowDefinition

BATCH_SIZE = 2000


@dataclass
class SweepReport:
    reminders: int = 0
    escalations: int = 0
    flagged_overdue: int = 0
    complaints_acknowledged: int = 0
    batches: int = 0
    looked_at: int = 0


def _running_states(definition: WorkflowDefinition) -> list[str]:
    return [name for name, s in definition.states.items() if s.clock == "running"]


def _staff_recipients(definition, open_services: list[str], assignee) -> list[tuple[str, str]]:
    """The mailboxes of the services still searching (or the triage team), then the person the
    request is assigned to. The assignee comes last so that the earlier recipients keep their
    places in the dedupe keys when someone is assigned between two sweeps."""
    routing = definition.routing
    if open_services:
        recipients = [("email", routing.services[s].email) for s in open_services]
    else:
        recipients = [("email", routing.team_emails[routing.triage_team])]
    if assignee is not None and assignee.active and ("email", assignee.email) not in recipients:
        recipients.append(("email", assignee.email))
    return recipients


def sweep(ctx: DomainContext, batch_size: int = BATCH_SIZE) -> SweepReport:
    """One pass over the running clocks as of the context's today, a committed batch at a
    time (each batch whole: its flags, audit entries and messages commit together)."""
    session, definition, working, today = ctx.session, ctx.definition, ctx.working, ctx.today()
    reminder_days = ctx.settings.reminder_working_days
    # Nothing is due for a request whose due date is after the earliest reminder day.
    horizon = working.add_working_days(today, max(reminder_days)) if reminder_days else today
    # Plain values, not ORM objects: those expire at each batch's commit and would be read
    # again, one statement per member of staff per batch.
    staff = {
        row.id: row
        for row in session.execute(select(StaffUser.id, StaffUser.email, StaffUser.active))
    }
    report = SweepReport()
    due_days: dict[date, tuple[str, int]] = {}
    report.complaints_acknowledged = record_acknowledgements(ctx)
    after: tuple[date, int] | None = None
    while True:
        # (due date, id) after the last batch's: an index range, so each batch starts where
        # the last stopped instead of reading again what came before.
        keyset = (
            tuple_(DataRequest.due_date, DataRequest.id) > tuple_(*after)
            if after
            else DataRequest.id.is_not(None)
        )
        batch = session.execute(
            select(
                DataRequest.id,
                DataRequest.reference,
                DataRequest.state,
                DataRequest.due_date,
                DataRequest.overdue,
                DataRequest.assignee_id,
            )
            .where(
                DataRequest.is_open,
                DataRequest.due_date.is_not(None),
                DataRequest.due_date <= horizon,
                DataRequest.state.in_(_running_states(definition)),
                keyset,
            )
            .order_by(DataRequest.due_date, DataRequest.id)
            .limit(batch_size)
        ).all()
        if not batch:
            break
        _sweep_batch(
            session, definition, working, today, reminder_days, staff, batch, report, due_days
        )
        session.commit()
        report.batches += 1
        report.looked_at += len(batch)
        after = (batch[-1].due_date, batch[-1].id)
    session.commit()
    return report


def _due_words(due_days: dict, working, today: date, due: date) -> tuple[str, int]:
    """A due date in words and the working days left to it, worked out once a pass for each
    date: a million requests share a few dozen due dates."""
    known = due_days.get(due)
    if known is None:
        left = working.working_days_between(today, due) if due >= today else 0
        known = due_days[due] = (long_date(due), left)
    return known


def _sweep_batch(
    session, definition, working, today, reminder_days, staff, batch, report, due_days
):
    ids = [r.id for r in batch]
    open_services: dict[int, list[str]] = {}
    for request_id, service in session.execute(
        select(ServiceTask.request_id, ServiceTask.service)
        .where(among(session, ServiceTask.request_id, ids), ServiceTask.status == "open")
        .order_by(ServiceTask.id)
    ):
        open_services.setdefault(request_id, []).append(service)
    dpo = [("email", definition.routing.team_emails[definition.routing.triage_team])]
    escalating = working.is_working_day(today)
    newly_overdue, audit, due_messages = [], [], []
    for request in batch:
        due = request.due_date
        due_text, left = _due_words(due_days, working, today, due)
        if today > due:
            if not request.overdue:
                newly_overdue.append(request.id)
                audit.append((request, {"due": due.isoformat()}))
            if escalating:
                due_messages.append(
                    (
                        "staff_overdue",
                        dpo,
                        {"reference": request.reference, "due_date": due_text},
                        request.id,
                        f"overdue:{request.id}:{due.isoformat()}",
                    )
                )
            continue
        crossed = [n for n in reminder_days if left <= n]
        if crossed:
            services, assignee = open_services.get(request.id, []), staff.get(request.assignee_id)
            due_messages.append(
                (
                    "staff_reminder",
                    _staff_recipients(definition, services, assignee),
                    {
                        "reference": request.reference,
                        "due_date": due_text,
                        "working_days_left": left,
                    },
                    request.id,
                    f"reminder:{request.id}:{due.isoformat()}:{min(crossed)}",
                )
            )
    # Which of these were queued by an earlier pass: looked up by their own keys (the unique
    # index, one probe a key) rather than by request, which made PostgreSQL read the whole
    # outbox when its statistics lagged behind a pass that had just queued many.
    keys = [f"{m[4]}:{i}" for m in due_messages for i in range(len(m[1]))]
    queued = set()
    for start in range(0, len(keys), 5000):
        queued.update(
            session.scalars(
                select(OutboxMessage.dedupe_key).where(
                    among(session, OutboxMessage.dedupe_key, keys[start : start + 5000])
                )
            )
        )
    messages = []
    for key, recipients, personalisation, request_id, dedupe in due_messages:
        rows = message_rows(
            definition, key, recipients, personalisation, request_id, dedupe, queued.__contains__
        )
        if key == "staff_overdue":
            report.escalations += len(rows)
        else:
            report.reminders += len(rows)
        messages += rows
    # Locks in this order so that the sweep is never part of a deadlock: the requests it flags
    # first, skipping any a member of staff holds at this moment (flagged on the next pass),
    # then the messages, then the audit chain's head last of all (as every transaction takes
    # it: see audit.py), so it never waits for a request while holding the head.
    flagged = []
    if newly_overdue:
        # The table, not the mapped class: the flag is not a change staff could collide with,
        # so the request's version (the stale-form check) stays as it was.
        table = DataRequest.__table__
        free = (
            select(table.c.id)
            .where(among(session, table.c.id, newly_overdue), table.c.overdue.is_(False))
            .with_for_update(skip_locked=True)
        )
        flagged = set(
            session.scalars(
                update(table)
                .where(table.c.id.in_(free), table.c.overdue.is_(False))
                .values(overdue=True)
                .returning(table.c.id)
            )
        )
        report.flagged_overdue += len(flagged)
    # The messages of the whole batch, all at once, queued at one moment.
    queued_at = now_utc()
    for row in messages:
        row["created_at"] = row["next_attempt_at"] = queued_at
    insert_rows(session, OutboxMessage.__table__, messages)
    # The audit entries of the flags just set, in the batch's order, under one take of the
    # chain's head.
    sweeper = AuditActor.system("system")
    record_events(
        session,
        [
            Entry(request.id, sweeper, "flag_overdue", detail, request.state, request.state)
            for request, detail in audit
            if request.id in flagged
        ],
    )
