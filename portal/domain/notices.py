"""Outcome notices (workflows/notices.yaml): staff write one as a draft, preview it exactly as
the requester will get it on each channel, then send it. Sending takes the workflow action the
notice belongs to, queues the messages, makes the letter and the Art 19 recipient tasks, all in
one transaction."""

from dataclasses import dataclass, replace
from datetime import date

from portal.content import privacy_notice
from portal.deadlines import long_date
from portal.domain import DomainError, FieldError
from portal.domain.actions import (
    apply_with_context,
    check_version,
    one_transaction,
)
from portal.domain.audit import record_event
from portal.domain.clock import deadline_of
from portal.domain.context import DomainContext
from portal.domain.outbox import queue, read_where, requester_recipients
from portal.domain.requests import facts_for
from portal.models import DataRequest, Notice, RecipientTask
from portal.rights import whose_information
from portal.workflow import Actor, Refusal, decide
from portal.workflow.definition import NoticeTemplate

TEXT_LIMITS = {"reasons": 5000, "exemptions": 2000, "statement": 5000, "steps": 5000}
TEXT_MISSING = {
    "reasons": "Enter the reasons",
    "steps": "Enter the steps taken to look into the complaint",
    "exemptions": "Enter the exemptions applied",
    "statement": "Enter the requester's supplementary statement",
}


def recipient_names() -> list[str]:
    """Who may have received the data: the privacy notice's list of partners."""
    return list(privacy_notice()["sharing"]["recipients"])


def contacts() -> dict[str, str]:
    """How to complain, from the privacy notice: the council's DPO and the ICO."""
    notice = privacy_notice()
    ico = notice["complaints"]["ico"]
    return {
        "council_email": notice["dpo"]["email"],
        "council_phone": notice["dpo"]["phone"],
        "ico_name": ico["name"],
        "ico_website": ico["website"],
        "ico_phone": ico["phone"],
    }


def asked_who_was_told(request: DataRequest) -> bool:
    """The requester asked, in their journey, to be told which recipients we told (Art 19)."""
    page = (request.answers or {}).get(f"{request.data_right}-tell") or {}
    return page.get("tell") == "yes"


def _recipients_sentence(request: DataRequest, recipients: list[str]) -> str:
    if not recipients:
        return (
            "None of the organisations we share information with had received this "
            "information, so there is no one else to tell."
        )
    if asked_who_was_told(request):
        return (
            "You asked us which organisations we would tell. We are telling these "
            "organisations, which had received your information: " + "; ".join(recipients) + "."
        )
    return "We are telling the organisations that had received your information about this."


def _render(definition, request, template: NoticeTemplate, inputs: dict) -> str:
    # The fixed wording speaks of "your information"; a parent reads "your child's".
    template = replace(template, body=whose_information(template.body, request.subject_relation))
    values = {
        **contacts(),
        "reference": request.reference,
        "reasons": inputs.get("reasons", ""),
        "exemptions": inputs.get("exemptions", ""),
        "statement": inputs.get("statement", ""),
        "steps": inputs.get("steps", ""),
        "recipients": whose_information(
            _recipients_sentence(request, inputs.get("recipients") or []), request.subject_relation
        ),
        "lift_date": long_date(date.fromisoformat(inputs["lift_date"]))
        if inputs.get("lift_date")
        else "",
    }
    return template.render(definition.notice_footer, values)


def _clean(template: NoticeTemplate, raw: dict) -> dict:
    inputs = {}
    for name in template.fields:
        if name == "recipients":
            chosen = raw.get("recipients")
            if chosen is None:
                raise FieldError(
                    "recipients", "Select who received the data, or select that nobody did"
                )
            known = recipient_names()
            unknown = [r for r in chosen if r not in known]
            if unknown:
                raise FieldError("recipients", "Select recipients from the list")
            inputs[name] = [r for r in known if r in chosen]  # the notice's order, no repeats
            continue
        text = str(raw.get(name) or "").strip()
        if not text:
            raise FieldError(name, TEXT_MISSING[name])
        if len(text) > TEXT_LIMITS[name]:
            raise FieldError(name, f"Use {TEXT_LIMITS[name]:,} characters or fewer")
        inputs[name] = text
    return inputs


def notice_choices(definition, request: DataRequest, action: str) -> list[NoticeTemplate]:
    """The notices staff may write for this action: the recorded outcome's, when there is one."""
    available = definition.notices_for(action, request.data_right)
    recorded = [n for n in available if n.key == request.outcome]
    return recorded or available


def check_notice_allowed(ctx: DomainContext, request, action, actor, outcome=None):
    """Refuses (DomainError) when this actor may not take this notice's action now."""
    definition, working, today = ctx.definition, ctx.working, ctx.today()
    transition = definition.transitions.get(action)
    if transition is None or not transition.notice:
        raise DomainError("This action does not send a notice.")
    deadline = deadline_of(request, definition, working, today)
    facts = facts_for(request, today, deadline.first_month_due if deadline else None)
    if outcome is not None:
        facts = replace(facts, outcome=outcome)
    decision = decide(definition, facts, action, actor, today, {})
    if isinstance(decision, Refusal):
        raise DomainError(decision.reason)


def draft_notice(
    ctx: DomainContext,
    request: DataRequest,
    actor: Actor,
    action: str,
    notice_key: str,
    raw_inputs: dict,
    expected_version: int | None = None,
) -> Notice:
    """Store the notice as a draft to preview (replacing any earlier draft). Nothing is sent."""
    session, definition, working, today = ctx.session, ctx.definition, ctx.working, ctx.today()
    check_version(request, expected_version)
    check_notice_allowed(ctx, request, action, actor)
    template = next(
        (n for n in notice_choices(definition, request, action) if n.key == notice_key), None
    )
    if template is None:
        raise FieldError("notice", "Select the outcome")
    inputs = _clean(template, raw_inputs)
    if "((lift_date))" in template.body:
        inputs["lift_date"] = working.add_working_days(
            today, ctx.settings.lift_notice_working_days
        ).isoformat()
    try:
        for old in [n for n in request.notices if n.status == "draft"]:
            session.delete(old)
        notice = Notice(
            request_id=request.id,
            notice_key=template.key,
            action=action,
            status="draft",
            title=whose_information(template.title, request.subject_relation),
            body=_render(definition, request, template, inputs),
            inputs=inputs,
            letter_status="none",
            written_by=actor.label,
        )
        if "statement" in inputs:
            from portal.letters import statement_pdf  # fpdf2 loads only when a PDF is made

            subject = request.person("subject")
            notice.statement_pdf = statement_pdf(
                reference=request.reference,
                name=subject.full_name,
                statement=inputs["statement"],
                on=today,
            )
        session.add(notice)
        session.flush()
        session.refresh(request, ["notices"])
        session.commit()
    except Exception:
        session.rollback()
        raise
    return notice


def draft_of(request: DataRequest, notice_id: int) -> Notice | None:
    return next((n for n in request.notices if n.id == notice_id and n.status == "draft"), None)


def _letter_address(request: DataRequest) -> list[str] | None:
    letter = next((r for c, r in requester_recipients(request) if c == "letter"), None)
    return letter.splitlines() if letter else None


def council_letterhead() -> list[str]:
    dpo = privacy_notice()["dpo"]
    return [*dpo["address"], dpo["phone"], dpo["email"]]


def letter_for(request: DataRequest, notice: Notice, on: date) -> bytes | None:
    """The PDF letter for a requester who chose post (None for anyone else)."""
    address = _letter_address(request)
    if address is None:
        return None
    from portal.letters import letter_pdf  # fpdf2 loads only when a PDF is made

    statement = notice.inputs.get("statement")
    return letter_pdf(
        sender=council_letterhead(),
        address=address,
        on=on,
        reference=request.reference,
        title=notice.title,
        body=notice.body,
        appendix_title="Your supplementary statement" if statement else None,
        appendix=statement,
    )


def notice_personalisation(request: DataRequest, notice: Notice) -> dict:
    return {
        "reference": request.reference,
        "subject": notice.title,
        "notice": notice.body,
        "where": read_where(request),
        "notice_id": notice.id,
    }


@dataclass(frozen=True)
class ChannelPreview:
    channel: str
    recipient: str
    subject: str | None
    body: str


def previews(definition, request: DataRequest, notice: Notice) -> list[ChannelPreview]:
    """The notice as each of the requester's channels will carry it, rendered from the same
    templates and personalisation the sending uses (the letter is the PDF itself)."""
    message = definition.messages["outcome_notice"]
    personalisation = notice_personalisation(request, notice)
    out = []
    for channel, recipient in requester_recipients(request):
        if message.needs_template(channel):
            subject, body = message.templates[channel].render(personalisation)
        else:
            subject, body = notice.title, notice.body
        out.append(ChannelPreview(channel, recipient, subject, body))
    return out


def send_notice(
    ctx: DomainContext,
    request: DataRequest,
    notice_id: int,
    actor: Actor,
    expected_version: int | None = None,
) -> Notice:
    """Take the notice's workflow action and send the previewed draft, in one transaction."""
    session, definition, working, today = ctx.session, ctx.definition, ctx.working, ctx.today()
    now = ctx.now()
    check_version(request, expected_version)
    notice = draft_of(request, notice_id)
    if notice is None:
        raise DomainError("This notice has already been sent or was replaced. Check the request.")
    template = definition.notices[notice.notice_key]
    if notice.inputs.get("lift_date"):
        earliest = working.add_working_days(today, ctx.settings.lift_notice_working_days)
        if date.fromisoformat(notice.inputs["lift_date"]) < earliest:
            # Sent on a later day than written: the notice period must run from today.
            notice.inputs = {**notice.inputs, "lift_date": earliest.isoformat()}
            notice.body = _render(definition, request, template, notice.inputs)
            session.commit()
            raise DomainError(
                "The earliest lifting date has moved on since you wrote this notice. "
                "Check the preview again before sending."
            )
    with one_transaction(session):
        if notice.notice_key in definition.outcomes.get(request.data_right, ()):
            request.outcome = notice.notice_key
        apply_with_context(ctx, request, notice.action, actor, {"notice": notice.title})
        notice.status, notice.sent_at, notice.sent_on = "sent", now, today
        personalisation = notice_personalisation(request, notice)
        recipients = requester_recipients(request)
        online = [(c, r) for c, r in recipients if c != "letter"]
        queue(session, definition, "outcome_notice", online, personalisation, request)
        notice.letter_pdf = letter_for(request, notice, today)
        if notice.letter_pdf is not None:
            if ctx.settings.notify_letters:
                letter = [(c, r) for c, r in recipients if c == "letter"]
                queue(session, definition, "outcome_notice", letter, personalisation, request)
                notice.letter_status = "queued"
            else:
                notice.letter_status = "to_post"
        for name in notice.inputs.get("recipients") or ():
            session.add(RecipientTask(request_id=request.id, notice_id=notice.id, recipient=name))
    return notice


def record_letter_posted(
    ctx: DomainContext, request: DataRequest, notice: Notice, actor: Actor, posted_on: date
) -> None:
    """Staff printed the notice's letter and posted it (when Notify does not send letters)."""
    session, today = ctx.session, ctx.today()
    if notice.request_id != request.id or notice.letter_status != "to_post":
        raise DomainError("This letter is not waiting to be posted.")
    if posted_on > today:
        raise FieldError("posted_on", "The date posted must be today or in the past")
    if notice.sent_on and posted_on < notice.sent_on:
        raise FieldError(
            "posted_on", f"The date posted must be on or after {long_date(notice.sent_on)}"
        )
    notice.letter_status, notice.posted_on, notice.posted_by = "posted", posted_on, actor.label
    record_event(
        session,
        request,
        actor,
        "letter_posted",
        {"notice": notice.title, "posted": posted_on.isoformat()},
    )
    try:
        session.commit()
    except Exception:
        session.rollback()
        raise


def complete_recipient_task(
    ctx: DomainContext, request: DataRequest, task: RecipientTask, actor: Actor, how: str
) -> None:
    """Art 19: one recipient told. When the last one is, a requester who asked is told who."""
    session, definition, today, now = ctx.session, ctx.definition, ctx.today(), ctx.now()
    if actor.role not in ("dpo", "caseworker"):
        raise DomainError("Only the DPO or a caseworker can record this.")
    if task.request_id != request.id or task.status != "open":
        raise DomainError("This recipient has already been recorded as told.")
    how = (how or "").strip()
    if not how:
        raise FieldError("how", "Say how and when you told them")
    if len(how) > 1000:
        raise FieldError("how", "Use 1,000 characters or fewer")
    task.status, task.how, task.done_by, task.done_at, task.done_on = (
        "done",
        how,
        actor.label,
        now,
        today,
    )
    record_event(
        session,
        request,
        actor,
        "recipient_told",
        personal={"recipient": task.recipient, "how": how},
    )
    session.flush()
    tasks = [t for t in request.recipient_tasks if t.notice_id == task.notice_id]
    if asked_who_was_told(request) and all(t.status == "done" for t in tasks):
        queue(
            session,
            definition,
            "recipients_told",
            requester_recipients(request),
            {
                "reference": request.reference,
                "recipients": "\n".join(f"{t.recipient} ({long_date(t.done_on)})" for t in tasks),
                "where": read_where(request),
            },
            request,
        )
    try:
        session.commit()
    except Exception:
        session.rollback()
        raise
