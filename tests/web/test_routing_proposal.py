"""The DPO sees the engine's routing proposal in triage and confirms it in one step, or changes
it on the routing form where the proposal comes ticked."""

from sqlalchemy import select

from portal.extensions import db
from portal.models import ServiceTask
from portal.runtime import definition
from tests.factories import make_request
from tests.helpers import normalise
from tests.staff_helpers import make_staff, sign_in


def owners(key):
    return [c for c, s in definition().routing.services.items() if key in s.categories]


def test_the_dpo_confirms_the_proposal_in_one_step(app, client_request):
    category = next(iter(definition().routing.services.values())).categories[0]
    request = make_request(db.session, extra={"access-parts": {"parts": [category]}})
    sign_in(client_request.client, make_staff("dpo", name="Dana Price"))
    page = client_request.get(f"/staff/requests/{request.reference}")
    box = page.select_one("[data-testid=routing-proposal]")
    names = [definition().routing.services[s].name for s in owners(category)]
    assert all(name in normalise(box.get_text()) for name in names)
    form = box.select_one("form")
    data = {
        i["name"]: i["value"] for i in form.select("input[type=hidden]") if i["name"] != "services"
    }
    data["services"] = [i["value"] for i in form.select("input[name=services]")]
    response = client_request.post(form["action"], data)
    assert f"/staff/requests/{request.reference}" in response.location
    tasks = db.session.scalars(select(ServiceTask).where(ServiceTask.request_id == request.id))
    assert sorted(t.service for t in tasks) == sorted(owners(category))
    # Routed: nothing left to propose.
    page = client_request.get(f"/staff/requests/{request.reference}")
    assert page.select_one("[data-testid=routing-proposal]") is None


def test_the_routing_form_comes_with_the_proposal_ticked(app, client_request):
    request = make_request(db.session, extra={"access-parts": {"parts": ["not_sure"]}})
    sign_in(client_request.client, make_staff("dpo", name="Dana Price"))
    page = client_request.get(f"/staff/requests/{request.reference}/actions/route")
    ticked = [i["value"] for i in page.select("input[name=services][checked]")]
    assert ticked == list(definition().routing.services)  # not sure: every service
    # Changing it is the same one step: untick all but one.
    one = ticked[-1]
    client_request.post(
        f"/staff/requests/{request.reference}/actions/route",
        {"services": [one], "version": request.version},
    )
    tasks = db.session.scalars(select(ServiceTask).where(ServiceTask.request_id == request.id))
    assert [t.service for t in tasks] == [one]


def test_a_caseworker_is_not_offered_the_proposal(app, client_request):
    request = make_request(db.session, extra={"access-parts": {"parts": ["housing"]}})
    from portal.domain.actions import apply_action
    from tests.factories import DPO, context

    apply_action(context(db.session), request, "route", DPO, {"services": ["education"]})
    sign_in(client_request.client, make_staff("caseworker", ["education"], name="Ed Ucation"))
    page = client_request.get(f"/staff/requests/{request.reference}")
    assert page.select_one("[data-testid=routing-proposal]") is None


def test_a_kind_of_information_is_routed_through_its_categories(app):
    request = make_request(
        db.session, extra={"access": {"parts": ["home", "school"], "what": "All", "period": "All"}}
    )
    assert request.routing_proposal["services"] == ["education", "housing"]
    assert not request.routing_proposal["everything"]
