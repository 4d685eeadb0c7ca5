"""Retention: what the schedule (`workflows/retention.yaml`) says is due, and removing it.

`plan` lists what is due today (read only: `flask --app portal retention preview`); `run`
removes it in one transaction, audits each removal by kind and count (never what was removed),
commits, then deletes the files on disk. A request under a legal hold keeps everything. What
the statistics need stays (`portal/domain/statistics.py`): a request record keeps its right,
services, dates, outcome and whether it was on time; a message its kind, channel, status and
dates. Running it again removes nothing more."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from portal.deadlines.calendar import received_date
from portal.domain import DomainError, FieldError, as_utc
from portal.domain.actions import check_version, commit
from portal.domain.audit import record_event, remove_personal
from portal.domain.context import DomainContext
from portal.domain.filestore import FileStore
from portal.models import (
    Attention,
    AuditActor,
    AuditEvent,
    AuditPersonal,
    CapturedMessage,
    ClockEvent,
    DataRequest,
    DisclosurePack,
    Draft,
    EvidenceFile,
    EvidenceSubmission,
    Notice,
    OutboxMessage,
    PackFile,
    Person,
    RecipientTask,
    ServiceTask,
    Upload,
    VerificationCode,
)
from portal.workflow import Actor
from portal.workflow.retention import RetentionSchedule

RETENTION = AuditActor.system("retention")
PROOF_PURPOSES = ("authority", "parental_responsibility")
PROOF_KINDS = ("identity", "authority", "parental_responsibility")
OTHER_PURPOSES = ("supporting", "response")
UNSENT = ("pending", "sending")
# A file in the store that no row names is left from a crash (or an upload whose transaction
# failed); one younger than this may be an upload still in progress.
ORPHAN_GRACE = timedelta(days=1)
HOLD_REASON_LIMIT = 1000


@dataclass
class Due:
    """Records of one kind due for removal, for one request (or none)."""

    kind: str
    reference: str | None
    ids: list = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.ids)


@dataclass
class RetentionPlan:
    today: date
    due: list[Due] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        totals: dict[str, int] = defaultdict(int)
        for item in self.due:
            totals[item.kind] += item.count
        return dict(totals)

    def by_kind(self) -> dict[str, list[Due]]:
        grouped: dict[str, list[Due]] = defaultdict(list)
        for item in self.due:
            grouped[item.kind].append(item)
        return dict(grouped)

    @property
    def empty(self) -> bool:
        return not self.due


def _day(value: datetime | None) -> date | None:
    return received_date(as_utc(value)) if value is not None else None


def _held_or_gone(request: DataRequest | None) -> bool:
    return request is not None and (
        request.legal_hold_reason is not None or request.anonymised_at is not None
    )


def _add(found: dict, kind: str, request: DataRequest | None, item_id) -> None:
    key = (kind, request.reference if request is not None else None)
    found.setdefault(key, Due(kind, key[1])).ids.append(item_id)


def _upload_start(rule, upload: Upload, request: DataRequest, evidence: EvidenceFile | None):
    if rule.start == "identity_decision":
        decided = evidence.decided_at if evidence is not None else None
        return _day(decided) or _day(request.identity_checked_at) or request.closed_on
    return request.closed_on


def plan(
    session: Session, schedule: RetentionSchedule, store: FileStore, delivery_days: int, now
) -> RetentionPlan:
    """Everything due for removal as of `now` (its London date for dates)."""
    today = received_date(now)
    found: dict = {}

    def due(kind: str, start: date | None) -> bool:
        return start is not None and schedule[kind].keep.after(start) <= today

    # Files a requester sent: proof of identity or authority, and everything else.
    uploads = session.execute(
        select(Upload, DataRequest, EvidenceFile, EvidenceSubmission)
        .join(DataRequest, Upload.request_id == DataRequest.id)
        .outerjoin(EvidenceFile, EvidenceFile.upload_id == Upload.id)
        .outerjoin(EvidenceSubmission, EvidenceFile.submission_id == EvidenceSubmission.id)
        .where(Upload.purpose != "pack")
        .order_by(Upload.id)
    ).all()
    for upload, request, evidence, submission in uploads:
        if _held_or_gone(request):
            continue
        proof = upload.purpose in PROOF_PURPOSES or (
            submission is not None and submission.kind in PROOF_KINDS
        )
        kind = "identity_documents" if proof else "evidence_uploads"
        if due(kind, _upload_start(schedule[kind], upload, request, evidence)):
            _add(found, kind, request, upload.id)

    # Disclosure pack files, from the end of the download period.
    packs = session.execute(
        select(PackFile, DisclosurePack, DataRequest)
        .join(DisclosurePack, PackFile.pack_id == DisclosurePack.id)
        .join(DataRequest, DisclosurePack.request_id == DataRequest.id)
        .order_by(PackFile.id)
    ).all()
    rule = schedule["disclosure_pack_files"]
    for pack_file, pack, request in packs:
        if _held_or_gone(request):
            continue
        if rule.start == "delivery_closed":
            start = (
                pack.delivery_opened_on + timedelta(days=delivery_days)
                if pack.delivery_opened_on
                else None
            )
        else:
            start = request.closed_on
        if due("disclosure_pack_files", start):
            _add(found, "disclosure_pack_files", request, pack_file.id)

    # Messages, sent or given up on, with their personalisation.
    messages = session.execute(
        select(OutboxMessage, DataRequest)
        .outerjoin(DataRequest, OutboxMessage.request_id == DataRequest.id)
        .where(OutboxMessage.recipient != "", OutboxMessage.status.not_in(UNSENT))
        .order_by(OutboxMessage.id)
    ).all()
    for message, request in messages:
        if request is not None and request.legal_hold_reason is not None:
            continue
        if due("messages", _day(message.created_at)):
            _add(found, "messages", request, message.id)

    # Request records, from their closing day.
    closed = session.scalars(
        select(DataRequest)
        .where(
            DataRequest.closed_on.is_not(None),
            DataRequest.anonymised_at.is_(None),
            DataRequest.legal_hold_reason.is_(None),
        )
        .order_by(DataRequest.id)
    )
    for request in closed:
        if due("request_records", request.closed_on):
            _add(found, "request_records", request, request.id)

    # Answers never sent.
    cutoff = schedule["unsubmitted_drafts"].keep.cutoff(now)
    for draft_id in session.scalars(
        select(Draft.id).where(Draft.request_id.is_(None), Draft.updated_at < cutoff)
    ):
        _add(found, "unsubmitted_drafts", None, draft_id)

    # Files in the store no row names (a crash between writing a file and committing its row,
    # or between committing a removal and deleting the file).
    for key in orphan_files(session, store, now):
        _add(found, "orphan_files", None, key)

    return RetentionPlan(today, list(found.values()))


def orphan_files(session: Session, store: FileStore, now: datetime) -> list[str]:
    root = store.root
    if not root.is_dir():
        return []
    named = set(session.scalars(select(Upload.storage_key).where(Upload.storage_key.is_not(None))))
    cutoff = (now - ORPHAN_GRACE).timestamp()
    return sorted(
        path.name
        for path in root.iterdir()
        if path.is_file() and path.name not in named and path.stat().st_mtime < cutoff
    )


def _delete_uploads(session: Session, upload_ids: list[int]) -> list[str]:
    """Delete upload rows (and what names them); return their files' storage keys."""
    if not upload_ids:
        return []
    keys = list(
        session.scalars(
            select(Upload.storage_key).where(
                Upload.id.in_(upload_ids), Upload.storage_key.is_not(None)
            )
        )
    )
    session.execute(delete(EvidenceFile).where(EvidenceFile.upload_id.in_(upload_ids)))
    session.execute(delete(PackFile).where(PackFile.upload_id.in_(upload_ids)))
    session.execute(delete(Upload).where(Upload.id.in_(upload_ids)))
    return keys


def _anonymise_messages(session: Session, message_ids: list[int]) -> None:
    if not message_ids:
        return
    session.execute(delete(CapturedMessage).where(CapturedMessage.outbox_id.in_(message_ids)))
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(message_ids))
        .values(recipient="", personalisation={}, last_error=None)
    )


def _anonymise_request(session: Session, request: DataRequest, now: datetime) -> list[str]:
    """Keep what the statistics need; remove every personal detail of the request."""
    rid = request.id
    upload_ids = list(session.scalars(select(Upload.id).where(Upload.request_id == rid)))
    keys = _delete_uploads(session, upload_ids)
    drafts = list(session.scalars(select(Draft.id).where(Draft.request_id == rid)))
    if drafts:
        session.execute(delete(VerificationCode).where(VerificationCode.draft_id.in_(drafts)))
        session.execute(update(Upload).where(Upload.draft_id.in_(drafts)).values(draft_id=None))
        session.execute(delete(Draft).where(Draft.id.in_(drafts)))
    session.execute(delete(Person).where(Person.request_id == rid))
    session.execute(
        update(EvidenceSubmission).where(EvidenceSubmission.request_id == rid).values(answer=None)
    )
    session.execute(
        update(Notice)
        .where(Notice.request_id == rid)
        .values(body="", inputs={}, statement_pdf=None, letter_pdf=None)
    )
    session.execute(
        update(RecipientTask).where(RecipientTask.request_id == rid).values(recipient="", how=None)
    )
    session.execute(update(ServiceTask).where(ServiceTask.request_id == rid).values(finding=None))
    session.execute(update(ClockEvent).where(ClockEvent.request_id == rid).values(reason=None))
    session.execute(update(Attention).where(Attention.request_id == rid).values(detail=""))
    session.execute(
        update(DisclosurePack).where(DisclosurePack.request_id == rid).values(checklist=None)
    )
    messages = list(
        session.scalars(
            select(OutboxMessage.id).where(
                OutboxMessage.request_id == rid, OutboxMessage.status.not_in(UNSENT)
            )
        )
    )
    _anonymise_messages(session, messages)
    events = session.scalars(
        select(AuditPersonal.event_id)
        .join(AuditEvent, AuditEvent.id == AuditPersonal.event_id)
        .where(AuditEvent.request_id == rid)
    ).all()
    remove_personal(session, events)
    request.answers = {}
    request.anonymised_at = now
    return keys


def run(
    session: Session, schedule: RetentionSchedule, store: FileStore, delivery_days: int, now
) -> RetentionPlan:
    """Remove everything due, in one transaction with one audit event per request and kind;
    then delete the files on disk (a file left by a crash here is an orphan the next pass
    removes)."""
    done = plan(session, schedule, store, delivery_days, now)
    if done.empty:
        return done
    requests = {
        r.reference: r
        for r in session.scalars(
            select(DataRequest).where(
                DataRequest.reference.in_([d.reference for d in done.due if d.reference])
            )
        )
    }
    files: list[str] = []
    for item in done.due:
        request = requests.get(item.reference) if item.reference else None
        if item.kind in ("identity_documents", "evidence_uploads"):
            files += _delete_uploads(session, item.ids)
        elif item.kind == "disclosure_pack_files":
            uploads = list(
                session.scalars(select(PackFile.upload_id).where(PackFile.id.in_(item.ids)))
            )
            files += _delete_uploads(session, uploads)
        elif item.kind == "messages":
            _anonymise_messages(session, item.ids)
        elif item.kind == "request_records":
            files += _anonymise_request(session, request, now)
        elif item.kind == "unsubmitted_drafts":
            session.execute(delete(VerificationCode).where(VerificationCode.draft_id.in_(item.ids)))
            session.execute(
                delete(Upload).where(Upload.draft_id.in_(item.ids), Upload.request_id.is_(None))
            )
            session.execute(delete(Draft).where(Draft.id.in_(item.ids)))
        elif item.kind == "orphan_files":
            files += item.ids
        rule = schedule.rules.get(item.kind)
        record_event(
            session,
            request,
            RETENTION,
            "retention_removed",
            {
                "kind": item.kind,
                "count": item.count,
                "rule": f"{rule.keep.text} after {rule.start}" if rule else "no row names them",
            },
        )
    session.commit()
    for key in files:
        store.delete(key)
    return done


# -- legal hold --------------------------------------------------------------------------------


def place_legal_hold(
    ctx: DomainContext,
    request: DataRequest,
    actor: Actor,
    reason: str,
    expected_version: int | None = None,
) -> None:
    """The DPO keeps everything of this request, whatever the schedule says, until lifted."""
    if actor.role != "dpo":
        raise DomainError("Only the DPO can put a request on legal hold.")
    check_version(request, expected_version)
    if request.legal_hold_reason is not None:
        raise DomainError("This request is already on legal hold.")
    if request.anonymised_at is not None:
        raise DomainError("This request's personal details have already been removed.")
    reason = (reason or "").strip()
    if not reason:
        raise FieldError("reason", "Enter why the request must be kept")
    if len(reason) > HOLD_REASON_LIMIT:
        raise FieldError("reason", f"The reason must be {HOLD_REASON_LIMIT:,} characters or fewer")
    request.legal_hold_reason = reason
    request.legal_hold_by = actor.name or actor.role
    request.legal_hold_at = ctx.now()
    record_event(ctx.session, request, actor, "legal_hold_placed", personal={"reason": reason})
    commit(ctx.session)


def lift_legal_hold(
    ctx: DomainContext, request: DataRequest, actor: Actor, expected_version: int | None = None
) -> None:
    if actor.role != "dpo":
        raise DomainError("Only the DPO can lift a legal hold.")
    check_version(request, expected_version)
    if request.legal_hold_reason is None:
        raise DomainError("This request is not on legal hold.")
    request.legal_hold_reason = request.legal_hold_by = request.legal_hold_at = None
    record_event(ctx.session, request, actor, "legal_hold_lifted")
    commit(ctx.session)
