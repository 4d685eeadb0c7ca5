"""Requests made straight through the domain layer, for tests that do not need the web pages."""

from datetime import UTC, datetime

from portal.deadlines import WorkingCalendar
from portal.domain.requests import submit_request
from portal.models import Attention, Draft
from portal.runtime import definition
from portal.workflow import Actor

W = WorkingCalendar()
DPO = Actor("dpo", id=1)
RECEIVED = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # due Tue 29 Dec 2026


def answers(right="access", who="me", dob="1985-02-01", name="Sam Taylor"):
    return {
        "right": {"right": right},
        "who": {"who": who},
        "details": {"full_name": name, "other_names": "", "date_of_birth": dob},
        "address": {"address": "1 Judd Street", "postcode": "WC1H 9JE"},
        "numbers": {},
        "requester": {"full_name": "Alex Taylor", "relationship": "Mother"},
        "contact-method": {"method": "email"},
        "contact-details": {"email": "sam@example.com"},
    }


def make_request(
    session, right="access", who="me", dob="1985-02-01", now=RECEIVED, key="d1", name="Sam Taylor"
):
    draft = Draft(
        id=key, answers=answers(right, who, dob, name), verified_contact="sam@example.com"
    )
    session.add(draft)
    session.commit()
    return submit_request(session, definition(), draft, draft.answers, now, W)


def flag_attention(session, request, detail, kind="contact_failed") -> Attention:
    """An attention item on a request, as a failed message or delivery receipt raises one."""
    item = Attention(request_id=request.id, kind=kind, detail=detail)
    session.add(item)
    session.commit()
    return item
