"""Complaints to the council about how a request or someone's information was handled (Data
Protection Act 2018 s.164A). A complaint is stored as a case of its own kind (`data_right` is
"complaint") and run by the same engine as the requests, through workflows/complaint.yaml: its
clock, audit events, outbox rows and outcome notice are the requests' own."""

import secrets
from datetime import UTC, date, datetime, time

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.deadlines import long_date, received_date
from portal.domain import DomainError, FieldError, as_utc
from portal.domain.actions import apply_with_context, one_transaction
from portal.domain.audit import record_event
from portal.domain.clock import deadline_of, record_clock
from portal.domain.context import DomainContext
from portal.domain.outbox import (
    handling_staff,
    queue,
    requester_recipients,
    tell_dpo_team_of_new,
    triage_team,
)
from portal.domain.references import new_reference
from portal.domain.seen import requester_acted
from portal.models import (
    REQUESTER,
    AuditActor,
    DataRequest,
    Draft,
    OutboxMessage,
    Person,
)
from portal.rights import COMPLAINT
from portal.rights import COMPLAINT_ABOUT as ABOUT
from portal.workflow import Actor, start_state
from portal.workflow.guards import RequestFacts

# How a complaint reached the council when staff log it.
CHANNELS = {"post": "Letter", "phone": "Phone call", "email": "Email", "in_person": "In person"}
SYSTEM = Actor("system", name="system")
# The step the sweep takes once the acknowledgement has gone (an action name, like the audit
# trail's keys; the states it leaves and enters are complaint.yaml's).
ACKNOWLEDGE = "acknowledge_complaint"
ACKNOWLEDGED = ("sent", "delivered")
CHANNEL_WORDS = {"email": "email", "sms": "text message", "letter": "letter"}


def _contact_by(email: str | None, phone: str | None) -> str:
    """Every channel the complainant gave is used: both electronic ones when given, otherwise
    post."""
    if email and phone:
        return "both"
    if email:
        return "email"
    if phone:
        return "sms"
    return "post"


def _check(details: dict) -> None:
    if details.get("about") not in ABOUT:
        raise FieldError("about", "Select what your complaint is about")
    for name, message in (
        ("what_happened", "Enter what happened"),
        ("what_they_want", "Enter what you would like us to do"),
        ("full_name", "Enter your full name"),
    ):
        if not str(details.get(name) or "").strip():
            raise FieldError(name, message)


def _find_request(session, reference: str | None) -> DataRequest | None:
    if not reference:
        return None
    return session.scalar(
        select(DataRequest).where(
            DataRequest.reference == reference.strip().upper(), DataRequest.data_right != COMPLAINT
        )
    )


def _contacts_of(request: DataRequest) -> set[str]:
    out = set()
    for person in request.people:
        if person.email:
            out.add(person.email.lower())
        if person.phone:
            out.add(person.phone)
    return out


def create_complaint(
    ctx: DomainContext,
    details: dict,
    received_at: datetime,
    *,
    submission_key: str,
    channel: str,
    about_request: DataRequest | None,
    actor,
) -> DataRequest:
    """The complaint, its complainant and its first state, the clock, the audit event and the
    acknowledgement on every channel given, inside the caller's transaction."""
    session, definition = ctx.session, ctx.definition
    rules = definition.complaint
    today = received_date(received_at)
    email, phone = details.get("email") or None, details.get("mobile") or None
    complaint = DataRequest(
        reference=new_reference("CP"),
        submission_key=submission_key,
        data_right=COMPLAINT,
        subject_relation="self",
        channel=channel,
        received_at=received_at,
        received_date=today,
        owner_team=definition.routing.triage_team,
        answers={
            "complaint": {
                "about": ABOUT[details["about"]],
                "request_reference": details.get("request_reference") or "",
                "what_happened": details["what_happened"].strip(),
                "what_they_want": details["what_they_want"].strip(),
            }
        },
        created_at=received_at,
        complaint_about=about_request,
    )
    complaint.people = [
        Person(
            role="requester",
            full_name=details["full_name"].strip(),
            email=email,
            phone=phone,
            address=details.get("address") or None,
            postcode=details.get("postcode") or None,
            contact_by=_contact_by(email, phone),
        )
    ]
    complaint.state = start_state(definition, RequestFacts("", COMPLAINT), today, rules.start)
    complaint.is_open = definition.states[complaint.state].is_open
    session.add(complaint)
    session.flush()
    deadline = record_clock(session, definition, complaint, ctx.working, today, rules.start.clock)
    record_event(
        session,
        complaint,
        actor,
        "complaint_made",
        {
            "channel": channel,
            "received": today.isoformat(),
            "about_request": about_request.reference if about_request else "",
        },
        from_state=None,
    )
    personalisation = {"reference": complaint.reference, "target_date": long_date(deadline.target)}
    for key in rules.start.messages:
        queue(session, definition, key, requester_recipients(complaint), personalisation, complaint)
    due = long_date(complaint.due_date) if complaint.due_date else ""
    tell_dpo_team_of_new(session, definition, complaint, "Complaint", due)
    if about_request is not None:
        _tell_the_requests_handlers(session, definition, complaint, about_request)
    return complaint


def _tell_the_requests_handlers(session, definition, complaint, request) -> None:
    """Whoever handles the request complained about hears of it (the DPO team already has), and
    the queue marks the request "updated" until they open it."""
    requester_acted(request)
    handlers = [h for h in handling_staff(definition, request) if h not in triage_team(definition)]
    if handlers:
        what = f"made a complaint ({complaint.reference}) about this request"
        personalisation = {"reference": request.reference, "what": what}
        queue(session, definition, "staff_requester_update", handlers, personalisation, request)


# The online journey's pages, in order; each keeps its answers under its own name in the draft.
PAGES = ("complaint-about", "complaint-details", "complaint-contact")
TRACKED = "tracked-request"  # the request whose tracking page the complaint was started from


def online_details(answers: dict) -> dict:
    """The online journey's answers, as one set of details."""
    details = {}
    for page in PAGES:
        details.update(answers.get(page) or {})
    return details


def code_destination(answers: dict) -> tuple[str, str] | None:
    """Where the one-time code goes, as in the request journey: the email address if there is
    one, else the mobile."""
    details = answers.get("complaint-contact") or {}
    if details.get("email"):
        return "email", details["email"]
    if details.get("mobile"):
        return "sms", details["mobile"]
    return None


def new_complaint_draft(session, now: datetime, about: DataRequest | None = None) -> Draft:
    """A complaint's answers in progress. Started from the tracking page of a request (`about`,
    which the resident has signed in to), the form names that request for them."""
    answers = {}
    if about is not None and about.data_right != COMPLAINT:
        answers["complaint-about"] = {"about": "request", "request_reference": about.reference}
        # Signing in to its tracking page proved the resident may name it, whichever contact
        # they give for the complaint. Kept server-side, never from the form.
        answers[TRACKED] = about.id
    draft = Draft(id=secrets.token_urlsafe(32), answers=answers, created_at=now, updated_at=now)
    session.add(draft)
    session.commit()
    return draft


def submit_complaint(ctx: DomainContext, draft: Draft) -> DataRequest:
    """An online complaint, once the complainant has confirmed their email address or mobile
    with a code. It is linked to the request it names only when that request's contact details
    include the one the complainant confirmed, so a complaint cannot be attached to (or reveal)
    someone else's request. Sending the same draft again returns the complaint already made."""
    session = ctx.session
    if draft.request_id:
        return session.get(DataRequest, draft.request_id)
    details = online_details(draft.answers or {})
    _check(details)
    destination = code_destination(draft.answers or {})
    if destination is None or draft.verified_contact != destination[1]:
        raise DomainError("Confirm your email address or mobile number first.")
    about = _find_request(session, details.get("request_reference"))
    proved = about is not None and (draft.answers or {}).get(TRACKED) == about.id
    if (
        about is not None
        and not proved
        and draft.verified_contact.lower() not in _contacts_of(about)
    ):
        about = None
    try:
        with one_transaction(session):
            complaint = create_complaint(
                ctx,
                details,
                ctx.now(),
                submission_key=draft.id,
                channel="online",
                about_request=about,
                actor=REQUESTER,
            )
            draft.request_id = complaint.id
    except IntegrityError:
        existing = session.scalar(select(DataRequest).where(DataRequest.submission_key == draft.id))
        if existing is None:
            raise
        return existing
    return complaint


def log_offline_complaint(ctx: DomainContext, data: dict, actor: Actor) -> DataRequest:
    """A complaint received by letter, phone, email or in person, logged by the DPO with the
    same checks as the online form. Its clocks run from the day it arrived; it is acknowledged
    at once on every channel given (or by post to the address given)."""
    if actor.role != "dpo":
        raise DomainError("Only the DPO can log a complaint.")
    if data.get("channel") not in CHANNELS:
        raise FieldError("channel", "Select how the complaint was received")
    received_on = data.get("received")
    if not isinstance(received_on, date):
        raise FieldError("received", "Enter the date the complaint was received")
    if received_on > ctx.today():
        raise FieldError("received", "The date received cannot be in the future")
    _check(data)
    if not (data.get("email") or data.get("mobile") or data.get("address")):
        raise FieldError("email", "Enter an email address, a UK mobile number or a postal address")
    if data.get("address") and not data.get("postcode"):
        raise FieldError("postcode", "Enter the postcode")
    session = ctx.session
    about = None
    if data.get("request_reference"):
        about = _find_request(session, data["request_reference"])
        if about is None:
            raise FieldError("request_reference", "There is no request with that reference")
    # Noon UTC is the same calendar day in London whatever the season.
    received_at = datetime.combine(received_on, time(12, 0), tzinfo=UTC)
    with one_transaction(session):
        complaint = create_complaint(
            ctx,
            data,
            received_at,
            submission_key=secrets.token_urlsafe(32),
            channel=data["channel"],
            about_request=about,
            actor=AuditActor.acting(actor),
        )
    return complaint


def record_acknowledgements(ctx: DomainContext) -> int:
    """The sweep's part: a complaint still waiting for its acknowledgement whose acknowledgement
    message has gone (sent, or delivered) takes the workflow's acknowledging step as the system,
    inside the sweep's transaction. Until then its acknowledgement deadline stays on the queue."""
    session, definition = ctx.session, ctx.definition
    waiting = definition.states_where("acknowledgement_due")
    acknowledge = definition.transitions[ACKNOWLEDGE]
    done = 0
    complaints = session.scalars(
        select(DataRequest).where(
            DataRequest.data_right == COMPLAINT, DataRequest.state.in_(waiting)
        )
    ).all()
    for complaint in complaints:
        sent = session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.request_id == complaint.id,
                OutboxMessage.message_key.in_(definition.complaint.start.messages),
                OutboxMessage.status.in_(ACKNOWLEDGED),
            )
            .order_by(OutboxMessage.id)
        ).first()
        if sent is None:
            continue
        when = sent.sent_at or sent.created_at
        on = long_date(received_date(as_utc(when)))
        how = f"Acknowledged by {CHANNEL_WORDS[sent.channel]} on {on} (sent by the portal)"
        apply_with_context(
            ctx, complaint, acknowledge.action, SYSTEM, {field: how for field in acknowledge.fields}
        )
        done += 1
    return done


def complaint_dates(ctx: DomainContext, complaint: DataRequest):
    return deadline_of(complaint, ctx.definition, ctx.working, ctx.today())


def withdraw_action(case: DataRequest) -> str:
    """The action that withdraws this case: a complaint's own, or a request's."""
    return "withdraw_complaint" if case.data_right == COMPLAINT else "withdraw"
