"""On submission the engine proposes the service tasks from the routing table and what the
resident chose, and with `auto_route` routes the request at once, in the same transaction.
Every category and purpose in the routing table is tried."""

from dataclasses import replace

import pytest
from sqlalchemy import event, select

from portal.domain.context import DomainContext
from portal.domain.requests import submit_request
from portal.domain.routing import chosen, needs_checks, stored_proposal
from portal.models import AuditEvent, Draft, OutboxMessage, ServiceTask
from portal.runtime import definition
from portal.workflow.definition import AutoRoute
from tests.factories import RECEIVED, W, answers, ensure_dpo_account


def routing():
    return definition().routing


def categories():
    from portal.config import ROOT
    from portal.content import category_keys, purpose_keys
    from portal.workflow import load_workflow

    table = load_workflow(ROOT / "workflows", category_keys(), purpose_keys()).routing
    cats = sorted({c for s in table.services.values() for c in s.categories})
    uses = sorted({p for s in table.services.values() for p in s.purposes})
    return cats, uses


CATEGORIES, PURPOSES = categories()


def submit(session, auto=None, right="access", who="me", dob="1985-02-01", key="r1", **pages):
    """A request through the domain's submission, with the routing file's auto_route set."""
    wf = definition()
    wf = replace(wf, routing=replace(wf.routing, auto_route=auto or AutoRoute()))
    given = answers(right, who, dob)
    given.update(pages)
    draft = Draft(id=key, answers=given, verified_contact="sam@example.com")
    session.add(draft)
    ensure_dpo_account(session)
    session.commit()
    return submit_request(DomainContext(session, wf, W).at(RECEIVED), draft, given)


def owners(key):
    return [c for c, s in routing().services.items() if key in s.categories or key in s.purposes]


@pytest.mark.parametrize("category", CATEGORIES)
def test_each_kind_of_information_chosen_is_proposed_to_its_service(session, category):
    request = submit(session, **{"access-parts": {"parts": [category]}})
    proposal = stored_proposal(request)
    assert list(proposal.services) == owners(category) and not proposal.everything
    # Proposed, not routed: the shipped routing file leaves triage to the DPO.
    assert request.tasks == [] and definition().states[request.state].clock == "running"
    assert session.scalars(select(ServiceTask)).all() == []


@pytest.mark.parametrize("purpose", PURPOSES)
def test_each_use_objected_to_is_proposed_to_its_service(session, purpose):
    request = submit(session, right="objection", **{"objection-uses": {"uses": [purpose]}})
    assert list(stored_proposal(request).services) == owners(purpose)


def test_what_is_wrong_in_the_residents_words_proposes_every_service(session):
    request = submit(session, right="rectification", **{"rectification-wrong": {"wrong": "x"}})
    proposal = stored_proposal(request)
    assert proposal.everything and list(proposal.services) == list(routing().services)


def test_choices_are_read_from_any_checkbox_answer_not_from_page_names():
    # A reworded or merged page still routes; a radio answer ("not sure" about parental
    # responsibility) never means "search everything".
    given = {
        "what-and-when": {"kinds": ["housing"], "period": "2020"},
        "parental-responsibility": {"parental_responsibility": "not_sure"},
    }
    assert chosen(given) == {"housing"}


@pytest.mark.parametrize("category", CATEGORIES)
def test_auto_route_for_the_right_makes_the_tasks_at_once(session, category):
    request = submit(
        session, AutoRoute(frozenset({"access"})), **{"access-parts": {"parts": [category]}}
    )
    tasks = session.scalars(select(ServiceTask).where(ServiceTask.request_id == request.id))
    assert sorted(t.service for t in tasks) == sorted(owners(category))
    assert definition().states[request.state].clock == "running"
    assert request.state != definition().start.targets[-1].state  # out of triage
    routed = session.scalar(
        select(AuditEvent).where(AuditEvent.request_id == request.id, AuditEvent.action == "route")
    )
    assert routed.actor.kind == "system" and routed.actor.name == "routing"
    told = session.scalars(
        select(OutboxMessage.recipient).where(OutboxMessage.message_key == "staff_task_assigned")
    ).all()
    assert sorted(told) == sorted(routing().services[s].email for s in owners(category))


def test_auto_route_for_one_right_leaves_the_others_to_the_dpo(session):
    request = submit(
        session,
        AutoRoute(frozenset({"access"})),
        right="objection",
        **{"objection-uses": {"uses": PURPOSES[:1]}},
    )
    assert request.tasks == [] and stored_proposal(request).services


@pytest.mark.parametrize(
    ("who", "dob", "routed"),
    [
        ("me", "1985-02-01", True),
        ("young_person", "2011-02-01", True),
        ("child", "2020-02-01", False),  # a parent: parental responsibility is checked first
        ("child", "2011-02-01", False),  # 12 or over: the child's competence first
        ("represented", "1985-02-01", False),  # the representative's authority first
    ],
)
def test_auto_route_without_checks_routes_only_requests_needing_none(session, who, dob, routed):
    request = submit(
        session,
        AutoRoute(no_checks_needed=True),
        who=who,
        dob=dob,
        **{"access-parts": {"parts": [CATEGORIES[0]]}},
    )
    assert needs_checks(definition(), request) is not routed
    assert bool(request.tasks or session.scalars(select(ServiceTask)).all()) is routed


def test_submitting_and_routing_is_one_transaction(session):
    commits = []
    event.listen(session(), "after_commit", lambda s: commits.append(s))
    submit(session, AutoRoute(frozenset({"access"})), **{"access-parts": {"parts": ["housing"]}})
    assert len(commits) == 2  # the draft made by the test, then the submission
