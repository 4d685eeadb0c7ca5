"""The request page in two columns: the key facts beside the detail, sub navigation to its parts
with counts as badges, the actions in a button menu, and a timeline in London time that names a
request logged by post once."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from portal.deadlines.calendar import now_utc, received_date
from portal.domain.actions import apply_action
from portal.extensions import db
from portal.runtime import definition
from portal.staff.request_page import london_text, timeline
from tests.factories import DPO, context, make_request
from tests.helpers import normalise
from tests.staff_helpers import make_staff, sign_in
from tests.workflow_names import state


def today():
    return received_date(now_utc())


@pytest.fixture
def dpo(app, client_request):
    client = app.test_client()
    sign_in(client, make_staff("dpo", name="Dana Price"))
    client_request.client = client
    return client_request


def facts(page) -> dict[str, str]:
    column = page.select_one(".portal-key-facts .govuk-summary-list")  # the first list
    return {
        normalise(row.select_one("dt").get_text()): normalise(row.select_one("dd").get_text(" "))
        for row in column.select(".govuk-summary-list__row")
    }


def test_the_key_facts_sit_beside_the_detail(dpo):
    request = make_request(db.session)
    apply_action(context(db.session, today()), request, "route", DPO, {"services": ["housing"]})
    page = dpo.get(f"/staff/requests/{request.reference}")
    row = page.select_one("main .govuk-grid-row")
    key_facts, detail = row.find_all("div", recursive=False)
    # Key facts first (read first on a phone), floated beside the two-thirds detail column.
    assert "govuk-grid-column-one-third" in key_facts["class"]
    assert "portal-key-facts" in key_facts["class"]
    assert "govuk-grid-column-two-thirds" in detail["class"]
    shown = facts(page)
    assert shown["State"] == definition().states[state("with_service")].staff_label
    assert shown["Due"].startswith(f"{request.due_date.day} {request.due_date:%B %Y}")
    assert "working days left" in shown["Due"]
    assert shown["Assigned to"].startswith("Nobody")
    assert shown["Services"] == definition().routing.services["housing"].name
    assert shown["Channel"].startswith("Online, received")
    # Staff wording for the right, not the resident's.
    assert normalise(page.select_one(".govuk-caption-l").text) == "Access request"
    assert "a copy of your information" not in page.select_one("main").get_text()


def test_an_overdue_request_says_by_how_many_working_days(dpo):
    request = make_request(db.session, now=now_utc() - timedelta(days=60))
    page = dpo.get(f"/staff/requests/{request.reference}")
    assert "working days overdue" in facts(page)["Due"]
    assert page.select_one(".portal-key-facts .portal-overdue")


def test_actions_are_a_button_menu_with_destructive_ones_as_warning_buttons(dpo):
    request = make_request(db.session)
    page = dpo.get(f"/staff/requests/{request.reference}")
    menu = page.select_one(".portal-key-facts [data-module=moj-button-menu]")
    assert menu["data-button-text"] == "Actions"
    items = {normalise(a.text): a["class"] for a in menu.select("a")}
    assert "govuk-button--warning" in items["Withdraw the request"]
    assert "govuk-button--warning" in items["Refuse as manifestly unfounded or excessive"]
    assert "govuk-button--secondary" in items["Route to services"]


def test_sub_navigation_links_to_each_part_with_counts_as_badges(dpo):
    request = make_request(db.session)
    apply_action(
        context(db.session, today()),
        request,
        "route",
        DPO,
        {"services": ["housing", "family_support"]},
    )
    page = dpo.get(f"/staff/requests/{request.reference}")
    nav = page.select_one("nav.moj-sub-navigation")
    assert nav["aria-label"] == "Parts of this request"
    links = {normalise(a.get_text(" ")): a["href"] for a in nav.select("a")}
    assert links["Searches 2 still open"] == "#searches"
    assert "#timeline" in links.values() and "#details" in links.values()
    for href in links.values():
        assert page.select_one(href), href  # each part is on the page
    assert page.select_one("#searches .moj-badge").get_text(" ", strip=True) == "2 still open"


def _event(action, at, **kw):
    return SimpleNamespace(
        action=action,
        created_at=at,
        actor_name=kw.get("by", "Dana Price"),
        from_state=kw.get("from_state"),
        to_state=kw.get("to_state"),
        detail=kw.get("detail", {}),
    )


def test_a_request_logged_by_post_is_named_once_on_the_timeline(app):
    # Logging a request writes the request's creation event and staff's "logged" event in
    # one transaction; the timeline shows one entry, by the person who logged it.
    at = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    triage = state("triage")
    events = [
        _event("submit", at, by="requester", to_state=triage, detail={"channel": "post"}),
        _event(
            "logged_offline",
            at,
            to_state=triage,
            detail={"channel": "post", "received": "2026-11-26"},
        ),
    ]
    items = timeline(events, definition(), False, {})
    assert [(i.label, i.by) for i in items] == [("Request logged: received by post", "Dana Price")]
    assert items[0].change[1] == definition().states[triage].staff_label
    assert items[0].details == [("Received", "26 November 2026")]


def test_timeline_times_are_london_time(app):
    summer = datetime(2026, 6, 1, 13, 5, tzinfo=UTC)
    winter = datetime(2026, 12, 1, 13, 5)  # SQLite gives stored UTC times back without a zone
    assert london_text(summer) == "1 June 2026 at 2:05pm"
    assert london_text(winter) == "1 December 2026 at 1:05pm"
    assert london_text(datetime(2026, 6, 30, 23, 30, tzinfo=UTC)) == "1 July 2026 at 12:30am"
    items = timeline([_event("note_added", summer)], definition(), False, {})
    assert items[0].at.isoformat() == "2026-06-01T14:05:00+01:00"


def test_the_timeline_page_markup_uses_london_time(dpo):
    request = make_request(db.session)
    page = dpo.get(f"/staff/requests/{request.reference}")
    stamp = page.select_one(".moj-timeline__date time")
    moment = datetime.fromisoformat(stamp["datetime"])
    assert moment.utcoffset() in (timedelta(0), timedelta(hours=1))
    assert normalise(stamp.text) == london_text(moment)
    assert "UTC" not in page.select_one(".moj-timeline").get_text()
