"""Submitting a request: everything stored and the workflow started, in one transaction."""

from datetime import date, datetime

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from portal.deadlines import long_date, received_date
from portal.domain import DomainError
from portal.domain import answers as read
from portal.domain.acknowledgement import request_summary
from portal.domain.audit import record_event
from portal.domain.clock import record_clock
from portal.domain.context import DomainContext
from portal.domain.outbox import message_rows, new_request_rows, requester_recipients
from portal.domain.references import new_reference
from portal.domain.routing import propose, route_new_request
from portal.models import REQUESTER, AuditActor, DataRequest, Draft, OutboxMessage, Person, Upload
from portal.rights import RIGHTS, asks_for
from portal.workflow import RequestFacts, start_state


def facts_for(request: DataRequest, today: date, first_month_due=None) -> RequestFacts:
    subject = request.person("subject")
    age = read.age_on(subject.date_of_birth, today) if subject and subject.date_of_birth else None
    return RequestFacts(
        state=request.state,
        right=request.data_right,
        subject_relation=request.subject_relation,
        subject_age=age,
        extended=any(e.kind == "extend" for e in request.clock_events),
        first_month_due=first_month_due,
        tasks_total=len(request.tasks),
        tasks_open=sum(1 for t in request.tasks if t.status == "open"),
        routed_services=frozenset(t.service for t in request.tasks),
        pack_files=len(request.pack.files) if request.pack else 0,
        pack_checklist_done=bool(request.pack and request.pack.checklist),
        pack_signed_off=bool(request.pack and request.pack.locked),
        outcome=request.outcome,
        lift_allowed_from=max(
            (
                date.fromisoformat(n.inputs["lift_date"])
                for n in request.notices
                if n.status == "sent" and (n.inputs or {}).get("lift_date")
            ),
            default=None,
        ),
    )


def _people(answers: dict) -> list[Person]:
    details = answers.get("details", {})
    address = answers.get("address", {})
    numbers = read.reference_numbers(answers)
    contact_method = read.contact_method(answers)
    contact = read.contact(answers)
    dob = details.get("date_of_birth")
    subject = Person(
        role="subject",
        full_name=details["full_name"],
        other_names=details.get("other_names") or None,
        date_of_birth=date.fromisoformat(dob) if dob else None,
        address=read.address_text(address),
        postcode=address.get("postcode"),
        unique_pupil_number=numbers["unique_pupil_number"],
        nhs_number=numbers["nhs_number"],
    )
    contact_fields = {
        "email": contact.get("email") or None,
        "phone": contact.get("mobile") or None,
        "contact_by": contact_method,
    }
    if read.relation(answers) == "self":
        for key, value in contact_fields.items():
            setattr(subject, key, value)
        if contact_method == "post":
            subject.address, subject.postcode = read.address_text(contact), contact.get("postcode")
        return [subject]
    requester_answers = answers.get("requester", {})
    requester = Person(
        role="requester",
        full_name=requester_answers["full_name"],
        relationship_to_subject=requester_answers.get("relationship"),
        organisation=answers.get("representative", {}).get("organisation") or None,
        address=read.address_text(contact),
        postcode=contact.get("postcode"),
        **contact_fields,
    )
    return [subject, requester]


def _request_answers(answers: dict) -> dict:
    """The right's own answers, how a representative acts and whether a parent has parental
    responsibility, kept as given."""
    # A right's pages are named after it: "access", "rectification-wrong"...
    prefixes = (*RIGHTS, "representative", "parental-responsibility")
    keep = {name: page for name, page in answers.items() if name.startswith(prefixes)}
    keep["who"] = read.who(answers)
    return keep


def submit_request(ctx: DomainContext, draft: Draft, answers: dict) -> DataRequest:
    """Store the request, its people, answers and uploads, start its workflow and queue the
    acknowledgement, all in one transaction. `answers` are the draft's answers to the pages
    that apply. Submitting the same draft again returns the request already made."""
    session = ctx.session
    if draft.request_id:
        return session.get(DataRequest, draft.request_id)
    _check_answered(answers)
    destination = read.contact_destination(answers)
    if destination is None or draft.verified_contact != destination[1]:
        raise DomainError("Confirm your email address or mobile number first.")
    try:
        request = create_request(ctx, draft, answers, ctx.now())
        session.commit()
    except IntegrityError:
        # The same draft submitted twice at once: the other submission won.
        session.rollback()
        existing = session.scalar(select(DataRequest).where(DataRequest.submission_key == draft.id))
        if existing is None:
            raise
        return existing
    return request


def _check_answered(answers: dict) -> None:
    missing = [page for page in ("right", "who", "details") if page not in answers]
    if missing or not read.contact_method(answers):
        raise DomainError("Some questions have not been answered.")


def create_request(
    ctx: DomainContext, draft: Draft, answers: dict, received_at: datetime, channel="online"
) -> DataRequest:
    """The request and its first state, inside the caller's transaction. Its clock runs from
    the London date of `received_at`."""
    _check_answered(answers)
    session, definition, today = ctx.session, ctx.definition, received_date(received_at)
    right = read.right(answers)
    request = DataRequest(
        reference=new_reference(),
        submission_key=draft.id,
        data_right=right,
        subject_relation=read.relation(answers),
        channel=channel,
        received_at=received_at,
        received_date=today,
        owner_team=definition.routing.triage_team,
        answers=_request_answers(answers),
        created_at=received_at,
        # A new request has none: said here, reading them never asks the database.
        clock_events=[],
        tasks=[],
        notices=[],
    )
    request.people = _people(answers)
    propose(ctx, request, answers)
    # The first state depends on the people (a child's age), so it is chosen once they are known.
    request.state = start_state(definition, facts_for(request, today), today)
    request.is_open = definition.states[request.state].is_open
    session.add(request)
    start_workflow(session, definition, request, today, ctx.working, actor=REQUESTER)
    route_new_request(ctx, request, today)
    uploads = read.upload_ids(answers)
    if uploads:
        session.execute(
            update(Upload)
            .where(Upload.draft_id == draft.id, Upload.id.in_(uploads))
            .values(request_id=request.id)
        )
    # A plain UPDATE, the object told without being marked changed: no second flush for it.
    drafts = Draft.__table__
    session.execute(update(drafts).where(drafts.c.id == draft.id).values(request_id=request.id))
    set_committed_value(draft, "request_id", request.id)
    return request


def start_workflow(session, definition, request, today, working, actor: AuditActor) -> None:
    """Start the clock of a new request (already in its first state), audit it and queue the
    acknowledgement (inside the caller's transaction)."""
    deadline = record_clock(session, definition, request, working, today, definition.start.clock)
    request.legacy_regime = bool(deadline and deadline.legacy)
    record_event(
        session,
        request,
        actor,
        "submit",
        {"channel": request.channel, "received": today.isoformat()},
        from_state=None,
    )
    personalisation = {
        "reference": request.reference,
        "right": asks_for(request.data_right, request.subject_relation),
        "due_date": long_date(request.due_date) if request.due_date else "",
        "summary": request_summary(request),
    }
    # Plain rows, one statement for all: nothing reads them back in this transaction.
    rows = []
    for key in definition.start.messages:
        rows += message_rows(
            definition,
            key,
            requester_recipients(request),
            personalisation,
            request.id,
            None,
            lambda _key: False,
        )
    rows += new_request_rows(
        definition,
        request,
        request.data_right.capitalize(),
        personalisation["due_date"] or "(not yet started)",
    )
    session.execute(insert(OutboxMessage.__table__), rows)
