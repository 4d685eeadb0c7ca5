"""A requester coming back to their request: reference + the email or mobile we hold, then a
one-time code to that contact. The answer never says whether a reference exists."""

import secrets
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.deadlines import received_date
from portal.domain import as_utc
from portal.domain.audit import record_event
from portal.domain.verification import (
    CodeResult,
    TooManyCodes,
    check_code,
    make_decoy,
    send_code,
)
from portal.models import (
    REQUESTER,
    AuditEvent,
    ClockEvent,
    DataRequest,
    Draft,
    Notice,
    OutboxMessage,
    RecipientTask,
)
from portal.workflow import WorkflowDefinition


def _contacts(request: DataRequest) -> list[tuple[str, str]]:
    person = request.person("requester") or request.person("subject")
    out = []
    if person.email:
        out.append(("email", person.email.lower()))
    if person.phone:
        out.append(("sms", person.phone))
    return out


def start_tracking(
    session: Session,
    definition: WorkflowDefinition,
    reference: str,
    contact: tuple[str, str],
    now: datetime,
    secret: str,
) -> Draft:
    """A tracking session (a draft bound to the request). A code is sent only when the
    reference and contact match (and the hourly caps allow); otherwise the session gets a code
    that is never sent, checked exactly like a real one, so the code page answers the same."""
    draft = Draft(
        id=secrets.token_urlsafe(32), answers={"tracking": True}, created_at=now, updated_at=now
    )
    session.add(draft)
    request = session.scalar(
        select(DataRequest).where(DataRequest.reference == reference.strip().upper())
    )
    channel, value = contact
    value = value.lower() if channel == "email" else value
    sent = False
    if request is not None and (channel, value) in _contacts(request):
        draft.request_id = request.id
        session.flush()
        try:
            send_code(session, definition, draft, channel, value, now, secret)
            sent = True
        except TooManyCodes:
            pass  # said nowhere: a made-up reference would get no such answer
    if not sent:
        make_decoy(session, draft, channel, now, secret)
    session.commit()
    return draft


def confirm_tracking(session: Session, draft: Draft, code: str, now: datetime, secret: str):
    """The same checks, counters and answers whether the reference was real or not."""
    result = check_code(session, draft, code, now, secret)
    if result is CodeResult.OK and (draft.request_id is None or not draft.verified_contact):
        draft.verified_contact = None
        session.commit()
        return CodeResult.WRONG  # a decoy code guessed: still nothing to see
    if result is CodeResult.OK:
        record_event(
            session,
            session.get(DataRequest, draft.request_id),
            REQUESTER,
            "requester_signed_in",
            from_state=None,
            to_state=None,
        )
        session.commit()
    return result


def tracked_request(session: Session, draft: Draft | None) -> DataRequest | None:
    if draft is None or draft.request_id is None or not draft.verified_contact:
        return None
    return session.get(DataRequest, draft.request_id)


def latest_question(session: Session, request: DataRequest) -> str | None:
    found = session.scalar(
        select(AuditEvent)
        .where(AuditEvent.request_id == request.id, AuditEvent.action == "ask_clarification")
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    return (found.detail if found else {}).get("question")


def sent_notices(request: DataRequest) -> list[Notice]:
    """The outcome notices sent to the requester, newest first."""
    return sorted(
        (n for n in request.notices if n.status == "sent"), key=lambda n: n.id, reverse=True
    )


def due_date_changes(request: DataRequest) -> list[ClockEvent]:
    """Each change of the due date the requester is told about, newest first."""
    return [e for e in reversed(request.clock_events) if e.reason]


def recipients_told(request: DataRequest) -> list[RecipientTask]:
    """Art 19: the recipients we are telling, for a requester who asked to know (else none)."""
    from portal.domain.notices import asked_who_was_told

    return list(request.recipient_tasks) if asked_who_was_told(request) else []


def notice_statement(request: DataRequest, notice_id: int) -> Notice | None:
    return next((n for n in sent_notices(request) if n.id == notice_id and n.statement_pdf), None)


# Shown in their own sections of the tracking page.
SHOWN_ELSEWHERE = {"outcome_notice", "due_date_changed", "verification_code"}


@dataclass(frozen=True)
class SentMessage:
    sent: datetime
    subject: str | None
    body: str


def messages_sent(
    session: Session, definition: WorkflowDefinition, request: DataRequest
) -> list[SentMessage]:
    """What we told the requester by email, text or letter, newest first, so a text message can
    say "read it on our website" to someone without an email address. One entry per message,
    in its email wording (or its text-message wording when it has no email)."""
    rows = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.request_id == request.id)
        .order_by(OutboxMessage.id.desc())
    ).all()
    seen, out = set(), []
    for row in rows:
        message = definition.messages.get(row.message_key)
        if message is None or message.audience != "requester":
            continue
        if row.message_key in SHOWN_ELSEWHERE or (row.message_key, row.created_at) in seen:
            continue
        seen.add((row.message_key, row.created_at))
        channel = "email" if "email" in message.templates else next(iter(message.templates))
        subject, body = message.templates[channel].render(row.personalisation)
        out.append(SentMessage(row.created_at, subject, body.strip()))
    return out


@dataclass(frozen=True)
class HistoryItem:
    on: date  # in London
    text: str


# What the requester did or was told, in their words, by audit action. Staff-only steps (notes,
# assignments, searches, pack work, sign-ins) are not listed; a change of state is, by the
# state's requester label.
HISTORY_WORDS = {
    "submit": "We received your request",
    "logged_offline": "We received your request",
    "evidence_sent": "You sent us files or an answer",
    "evidence_accepted": "We accepted a file you sent",
    "evidence_rejected": "We did not accept a file you sent",
    "complaint_made": "You made a complaint about this request",
}


def history(
    session: Session, definition: WorkflowDefinition, request: DataRequest
) -> list[HistoryItem]:
    """What has happened so far, oldest first, from the request's audit trail: each change of
    where the request is (as the requester's page names it) and what they sent or were told
    about what they sent. A repeat of the line before is left out."""
    events = session.execute(
        select(AuditEvent.action, AuditEvent.from_state, AuditEvent.to_state, AuditEvent.created_at)
        .where(AuditEvent.request_id == request.id)
        .order_by(AuditEvent.seq)
    ).all()
    out: list[HistoryItem] = []
    for action, from_state, to_state, at in events:
        texts = [HISTORY_WORDS[action]] if action in HISTORY_WORDS else []
        if to_state and to_state != from_state and to_state in definition.states:
            texts.append(definition.states[to_state].requester_label)
        for text in texts:
            if not out or out[-1].text != text:
                out.append(HistoryItem(received_date(as_utc(at)), text))
    return out
