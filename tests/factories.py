"""Requests made straight through the domain layer, for tests that do not need the web pages."""

from datetime import UTC, date, datetime

from portal.deadlines import WorkingCalendar
from portal.domain.casework import actor_for
from portal.domain.context import DomainContext
from portal.domain.requests import submit_request
from portal.models import Attention, Draft, StaffUser
from portal.runtime import definition
from portal.workflow import Actor

W = WorkingCalendar()
# The DPO the domain tests act as: the first staff account, which make_request creates when the
# test has made none (audit events refer to a real account).
DPO = Actor("dpo", id=1, name="Dana Price")
RECEIVED = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # due Tue 29 Dec 2026


def answers(right="access", who="me", dob="1985-02-01", name="Sam Taylor"):
    return {
        "right": {"right": right},
        "who": {"who": who},
        "details": {"full_name": name, "other_names": "", "date_of_birth": dob},
        "address": {"address_line_1": "1 Judd Street", "town": "London", "postcode": "WC1H 9JE"},
        "requester": {"full_name": "Alex Taylor", "relationship": "Mother"},
        "contact": {"method": "email", "email": "sam@example.com"},
    }


def context(session, when: date | datetime | None = None) -> DomainContext:
    """A domain context on the test database; with `when`, its clock stopped then."""
    ctx = DomainContext(session, definition(), W)
    return ctx if when is None else ctx.at(when)


def ensure_dpo_account(session) -> None:
    """The account DPO acts as (audit events refer to a real account). On an empty table the
    next id is 1; otherwise id 1 is given explicitly, past the sequence."""
    if session.get(StaffUser, DPO.id) is not None:
        return
    empty = not session.query(StaffUser).count()
    session.add(
        StaffUser(
            id=None if empty else DPO.id,
            email="dana.price@example.gov.uk",
            full_name=DPO.name,
            role=DPO.role,
            password_hash="!",  # no password: this account cannot sign in
        )
    )
    session.flush()


def make_request(
    session,
    right="access",
    who="me",
    dob="1985-02-01",
    now=RECEIVED,
    key="d1",
    name="Sam Taylor",
    method="email",
    contact=None,
    extra=None,
):
    """`method` and `contact` are the contact page's method and details; `extra` adds or
    replaces answers to other pages."""
    given = answers(right, who, dob, name)
    given["contact"] = {"method": method, **(contact or {"email": "sam@example.com"})}
    given.update(extra or {})
    verified = given["contact"].get("email") or given["contact"].get("mobile")
    draft = Draft(id=key, answers=given, verified_contact=verified)
    session.add(draft)
    ensure_dpo_account(session)
    session.commit()
    return submit_request(context(session, now), draft, draft.answers)


def without_staff_messages(session) -> None:
    """Drop the DPO team's "new request" messages, for Notify tests that follow one requester
    message through its tries and count the calls Notify received."""
    from sqlalchemy import delete

    from portal.models import OutboxMessage

    session.execute(delete(OutboxMessage).where(OutboxMessage.message_key == "staff_new_request"))
    session.commit()


def staff_actor(session, role: str, name: str, services=()) -> Actor:
    """A member of staff who cannot sign in, acting through the domain functions."""
    user = StaffUser(
        email=f"{name.lower().replace(' ', '.')}@example.gov.uk",
        full_name=name,
        role=role,
        services=list(services),
        password_hash="!",  # no password: this account cannot sign in
    )
    session.add(user)
    session.commit()
    return actor_for(user)


def flag_attention(session, request, detail, kind="contact_failed") -> Attention:
    """An attention item on a request, as a failed message or delivery receipt raises one."""
    item = Attention(request_id=request.id, kind=kind, detail=detail)
    session.add(item)
    session.commit()
    return item


def pdf_bytes(tag: str = "") -> bytes:
    """A small PDF; different tags give different files (and hashes)."""
    return b"%PDF-1.4\n%" + tag.encode() + b"\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


NOTHING_TO_DECLARE = {"third_party_found": "no", "harm_records": "no", "exemptions": []}


def to_disclosure_review(session, request, today, actor=DPO):
    """Route to housing, answer its search, and send the request for disclosure review."""
    ensure_dpo_account(session)
    from portal.deadlines.calendar import now_utc
    from portal.domain.actions import apply_action
    from portal.domain.tasks import answer_task

    apply_action(context(session, today), request, "route", actor, {"services": ["housing"]})
    answer_task(context(session, now_utc()), request.tasks[0], actor, "data_found", "Case notes")
    apply_action(context(session, today), request, "send_to_disclosure_review", actor)
    return request


def build_pack(session, request, store, today, files=("Case notes",), actor=DPO):
    """A disclosure pack with one PDF per title and a checklist with nothing to declare."""
    import io

    from portal.domain import pack

    for title in files:
        pack.add_pack_file(
            context(session, today),
            request,
            actor,
            title=title,
            stream=io.BytesIO(pdf_bytes(title)),
            extension="pdf",
            filename=f"{title}.pdf",
            store=store,
            max_total_bytes=200 * 1024 * 1024,
        )
    pack.save_checklist(context(session, today), request, actor, NOTHING_TO_DECLARE)
    return request.pack


def send_outcome_notice(
    session,
    request,
    key,
    action="complete",
    day=None,
    letters=False,
    actor=DPO,
    **inputs,
):
    """Write, then send, an outcome notice through the domain, as staff do on the pages."""
    from dataclasses import replace

    from portal.deadlines.calendar import now_utc, received_date
    from portal.domain.notices import draft_notice, send_notice

    day = day or received_date(now_utc())
    template = definition().notices[key]
    values = {"reasons": f"Reasons for {key}.", "statement": "My statement.", "exemptions": "x"}
    values.update({"recipients": []} if "recipients" in template.fields else {})
    values.update(inputs)
    ctx = context(session, day)
    ctx = replace(ctx, settings=replace(ctx.settings, notify_letters=letters))
    notice = draft_notice(ctx, request, actor, action, key, values)
    return send_notice(ctx, request, notice.id, actor)


def complaint_answers(reference="", email="cara@example.com", mobile="", about="request"):
    """The online complaint journey's answers, page by page."""
    return {
        "complaint-about": {"about": about, "request_reference": reference},
        "complaint-details": {
            "what_happened": "You sent my letter to the wrong address.",
            "what_they_want": "An apology and the letter sent again.",
        },
        "complaint-contact": {"full_name": "Cara Jones", "email": email, "mobile": mobile},
    }


def make_complaint(session, now=RECEIVED, key="c1", verified=None, **kwargs):
    """An online complaint whose complainant confirmed their contact with a code."""
    from portal.domain.complaints import code_destination, submit_complaint

    given = complaint_answers(**kwargs)
    destination = code_destination(given)
    draft = Draft(
        id=key, answers=given, verified_contact=verified or (destination and destination[1])
    )
    session.add(draft)
    ensure_dpo_account(session)
    session.commit()
    return submit_complaint(context(session, now), draft)
