"""The staff area's request pages: who may see what, the queue's filters, sort and pagination,
each workflow action through the pages, stale forms, files and offline requests."""

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal.deadlines import add_months
from portal.deadlines.calendar import now_utc, received_date
from portal.domain.actions import StaleRequest, apply_action
from portal.extensions import db
from portal.models import (
    AuditActor,
    AuditEvent,
    DataRequest,
    OutboxMessage,
    RoleGrant,
    ServiceTask,
    Upload,
)
from tests.factories import DPO, context, flag_attention, make_request
from tests.helpers import error_summary, normalise, pdf_file
from tests.staff_helpers import make_staff, sign_in
from tests.workflow_names import state


def today() -> date:
    return received_date(now_utc())


def at(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=12)


def route(request, *services):
    return apply_action(
        context(db.session, today()), request, "route", DPO, {"services": list(services)}
    )


@pytest.fixture
def people(app):
    return {
        "dpo": make_staff("dpo", name="Dana Price"),
        "housing": make_staff("caseworker", ["housing"], name="Hana Okafor"),
        "family": make_staff("caseworker", ["family_support"], name="Chris Moss"),
        "admin": make_staff("admin", name="Ali Admin"),
    }


@pytest.fixture
def as_(app, people, client_request):
    def sign_in_as(who):
        client = app.test_client()
        sign_in(client, people[who])
        client_request.client = client
        return client_request

    return sign_in_as


def test_every_staff_url_is_confined_by_role_and_service(app, people, as_):
    housing_request = route(make_request(db.session, key="h"), "housing")
    family_request = route(make_request(db.session, key="f"), "family_support")
    upload = Upload(
        request_id=housing_request.id,
        purpose="supporting",
        filename="id.pdf",
        content_type="application/pdf",
        size=4,
        sha256="0" * 64,
        content=b"%PDF",
    )
    db.session.add(upload)
    db.session.commit()
    h, f = housing_request.reference, family_request.reference
    request_urls = [
        "/staff/requests/{ref}",
        "/staff/requests/{ref}/actions/ask_clarification",
        "/staff/requests/{ref}/tasks/{service}",
        "/staff/requests/{ref}/pack",
        "/staff/requests/{ref}/pack/files",
        "/staff/requests/{ref}/pack/checklist",
    ]
    cases = {
        "dpo": {h: 200, f: 200},
        "housing": {h: 200, f: 404},
        "family": {h: 404, f: 200},
        "admin": {h: 403, f: 403},
    }
    for who, expected in cases.items():
        client = as_(who).client
        for ref, status in expected.items():
            service = "housing" if ref == h else "family_support"
            for template in request_urls:
                url = template.format(ref=ref, service=service)
                assert client.get(url).status_code == status, (who, url)
        download = client.get(f"/staff/requests/{h}/files/{upload.id}")
        assert download.status_code == expected[h], who
        # Guessing another request's file under a visible reference finds nothing either.
        assert client.get(f"/staff/requests/{f}/files/{upload.id}").status_code in (403, 404)
        queue_status = 403 if who == "admin" else 200
        assert client.get("/staff/requests").status_code == queue_status
        assert client.get("/staff/accounts").status_code == (200 if who == "admin" else 403)
        other = people["dpo"].id
        assert client.get(f"/staff/accounts/{other}").status_code == (
            200 if who == "admin" else 403
        )
        reset = client.post(
            f"/staff/accounts/{people['housing'].id}/reset-two-factor", data={"reason": "Lost"}
        )
        assert reset.status_code == (302 if who == "admin" else 403)
        assert client.get("/staff/services").status_code == (
            200 if who in ("admin", "dpo") else 403
        )
        assert client.get("/staff/messages").status_code == (200 if who == "dpo" else 403)
        assert client.get("/staff/requests/new").status_code == (403 if who == "admin" else 200)
        assign = client.get(f"/staff/requests/{h}/assign").status_code
        assert assign == (200 if who == "dpo" else 403)
    # Signed out: every staff page sends you to sign in.
    anonymous = app.test_client()
    for url in (
        "/staff/requests",
        f"/staff/requests/{h}",
        "/staff/accounts",
        f"/staff/accounts/{people['dpo'].id}",
        "/staff/services",
        "/staff/messages",
    ):
        response = anonymous.get(url)
        assert response.status_code == 302 and "/staff/sign-in" in response.location


def test_a_caseworker_queue_shows_only_their_services(people, as_):
    route(make_request(db.session, key="h", name="Harriet Hill"), "housing")
    route(make_request(db.session, key="f", name="Freddie Fox"), "family_support")
    make_request(db.session, key="t", name="Tom Triage")
    page = as_("housing").get("/staff/requests")
    names = [normalise(td.get_text()) for td in page.select("tbody tr td:nth-of-type(2)")]
    assert names == ["Harriet Hill"]
    page = as_("dpo").get("/staff/requests")
    names = {normalise(td.get_text()) for td in page.select("tbody tr td:nth-of-type(2)")}
    assert names == {"Harriet Hill", "Freddie Fox", "Tom Triage"}


def _rows(page):
    return [
        [normalise(td.get_text(" ")) for td in tr.select("td")] for tr in page.select("tbody tr")
    ]


def test_queue_filters_sort_and_pagination(people, as_):
    day = today()
    overdue = make_request(db.session, key="o", now=at(day - timedelta(days=100)), name="Olly Old")
    soon_received = add_months(day, -1) + timedelta(days=1)
    soon = make_request(db.session, key="s", now=at(soon_received), name="Sunny Soon")
    fresh = make_request(db.session, key="n", right="objection", now=at(day), name="Nina New")
    route(soon, "education")
    apply_action(
        context(db.session, day),
        fresh,
        "request_evidence",
        DPO,
        {"evidence_kind": "identity", "reason": "Photo ID"},
    )
    for i in range(27):
        make_request(db.session, key=f"bulk{i}", now=at(day - timedelta(days=i % 5)), name=f"B{i}")
    client = as_("dpo")

    page = client.get("/staff/requests")
    assert "30 requests, page 1 of 2" in normalise(page.get_text())
    first = _rows(page)
    assert first[0][1] == "Olly Old" and "Overdue" in first[0][6] and "late" in first[0][6]
    assert first[1][1] == "Sunny Soon" and "Due soon" in first[1][6]
    assert len(first) == 25
    page_two = client.get("/staff/requests?page=2")
    assert len(_rows(page_two)) == 5
    assert {r[0] for r in first}.isdisjoint({r[0] for r in _rows(page_two)})
    assert page_two.select_one(".govuk-pagination__prev a")["href"].endswith("page=1")

    def names(query):
        return [r[1] for r in _rows(client.get(f"/staff/requests?{query}"))]

    assert names("flag=overdue") == ["Olly Old"]
    assert names("flag=due_soon") == ["Sunny Soon"]
    assert names("flag=paused") == ["Nina New"]
    assert names("right=objection") == ["Nina New"]
    assert names("service=education") == ["Sunny Soon"]
    assert names(f"state={state('awaiting_evidence')}") == ["Nina New"]

    def search(term, **filters):
        response = client.post("/staff/requests", {"q": term, **filters})
        return [r[1] for r in _rows(client.get(response.location))]

    assert search("sunny") == ["Sunny Soon"]
    assert search(overdue.reference.lower()) == ["Olly Old"]
    assert search("%") == []  # a LIKE wildcard is searched for literally
    assert sorted(search("b1", right="access")) == sorted(["B1", *(f"B{i}" for i in range(10, 20))])
    assert search("b1", right="objection") == []
    assert names("sort=received")[0] in {"Nina New", "B0", "B5", "B10", "B15", "B20", "B25"}
    assert names("sort=received&page=2")[-1] == "Olly Old"
    refs = [r[0].split()[0] for r in _rows(client.get("/staff/requests?sort=reference"))]
    assert refs == sorted(refs)
    assert names("flag=paused&right=access") == []
    paused_row = _rows(client.get("/staff/requests?flag=paused"))[0]
    assert "Paused" in paused_row[6] and paused_row[6].startswith("–")
    # Nonsense in the query string is ignored, not an error.
    assert len(names("page=999&sort=drop%20table&state=nope")) == 5


def test_a_name_searched_for_never_reaches_a_url(people, as_):
    make_request(db.session, key="p", name="Priya Private")
    for i in range(30):
        make_request(db.session, key=f"pp{i}", name=f"Priya Private {i}")
    client = as_("dpo")
    response = client.post("/staff/requests", {"q": "Priya Private", "flag": "overdue"})
    assert "priya" not in response.location.lower()
    assert "flag=overdue" in response.location and "search=1" in response.location
    page = client.get(response.location.replace("flag=overdue&", "").replace("&flag=overdue", ""))
    assert page.select_one("#q")["value"] == "Priya Private"  # shown back, from the session
    assert "31 requests" in normalise(page.get_text())
    hrefs = [a["href"] for a in page.select("a[href]")]
    assert hrefs and not any("priya" in h.lower() for h in hrefs)
    page_two = client.get(page.select_one(".govuk-pagination__next a")["href"])
    assert len(_rows(page_two)) == 6  # the search still applies on page 2
    # Following the menu's link to the queue starts afresh.
    page = client.get("/staff/requests")
    assert page.select_one("#q").get("value", "") == ""
    # A search in an old-style URL is ignored, not applied.
    assert "Priya" not in client.get("/staff/requests?q=nobody").select_one("#q").get("value", "")


def test_assign_filter_and_assignee_in_the_queue(people, as_):
    request = route(make_request(db.session, key="a", name="Ann Assigned"), "housing")
    make_request(db.session, key="b", name="Bob Nobody")
    client = as_("dpo")
    page = client.post(
        f"/staff/requests/{request.reference}/assign",
        {"assignee": str(people["family"].id), "version": request.version},
        200,
    )
    assert "has not been routed this request" in error_summary(page)[0][0]
    client.post(
        f"/staff/requests/{request.reference}/assign",
        {"assignee": str(people["housing"].id), "version": request.version},
    )
    rows = _rows(client.get(f"/staff/requests?assignee={people['housing'].id}"))
    assert [(r[1], r[4]) for r in rows] == [("Ann Assigned", "Hana Okafor")]
    assert [r[1] for r in _rows(client.get("/staff/requests?assignee=none"))] == ["Bob Nobody"]


def test_the_request_page_offers_only_the_allowed_actions(people, as_):
    request = make_request(db.session, key="r")
    client = as_("dpo")
    page = client.get(f"/staff/requests/{request.reference}")
    offered = [normalise(a.get_text()) for a in page.select(".moj-button-menu a")]
    assert offered == [
        "Ask for proof of identity or authority",
        "Route to services",
        "Ask the requester to clarify (pauses the clock)",
        "Extend the time limit",
        "Refuse as manifestly unfounded or excessive",
        "Withdraw the request",
    ]
    # A caseworker sees the request only once routed, and then fewer actions.
    route(request, "housing")
    page = as_("housing").get(f"/staff/requests/{request.reference}")
    offered = [normalise(a.get_text()) for a in page.select(".moj-button-menu a")]
    assert offered == ["Ask the requester to clarify (pauses the clock)"]
    # An action not offered cannot be opened, and posting it is refused.
    client = as_("housing")
    assert (
        client.client.get(f"/staff/requests/{request.reference}/actions/refuse").status_code == 404
    )
    client.post(
        f"/staff/requests/{request.reference}/notices/refuse/refused",
        {"reasons": "Because", "version": request.version},
        404,
    )
    db.session.refresh(request)
    assert request.state == state("with_service")


def test_a_whole_access_request_through_the_pages(people, as_):
    request = make_request(db.session, key="w")
    ref = request.reference
    dpo = as_("dpo")

    # Route with nothing chosen: a GOV.UK error, nothing changed.
    page = dpo.post(f"/staff/requests/{ref}/actions/route", {"version": request.version}, 200)
    assert error_summary(page) == [("Select at least one service", "#services")]
    dpo.post(
        f"/staff/requests/{ref}/actions/route",
        {"services": ["housing", "education"], "version": request.version},
    )
    db.session.refresh(request)
    assert request.state == state("with_service") and len(request.tasks) == 2

    # Extend: the reason is required; then the requester is told why.
    page = dpo.post(f"/staff/requests/{ref}/actions/extend", {"version": request.version}, 200)
    assert error_summary(page)[0][1] == "#reason"
    old_due = request.due_date
    dpo.post(
        f"/staff/requests/{ref}/actions/extend",
        {"reason": "Records span four services.", "version": request.version},
    )
    db.session.refresh(request)
    assert request.state == state("extended") and request.due_date > old_due
    told = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.message_key == "time_extended")
    )
    assert told.personalisation["reason"] == "Records span four services."

    # Each service answers its own search task.
    housing = as_("housing")
    housing.post(f"/staff/requests/{ref}/tasks/housing", {"answer": "no_data"})
    assert housing.client.get(f"/staff/requests/{ref}/tasks/education").status_code == 200
    page = housing.post(f"/staff/requests/{ref}/tasks/education", {"answer": "no_data"}, 200)
    assert "another service" in error_summary(page)[0][0]
    dpo = as_("dpo")
    page = dpo.post(f"/staff/requests/{ref}/tasks/education", {"answer": "data_found"}, 200)
    assert error_summary(page) == [("Describe the data found", "#finding")]
    dpo.post(
        f"/staff/requests/{ref}/tasks/education",
        {"answer": "data_found", "finding": "Attendance records 2023"},
    )

    dpo.post(f"/staff/requests/{ref}/actions/send_to_disclosure_review", {"version": 0}, 200)
    db.session.refresh(request)
    dpo.post(
        f"/staff/requests/{ref}/actions/send_to_disclosure_review", {"version": request.version}
    )
    db.session.refresh(request)
    # Completing an access request needs a signed-off disclosure pack.
    assert dpo.client.get(f"/staff/requests/{ref}/actions/complete").status_code == 404
    notice_url = f"/staff/requests/{ref}/notices/complete/disclosed"
    dpo.post(notice_url, {"reasons": "All of it.", "version": request.version}, 404)
    page = dpo.post(
        f"/staff/requests/{ref}/pack/files",
        {"title": "Attendance", "version": request.version},
        200,
        content_type="multipart/form-data",
    )
    assert error_summary(page) == [("Select a file", "#file")]
    page = dpo.post(
        f"/staff/requests/{ref}/pack/files",
        {
            "title": "Attendance",
            "file": (io.BytesIO(b"MZ\x90\x00 not a pdf"), "r.pdf"),
            "version": request.version,
        },
        200,
        content_type="multipart/form-data",
    )
    assert error_summary(page) == [("The selected file must be a PDF, JPG or PNG", "#file")]
    dpo.post(
        f"/staff/requests/{ref}/pack/files",
        {"title": "Attendance", "file": pdf_file(), "version": request.version},
        content_type="multipart/form-data",
    )
    db.session.refresh(request)
    dpo.post(
        f"/staff/requests/{ref}/pack/checklist",
        {"third_party_found": "no", "harm_records": "no", "version": request.version},
    )
    db.session.refresh(request)
    # Whoever put the pack together cannot sign it off; a caseworker of a routed service can.
    page = dpo.post(
        f"/staff/requests/{ref}/actions/sign_off_disclosure", {"version": request.version}, 200
    )
    assert "someone else must sign it off" in error_summary(page)[0][0]
    as_("housing").post(
        f"/staff/requests/{ref}/actions/sign_off_disclosure", {"version": request.version}
    )
    db.session.refresh(request)
    assert request.state == state("response_ready")
    dpo = as_("dpo")
    preview = dpo.post(notice_url, {"reasons": "All of it.", "version": request.version})
    db.session.refresh(request)
    dpo.post(preview.location, {"version": request.version})
    db.session.refresh(request)
    assert request.state == state("completed")

    # Everything done is on the timeline, with who did it.
    page = dpo.get(f"/staff/requests/{ref}")
    timeline = normalise(page.select_one(".moj-timeline").get_text(" "))
    for action in ("Route", "Extend", "Answer task", "Pack file added", "outcome notice", "Submit"):
        assert action in timeline
    assert "Hana Okafor" in timeline and "Dana Price" in timeline
    # Details in words: service names, answers and dates, not stored codes.
    assert "Services: Temporary Accommodation and Housing Needs" in timeline
    assert "After: Data found" in timeline
    assert "housing," not in timeline and "data_found" not in timeline
    assert f"Received: {request.received_date.day} " in timeline
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.request_id == request.id)
    ).all()
    assert actions.count("answer_task") == 2


def test_refusal_tells_the_requester_about_the_ico_and_courts(people, as_):
    request = make_request(db.session, key="x")
    dpo = as_("dpo")
    preview = dpo.post(
        f"/staff/requests/{request.reference}/notices/refuse/refused",
        {"reasons": "This is the ninth identical request this month.", "version": request.version},
    )
    dpo.post(preview.location, {"version": request.version})
    db.session.refresh(request)
    assert request.state == state("refused")
    message = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.message_key == "outcome_notice")
    )
    body = message.personalisation["notice"]
    assert "Information Commissioner's Office" in body and "court" in body
    assert "This is the ninth identical request this month." in body


def test_clarification_pauses_and_the_answer_resumes(people, as_):
    request = route(make_request(db.session, key="c"), "housing")
    worker = as_("housing")
    worker.post(
        f"/staff/requests/{request.reference}/actions/ask_clarification",
        {"question": "Which years do you mean?", "version": request.version},
    )
    db.session.refresh(request)
    assert request.state == state("awaiting_clarification")
    worker.post(
        f"/staff/requests/{request.reference}/actions/clarification_received",
        {"answer": "2019 to 2021", "version": request.version},
    )
    db.session.refresh(request)
    assert request.state == state("with_service")


def test_a_stale_form_is_refused_with_a_clear_message(people, as_):
    request = make_request(db.session, key="s")
    dpo = as_("dpo")
    form = dpo.get(f"/staff/requests/{request.reference}/actions/extend")
    seen_version = form.select_one("input[name=version]")["value"]
    # Someone else acts first.
    route(request, "housing")
    page = dpo.post(
        f"/staff/requests/{request.reference}/actions/extend",
        {"reason": "Complex", "version": seen_version},
        200,
    )
    assert error_summary(page)[0][0].startswith("Someone else changed this request")
    db.session.refresh(request)
    assert request.state == state("with_service")
    assert not any(e.kind == "extend" for e in request.clock_events)


def test_two_sessions_writing_at_once_cannot_overwrite_each_other(app, people):
    request = make_request(db.session, key="k")
    engine = db.engine
    from sqlalchemy.orm import Session

    with Session(engine) as first, Session(engine) as second:
        mine = first.get(DataRequest, request.id)
        theirs = second.get(DataRequest, request.id)
        apply_action(context(first, today()), mine, "route", DPO, {"services": ["housing"]})
        with pytest.raises(StaleRequest):
            apply_action(context(second, today()), theirs, "extend", DPO, {"reason": "Complex"})
    db.session.expire_all()
    fresh = db.session.get(DataRequest, request.id)
    assert fresh.state == state("with_service")
    assert (
        db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "extend"))
        == 0
    )


def test_notes_are_kept_on_the_timeline_and_bad_notes_refused(people, as_):
    request = make_request(db.session, key="n")
    dpo = as_("dpo")
    page = dpo.post(f"/staff/requests/{request.reference}/note", {"note": "  "}, 200)
    assert error_summary(page) == [("Enter a note", "#note")]
    dpo.post(f"/staff/requests/{request.reference}/note", {"note": "Called the school."})
    page = dpo.get(f"/staff/requests/{request.reference}")
    assert "Called the school." in page.select_one(".moj-timeline").get_text()


def test_identity_check_is_recorded(people, as_):
    request = make_request(db.session, key="i")
    dpo = as_("dpo")
    page = dpo.post(f"/staff/requests/{request.reference}/identity", {"version": 1}, 200)
    assert error_summary(page)[0][1] == "#how"
    dpo.post(
        f"/staff/requests/{request.reference}/identity",
        {"how": "Passport seen at reception", "version": request.version},
    )
    db.session.refresh(request)
    assert request.identity_checked_at is not None


def test_downloading_a_file_is_audited(people, as_):
    request = route(make_request(db.session, key="d"), "housing")
    db.session.add(
        Upload(
            request_id=request.id,
            purpose="authority",
            filename="order.pdf",
            content_type="application/pdf",
            size=8,
            sha256="0" * 64,
            content=b"%PDF-1.4",
        )
    )
    db.session.commit()
    upload = db.session.scalar(select(Upload))
    response = as_("housing").client.get(f"/staff/requests/{request.reference}/files/{upload.id}")
    assert response.status_code == 200 and response.data == b"%PDF-1.4"
    assert "attachment" in response.headers["Content-Disposition"]
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "file_downloaded"))


def test_tasks_are_only_answered_for_routed_services(people, as_):
    request = route(make_request(db.session, key="t"), "housing")
    dpo = as_("dpo")
    assert dpo.client.get(f"/staff/requests/{request.reference}/tasks/education").status_code == 404
    assert db.session.scalar(select(func.count(ServiceTask.id))) == 1


def test_an_unreachable_requester_is_flagged_until_staff_record_what_they_did(people, as_):
    request = make_request(db.session)
    item = flag_attention(
        db.session,
        request,
        "The request received email was not delivered: <b>permanent-failure</b>.",
    )
    client = as_("dpo")
    page = client.get(f"/staff/requests/{request.reference}")
    banner = page.select_one(".govuk-notification-banner")
    # The banner is markup, and the detail inside it is text (escaped), never markup.
    assert banner.select_one(".govuk-notification-banner__heading").get_text() == item.detail
    link = banner.select_one("a.govuk-notification-banner__link")
    assert link["href"] == f"/staff/requests/{request.reference}/attention/{item.id}"

    page = client.post(link["href"], {"how": "  "}, expected_status=200)
    assert error_summary(page) == [("Say how you did", "#how")]
    db.session.refresh(item)
    assert item.resolved_at is None

    client.post(link["href"], {"how": "Phoned them on the number from the case file"})
    db.session.refresh(item)
    assert item.resolved_at is not None and item.resolved_by == "dpo:" + str(people["dpo"].id)
    page = client.get(f"/staff/requests/{request.reference}")
    # Only the confirmation of what was just done is left; the warning banner has gone.
    assert [normalise(b.get_text()) for b in page.select(".govuk-notification-banner")] == [
        "Success What you did to reach the requester is recorded."
    ]
    assert (
        client.get(f"/staff/requests/{request.reference}").select(".govuk-notification-banner")
        == []
    )  # shown once
    assert client.get(link["href"], expected_status=404)  # dealt with: gone
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "attention_resolved"))
    assert event.detail["how"] == "Phoned them on the number from the case file"


def test_the_request_page_shows_answers_as_the_resident_saw_the_questions(people, as_):
    request = make_request(db.session)
    request.answers = {
        "who": "self",
        "access-what": {"what": "Notes from home visits"},
        "access-parts": {"parts": ["housing", "not_sure"]},
        "retired-page": {"old_answer": "kept"},
    }
    db.session.commit()
    page = as_("dpo").get(f"/staff/requests/{request.reference}")
    heading = next(h for h in page.select("h3") if h.get_text(strip=True) == "What they asked for")
    rows = {
        normalise(r.select_one("dt").get_text()): r.select_one("dd").get_text("|", strip=True)
        for r in heading.find_next("dl").select(".govuk-summary-list__row")
    }
    # Pages since merged read with today's labels; the privacy notice's categories they offered
    # then still read in words.
    assert rows == {
        "What are you looking for?": "Notes from home visits",
        "Which kinds of information do you want?": (
            "Your accommodation and housing needs|I'm not sure, search everything"
        ),
        "Old answer": "kept",
    }


def test_the_request_page_words_answers_for_who_asked(people, as_):
    request = make_request(db.session, right="objection", who="child", dob="2014-03-03")
    request.answers = {
        "who": "child",
        "access": {"parts": ["safety"], "what": "Reports", "period": "All"},
        "objection-uses": {"uses": ["best_interests"]},
    }
    db.session.commit()
    text = as_("dpo").get(f"/staff/requests/{request.reference}").get_text()
    assert "Safety, assessments and plans" in text
    assert "Acting in your child's best interests and looking after their health" in text
    assert "Which uses of your child's information do you object to?" in text


def test_the_timeline_names_people_as_they_were_when_they_acted(people, as_):
    request = route(make_request(db.session, key="t"), "housing")
    hana = people["housing"]
    as_("housing").post(f"/staff/requests/{request.reference}/note", {"note": "Searched Civica."})
    # Later Hana becomes a DPO and changes her name; history still reads as it happened.
    as_("admin").post(f"/staff/accounts/{hana.id}", {"role": "dpo"})
    grant = db.session.scalars(select(RoleGrant)).one()
    as_("dpo").post(f"/staff/access-approvals/{grant.id}", {"decision": "approve"})
    db.session.refresh(hana)
    assert hana.role == "dpo"
    hana.full_name = "Hana Price"
    db.session.commit()

    page = as_("dpo").get(f"/staff/requests/{request.reference}")
    timeline = normalise(page.select_one(".moj-timeline").get_text(" "))
    assert "Hana Okafor" in timeline and "Hana Price" not in timeline
    assert "caseworker:" not in timeline and "dpo:" not in timeline
    note = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "note"))
    assert note.actor == AuditActor("staff", "Hana Okafor", hana.id, "caseworker")
    assert note.detail == {"note": "Searched Civica."}
    asked = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "staff_access_requested")
    )
    assert asked.actor == AuditActor("staff", "Ali Admin", people["admin"].id, "admin")
    approved = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "staff_access_approved")
    )
    assert approved.actor == AuditActor("staff", "Dana Price", people["dpo"].id, "dpo")
