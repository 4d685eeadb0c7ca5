"""The staff queue: requests filtered, searched, sorted and paginated in the database, limited to
what the actor may see.

Built to cost what the open requests cost, not the closed history: the open views read the
partial indexes of open requests in due-date (or received) order and stop after a page; the
count stops at COUNT_LIMIT; a name search uses a trigram index on PostgreSQL; and each page's
people, tasks and assignees are loaded in one statement each, never one per row. The counts
above the queue (overdue, due soon, new, waiting on the requester) are bounded the same way and
come in the same statement as the page's total."""

import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import selectinload

from portal.domain.casework import visible_requests
from portal.domain.context import DomainContext
from portal.domain.seen import marker
from portal.models import DataRequest, Person, ServiceTask
from portal.numbers import whole_number
from portal.workflow import Actor, WorkflowDefinition

PER_PAGE = 25
# Counting stops here ("more than 10,000"): a count of all history would cost what history costs.
COUNT_LIMIT = 10_000
# A reference as typed: DR-7KQ2-M9XD (a complaint's starts CP-), with or without the dashes.
REFERENCE_SHAPE = re.compile(r"^(DR|CP)-?([0-9A-Z]{4})-?([0-9A-Z]{4})$")
# Each column the queue sorts by, and its first direction (the due date soonest first, the newest
# received first). A header link sorts by its column, or turns the present order round.
SORTS = {"due": "asc", "received": "desc", "reference": "asc"}
DIRECTIONS = ("asc", "desc")
# "paused" is every state where the clock waits for the requester (a question or proof).
FLAGS = ("overdue", "due_soon", "paused", "new", "updated")
COUNTED = ("overdue", "due_soon", "new", "paused")
# The counts above the queue stop here ("more than 1,000"): a glance needs no exact figure, and
# four bounded counts on every page view must stay cheap at a million requests.
CARD_LIMIT = 1_000
DUE_SOON_WORKING_DAYS = 5


@dataclass
class QueueFilters:
    state: str = "open"  # open | all | a state name
    right: str = ""
    service: str = ""
    assignee: str = ""  # "" any | "none" | "me" | a staff id
    flag: str = ""
    q: str = ""
    sort: str = "due"
    direction: str = ""  # "" the column's first direction | asc | desc
    page: int = 1

    @property
    def order(self) -> tuple[str, str]:
        sort = self.sort if self.sort in SORTS else "due"
        return sort, self.direction if self.direction in DIRECTIONS else SORTS[sort]


@dataclass
class QueueRow:
    request: DataRequest
    subject: str
    days_left: int | None
    status: str  # overdue | due_soon | paused | stopped | on_time
    marker: str | None = None  # new | updated: until whoever handles it opens it


@dataclass
class QueuePage:
    rows: list[QueueRow] = field(default_factory=list)
    total: int = 0
    page: int = 1
    pages: int = 1
    # True when there are more than `total` (= COUNT_LIMIT) matches.
    more: bool = False
    # The actor's open requests by flag (COUNTED), each at most CARD_LIMIT + 1 ("more than").
    counts: dict[str, int] = field(default_factory=dict)
    card_limit: int = CARD_LIMIT


def _states(definition: WorkflowDefinition, clocks: tuple[str, ...]) -> list[str]:
    return [name for name, s in definition.states.items() if s.clock in clocks]


def search_queue(ctx: DomainContext, actor: Actor, filters: QueueFilters) -> QueuePage:
    """One page of the queue as of the context's today, with the counts above it."""
    session, definition, working, today = ctx.session, ctx.definition, ctx.working, ctx.today()
    soon = working.add_working_days(today, DUE_SOON_WORKING_DAYS)
    flags = _flag_clauses(definition, today, soon)
    visible_open = visible_requests(actor, open_only=True)
    where = _state_clauses(definition, actor, filters.state, visible_open)
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
    elif filters.assignee == "me":
        where.append(DataRequest.assignee_id == actor.id)
    elif whole_number(filters.assignee) is not None:
        where.append(DataRequest.assignee_id == whole_number(filters.assignee))
    if filters.flag in flags:
        where += flags[filters.flag]
    q = filters.q.strip()
    if q:
        where.append(_search(q))
    sort, direction = filters.order
    order = _ORDER[sort][direction]

    # The page's total and the counts above the queue in one statement, each bounded.
    bounded = [_bounded(where, COUNT_LIMIT)] + [
        _bounded([visible_open, DataRequest.is_open, *flags[name]], CARD_LIMIT) for name in COUNTED
    ]
    total, *counted = session.execute(select(*bounded)).one()
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
    return QueuePage(
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        more=more,
        counts=dict(zip(COUNTED, counted, strict=True)),
        card_limit=CARD_LIMIT,
    )


def _state_clauses(definition, actor: Actor, state: str, visible_open) -> list:
    """What the state filter selects, among the requests the actor may see: for open states
    through the tasks of open requests alone (a caseworker's service has mostly closed ones)."""
    if state == "open":
        return [visible_open, DataRequest.is_open]
    if state in definition.states:
        is_open = definition.states[state].is_open
        seen = visible_open if is_open else visible_requests(actor)
        return [seen, DataRequest.state == state, DataRequest.is_open.is_(is_open)]
    return [visible_requests(actor)]


_ORDER = {
    # Each direction reads the open requests' due-date or received index forwards or backwards.
    "due": {
        "asc": (DataRequest.due_date.asc().nulls_last(), DataRequest.id),
        "desc": (DataRequest.due_date.desc().nulls_first(), DataRequest.id.desc()),
    },
    "received": {
        "asc": (DataRequest.received_date.asc(), DataRequest.id),
        "desc": (DataRequest.received_date.desc(), DataRequest.id.desc()),
    },
    "reference": {
        "asc": (DataRequest.reference.asc(),),
        "desc": (DataRequest.reference.desc(),),
    },
}


def _flag_clauses(definition, today: date, soon: date) -> dict[str, list]:
    running = _states(definition, ("running",))
    return {
        "overdue": [DataRequest.state.in_(running), DataRequest.due_date < today],
        "due_soon": [
            DataRequest.state.in_(running),
            DataRequest.due_date >= today,
            DataRequest.due_date <= soon,
        ],
        "paused": [DataRequest.state.in_(_states(definition, ("paused", "waiting")))],
        "new": [DataRequest.handler_seen.is_(None)],
        "updated": [DataRequest.handler_seen < DataRequest.requester_updates],
    }


def _bounded(where: list, limit: int):
    """How many requests match, counting no further than `limit` + 1."""
    matching = select(DataRequest.id).where(*where).limit(limit + 1).subquery()
    return select(func.count()).select_from(matching).scalar_subquery()


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
    # A finished request is nobody's to look at again: no marker.
    seen = marker(request) if request.is_open else None
    return QueueRow(request, subject.full_name if subject else "", days_left, status, seen)
