"""The staff queue: requests filtered, searched, sorted and paginated in the database, limited to
what the actor may see."""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import selectinload

from portal.domain.casework import visible_requests
from portal.domain.context import DomainContext
from portal.models import DataRequest, Person, ServiceTask
from portal.numbers import whole_number
from portal.workflow import Actor, WorkflowDefinition

PER_PAGE = 25
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


def _states(definition: WorkflowDefinition, clocks: tuple[str, ...]) -> list[str]:
    return [name for name, s in definition.states.items() if s.clock in clocks]


def search_queue(ctx: DomainContext, actor: Actor, filters: QueueFilters) -> QueuePage:
    """One page of the queue as of the context's today."""
    session, definition, working, today = ctx.session, ctx.definition, ctx.working, ctx.today()
    running = _states(definition, ("running",))
    soon = working.add_working_days(today, DUE_SOON_WORKING_DAYS)
    where = [visible_requests(actor)]
    if filters.state == "open":
        where.append(DataRequest.state.in_(_states(definition, ("running", "paused", "waiting"))))
    elif filters.state in definition.states:
        where.append(DataRequest.state == filters.state)
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
        where.append(
            (DataRequest.reference == q.upper().replace(" ", ""))
            | exists().where(
                and_(
                    Person.request_id == DataRequest.id,
                    func.lower(Person.full_name).contains(q.lower(), autoescape=True),
                )
            )
        )
    order = {
        "due": (DataRequest.due_date.asc().nulls_last(), DataRequest.id),
        "received": (DataRequest.received_date.desc(), DataRequest.id.desc()),
        "reference": (DataRequest.reference,),
    }[filters.sort if filters.sort in SORTS else "due"]

    total = session.scalar(select(func.count(DataRequest.id)).where(*where)) or 0
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
        )
    ).all()
    rows = [_row(definition, r, today, soon) for r in requests]
    return QueuePage(rows=rows, total=total, page=page, pages=pages)


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
