"""A resident's answers in progress, kept server-side."""

import secrets
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.domain import FieldError, as_utc, uploads
from portal.domain.answers import CONTACT_PAGE
from portal.domain.scanning import Scanner
from portal.domain.uploads import new_upload, safe_filename  # noqa: F401 (safe_filename: re-export)
from portal.models import Draft, Upload
from portal.workflow.retention import Period


def new_draft(session: Session, now: datetime) -> Draft:
    draft = Draft(id=secrets.token_urlsafe(32), answers={}, created_at=now, updated_at=now)
    session.add(draft)
    session.commit()
    return draft


def find_draft(session: Session, draft_id: str | None, now: datetime, keep: Period) -> Draft | None:
    """The draft, unless the retention schedule's `unsubmitted_drafts` period (`keep`) has run
    out since it last changed: then it is as good as deleted, whether or not the retention
    pass has removed it yet."""
    if not draft_id:
        return None
    draft = session.get(Draft, draft_id)
    if draft is None or as_utc(draft.updated_at) < keep.cutoff(now):
        return None
    return draft


def save_answers(
    session: Session,
    draft: Draft,
    step: str,
    data: dict,
    now: datetime,
    upload: tuple[bytes, str, str, str] | None = None,
    *,
    scanner: Scanner,
) -> dict:
    """Store one page's answers (and its file, if one was uploaded) in one transaction, and
    return all the answers as stored. `upload` is (content, extension, original filename,
    purpose); it is scanned for malware first, and nothing is stored if it is refused
    (FieldError on "upload")."""
    answers = dict(draft.answers or {})
    if upload is not None:
        content, extension, filename, purpose = upload
        kept = session.scalar(
            select(func.coalesce(func.sum(Upload.size), 0)).where(
                Upload.draft_id == draft.id, Upload.purpose != purpose
            )
        )
        problem = uploads.storage_left_problem(kept, len(content), uploads.MAX_DRAFT_UPLOAD_BYTES)
        if problem:
            raise FieldError("upload", problem)
        row = new_upload(
            scanner,
            content=content,
            extension=extension,
            filename=filename,
            purpose=purpose,
            now=now,
            field="upload",
            draft_id=draft.id,
        )
        for old in session.scalars(
            select(Upload).where(Upload.draft_id == draft.id, Upload.purpose == purpose)
        ):
            session.delete(old)
        session.add(row)
        session.flush()
        data = {**data, "upload_id": row.id, "filename": row.filename}
    elif step in answers and "upload_id" in answers[step]:
        data = {**data, **{k: answers[step][k] for k in ("upload_id", "filename")}}
    answers[step] = data
    if step == CONTACT_PAGE and draft.verified_contact:
        draft.verified_contact = None if _contact_changed(draft, data) else draft.verified_contact
    draft.answers = answers
    draft.updated_at = now
    session.commit()
    # Returned so the caller can choose the next page without reading the draft back: the
    # commit has expired it, and reading it would be one more statement on every answer.
    return answers


def _contact_changed(draft: Draft, data: dict) -> bool:
    return draft.verified_contact not in (data.get("email"), data.get("mobile"))
