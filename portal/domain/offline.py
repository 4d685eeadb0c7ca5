"""A request received by post, phone, email or in person, logged by the DPO. The law asks for
no particular form, so the clock runs from the day it actually arrived."""

import secrets
from datetime import UTC, date, datetime, time

from portal.domain import DomainError, FieldError
from portal.domain.audit import record_event
from portal.domain.context import DomainContext
from portal.domain.requests import create_request
from portal.models import DataRequest, Draft
from portal.workflow import Actor

# How a request reached the council, and how staff pages name it.
CHANNELS = {"post": "Post", "phone": "Phone", "email": "Email", "in_person": "In person"}


def offline_answers(data: dict) -> dict:
    """The same answer shape the online journey produces, from the staff form's fields."""
    relation = data["relation"]
    method = data["contact_by"]
    contact = {"email": data.get("email") or "", "mobile": data.get("mobile") or ""}
    if method == "post":
        contact.update(address=data["address"], postcode=data["postcode"])
    dob = data.get("date_of_birth")
    return {
        "right": {"right": data["right"]},
        "who": {"who": {"self": "me", "child": "child", "represented": "represented"}[relation]},
        "details": {
            "full_name": data["full_name"],
            "other_names": "",
            "date_of_birth": dob.isoformat() if isinstance(dob, date) else dob,
        },
        "address": {"address": data["address"], "postcode": data["postcode"]},
        "numbers": {},
        "requester": {"full_name": data.get("requester_name") or "", "relationship": ""},
        "contact-method": {"method": method},
        "contact-details": contact,
    }


def log_offline_request(ctx: DomainContext, data: dict, actor: Actor) -> DataRequest:
    """Store the request, start its workflow from the day it arrived and audit who logged it,
    in one transaction."""
    session, now = ctx.session, ctx.now()
    if actor.role != "dpo":
        raise DomainError("Only the DPO can log a request received offline.")
    if data.get("channel") not in CHANNELS:
        raise FieldError("channel", "Select how the request was received")
    received_on = data["received"]
    if received_on > ctx.today():
        raise FieldError("received", "The date received cannot be in the future")
    answers = offline_answers(data)
    try:
        # Staff took the request directly, so there is no one-time code to check.
        draft = Draft(id=secrets.token_urlsafe(32), answers=answers, created_at=now, updated_at=now)
        session.add(draft)
        session.flush()
        # Noon UTC is the same calendar day in London whatever the season.
        received_at = datetime.combine(received_on, time(12, 0), tzinfo=UTC)
        request = create_request(ctx, draft, answers, received_at, channel=data["channel"])
        record_event(
            session,
            request,
            actor,
            "logged_offline",
            {"channel": data["channel"], "received": received_on.isoformat()},
            from_state=None,
        )
        session.commit()
    except Exception:
        session.rollback()
        raise
    return request
