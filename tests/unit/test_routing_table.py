"""The engine's routing proposal and `auto_route`, read from workflows/routing.yaml. Every category
and every purpose the routing table names is tried, so a renamed or added one is covered."""

import shutil

import pytest
import yaml

from portal.config import ROOT
from portal.content import category_keys, choices, purpose_keys
from portal.workflow import WorkflowDefinitionError, load_workflow
from portal.workflow.definition import SEARCH_EVERYTHING, AutoRoute

DEF = load_workflow(ROOT / "workflows", category_keys(), purpose_keys())
ROUTING = DEF.routing
CATEGORIES = sorted({c for s in ROUTING.services.values() for c in s.categories})
PURPOSES = sorted({p for s in ROUTING.services.values() for p in s.purposes})


def owners(key: str) -> tuple[str, ...]:
    return tuple(
        code for code, s in ROUTING.services.items() if key in s.categories or key in s.purposes
    )


def test_every_category_the_journey_offers_has_an_owning_service():
    offered = {key for key, _ in choices("categories")}
    assert offered <= set(CATEGORIES), offered - set(CATEGORIES)


@pytest.mark.parametrize("category", CATEGORIES)
def test_each_category_is_proposed_to_the_services_owning_it(category):
    proposal = ROUTING.propose([category])
    assert proposal.services == owners(category) and not proposal.everything
    assert all(proposal.because[s] == (category,) for s in proposal.services)
    assert proposal.services == tuple(ROUTING.services_for([category]))


@pytest.mark.parametrize("purpose", PURPOSES)
def test_each_purpose_objected_to_is_proposed_to_the_services_answering_for_it(purpose):
    proposal = ROUTING.propose([purpose])
    assert proposal.services == owners(purpose) and not proposal.everything


def test_several_choices_make_one_task_per_service_in_the_routing_files_order():
    picked = {CATEGORIES[0], CATEGORIES[-1], *PURPOSES[:2]}
    proposal = ROUTING.propose(picked)
    expected = [
        code for code, s in ROUTING.services.items() if picked & {*s.categories, *s.purposes}
    ]
    assert list(proposal.services) == expected and not proposal.everything


@pytest.mark.parametrize("chosen", [[SEARCH_EVERYTHING], [], [CATEGORIES[0], SEARCH_EVERYTHING]])
def test_not_sure_or_nothing_a_service_owns_searches_every_service(chosen):
    proposal = ROUTING.propose(chosen)
    assert proposal.everything and proposal.services == tuple(ROUTING.services)


def test_auto_route_applies_per_right_or_when_no_checks_are_needed():
    assert not AutoRoute().applies("access", needs_checks=False)
    by_right = AutoRoute(frozenset({"access"}))
    assert by_right.applies("access", needs_checks=True)
    assert not by_right.applies("objection", needs_checks=False)
    unchecked = AutoRoute(no_checks_needed=True)
    assert unchecked.applies("objection", needs_checks=False)
    assert not unchecked.applies("objection", needs_checks=True)


def _load_with(tmp_path, auto_route, **changes):
    folder = tmp_path / "workflows"
    shutil.copytree(ROOT / "workflows", folder)
    path = folder / "routing.yaml"
    data = yaml.safe_load(path.read_text())
    data["auto_route"] = auto_route
    for service, values in changes.items():
        data["services"][service].update(values)
    path.write_text(yaml.safe_dump(data))
    return load_workflow(folder, category_keys(), purpose_keys())


@pytest.mark.parametrize(
    ("auto_route", "rights", "unchecked"),
    [
        (True, {"access", "rectification", "restriction", "objection"}, True),
        (False, set(), False),
        ({"rights": ["access"]}, {"access"}, False),
        ({"no_checks_needed": True}, set(), True),
    ],
)
def test_auto_route_is_read_from_the_routing_file(tmp_path, auto_route, rights, unchecked):
    loaded = _load_with(tmp_path, auto_route).routing.auto_route
    assert (loaded.rights, loaded.no_checks_needed) == (rights, unchecked)


def test_the_shipped_routing_file_leaves_triage_to_the_dpo():
    assert ROUTING.auto_route == AutoRoute()


@pytest.mark.parametrize(
    ("auto_route", "changes", "problem"),
    [
        ({"rights": ["erasure"]}, {}, "routing.yaml: auto_route.rights: unknown right 'erasure'"),
        ({"when": True}, {}, "routing.yaml: auto_route.when: unknown key"),
        ("often", {}, "routing.yaml: auto_route: must be true, false or a mapping"),
        (
            False,
            {"housing": {"purposes": ["gossip"]}},
            "routing.yaml: services.housing.purposes: unknown purpose 'gossip'",
        ),
    ],
)
def test_a_bad_routing_file_is_refused(tmp_path, auto_route, changes, problem):
    with pytest.raises(WorkflowDefinitionError) as caught:
        _load_with(tmp_path, auto_route, **changes)
    assert problem in str(caught.value)


def test_the_engine_may_take_the_routing_step_itself():
    steps = [t for t in DEF.transitions.values() if t.creates_tasks]
    assert steps and all("system" in t.roles for t in steps)
    assert all(DEF.start.targets[-1].state in t.from_states for t in steps)
