"""Named guard conditions a transition may require. Each returns None when it holds, or the
reason (for staff) it does not."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from portal.deadlines import long_date


@dataclass(frozen=True)
class RequestFacts:
    """What the engine needs to know about a request; built by the domain layer."""

    state: str
    right: str
    subject_relation: str = "self"  # self | child | represented
    subject_age: int | None = None
    extended: bool = False
    first_month_due: date | None = None
    tasks_total: int = 0
    tasks_open: int = 0
    routed_services: frozenset[str] = frozenset()
    pack_files: int = 0
    pack_checklist_done: bool = False
    pack_signed_off: bool = False
    outcome: str | None = None
    # Art 18(3): the first day a restriction may be lifted, once the requester has been told.
    lift_allowed_from: date | None = None


def _child_12_or_over(facts: RequestFacts, today: date):
    if facts.subject_relation == "child" and (facts.subject_age or 0) >= 12:
        return None
    return "The request is not a parent's request about a child aged 12 or over."


def _is_access(facts, today):
    return None if facts.right == "access" else "Only access requests can do this."


def _not_access(facts, today):
    return "Access requests go through disclosure review." if facts.right == "access" else None


def _within_first_month(facts, today):
    if facts.first_month_due is None:
        return "The clock has not started."
    if today > facts.first_month_due:
        return (
            "The time limit can only be extended before the first month ends "
            f"({long_date(facts.first_month_due)})."
        )
    return None


def _not_extended(facts, today):
    return "The time limit has already been extended." if facts.extended else None


def _is_extended(facts, today):
    return None if facts.extended else "The time limit has not been extended."


def _access_response_uploaded(facts, today):
    if facts.right == "access" and not facts.pack_signed_off:
        return "The disclosure pack must be signed off first."
    return None


def _pack_ready(facts, today):
    if facts.pack_files == 0:
        return "Add at least one file to the disclosure pack."
    if not facts.pack_checklist_done:
        return "Complete the disclosure checklist."
    return None


def _all_tasks_answered(facts, today):
    if facts.tasks_total == 0:
        return "The request has not been routed to any service."
    if facts.tasks_open:
        return f"{facts.tasks_open} service search task(s) still need an answer."
    return None


def _outcome_is_restriction(facts, today):
    return None if facts.outcome == "restricted" else "The outcome is not a restriction."


def _lift_notice_period_over(facts, today):
    if facts.lift_allowed_from is None:
        return "Tell the requester the restriction will be lifted first."
    if today < facts.lift_allowed_from:
        return (
            "The requester must be told before a restriction is lifted: it can be lifted from "
            f"{long_date(facts.lift_allowed_from)}."
        )
    return None


GUARDS: dict[str, Callable[[RequestFacts, date], str | None]] = {
    "child_12_or_over": _child_12_or_over,
    "is_access_request": _is_access,
    "not_access_request": _not_access,
    "within_first_month": _within_first_month,
    "not_extended": _not_extended,
    "is_extended": _is_extended,
    "access_response_uploaded": _access_response_uploaded,
    "pack_ready": _pack_ready,
    "all_tasks_answered": _all_tasks_answered,
    "outcome_is_restriction": _outcome_is_restriction,
    "lift_notice_period_over": _lift_notice_period_over,
}
