"""A request received by post, phone, email or in person, logged by the DPO or a caseworker. The
law asks for no particular form, so the clock runs from the day it actually arrived. What the
person asked is recorded as the answers to the resident journey's own questions, with a scan of
their letter or form."""

import secrets
from datetime import UTC, date, datetime, time

from portal.domain import DomainError, FieldError
from portal.domain.audit import record_event
from portal.domain.context import DomainContext
from portal.domain.requests import create_request
from portal.domain.uploads import new_upload
from portal.models import DataRequest, Draft
from portal.rights import RIGHTS
from portal.workflow import Actor

# How a request reached the council, and how staff pages name it.
CHANNELS = {"post": "Post", "phone": "Phone", "email": "Email", "in_person": "In person"}
# Who may log one: whoever takes a letter or a call.
LOGGED_BY = ("dpo", "caseworker")


def log_offline_request(
    ctx: DomainContext,
    details: dict,
    answers: dict,
    actor: Actor,
    scan: tuple[bytes, str, str] | None = None,
) -> DataRequest:
    """Store the request (answers in the journey's shape), the scan (checked for malware first),
    start its workflow from the day it arrived and audit who logged it, in one transaction.
    `details`: channel and received (a date); `scan`: (content, extension, file name)."""
    session, now = ctx.session, ctx.now()
    if actor.role not in LOGGED_BY:
        raise DomainError("Only the DPO or a caseworker can log a request received offline.")
    if details.get("channel") not in CHANNELS:
        raise FieldError("channel", "Select how the request was received")
    received_on = details.get("received")
    if not isinstance(received_on, date):
        raise FieldError("received", "Enter the date it was received")
    if received_on > ctx.today():
        raise FieldError("received", "The date received cannot be in the future")
    if (answers.get("right") or {}).get("right") not in RIGHTS:
        raise DomainError("Choose what the request is for.")
    if details["channel"] == "post" and scan is None:
        raise FieldError("scan", "Select a scan of the letter or form")
    # Scanned before anything is stored: an infected file and nothing of the request is kept.
    upload = None
    if scan is not None:
        content, extension, filename = scan
        upload = new_upload(
            ctx.scanner,
            content=content,
            extension=extension,
            filename=filename,
            purpose="scan",
            now=now,
            field="scan",
        )
    try:
        # Staff took the request directly, so there is no one-time code to check.
        draft = Draft(id=secrets.token_urlsafe(32), answers=answers, created_at=now, updated_at=now)
        session.add(draft)
        session.flush()
        # Noon UTC is the same calendar day in London whatever the season.
        received_at = datetime.combine(received_on, time(12, 0), tzinfo=UTC)
        request = create_request(ctx, draft, answers, received_at, channel=details["channel"])
        if upload is not None:
            upload.request_id = request.id
            session.add(upload)
        record_event(
            session,
            request,
            actor,
            "logged_offline",
            {
                "channel": details["channel"],
                "received": received_on.isoformat(),
                "scan": upload is not None,
            },
            personal={"scan_file": upload.filename} if upload is not None else None,
            from_state=None,
        )
        session.commit()
    except Exception:
        session.rollback()
        raise
    return request
