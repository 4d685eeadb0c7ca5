"""A caseworker's open service searches: the tasks of their services still to answer, soonest
answer-by date first, with the request each belongs to. The DPO sees every service's. Bounded
and loaded per page like the queue (portal/domain/queue.py)."""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal.domain.context import DomainContext
from portal.domain.queue import COUNT_LIMIT, PER_PAGE
from portal.models import DataRequest, ServiceTask
from portal.workflow import Actor


@dataclass
class SearchRow:
    task: ServiceTask
    request: DataRequest
    subject: str
    days_left: int  # until the answer-by date; negative when it has passed


@dataclass
class SearchPage:
    rows: list[SearchRow] = field(default_factory=list)
    total: int = 0
    page: int = 1
    pages: int = 1
    more: bool = False


def open_searches(ctx: DomainContext, actor: Actor, page: int = 1) -> SearchPage:
    today: date = ctx.today()
    if actor.role == "dpo":
        mine = ServiceTask.id.is_not(None)
    elif actor.role == "caseworker" and actor.services:
        mine = ServiceTask.service.in_(actor.services)
    else:
        return SearchPage()
    where = [mine, ServiceTask.status == "open", DataRequest.is_open]
    joined = select(ServiceTask.id).join(DataRequest, DataRequest.id == ServiceTask.request_id)
    matching = joined.where(*where).limit(COUNT_LIMIT + 1).subquery()
    total = ctx.session.scalar(select(func.count()).select_from(matching)) or 0
    more, total = total > COUNT_LIMIT, min(total, COUNT_LIMIT)
    pages = max((total + PER_PAGE - 1) // PER_PAGE, 1)
    page = min(max(page, 1), pages)
    found = ctx.session.execute(
        select(ServiceTask, DataRequest)
        .join(DataRequest, DataRequest.id == ServiceTask.request_id)
        .where(*where)
        .order_by(ServiceTask.target_date, ServiceTask.id)
        .offset((page - 1) * PER_PAGE)
        .limit(PER_PAGE)
        .options(selectinload(DataRequest.people))
    ).all()
    rows = []
    for task, request in found:
        subject = request.person("subject") or request.person("requester")
        name = subject.full_name if subject else ""
        rows.append(SearchRow(task, request, name, (task.target_date - today).days))
    return SearchPage(rows, total, page, pages, more)
