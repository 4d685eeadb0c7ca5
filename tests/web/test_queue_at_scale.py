"""The queue's cost follows the page and the open requests: a fixed number of statements per
page whatever its rows, open views read the stored open flag (kept by the domain, from the
workflow's states), counts are bounded, and PostgreSQL can answer every view from an index."""

import pytest
from sqlalchemy import event, select, text

from portal.domain import queue as queue_module
from portal.domain.actions import apply_action
from portal.domain.queue import QueueFilters, search_queue
from portal.extensions import db
from portal.models import DataRequest
from portal.runtime import definition
from portal.workflow import Actor
from tests.conftest import TEST_DATABASE_URL
from tests.factories import DPO, context, make_request
from tests.helpers import normalise
from tests.staff_helpers import make_staff, sign_in

SERVICES = ("housing", "family_support", "education")


@pytest.fixture
def dpo(app):
    return make_staff("dpo", name="Queue Counter")


def _statements(client, url: str) -> int:
    seen = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return len(seen)


def _route(request, *services):
    return apply_action(context(db.session), request, "route", DPO, {"services": list(services)})


def test_a_queue_page_makes_the_same_few_statements_whatever_its_rows(app, dpo):
    for i in range(30):
        request = make_request(db.session, key=f"scale{i}", name=f"Scale Person {i}")
        _route(request, *SERVICES[: 1 + i % 3])
    client = app.test_client()
    sign_in(client, dpo)
    client.get("/staff/requests")  # the first page view after sign-in may load more
    full = _statements(client, "/staff/requests")
    assert (
        normalise(client.get("/staff/requests").get_data(as_text=True)).count("Scale Person") == 25
    )
    one = _statements(client, "/staff/requests?service=education")  # 10 rows
    deep = _statements(client, "/staff/requests?page=2")  # 5 rows
    # No statement per row: the people, tasks and assignees of a page come in one each.
    assert full == one == deep
    assert full <= 10, full


def test_the_open_flag_follows_the_workflow_states(app, session):
    wf = definition()
    kept = make_request(session, key="open1", name="Still Open")
    gone = make_request(session, key="open2", name="Withdrawn Soon")
    apply_action(context(session), gone, "withdraw", Actor("requester"), {})
    for request in session.scalars(select(DataRequest)):
        assert request.is_open == wf.states[request.state].is_open
    assert kept.is_open and not gone.is_open
    ctx = context(session)
    found = search_queue(ctx, DPO, QueueFilters())
    assert [row.request.id for row in found.rows] == [kept.id]
    everything = search_queue(ctx, DPO, QueueFilters(state="all"))
    assert {row.request.id for row in everything.rows} == {kept.id, gone.id}
    closed = search_queue(ctx, DPO, QueueFilters(state=gone.state))
    assert [row.request.id for row in closed.rows] == [gone.id]


def test_a_services_tasks_know_whether_their_request_is_open(app, session):
    """The caseworker's open views and counts read the tasks of open requests alone
    (`service_task.request_open`, kept by the domain with `is_open`)."""
    from portal.models import ServiceTask

    kept = make_request(session, key="task1", name="Kept Open")
    gone = make_request(session, key="task2", name="Withdrawn Later")
    for request in (kept, gone):
        _route(request, "housing")
    assert {t.request_open for t in session.scalars(select(ServiceTask))} == {True}
    apply_action(context(session), gone, "withdraw", Actor("requester"), {})
    for task in session.scalars(select(ServiceTask)):
        assert task.request_open == session.get(DataRequest, task.request_id).is_open
    assert not gone.tasks[0].request_open and kept.tasks[0].request_open

    worker = Actor("caseworker", frozenset({"housing"}), id=99)
    ctx = context(session)
    found = search_queue(ctx, worker, QueueFilters())
    assert [row.request.id for row in found.rows] == [kept.id]
    assert found.counts["new"] == 1  # the withdrawn request is not counted
    everything = search_queue(ctx, worker, QueueFilters(state="all"))
    assert {row.request.id for row in everything.rows} == {kept.id, gone.id}
    closed = search_queue(ctx, worker, QueueFilters(state=gone.state))
    assert [row.request.id for row in closed.rows] == [gone.id]


def test_counts_stop_at_the_limit(app, dpo, monkeypatch):
    for i in range(6):
        make_request(db.session, key=f"count{i}", name=f"Count Person {i}")
    monkeypatch.setattr(queue_module, "COUNT_LIMIT", 3)
    found = search_queue(context(db.session), DPO, QueueFilters())
    assert (found.total, found.more, found.pages) == (3, True, 1)
    client = app.test_client()
    sign_in(client, dpo)
    page = normalise(client.get("/staff/requests").get_data(as_text=True))
    assert "More than 3 requests" in page


def test_a_reference_typed_without_dashes_and_a_name_in_any_case_are_found(app):
    request = make_request(db.session, key="ref1", name="Rhiannon Reference")
    make_request(db.session, key="ref2", name="Other Person")
    ctx = context(db.session)
    compact = request.reference.replace("-", "").lower()
    assert [r.request.id for r in search_queue(ctx, DPO, QueueFilters(q=compact)).rows] == [
        request.id
    ]
    assert [r.subject for r in search_queue(ctx, DPO, QueueFilters(q="RHIANNON ref")).rows] == [
        "Rhiannon Reference"
    ]
    assert search_queue(ctx, DPO, QueueFilters(q="50%_\\")).rows == []


@pytest.mark.parametrize("reference", ["DR-ABCD-EFGH", "DR-2345-6789", "CP-7KQ2-M9XD"])
def test_every_shape_of_reference_is_found_typed_without_dashes(app, reference):
    # One reference in twenty has no digit: it must still be found when typed without dashes.
    request = make_request(db.session, key="shape", name="Shape Person")
    request.reference = reference
    make_request(db.session, key="shape2", name="Other Person")
    db.session.commit()
    ctx = context(db.session)
    for typed in (reference, reference.replace("-", "").lower(), reference.replace("-", " ")):
        found = search_queue(ctx, DPO, QueueFilters(q=typed)).rows
        assert [r.request.id for r in found] == [request.id], typed


def _plan(sql_query) -> str:
    compiled = sql_query.compile(db.engine, compile_kwargs={"literal_binds": True})
    rows = db.session.execute(text(f"EXPLAIN {compiled}")).scalars().all()
    return "\n".join(rows)


@pytest.mark.postgres
@pytest.mark.skipif(
    not (TEST_DATABASE_URL or "").startswith("postgresql"), reason="needs PostgreSQL"
)
def test_postgres_answers_each_view_from_an_index(app):
    """With sequential scans priced out, the plan of each view names the index it needs: the
    partial index of open requests (so the predicate matches it), the service index for a
    caseworker, and the trigram index for a name."""
    from portal.domain.casework import visible_requests

    make_request(db.session, key="plan1", name="Planned Person")
    db.session.execute(text("SET enable_seqscan = off"))
    name_search = select(DataRequest.id).where(queue_module._search("planned"))
    assert "ix_person_full_name_trgm" in _plan(name_search)
    # A page in due-date order read straight from the partial index, stopping after a page.
    db.session.execute(text("SET enable_bitmapscan = off"))
    db.session.execute(text("SET enable_sort = off"))
    caseworker = Actor("caseworker", id=9, services=frozenset({"housing"}))
    for who in (DPO, caseworker):
        page = (
            select(DataRequest.id)
            .where(visible_requests(who), DataRequest.is_open)
            .order_by(DataRequest.due_date.asc().nulls_last(), DataRequest.id)
            .limit(25)
        )
        plan = _plan(page)
        assert "Scan using ix_request_open_due" in plan, plan
        assert "Seq Scan" not in plan and "Sort" not in plan, plan
