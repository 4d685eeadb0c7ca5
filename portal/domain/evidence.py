"""Evidence and answers sent from the tracking page, and staff's decision on each file.

When staff have asked for proof (the request's state has a `waiting` clock) the requester sends
files; when they have asked a question (a requester transition with an `answer` field is open)
the requester answers, with files if they like. Accepting proof restarts the clock from the
date it arrived (R5) through the workflow's `restart` step, in the same transaction."""

import hashlib

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from portal.deadlines import long_date
from portal.domain import DomainError, FieldError
from portal.domain import uploads as upload_rules
from portal.domain.actions import (
    STALE_MESSAGE,
    StaleRequest,
    apply_with_context,
    one_transaction,
)
from portal.domain.audit import record_event
from portal.domain.context import DomainContext
from portal.domain.outbox import handling_staff, queue, requester_recipients
from portal.domain.seen import requester_acted
from portal.domain.uploads import (
    MAX_UPLOAD_BYTES,
    UPLOAD_CONTENT_TYPES,
    UPLOAD_SIZE_TEXT,
    UPLOAD_TYPES_TEXT,
    new_upload,
)
from portal.models import (
    AuditEvent,
    DataRequest,
    EvidenceFile,
    EvidenceSubmission,
    Upload,
)
from portal.workflow import Actor, WorkflowDefinition

MAX_FILES = 10
MAX_FILE_BYTES = MAX_UPLOAD_BYTES
ANSWER_LIMIT = 5000
REASON_LIMIT = 2000
PROOF = "proof"
QUESTION = "question"
KIND_LABELS = {
    "identity": "proof of identity",
    "authority": "proof of authority to act for someone",
    "parental_responsibility": "proof of parental responsibility",
    "answer": "an answer to our question",
}
REQUESTER = Actor("requester")


def _answer_transition(definition: WorkflowDefinition, state: str):
    return next(
        (
            t
            for t in definition.transitions.values()
            if state in t.from_states and "requester" in t.roles and "answer" in t.fields
        ),
        None,
    )


def _restart_transition(definition: WorkflowDefinition, state: str):
    return next(
        (
            t
            for t in definition.transitions.values()
            if state in t.from_states and t.clock == "restart"
        ),
        None,
    )


def waiting_for(definition: WorkflowDefinition, request: DataRequest) -> str | None:
    """PROOF, QUESTION or None: what the council is waiting for from the requester now."""
    if definition.states[request.state].clock == "waiting":
        return PROOF
    if _answer_transition(definition, request.state):
        return QUESTION
    return None


def proof_asked(session: Session, request: DataRequest) -> str:
    """The kind of proof staff last asked for (identity when they did not say)."""
    found = session.scalar(
        select(AuditEvent)
        .where(AuditEvent.request_id == request.id, AuditEvent.action == "request_evidence")
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    kind = (found.detail if found else {}).get("evidence_kind")
    return kind if kind in KIND_LABELS and kind != "answer" else "identity"


def already_stored(session: Session, submission_key: str | None) -> bool:
    return bool(
        submission_key
        and session.scalar(
            select(EvidenceSubmission.id).where(EvidenceSubmission.submission_key == submission_key)
        )
    )


def submit_evidence(
    ctx: DomainContext,
    request: DataRequest,
    *,
    submission_key: str,
    answer: str,
    files: list[tuple[bytes, str, str]],
) -> EvidenceSubmission:
    """Store what the requester sent (`files` are (content, extension, original name), checked
    by content already) in one transaction. The same submission key twice stores it once."""
    session, definition = ctx.session, ctx.definition
    now, today = ctx.now(), ctx.today()
    existing = session.scalar(
        select(EvidenceSubmission).where(EvidenceSubmission.submission_key == submission_key)
    )
    if existing is not None:
        if existing.request_id != request.id:
            raise DomainError("This form has already been used.")
        return existing
    waiting = waiting_for(definition, request)
    if waiting is None:
        raise FieldError("files", "We are not waiting for anything from you on this request")
    answer = (answer or "").strip()
    if len(answer) > ANSWER_LIMIT:
        raise FieldError("answer", f"Your answer must be {ANSWER_LIMIT:,} characters or fewer")
    if waiting == QUESTION and not answer:
        raise FieldError("answer", "Enter your answer")
    if waiting == PROOF and not files:
        raise FieldError("files", "Select the files to send")
    if len(files) > MAX_FILES:
        raise FieldError("files", f"Select {MAX_FILES} files or fewer")
    hashes = []
    for content, extension, _ in files:
        if extension not in UPLOAD_CONTENT_TYPES:
            raise FieldError("files", f"Each file must be a {UPLOAD_TYPES_TEXT}")
        if not content:
            raise FieldError("files", "One of the selected files is empty")
        if len(content) > MAX_FILE_BYTES:
            raise FieldError("files", f"Each file must be smaller than {UPLOAD_SIZE_TEXT}")
        hashes.append(hashlib.sha256(content).hexdigest())
    if len(set(hashes)) != len(hashes):
        raise FieldError("files", "You selected the same file more than once")
    already = set(
        session.scalars(
            select(Upload.sha256).where(
                Upload.request_id == request.id, Upload.purpose == "evidence"
            )
        )
    )
    if already & set(hashes):
        raise FieldError("files", "You have already sent us one of these files")
    stored = session.scalar(
        select(func.coalesce(func.sum(Upload.size), 0)).where(
            Upload.request_id == request.id, Upload.purpose == "evidence"
        )
    )
    problem = upload_rules.storage_left_problem(
        stored, sum(len(c) for c, _, _ in files), upload_rules.MAX_EVIDENCE_BYTES_PER_REQUEST
    )
    if problem:
        raise FieldError("files", problem)
    # Scanned before anything is added: one infected file and nothing of this sending is kept.
    uploads = [
        new_upload(
            ctx.scanner,
            content=content,
            extension=extension,
            filename=name,
            purpose="evidence",
            now=now,
            field="files",
            request_id=request.id,
        )
        for content, extension, name in files
    ]
    submission = EvidenceSubmission(
        request_id=request.id,
        submission_key=submission_key,
        kind=proof_asked(session, request) if waiting == PROOF else "answer",
        answer=answer or None,
        received_at=now,
        received_date=today,
    )
    try:
        session.add(submission)
        for upload in uploads:
            submission.files.append(EvidenceFile(upload=upload, status="submitted"))
        if waiting == QUESTION:
            step = _answer_transition(definition, request.state)
            apply_with_context(ctx, request, step.action, REQUESTER, {"answer": answer})
        else:
            flag_modified(request, "answers")  # a version bump: staff see something changed
        record_event(
            session,
            request,
            REQUESTER,
            "evidence_sent",
            {"kind": submission.kind, "file_count": len(submission.files)},
            personal={"files": [u.upload.filename for u in submission.files]},
        )
        if waiting != QUESTION:
            # Staff must know proof has arrived: until they accept it the clock does not run.
            # (An answer is the requester's workflow step, which tells them itself and marks
            # the request "updated" on the queue.)
            requester_acted(request)
            queue(
                session,
                definition,
                "staff_evidence_sent",
                handling_staff(definition, request),
                {
                    "reference": request.reference,
                    "what": KIND_LABELS[submission.kind],
                    "files": str(len(submission.files)),
                },
                request,
            )
        session.commit()
    except IntegrityError:
        # The same form posted twice at once: the other copy was stored.
        session.rollback()
        stored = session.scalar(
            select(EvidenceSubmission).where(EvidenceSubmission.submission_key == submission_key)
        )
        if stored is None:
            raise
        return stored
    except StaleDataError as exc:
        session.rollback()
        raise StaleRequest(STALE_MESSAGE) from exc
    except Exception:
        session.rollback()
        raise
    return submission


def review_evidence(
    ctx: DomainContext,
    request: DataRequest,
    file_id: int,
    actor: Actor,
    decision: str,
    reason: str,
    expected_version: int | None = None,
) -> EvidenceFile:
    """Accept or reject one file; the requester is told either way, with the reason. Accepted
    proof, while the request waits for it, restarts the clock from the day it arrived."""
    session, definition = ctx.session, ctx.definition
    if expected_version is not None and request.version != expected_version:
        raise StaleRequest(STALE_MESSAGE)
    item = session.get(EvidenceFile, file_id)
    if item is None or item.submission.request_id != request.id:
        raise DomainError("That file was not sent for this request.")
    if item.status != "submitted":
        raise FieldError("decision", "This file has already been accepted or rejected")
    if decision not in ("accept", "reject"):
        raise FieldError("decision", "Select whether you accept or reject the file")
    reason = (reason or "").strip()
    if decision == "reject" and not reason:
        raise FieldError("reason", "Enter the reason, which the requester will be sent")
    if len(reason) > REASON_LIMIT:
        raise FieldError("reason", f"The reason must be {REASON_LIMIT:,} characters or fewer")
    item.status = "accepted" if decision == "accept" else "rejected"
    item.reason = reason or None
    item.decided_by = actor.label
    item.decided_at = ctx.now()
    submission = item.submission
    with one_transaction(session):
        record_event(
            session,
            request,
            actor,
            f"evidence_{item.status}",
            {"sha256": item.upload.sha256},
            personal={"file": item.upload.filename, "reason": reason},
        )
        restart = _restart_transition(definition, request.state)
        if decision == "accept" and submission.kind != "answer" and restart is not None:
            apply_with_context(
                ctx,
                request,
                restart.action,
                actor,
                {"evidence_date": submission.received_date.isoformat()},
            )
        else:
            flag_modified(request, "answers")
        queue(
            session,
            definition,
            f"evidence_{item.status}",
            requester_recipients(request),
            {
                "reference": request.reference,
                "file": item.upload.filename,
                "received": long_date(submission.received_date),
                "reason": reason or "None given.",
            },
            request,
        )
    return item
