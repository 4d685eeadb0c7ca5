"""decide() for every transition, its refusals, and the actions offered to each actor."""

from datetime import date

import pytest

from portal.config import ROOT
from portal.content import category_keys
from portal.workflow import (
    Actor,
    Decision,
    Refusal,
    RequestFacts,
    allowed_actions,
    decide,
    load_workflow,
    start_state,
)

DEF = load_workflow(ROOT / "workflows", category_keys())
TODAY = date(2026, 12, 1)
DPO = Actor("dpo")
CASEWORKER = Actor("caseworker", frozenset({"housing"}))
REQUESTER = Actor("requester")
ROUTED = {"tasks_total": 1, "tasks_open": 0, "routed_services": frozenset({"housing"})}
OPEN_TASK = {"tasks_total": 1, "tasks_open": 1, "routed_services": frozenset({"housing"})}


def facts(state, right="access", **kw):
    kw.setdefault("first_month_due", date(2026, 12, 29))
    return RequestFacts(state=state, right=right, **kw)


# (state, action, actor, facts overrides, fields, expected new state, expected clock effect)
ALLOWED = [
    (
        "triage",
        "request_evidence",
        DPO,
        {},
        {"evidence_kind": "identity", "reason": "Photo ID"},
        "awaiting_evidence",
        None,
    ),
    (
        "competence_review",
        "request_evidence",
        DPO,
        {},
        {"evidence_kind": "parental_responsibility", "reason": "PR"},
        "awaiting_evidence",
        None,
    ),
    (
        "awaiting_evidence",
        "evidence_received",
        DPO,
        {},
        {"evidence_date": "2026-11-30"},
        "triage",
        "restart",
    ),
    (
        "awaiting_evidence",
        "evidence_received",
        DPO,
        {"subject_relation": "child", "subject_age": 13},
        {"evidence_date": "2026-11-30"},
        "competence_review",
        "restart",
    ),
    (
        "competence_review",
        "record_competence_decision",
        DPO,
        {},
        {"reason": "Child agrees"},
        "triage",
        None,
    ),
    ("triage", "route", DPO, {}, {"services": ["housing"]}, "with_service", None),
    (
        "with_service",
        "ask_clarification",
        CASEWORKER,
        ROUTED,
        {"question": "Which years?"},
        "awaiting_clarification",
        "pause",
    ),
    (
        "awaiting_clarification",
        "clarification_received",
        REQUESTER,
        {},
        {"answer": "2024"},
        "with_service",
        "resume",
    ),
    ("with_service", "extend", DPO, {}, {"reason": "Many records"}, "extended", "extend"),
    ("extended", "send_to_disclosure_review", CASEWORKER, ROUTED, {}, "disclosure_review", None),
    (
        "disclosure_review",
        "sign_off_disclosure",
        CASEWORKER,
        {**ROUTED, "pack_files": 1, "pack_checklist_done": True},
        {},
        "response_ready",
        None,
    ),
    (
        "response_ready",
        "complete",
        DPO,
        {**ROUTED, "pack_signed_off": True},
        {},
        "completed",
        "stop",
    ),
    ("response_ready", "complete", DPO, {**ROUTED, "right": "objection"}, {}, "completed", "stop"),
    ("with_service", "route", DPO, ROUTED, {"services": ["education"]}, "with_service", None),
    (
        "extended",
        "route",
        DPO,
        {**ROUTED, "extended": True},
        {"services": ["education"]},
        "extended",
        None,
    ),
    ("triage", "refuse", DPO, {}, {"reason": "Excessive"}, "refused", "stop"),
    ("with_service", "withdraw", REQUESTER, {}, {}, "withdrawn", "stop"),
    ("awaiting_evidence", "close", DPO, {}, {"reason": "No reply"}, "closed", "stop"),
]


@pytest.mark.parametrize(("state", "action", "actor", "extra", "fields", "to", "clock"), ALLOWED)
def test_allowed_transitions(state, action, actor, extra, fields, to, clock):
    decision = decide(DEF, facts(state, **extra), action, actor, TODAY, fields)
    assert isinstance(decision, Decision), decision
    assert (decision.to_state, decision.clock) == (to, clock)
    assert action in [t.action for t in allowed_actions(DEF, facts(state, **extra), actor, TODAY)]


def test_record_outcome_for_a_rectification():
    decision = decide(
        DEF,
        facts("with_service", "rectification", **ROUTED),
        "record_outcome",
        CASEWORKER,
        TODAY,
        {"outcome": "rectified", "reason": "Date of birth corrected"},
    )
    assert decision.to_state == "response_ready"


# (state, right, action, actor, facts overrides, fields, reason fragment)
REFUSED = [
    (
        "response_ready",
        "access",
        "complete",
        DPO,
        ROUTED,
        {},
        "The disclosure pack must be signed off first",
    ),
    (
        "lift_notice_given",
        "restriction",
        "lift_restriction",
        DPO,
        {},
        {"reason": "x"},
        "Tell the requester the restriction will be lifted first",
    ),
    ("triage", "access", "fly", DPO, {}, {}, "Unknown action"),
    # Staff withdrawing for the requester say why (needs_reason); the requester is not asked.
    ("triage", "access", "withdraw", DPO, {}, {"reason": " "}, "Missing: reason"),
    ("completed", "access", "refuse", DPO, {}, {"reason": "x"}, "cannot be done while"),
    ("triage", "access", "route", CASEWORKER, {}, {"services": ["housing"]}, "A caseworker cannot"),
    (
        "with_service",
        "access",
        "ask_clarification",
        Actor("caseworker", frozenset({"education"})),
        ROUTED,
        {"question": "?"},
        "not routed to your service",
    ),
    (
        "with_service",
        "rectification",
        "ask_clarification",
        DPO,
        ROUTED,
        {"question": "?"},
        "Only access requests",
    ),
    (
        "with_service",
        "access",
        "extend",
        DPO,
        {"first_month_due": date(2026, 11, 30)},
        {"reason": "Many"},
        "only be extended before the first month ends (30 November 2026)",
    ),
    ("with_service", "access", "extend", DPO, {}, {"reason": "  "}, "Missing: reason"),
    (
        "with_service",
        "access",
        "send_to_disclosure_review",
        DPO,
        OPEN_TASK,
        {},
        "1 service search task(s) still need an answer",
    ),
    (
        "with_service",
        "access",
        "send_to_disclosure_review",
        DPO,
        {},
        {},
        "has not been routed to any service",
    ),
    (
        "with_service",
        "access",
        "record_outcome",
        DPO,
        ROUTED,
        {"outcome": "x", "reason": "y"},
        "Access requests go through disclosure review",
    ),
    (
        "with_service",
        "objection",
        "record_outcome",
        DPO,
        ROUTED,
        {"outcome": "rectified", "reason": "y"},
        "Outcome must be one of: processing_stopped",
    ),
    ("triage", "access", "withdraw", CASEWORKER, ROUTED, {}, "A caseworker cannot"),
    (
        "triage",
        "access",
        "record_competence_decision",
        DPO,
        {},
        {"reason": "x"},
        "cannot be done while",
    ),
]


@pytest.mark.parametrize(
    ("state", "right", "action", "actor", "extra", "fields", "reason"), REFUSED
)
def test_refusals(state, right, action, actor, extra, fields, reason):
    extra = {"first_month_due": date(2026, 12, 29), **extra}
    result = decide(
        DEF, RequestFacts(state=state, right=right, **extra), action, actor, TODAY, fields
    )
    assert isinstance(result, Refusal)
    assert reason in result.reason


def test_extension_refused_once_extended():
    result = decide(DEF, facts("triage", extended=True), "extend", DPO, TODAY, {"reason": "x"})
    assert result == Refusal("extend", "The time limit has already been extended.")


def test_start_state():
    assert start_state(DEF, facts("triage"), TODAY) == "triage"
    child = facts("triage", subject_relation="child", subject_age=12)
    assert start_state(DEF, child, TODAY) == "competence_review"
    young = facts("triage", subject_relation="child", subject_age=11)
    assert start_state(DEF, young, TODAY) == "triage"


def test_requester_is_offered_only_withdraw_and_answering():
    offered = {
        t.action for t in allowed_actions(DEF, facts("awaiting_clarification"), REQUESTER, TODAY)
    }
    assert offered == {"clarification_received", "withdraw"}


def test_caseworker_offered_nothing_on_a_request_not_routed_to_them():
    other = Actor("caseworker", frozenset({"education"}))
    assert allowed_actions(DEF, facts("with_service", **ROUTED), other, TODAY) == []


def test_final_states_offer_nothing():
    for state, definition in DEF.states.items():
        if definition.final:
            assert allowed_actions(DEF, facts(state), DPO, TODAY) == []
