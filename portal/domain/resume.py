"""Save and come back later: a resident leaves a request half-finished and carries on within the
retention schedule's `unsubmitted_drafts` period (7 days after their last change), either by a
single-use link we email them or by their email address or mobile and a one-time code.

The link's token is random (256 bits) and only its SHA-256 is stored; the outbox holds the link
sealed, like a one-time code, and blanks it once sent. Coming back by code answers the same
whether or not anything is saved for that contact (a decoy code, as tracking does)."""

import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.deadlines import long_date, received_date
from portal.domain import as_utc
from portal.domain.outbox import queue
from portal.domain.sealing import CODE_SEAL
from portal.domain.verification import (
    TOO_MANY_CODES,
    CodeResult,
    TooManyCodes,
    check_code,
    make_decoy,
    send_code,
)
from portal.models import Draft, OutboxMessage
from portal.workflow import WorkflowDefinition
from portal.workflow.retention import Period

MESSAGE = "draft_saved"
MAX_SAVES_PER_CONTACT_PER_HOUR = 5


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalised(channel: str, contact: str) -> str:
    return contact.strip().lower() if channel == "email" else contact.strip()


def kept_until(draft: Draft, keep: Period) -> datetime:
    """When the saved answers stop being available (and the retention pass removes them)."""
    updated = as_utc(draft.updated_at)
    if keep.unit == "day":
        return updated + timedelta(days=keep.number)
    return datetime.combine(keep.after(updated.date()), datetime.min.time(), tzinfo=updated.tzinfo)


def save_for_later(
    session: Session,
    definition: WorkflowDefinition,
    draft: Draft,
    contact: tuple[str, str],
    now: datetime,
    keep: Period,
    secret: str,
    link_for: Callable[[str], str],
) -> datetime:
    """Keep the draft for `keep` from now, remember how to reach the resident, and send them
    the way back (a link by email; by text, how to come back with a code), in one transaction.
    Any earlier link stops working. Returns when the answers will be deleted."""
    channel, value = contact[0], normalised(*contact)
    hour_ago = now - timedelta(hours=1)
    sent = session.scalar(
        select(func.count(OutboxMessage.id)).where(
            OutboxMessage.message_key == MESSAGE,
            func.lower(OutboxMessage.recipient) == value,
            OutboxMessage.created_at > hour_ago,
        )
    )
    if sent >= MAX_SAVES_PER_CONTACT_PER_HOUR:
        raise TooManyCodes(TOO_MANY_CODES)
    token = secrets.token_urlsafe(32)
    draft.saved_channel, draft.saved_contact = channel, value
    draft.resume_token_hash = token_hash(token)
    draft.updated_at = now
    until = kept_until(draft, keep)
    link = CODE_SEAL.seal(secret, link_for(token)) if channel == "email" else ""
    queue(
        session,
        definition,
        MESSAGE,
        [(channel, contact[1].strip())],  # as typed; matched on later in lower case
        {"link": link, "until": long_date(received_date(until))},
    )
    session.commit()
    return until


def _usable(draft: Draft | None, now: datetime, keep: Period) -> bool:
    return (
        draft is not None
        and draft.request_id is None
        and draft.saved_contact is not None
        and as_utc(draft.updated_at) >= keep.cutoff(now)
    )


def draft_for_link(session: Session, token: str, now: datetime, keep: Period) -> Draft | None:
    """The saved draft a link leads to, without using the link up (a page that asks first,
    so that a mail scanner opening the link does not spend it)."""
    if not token or len(token) > 100:
        return None
    draft = session.scalar(select(Draft).where(Draft.resume_token_hash == token_hash(token)))
    return draft if _usable(draft, now, keep) else None


def resume_by_link(session: Session, token: str, now: datetime, keep: Period) -> Draft | None:
    """Use the link up and hand back its draft (kept another `keep` from now), or None."""
    draft = draft_for_link(session, token, now, keep)
    if draft is None:
        return None
    _resumed(draft, now)
    session.commit()
    return draft


def _resumed(draft: Draft, now: datetime) -> None:
    draft.resume_token_hash = None  # single use; a code also spends the link
    draft.updated_at = now


def start_resume(
    session: Session,
    definition: WorkflowDefinition,
    contact: tuple[str, str],
    now: datetime,
    keep: Period,
    secret: str,
) -> Draft:
    """The draft a code goes to: the newest saved for this contact, or (nothing saved, or too
    many codes this hour) an empty one with a code that is never sent, so the next page
    answers the same either way."""
    channel, value = contact[0], normalised(*contact)
    draft = session.scalar(
        select(Draft)
        .where(
            Draft.saved_contact == value,
            Draft.request_id.is_(None),
            Draft.updated_at >= keep.cutoff(now),
        )
        .order_by(Draft.updated_at.desc())
        .limit(1)
    )
    if draft is not None:
        try:
            send_code(session, definition, draft, channel, value, now, secret)
            return draft
        except TooManyCodes:
            session.rollback()
    decoy = Draft(id=secrets.token_urlsafe(32), answers={}, created_at=now, updated_at=now)
    session.add(decoy)
    make_decoy(session, decoy, channel, now, secret)
    session.commit()
    return decoy


def confirm_resume(
    session: Session, draft: Draft, code: str, now: datetime, keep: Period, secret: str
) -> CodeResult:
    confirmed_before = draft.verified_contact
    result = check_code(session, draft, code, now, secret)
    if result is CodeResult.OK and not _usable(draft, now, keep):
        draft.verified_contact = None
        session.commit()
        return CodeResult.WRONG  # a decoy's code guessed: nothing to carry on with
    if result is CodeResult.OK:
        # The code proved the contact saved with, not necessarily the one the answers give for
        # replies: whatever the journey had confirmed stays as it was.
        draft.verified_contact = confirmed_before
        _resumed(draft, now)
        session.commit()
    return result
