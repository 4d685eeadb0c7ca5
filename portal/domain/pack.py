"""The disclosure pack for an access request: titled files streamed to the file store, the
disclosure checklist, and delivery to the requester. Sign-off itself is the workflow step
marked `pack: sign_off` (see pack_effects). A change to a signed pack reopens it for review in
the same transaction."""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from portal.domain import DomainError, FieldError
from portal.domain.actions import apply_with_context, check_version, commit
from portal.domain.audit import record_event
from portal.domain.context import DomainContext
from portal.domain.filestore import FileStore, FileTooLarge
from portal.domain.uploads import (
    UPLOAD_CONTENT_TYPES,
    UPLOAD_TYPES_TEXT,
    check_clean,
    safe_filename,
)
from portal.models import AuditEvent, DataRequest, DisclosurePack, PackFile, Upload
from portal.workflow import Actor, WorkflowDefinition

TITLE_LIMIT = 200
TEXT_LIMIT = 2000
THIRD_PARTY_HANDLING = {
    "consent": "The third party consented",
    "redacted": "Redacted",
    "reasonable": "Reasonable to disclose without consent",
}
HARM_OUTCOMES = {
    "no_serious_harm": "Disclosure is not likely to cause serious harm",
    "withheld": "Serious harm is likely: that information is withheld",
}
# The highest paragraph number in each schedule of the Data Protection Act 2018 that holds
# exemptions or restrictions from the right of access.
SCHEDULE_PARAGRAPHS = {"2": 28, "3": 21, "4": 5}
PARAGRAPH = re.compile(r"^(\d{1,2})[A-Z]?(\(\d{1,2}\))*(\([a-z]\))?$")
DOWNLOAD_ACTION = "response_downloaded"


@dataclass(frozen=True)
class Delivery:
    sent_on: date | None
    closes_on: date | None
    open: bool


def _transition_with(definition: WorkflowDefinition, state: str, effect: str):
    return next(
        (t for t in definition.transitions.values() if t.pack == effect and state in t.from_states),
        None,
    )


def can_change(definition: WorkflowDefinition, request: DataRequest) -> bool:
    """Whether the pack may be changed now: while it can be signed off, or, once signed off,
    while it can still be sent back to review."""
    if _transition_with(definition, request.state, "sign_off"):
        return not (request.pack and request.pack.locked)
    return bool(
        request.pack
        and request.pack.locked
        and _transition_with(definition, request.state, "reopen")
    )


def may_sign_off(request: DataRequest, actor: Actor) -> bool:
    """Four eyes: nobody who changed the pack signs it off (pack_effects enforces it too)."""
    return not (request.pack and actor.person in (request.pack.assembled_by or []))


def _begin_change(ctx, request, actor) -> DisclosurePack:
    session, definition = ctx.session, ctx.definition
    pack = request.pack
    if pack is not None and pack.locked:
        reopen = _transition_with(definition, request.state, "reopen")
        if reopen is None:
            raise DomainError("The response has been sent: the disclosure pack cannot change.")
        apply_with_context(ctx, request, reopen.action, actor)
        record_event(session, request, actor, "pack_reopened", {"why": "changed after sign-off"})
    elif _transition_with(definition, request.state, "sign_off") is None:
        raise DomainError("The disclosure pack can be changed only during disclosure review.")
    if pack is None:
        pack = DisclosurePack(request_id=request.id, assembled_by=[], locked=False)
        request.pack = pack
    if actor.person not in (pack.assembled_by or []):
        pack.assembled_by = [*(pack.assembled_by or []), actor.person]
    # The pack lives in its own rows; writing the request row too makes its version check
    # refuse a change racing a sign-off (or another change) instead of slipping past it.
    flag_modified(request, "answers")
    return pack


def add_pack_file(
    ctx: DomainContext,
    request: DataRequest,
    actor: Actor,
    *,
    title: str,
    stream: BinaryIO,
    extension: str,
    filename: str,
    store: FileStore,
    max_total_bytes: int,
    expected_version: int | None = None,
) -> PackFile:
    """Stream one file into the store and add it to the pack with its title. The file is
    removed from the store again if anything refuses the change."""
    session = ctx.session
    check_version(request, expected_version)
    title = " ".join((title or "").split())
    if not title:
        raise FieldError("title", "Enter a title for the file")
    if len(title) > TITLE_LIMIT:
        raise FieldError("title", f"The title must be {TITLE_LIMIT} characters or fewer")
    if extension not in UPLOAD_CONTENT_TYPES:
        raise FieldError("file", f"The selected file must be a {UPLOAD_TYPES_TEXT}")
    check_clean(ctx.scanner, stream, "file")  # streamed to the scanner, then rewound
    used = sum(f.upload.size for f in request.pack.files) if request.pack else 0
    try:
        stored = store.save(stream, max_total_bytes - used)
    except FileTooLarge as exc:
        raise FieldError(
            "file",
            f"The pack must be {max_total_bytes // (1024 * 1024)}MB or smaller in total: "
            "this file would take it over",
        ) from exc
    try:
        if stored.size == 0:
            raise FieldError("file", "The selected file is empty")
        pack = _begin_change(ctx, request, actor)
        if any(f.upload.sha256 == stored.sha256 for f in pack.files):
            raise FieldError("file", "This file is already in the pack")
        upload = Upload(
            request_id=request.id,
            purpose="pack",
            filename=safe_filename(filename, extension),
            content_type=UPLOAD_CONTENT_TYPES[extension],
            size=stored.size,
            sha256=stored.sha256,
            storage_key=stored.key,
        )
        added = PackFile(title=title, upload=upload)
        pack.files.append(added)
        record_event(
            session,
            request,
            actor,
            "pack_file_added",
            {"title": title, "sha256": stored.sha256, "bytes": stored.size},
        )
        commit(session)
    except BaseException:
        session.rollback()
        store.delete(stored.key)
        raise
    return added


def remove_pack_file(
    ctx: DomainContext,
    request: DataRequest,
    actor: Actor,
    file_id: int,
    store: FileStore,
    expected_version: int | None = None,
) -> None:
    session = ctx.session
    check_version(request, expected_version)
    pack = request.pack
    found = next((f for f in pack.files if f.id == file_id), None) if pack else None
    if found is None:
        raise DomainError("That file is not in this request's disclosure pack.")
    _begin_change(ctx, request, actor)
    upload, key = found.upload, found.upload.storage_key
    pack.files.remove(found)
    session.flush()
    session.delete(upload)
    record_event(
        session,
        request,
        actor,
        "pack_file_removed",
        {"title": found.title, "sha256": upload.sha256},
    )
    commit(session)
    if key:
        store.delete(key)


def checked_checklist(data: dict) -> dict:
    """The disclosure checklist in its stored shape, or a FieldError naming the field at fault.
    The form checks the same; this keeps the rule whoever calls."""
    found = data.get("third_party_found")
    if found not in ("yes", "no"):
        raise FieldError("third_party_found", "Select whether you found third-party information")
    handling = [h for h in data.get("third_party_handling") or [] if h in THIRD_PARTY_HANDLING]
    note = (data.get("third_party_note") or "").strip()
    if found == "yes":
        if not handling:
            raise FieldError(
                "third_party_handling", "Select how third-party information was handled"
            )
        if not note:
            raise FieldError("third_party_note", "Say what third-party information you found")
    else:
        handling, note = [], ""
    harm = data.get("harm_records")
    if harm not in ("yes", "no"):
        raise FieldError(
            "harm_records", "Select whether the pack has social work or health records"
        )
    outcome = data.get("harm_outcome") or ""
    practitioner = " ".join((data.get("harm_practitioner") or "").split())
    if harm == "yes":
        if outcome not in HARM_OUTCOMES:
            raise FieldError("harm_outcome", "Select the result of the serious harm test")
        if not practitioner:
            raise FieldError(
                "harm_practitioner", "Enter the name and role of the practitioner who applied it"
            )
    else:
        outcome, practitioner = "", ""
    exemptions = []
    for i, row in enumerate(data.get("exemptions") or [], start=1):
        schedule = str(row.get("schedule") or "")
        paragraph = (row.get("paragraph") or "").replace(" ", "")
        covers = (row.get("covers") or "").strip()
        if not (schedule or paragraph or covers):
            continue
        if schedule not in SCHEDULE_PARAGRAPHS:
            raise FieldError(f"exemption_{i}_schedule", "Select Schedule 2, 3 or 4")
        match = PARAGRAPH.match(paragraph)
        if not match or not 1 <= int(match.group(1)) <= SCHEDULE_PARAGRAPHS[schedule]:
            raise FieldError(
                f"exemption_{i}_paragraph",
                f"Enter a paragraph of Schedule {schedule}, like 16 or 5(3)",
            )
        if not covers:
            raise FieldError(f"exemption_{i}_covers", "Say what the exemption was applied to")
        exemptions.append({"schedule": schedule, "paragraph": paragraph, "covers": covers})
    for value, name in ((note, "third_party_note"), (practitioner, "harm_practitioner")):
        if len(value) > TEXT_LIMIT:
            raise FieldError(name, f"This must be {TEXT_LIMIT} characters or fewer")
    return {
        "third_party_found": found,
        "third_party_handling": handling,
        "third_party_note": note,
        "harm_records": harm,
        "harm_outcome": outcome,
        "harm_practitioner": practitioner,
        "exemptions": exemptions,
    }


def save_checklist(
    ctx: DomainContext,
    request: DataRequest,
    actor: Actor,
    data: dict,
    expected_version: int | None = None,
) -> None:
    session = ctx.session
    check_version(request, expected_version)
    checklist = checked_checklist(data)
    pack = _begin_change(ctx, request, actor)
    pack.checklist = checklist
    record_event(session, request, actor, "pack_checklist_saved", checklist)
    commit(session)


def delivery(pack: DisclosurePack | None, today: date, days: int) -> Delivery:
    if pack is None or pack.delivery_opened_on is None:
        return Delivery(None, None, False)
    closes_on = pack.delivery_opened_on + timedelta(days=days)
    return Delivery(pack.sent_on, closes_on, today <= closes_on)


def reopen_delivery(
    session: Session,
    request: DataRequest,
    actor: Actor,
    today: date,
    days: int,
    expected_version: int | None = None,
) -> None:
    check_version(request, expected_version)
    pack = request.pack
    if pack is None or pack.sent_on is None:
        raise DomainError("The response has not been sent yet.")
    if delivery(pack, today, days).open:
        raise DomainError("Downloads are still open.")
    pack.delivery_opened_on = today
    flag_modified(request, "answers")
    record_event(
        session,
        request,
        actor,
        "delivery_reopened",
        {"until": (today + timedelta(days=days)).isoformat()},
    )
    commit(session)


def file_for_download(
    request: DataRequest, file_id: int, today: date, days: int
) -> PackFile | None:
    """A file of this request's sent pack while downloads are open; None otherwise, so another
    request's file and a closed window look the same from outside."""
    pack = request.pack
    if not delivery(pack, today, days).open:
        return None
    return next((f for f in pack.files if f.id == file_id), None)


def record_download(session: Session, request: DataRequest, file: PackFile, now: datetime) -> None:
    record_event(
        session,
        request,
        Actor("requester"),
        DOWNLOAD_ACTION,
        {
            "file": file.title,
            "sha256": file.upload.sha256,
            "bytes": file.upload.size,
            "at": now.isoformat(timespec="seconds"),
        },
    )
    session.commit()


def download_log(session: Session, request: DataRequest) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.request_id == request.id, AuditEvent.action == DOWNLOAD_ACTION)
            .order_by(AuditEvent.id)
        )
    )
