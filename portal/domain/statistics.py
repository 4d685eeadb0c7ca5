"""What the portal's statistics are made of, one row per request: right, services, dates,
outcome, and whether it was answered on time. Retention keeps exactly these."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import DataRequest, ServiceTask


def request_statistics(session: Session) -> list[dict]:
    tasks: dict[int, set[str]] = {}
    for request_id, service in session.execute(select(ServiceTask.request_id, ServiceTask.service)):
        tasks.setdefault(request_id, set()).add(service)
    rows = []
    for r in session.scalars(select(DataRequest).order_by(DataRequest.id)):
        closed, due = r.closed_on, r.due_date
        rows.append(
            {
                "right": r.data_right,
                "channel": r.channel,
                "owner": r.owner_team,
                "services": sorted(tasks.get(r.id, ())),
                "received": r.received_date,
                "due": due,
                "closed": closed,
                "outcome": r.outcome,
                "on_time": (closed <= due) if closed and due else not r.overdue,
            }
        )
    return rows
