"""The plain kinds of information an access request offers, and how they reach services: each
kind stands for privacy-notice categories, which workflows/routing.yaml gives to services."""

from pathlib import Path

from portal.content import (
    categories_for,
    category_keys,
    everything_choice,
    information_kinds,
    privacy_notice,
)
from portal.workflow.loader import load_workflow

ROUTING = load_workflow(Path(__file__).parents[2] / "workflows", category_keys()).routing
ORDER = [c["key"] for c in privacy_notice()["categories"]]


def test_every_category_belongs_to_exactly_one_kind():
    listed = [c for kind in information_kinds() for c in kind["categories"]]
    assert sorted(listed) == sorted(category_keys())


def test_few_options_each_with_a_hint():
    kinds = information_kinds()
    assert len(kinds) <= 7 < len(category_keys())
    assert all(k["text"] and k["hint"] for k in kinds)
    assert len({k["key"] for k in kinds} | category_keys()) == len(kinds) + len(category_keys())


def test_every_kind_reaches_a_service_and_every_service_is_reachable():
    reached = set()
    for kind in information_kinds():
        services = ROUTING.services_for(categories_for([kind["key"]]))
        assert services, kind["key"]
        reached |= set(services)
    assert reached == set(ROUTING.services)


def test_kinds_stand_for_their_categories():
    assert categories_for(["home"]) == ["housing"]
    assert ROUTING.services_for(categories_for(["school"])) == ["education"]
    assert categories_for(["safety", "home"]) == ["housing", "risk", "reports_assessments"]


def test_search_everything_stands_for_every_category():
    assert categories_for([everything_choice()[0]]) == ORDER
    assert set(ROUTING.services_for(categories_for(["not_sure"]))) == set(ROUTING.services)


def test_requests_sent_with_the_notices_categories_still_route():
    assert categories_for(["housing", "risk"]) == ["housing", "risk"]
    assert categories_for(["pets"]) == []
    assert categories_for(None) == []
