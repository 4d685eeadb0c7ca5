"""What a workflow step does to an access request's disclosure pack, run inside the step's
transaction (see `pack:` on transitions in workflows/request.yaml)."""

from datetime import date

from sqlalchemy.orm import Session

from portal.deadlines.calendar import now_utc
from portal.domain import DomainError
from portal.domain.audit import record_event
from portal.models import DataRequest, DisclosurePack
from portal.workflow import Actor

FOUR_EYES_MESSAGE = (
    "You helped put this disclosure pack together, so someone else must sign it off."
)


def file_hashes(pack: DisclosurePack) -> list[dict]:
    return [
        {"title": f.title, "sha256": f.upload.sha256, "bytes": f.upload.size} for f in pack.files
    ]


def sign_off(session: Session, request: DataRequest, actor: Actor, today: date) -> None:
    """Four eyes: nobody who changed the pack may sign it off. The hash of every file goes into
    the audit trail and the pack is locked."""
    pack = request.pack
    if pack is None or not pack.files:
        raise DomainError("Add at least one file to the disclosure pack.")
    if actor.person in (pack.assembled_by or []):
        raise DomainError(FOUR_EYES_MESSAGE)
    pack.locked = True
    pack.signed_off_by = actor.person
    pack.signed_off_at = now_utc()
    record_event(session, request, actor, "pack_signed_off", {"files": file_hashes(pack)})


def reopen(session: Session, request: DataRequest, actor: Actor, today: date) -> None:
    pack = request.pack
    if pack is not None:
        pack.locked = False
        pack.signed_off_by = None
        pack.signed_off_at = None


def deliver(session: Session, request: DataRequest, actor: Actor, today: date) -> None:
    """The response is sent: the download window opens today."""
    pack = request.pack
    if pack is not None:
        pack.sent_on = today
        pack.delivery_opened_on = today


PACK_EFFECTS = {"sign_off": sign_off, "reopen": reopen, "deliver": deliver}
