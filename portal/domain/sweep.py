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
from functools import partial
from typing import NamedTuple

from sqlalchemy import select, tuple_, update

from portal.deadlines import long_date
from portal.deadlines.calendar import now_utc
from portal.domain.audit import Entry, record_events
from portal.domain.batches import BatchWriters
from portal.domain.bulk import among, insert_rows, parts
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

    def add(self, batch: "SweepReport") -> None:
        self.reminders += batch.reminders
        self.escalations += batch.escalations
        self.flagged_overdue += batch.flagged_overdue
        self.batches += batch.batches
        self.looked_at += batch.looked_at


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
    time (each batch whole: its flags, audit entries and messages commit together). On
    PostgreSQL `settings.sweep_connections` batches are written at once, each on its own
    connection, while this one reads the next."""
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
    plan = _Plan(
        definition=definition,
        today=today,
        reminder_days=reminder_days,
        staff=staff,
        escalating=working.is_working_day(today),
        due_words={},
    )
    report = SweepReport()
    report.complaints_acknowledged = record_acknowledgements(ctx)
    session.commit()
    after: tuple[date, int] | None = None
    with BatchWriters(session, ctx.settings.sweep_connections) as writers:
        while True:
            # (due date, id) after the last batch's: an index range, so each batch starts
            # where the last stopped instead of reading again what came before.
            keyset = (
                tuple_(DataRequest.due_date, DataRequest.id) > tuple_(*after)
                if after
                else DataRequest.id.is_not(None)
            )
            batch = (
                session.connection()
                .execute(
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
                )
                .all()
            )
            if not batch:
                break
            # Worked out here, before the batch goes to a writer: the calendar is not shared
            # between threads.
            for due in {r.due_date for r in batch}:
                _due_words(plan.due_words, working, today, reminder_days, due)
            writers.write(partial(_sweep_batch, plan=plan, batch=batch))
            after = (batch[-1].due_date, batch[-1].id)
            for done in writers.finished():
                report.add(done)
        for done in writers.drain():
            report.add(done)
    session.commit()
    return report


class _Due(NamedTuple):
    """A due date as the sweep uses it, worked out once a pass: a million requests share a few
    dozen due dates."""

    words: str  # in words, for the message
    left: int  # working days left to it
    iso: str  # in dedupe keys
    reminder: int | None  # the reminder day crossed (the nearest), if any


@dataclass(frozen=True)
class _Plan:
    """What every batch of one pass shares, read-only while batches are written."""

    definition: WorkflowDefinition
    today: date
    reminder_days: tuple[int, ...]
    staff: dict
    escalating: bool
    due_words: dict[date, _Due]


def _due_words(due_days: dict, working, today: date, reminder_days, due: date) -> None:
    if due not in due_days:
        left = working.working_days_between(today, due) if due >= today else 0
        crossed = [n for n in reminder_days if left <= n]
        due_days[due] = _Due(long_date(due), left, due.isoformat(), min(crossed, default=None))


def _sweep_batch(session, plan: _Plan, batch) -> SweepReport:
    """One batch's flags, audit entries and messages, in the session's transaction (its caller
    commits). Returns what it did."""
    definition, today, staff = plan.definition, plan.today, plan.staff
    report = SweepReport(batches=1, looked_at=len(batch))
    ids = [r.id for r in batch]
    open_services: dict[int, list[str]] = {}
    # Core statements on the session's connection throughout, their rows fetched all at once:
    # without the ORM's loading step and a fetch a row (together 2.2 s and 3.9 s of a pass
    # over a million requests).
    connection = session.connection()
    for request_id, service in connection.execute(
        select(ServiceTask.request_id, ServiceTask.service)
        .where(among(session, ServiceTask.request_id, ids), ServiceTask.status == "open")
        .order_by(ServiceTask.id)
    ).all():
        open_services.setdefault(request_id, []).append(service)
    dpo = [("email", definition.routing.team_emails[definition.routing.triage_team])]
    escalating = plan.escalating
    recipients_of: dict[tuple, list] = {}  # a few dozen combinations in a batch of thousands
    newly_overdue, audit, due_messages = [], [], []
    for request in batch:
        due = plan.due_words[request.due_date]
        if today > request.due_date:
            if not request.overdue:
                newly_overdue.append(request.id)
                audit.append((request, {"due": due.iso}))
            if escalating:
                due_messages.append(
                    ("staff_overdue", dpo, request, due, f"overdue:{request.id}:{due.iso}")
                )
        elif due.reminder is not None:
            services = open_services.get(request.id, ())
            combination = (tuple(services), request.assignee_id)
            recipients = recipients_of.get(combination)
            if recipients is None:
                recipients = recipients_of[combination] = _staff_recipients(
                    definition, list(services), staff.get(request.assignee_id)
                )
            due_messages.append(
                (
                    "staff_reminder",
                    recipients,
                    request,
                    due,
                    f"reminder:{request.id}:{due.iso}:{due.reminder}",
                )
            )
    # Which of these were queued by an earlier pass: looked up by their own keys (the unique
    # index, one probe a key) rather than by request, which made PostgreSQL read the whole
    # outbox when its statistics lagged behind a pass that had just queued many.
    keys_of = [[f"{m[4]}:{i}" for i in range(len(m[1]))] for m in due_messages]
    keys = [key for message_keys in keys_of for key in message_keys]
    queued = set()
    for some in parts(session, keys):
        queued.update(
            connection.scalars(
                select(OutboxMessage.dedupe_key).where(
                    among(session, OutboxMessage.dedupe_key, some)
                )
            ).all()
        )
    messages = []
    for (key, recipients, request, due, dedupe), message_keys in zip(
        due_messages, keys_of, strict=True
    ):
        if queued.issuperset(message_keys):
            continue  # the usual case after the first pass: nothing to build
        personalisation = {"reference": request.reference, "due_date": due.words}
        if key == "staff_reminder":
            personalisation["working_days_left"] = due.left
        rows = message_rows(
            definition, key, recipients, personalisation, request.id, dedupe, queued.__contains__
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
            connection.scalars(
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
    return report
