"""The queue page: counts above it, sortable headers that work without JavaScript, selected
filters as removable tags, "assigned to me", a caseworker's open service searches, and "new" or
"updated" until whoever handles a request opens it."""

from datetime import UTC, datetime, timedelta

import pytest

from portal.deadlines import add_months
from portal.deadlines.calendar import now_utc, received_date
from portal.domain.actions import apply_action
from portal.domain.evidence import submit_evidence
from portal.extensions import db
from portal.models import DataRequest
from portal.workflow import Actor
from tests.factories import DPO, context, make_request, pdf_bytes
from tests.helpers import normalise
from tests.staff_helpers import make_staff, sign_in

REQUESTER = Actor("requester")


def today():
    return received_date(now_utc())


def at(day):
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=12)


def act(request, action, actor=DPO, **fields):
    return apply_action(context(db.session, today()), request, action, actor, fields)


@pytest.fixture
def people(app):
    return {
        "dpo": make_staff("dpo", name="Dana Price"),
        "housing": make_staff("caseworker", ["housing"], name="Hana Okafor"),
        "education": make_staff("caseworker", ["education"], name="Ed Ucation"),
    }


@pytest.fixture
def as_(app, people, client_request):
    def sign_in_as(who):
        client = app.test_client()
        sign_in(client, people[who])
        client_request.client = client
        return client_request

    return sign_in_as


def names(page) -> list[str]:
    return [normalise(td.get_text()) for td in page.select("tbody tr td:nth-of-type(2)")]


def counts(page) -> dict[str, str]:
    return {b["data-count"]: normalise(b.get_text()) for b in page.select("[data-count]")}


def markers(page) -> dict[str, str]:
    out = {}
    for row in page.select("tbody tr"):
        found = row.select_one("[data-marker]")
        out[normalise(row.select("td")[1].get_text())] = found["data-marker"] if found else ""
    return out


def test_counts_above_the_queue_link_to_their_requests(people, as_):
    day = today()
    make_request(db.session, key="o", now=at(day - timedelta(days=100)), name="Olly Old")
    soon = make_request(
        db.session, key="s", now=at(add_months(day, -1) + timedelta(days=1)), name="Sunny Soon"
    )
    waiting = make_request(db.session, key="w", name="Wendy Wait")
    act(waiting, "request_evidence", evidence_kind="identity", reason="Photo ID")
    act(soon, "route", services=["housing"])
    client = as_("dpo")
    page = client.get("/staff/requests")
    assert counts(page) == {"overdue": "1", "due_soon": "1", "new": "3", "paused": "1"}
    links = {a.select_one("[data-count]")["data-count"]: a["href"] for a in page.select("a")
             if a.select_one("[data-count]")}  # fmt: skip
    assert names(client.get(links["overdue"])) == ["Olly Old"]
    assert names(client.get(links["due_soon"])) == ["Sunny Soon"]
    assert names(client.get(links["paused"])) == ["Wendy Wait"]
    assert sorted(names(client.get(links["new"]))) == ["Olly Old", "Sunny Soon", "Wendy Wait"]
    # A caseworker's counts are of the requests they can see.
    page = as_("housing").get("/staff/requests")
    assert counts(page) == {"overdue": "0", "due_soon": "1", "new": "1", "paused": "0"}


def test_the_counts_are_bounded(people, as_, monkeypatch):
    from portal.domain import queue as queue_module

    for i in range(4):
        make_request(db.session, key=f"b{i}", name=f"Bounded {i}")
    monkeypatch.setattr(queue_module, "CARD_LIMIT", 2)
    assert counts(as_("dpo").get("/staff/requests"))["new"] == "more than 2"


def test_sortable_headers_order_the_queue_without_javascript(people, as_):
    day = today()
    for i, name in enumerate(["Ann", "Ben", "Cat"]):
        make_request(db.session, key=f"k{i}", now=at(day - timedelta(days=10 - i)), name=name)
    client = as_("dpo")
    page = client.get("/staff/requests")
    headers = {normalise(th.get_text()).split(" ")[0]: th for th in page.select("th[aria-sort]")}
    assert {k: th["aria-sort"] for k, th in headers.items()} == {
        "Reference": "none",
        "Received": "none",
        "Due": "ascending",
    }
    assert names(page) == ["Ann", "Ben", "Cat"]  # soonest due first
    # The header of the present order turns it round; another header sorts by its column.
    page = client.get(headers["Due"].select_one("a")["href"])
    assert names(page) == ["Cat", "Ben", "Ann"]
    assert page.select_one("th[aria-sort=descending]").get_text().strip().startswith("Due")
    received = {normalise(th.get_text()).split(" ")[0]: th for th in page.select("th[aria-sort]")}
    page = client.get(received["Received"].select_one("a")["href"])
    assert names(page) == ["Cat", "Ben", "Ann"]  # newest received first
    assert page.select_one("th[aria-sort=descending]").get_text().strip().startswith("Received")
    refs = [normalise(tr.select_one("td").get_text()) for tr in client.get(
        "/staff/requests?sort=reference&dir=desc").select("tbody tr")]  # fmt: skip
    assert refs == sorted(refs, reverse=True)
    # The order is kept when filters change (hidden in the filter form).
    page = client.get("/staff/requests?sort=received&dir=asc")
    assert page.select_one("input[name=sort]")["value"] == "received"
    assert page.select_one("input[name=dir]")["value"] == "asc"


def test_selected_filters_are_tags_each_removing_its_own_filter(people, as_):
    housing = make_request(db.session, key="h", name="Hattie Home")
    act(housing, "route", services=["housing"])
    make_request(db.session, key="x", name="Xavier Other", right="objection")
    client = as_("dpo")
    assert client.get("/staff/requests").select(".moj-filter__tag") == []
    response = client.post(
        "/staff/requests", {"right": "access", "service": "housing", "q": "hattie"}
    )
    page = client.get(response.location)
    assert names(page) == ["Hattie Home"]
    tags = {normalise(a.get_text()).replace("Remove this filter ", ""): a["href"]
            for a in page.select("a.moj-filter__tag")}  # fmt: skip
    assert set(tags) == {"hattie", "Access", "Temporary Accommodation and Housing Needs"}
    without_service = client.get(tags["Temporary Accommodation and Housing Needs"])
    assert "service=" not in tags["Temporary Accommodation and Housing Needs"]
    assert "right=access" in tags["Temporary Accommodation and Housing Needs"]
    assert names(without_service) == ["Hattie Home"]  # the search still applies
    without_search = client.get(tags["hattie"])
    assert names(without_search) == ["Hattie Home"] and "hattie" not in tags["hattie"]
    assert without_search.select_one("#q").get("value", "") == ""
    assert page.select_one(".moj-filter__selected a[href='/staff/requests']")  # clear filters


def test_assigned_to_me(people, as_):
    mine = make_request(db.session, key="m", name="Mine Only")
    act(mine, "route", services=["housing"])
    other = make_request(db.session, key="n", name="Not Mine")
    act(other, "route", services=["housing"])
    client = as_("dpo")
    client.post(
        f"/staff/requests/{mine.reference}/assign",
        {"assignee": str(people["housing"].id), "version": mine.version},
    )
    caseworker = as_("housing")
    page = caseworker.get("/staff/requests")
    link = page.select_one("nav.moj-sub-navigation a[href$='assignee=me']")
    assert normalise(link.get_text()) == "Assigned to me"
    page = caseworker.get(link["href"])
    assert names(page) == ["Mine Only"]
    assert page.select_one("nav.moj-sub-navigation a[aria-current=page]")["href"] == link["href"]
    assert as_("dpo").get("/staff/requests?assignee=me").select("tbody tr") == []


def test_a_caseworkers_open_service_searches_with_their_answer_by_dates(people, as_):
    first = make_request(db.session, key="a", name="Early Bird", now=at(today() - timedelta(5)))
    second = make_request(db.session, key="b", name="Late Comer", now=at(today()))
    elsewhere = make_request(db.session, key="c", name="Else Where")
    act(second, "route", services=["housing"])
    act(first, "route", services=["housing", "education"])
    act(elsewhere, "route", services=["education"])
    page = as_("housing").get("/staff/searches")
    rows = [
        [normalise(td.get_text(" ")) for td in tr.select("td")] for tr in page.select("tbody tr")
    ]
    assert [r[1] for r in rows] == ["Early Bird", "Late Comer"]  # soonest answer-by first
    db.session.refresh(first)
    housing_task = next(t for t in first.tasks if t.service == "housing")
    assert rows[0][4].startswith(housing_task.target_date.strftime("%-d %b %Y"))
    # Answering a search takes it off the list.
    as_("housing").post(
        f"/staff/requests/{first.reference}/tasks/housing",
        {"answer": "no_data", "finding": ""},
    )
    page = as_("housing").get("/staff/searches")
    assert [normalise(tr.select("td")[1].get_text()) for tr in page.select("tbody tr")] == [
        "Late Comer"
    ]
    page = as_("dpo").get("/staff/searches")
    assert len(page.select("tbody tr")) == 3  # every service's: education twice, housing once


def test_new_until_the_handler_opens_it_and_updated_when_the_requester_acts(people, as_):
    request = make_request(db.session, key="n", name="Nell New")
    dpo = as_("dpo")
    assert markers(dpo.get("/staff/requests")) == {"Nell New": "new"}
    version = request.version
    dpo.get(f"/staff/requests/{request.reference}")
    assert markers(dpo.get("/staff/requests")) == {"Nell New": ""}
    db.session.refresh(request)
    assert request.version == version  # seeing it is no change: open forms stay valid
    # The requester answers a question: "updated" until the handler opens it again.
    act(request, "route", services=["housing"])
    act(request, "ask_clarification", question="Which years?")
    dpo.get(f"/staff/requests/{request.reference}")
    request = db.session.get(DataRequest, request.id)
    act(request, "clarification_received", REQUESTER, answer="Years 7 to 9")
    assert markers(dpo.get("/staff/requests")) == {"Nell New": "updated"}
    assert counts(dpo.get("/staff/requests"))["new"] == "0"
    assert [n for n in names(dpo.get("/staff/requests?flag=updated"))] == ["Nell New"]
    dpo.get(f"/staff/requests/{request.reference}")
    assert markers(dpo.get("/staff/requests")) == {"Nell New": ""}
    # Assigned to a caseworker: new to them until they open it; the DPO's look does not count.
    request = db.session.get(DataRequest, request.id)
    dpo.post(
        f"/staff/requests/{request.reference}/assign",
        {"assignee": str(people["housing"].id), "version": request.version},
    )
    dpo.get(f"/staff/requests/{request.reference}")
    assert markers(dpo.get("/staff/requests")) == {"Nell New": "new"}
    housing = as_("housing")
    housing.get(f"/staff/requests/{request.reference}")
    assert markers(housing.get("/staff/requests")) == {"Nell New": ""}


def test_proof_sent_from_the_tracking_page_marks_the_request_updated(people, as_):
    request = make_request(db.session, key="p", name="Proof Sender")
    dpo = as_("dpo")
    act(request, "request_evidence", evidence_kind="identity", reason="Photo ID")
    dpo.get(f"/staff/requests/{request.reference}")
    request = db.session.get(DataRequest, request.id)
    submit_evidence(
        context(db.session),
        request,
        answer="",
        files=[(pdf_bytes("passport"), "pdf", "passport.pdf")],
        submission_key="k" * 24,
    )
    assert markers(dpo.get("/staff/requests")) == {"Proof Sender": "updated"}
