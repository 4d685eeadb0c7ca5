"""One-time codes that prove a resident controls the email address or mobile they gave."""

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from enum import Enum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.domain import DomainError, as_utc
from portal.domain.outbox import queue
from portal.domain.sealing import CODE_SEAL
from portal.models import Draft, VerificationCode
from portal.workflow.definition import WorkflowDefinition

CODE_LIFETIME = timedelta(minutes=15)
MAX_ATTEMPTS = 5
MAX_CODES_PER_HOUR = 5  # to one draft (one person's journey or tracking session)
# Codes sent to one email address or mobile, and to one request's requester, whoever asks:
# nobody can use the portal to flood someone's inbox or phone.
MAX_CODES_PER_CONTACT_PER_HOUR = 5
MAX_CODES_PER_REFERENCE_PER_HOUR = 5
TOO_MANY_CODES = "You have asked for too many codes. Wait an hour and try again."


class TooManyCodes(DomainError):
    pass


class CodeResult(Enum):
    OK = "ok"
    WRONG = "wrong"
    EXPIRED = "expired"
    TOO_MANY_ATTEMPTS = "too_many_attempts"
    NO_CODE = "no_code"


def _hash(secret: str, draft_id: str, code: str) -> str:
    return hmac.new(secret.encode(), f"{draft_id}:{code}".encode(), hashlib.sha256).hexdigest()


def send_code(
    session: Session,
    definition: WorkflowDefinition,
    draft: Draft,
    channel: str,
    destination: str,
    now: datetime,
    secret: str,
) -> VerificationCode:
    """Make a new code (older ones stop working) and queue it for sending, in one transaction.
    Refused (TooManyCodes) past the hourly caps per draft, per contact and per request."""
    _check_caps(session, draft, destination, now)
    row, sealed = _new_code(session, draft, channel, destination, now, secret)
    queue(session, definition, "verification_code", [(channel, destination)], {"code": sealed})
    session.commit()
    return row


def make_decoy(
    session: Session, draft: Draft, channel: str, now: datetime, secret: str
) -> VerificationCode:
    """A code that is never sent, for a tracking session whose reference and contact do not
    match (or whose request has had its codes for the hour): the same hashing and sealing work
    and the same row as a real one, so checking it counts attempts, locks and expires exactly
    as a real code does, and nothing in the answers or their timing tells the two apart."""
    row, _sealed = _new_code(session, draft, channel, "", now, secret)
    return row


def _new_code(session, draft, channel, destination, now, secret):
    for old in session.scalars(
        select(VerificationCode).where(
            VerificationCode.draft_id == draft.id, VerificationCode.used_at.is_(None)
        )
    ):
        old.used_at = now
    code = f"{secrets.randbelow(1_000_000):06d}"
    row = VerificationCode(
        draft_id=draft.id,
        channel=channel,
        destination=destination,
        code_hash=_hash(secret, draft.id, code),
        expires_at=now + CODE_LIFETIME,
        created_at=now,
    )
    session.add(row)
    # Never in clear in the outbox: sealed with a key derived from the secret, opened at send.
    return row, CODE_SEAL.seal(secret, code)


def _check_caps(session: Session, draft: Draft, destination: str, now: datetime) -> None:
    hour_ago = now - timedelta(hours=1)
    recent = select(func.count(VerificationCode.id)).where(VerificationCode.created_at > hour_ago)
    if session.scalar(recent.where(VerificationCode.draft_id == draft.id)) >= MAX_CODES_PER_HOUR:
        raise TooManyCodes(TOO_MANY_CODES)
    to_contact = session.scalar(recent.where(VerificationCode.destination == destination))
    if to_contact >= MAX_CODES_PER_CONTACT_PER_HOUR:
        raise TooManyCodes(TOO_MANY_CODES)
    if draft.request_id is not None:
        to_request = session.scalar(
            recent.join(Draft, Draft.id == VerificationCode.draft_id).where(
                Draft.request_id == draft.request_id, VerificationCode.destination != ""
            )
        )
        if to_request >= MAX_CODES_PER_REFERENCE_PER_HOUR:
            raise TooManyCodes(TOO_MANY_CODES)


def latest_code(session: Session, draft: Draft) -> VerificationCode | None:
    return session.scalar(
        select(VerificationCode)
        .where(VerificationCode.draft_id == draft.id)
        .order_by(VerificationCode.id.desc())
        .limit(1)
    )


def check_code(session: Session, draft: Draft, code: str, now: datetime, secret: str) -> CodeResult:
    row = latest_code(session, draft)
    if row is None or (row.used_at is not None and row.attempts < MAX_ATTEMPTS):
        return CodeResult.NO_CODE
    if row.attempts >= MAX_ATTEMPTS:
        return CodeResult.TOO_MANY_ATTEMPTS
    if as_utc(row.expires_at) < now:
        return CodeResult.EXPIRED
    row.attempts += 1
    if hmac.compare_digest(row.code_hash, _hash(secret, draft.id, code)):
        row.used_at = now
        draft.verified_contact = row.destination
        session.commit()
        return CodeResult.OK
    session.commit()
    return CodeResult.TOO_MANY_ATTEMPTS if row.attempts >= MAX_ATTEMPTS else CodeResult.WRONG
