"""The staff queue: requests filtered, searched, sorted and paginated in the database, limited to
what the actor may see.

Built to cost what the open requests cost, not the closed history: the open views read the
partial indexes of open requests in due-date (or received) order and stop after a page; the
count stops at COUNT_LIMIT; a name search uses a trigram index on PostgreSQL; and each page's
people, tasks and assignees are loaded in one statement each, never one per row."""

import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import selectinload

from portal.domain.casework import visible_requests
from portal.domain.context import DomainContext
from portal.models import DataRequest, Person, ServiceTask
from portal.numbers import whole_number
from portal.workflow import Actor, WorkflowDefinition

PER_PAGE = 25
# Counting stops here ("more than 10,000"): a count of all history would cost what history costs.
COUNT_LIMIT = 10_000
# A reference as typed: DR-7KQ2-M9XD (a complaint's starts CP-), with or without the dashes.
REFERENCE_SHAPE = re.compile(r"^(DR|CP)-?([0-9A-Z]{4})-?([0-9A-Z]{4})$")
SORTS = ("due", "received", "reference")
FLAGS = ("overdue", "due_soon", "paused")
DUE_SOON_WORKING_DAYS = 5


@dataclass
class QueueFilters:
    state: str = "open"  # open | all | a state name
    right: str = ""
    service: str = ""
    assignee: str = ""  # "" any | "none" | a staff id
    flag: str = ""
    q: str = ""
    sort: str = "due"
    page: int = 1


@dataclass
class QueueRow:
    request: DataRequest
    subject: str
    days_left: int | None
    status: str  # overdue | due_soon | paused | stopped | on_time


@dataclass
class QueuePage:
    rows: list[QueueRow] = field(default_factory=list)
    total: int = 0
    page: int = 1
    pages: int = 1
    # True when there are more than `total` (= COUNT_LIMIT) matches.
    more: bool = False


def _states(definition: WorkflowDefinition, clocks: tuple[str, ...]) -> list[str]:
    return [name for name, s in definition.states.items() if s.clock in clocks]


def search_queue(ctx: DomainContext, actor: Actor, filters: QueueFilters) -> QueuePage:
    """One page of the queue as of the context's today."""
    session, definition, working, today = ctx.session, ctx.definition, ctx.working, ctx.today()
    running = _states(definition, ("running",))
    soon = working.add_working_days(today, DUE_SOON_WORKING_DAYS)
    where = [visible_requests(actor)]
    if filters.state == "open":
        where.append(DataRequest.is_open)
    elif filters.state in definition.states:
        where += [
            DataRequest.state == filters.state,
            DataRequest.is_open.is_(definition.states[filters.state].is_open),
        ]
    if filters.right:
        where.append(DataRequest.data_right == filters.right)
    if filters.service:
        where.append(
            exists().where(
                ServiceTask.request_id == DataRequest.id, ServiceTask.service == filters.service
            )
        )
    if filters.assignee == "none":
        where.append(DataRequest.assignee_id.is_(None))
    elif whole_number(filters.assignee) is not None:
        where.append(DataRequest.assignee_id == whole_number(filters.assignee))
    if filters.flag == "overdue":
        where += [DataRequest.state.in_(running), DataRequest.due_date < today]
    elif filters.flag == "due_soon":
        where += [
            DataRequest.state.in_(running),
            DataRequest.due_date >= today,
            DataRequest.due_date <= soon,
        ]
    elif filters.flag == "paused":
        where.append(DataRequest.state.in_(_states(definition, ("paused", "waiting"))))
    q = filters.q.strip()
    if q:
        where.append(_search(q))
    order = {
        "due": (DataRequest.due_date.asc().nulls_last(), DataRequest.id),
        "received": (DataRequest.received_date.desc(), DataRequest.id.desc()),
        "reference": (DataRequest.reference,),
    }[filters.sort if filters.sort in SORTS else "due"]

    matching = select(DataRequest.id).where(*where).limit(COUNT_LIMIT + 1).subquery()
    total = session.scalar(select(func.count()).select_from(matching)) or 0
    more = total > COUNT_LIMIT
    total = min(total, COUNT_LIMIT)
    pages = max((total + PER_PAGE - 1) // PER_PAGE, 1)
    page = min(max(filters.page, 1), pages)
    requests = session.scalars(
        select(DataRequest)
        .where(*where)
        .order_by(*order)
        .offset((page - 1) * PER_PAGE)
        .limit(PER_PAGE)
        .options(
            selectinload(DataRequest.people),
            selectinload(DataRequest.assignee),
            selectinload(DataRequest.complaint_about),
            selectinload(DataRequest.tasks),
        )
    ).all()
    rows = [_row(definition, r, today, soon) for r in requests]
    return QueuePage(rows=rows, total=total, page=page, pages=pages, more=more)


def _search(q: str):
    """A reference finds that request; anything else is a part of the name of anyone on the
    request, in any case."""
    names = select(Person.request_id).where(
        Person.full_name.ilike("%" + _escape_like(q) + "%", escape="\\")
    )
    by_name = DataRequest.id.in_(names)
    shape = REFERENCE_SHAPE.match(q.upper().replace(" ", ""))
    if not shape:
        return by_name
    by_reference = DataRequest.reference == "-".join(shape.groups())
    if "-" in q or any(c.isdigit() for c in q):
        return by_reference
    # "drabcdefgh" could be a reference typed without dashes or a part of someone's name.
    return or_(by_reference, by_name)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _row(definition, request: DataRequest, today: date, soon: date) -> QueueRow:
    clock = definition.states[request.state].clock
    # A complaint has no subject: its complainant is shown.
    subject = request.person("subject") or request.person("requester")
    days_left = (request.due_date - today).days if request.due_date else None
    if clock in ("paused", "waiting"):
        status = "paused"
    elif clock == "stopped":
        status = "stopped"
    elif request.due_date and request.due_date < today:
        status = "overdue"
    elif request.due_date and request.due_date <= soon:
        status = "due_soon"
    else:
        status = "on_time"
    return QueueRow(request, subject.full_name if subject else "", days_left, status)
