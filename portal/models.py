"""SQLAlchemy 2 models. Statuses are constrained in the database as well as in code."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from portal.deadlines.calendar import now_utc
from portal.rights import CASE_KINDS

RELATIONS = ("self", "child", "represented")
CLOCK_KINDS = ("start", "restart", "pause", "resume", "extend", "stop")
OUTBOX_STATUSES = (
    "pending",
    "sending",
    "sent",
    "delivered",
    "permanent-failure",
    "temporary-failure",
    "technical-failure",
    "failed",
)
TASK_STATUSES = ("open", "data_found", "no_data")
DELIVERY_STATUSES = ("delivered", "permanent-failure", "temporary-failure", "technical-failure")
FAILED_STATUSES = ("failed", "permanent-failure", "temporary-failure", "technical-failure")
ATTENTION_KINDS = ("message_failed", "contact_failed")
UPLOAD_PURPOSES = (
    "authority",
    "supporting",
    "response",
    "evidence",
    "pack",
    "parental_responsibility",
    # A scan of the letter or form of a request logged by staff (portal/domain/offline.py).
    "scan",
)
EVIDENCE_KINDS = ("identity", "authority", "parental_responsibility", "answer")
EVIDENCE_STATUSES = ("submitted", "accepted", "rejected")
NOTICE_STATUSES = ("draft", "sent")
# none: the requester did not choose post; queued: sent through Notify's letter API; to_post:
# staff print it from the request page; posted: staff recorded posting it.
LETTER_STATUSES = ("none", "queued", "to_post", "posted")
RECIPIENT_TASK_STATUSES = ("open", "done")
STAFF_ROLES = ("dpo", "caseworker", "admin")
ROLE_GRANT_STATUSES = ("pending", "approved", "rejected", "replaced")
ACTOR_KINDS = ("staff", "requester", "system")


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    pass


def _timestamp(**kwargs):
    # Always timezone-aware, stored as UTC.
    return mapped_column(DateTime(timezone=True), **kwargs)


class DataRequest(Base):
    __tablename__ = "data_request"
    __table_args__ = (
        # One of the four rights, or a complaint (workflows/complaint.yaml).
        CheckConstraint(_in("data_right", CASE_KINDS), name="ck_request_right"),
        CheckConstraint(_in("subject_relation", RELATIONS), name="ck_request_relation"),
        # The queue's open views walk these in order and stop after a page: their cost follows
        # the open requests, never the closed history.
        Index(
            "ix_request_open_due",
            "due_date",
            "id",
            postgresql_where=text("is_open"),
            sqlite_where=text("is_open"),
        ),
        Index(
            "ix_request_open_received",
            "received_date",
            "id",
            postgresql_where=text("is_open"),
            sqlite_where=text("is_open"),
        ),
        # The "new" count and filter: open requests nobody handling them has opened yet.
        Index(
            "ix_request_open_unseen",
            "id",
            postgresql_where=text("is_open AND handler_seen IS NULL"),
            sqlite_where=text("is_open AND handler_seen IS NULL"),
        ),
        # The "updated" filter: open requests the requester has acted on since their handler
        # last looked. Few at any time, so its count reads only them, not every open request.
        Index(
            "ix_request_open_updated",
            "id",
            postgresql_where=text("is_open AND handler_seen < requester_updates"),
            sqlite_where=text("is_open AND handler_seen < requester_updates"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(12), unique=True)
    # One submission makes one request: a double click or a resubmitted page finds this row.
    submission_key: Mapped[str] = mapped_column(String(64), unique=True)
    data_right: Mapped[str] = mapped_column(String(20))
    subject_relation: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(20), default="online")
    state: Mapped[str] = mapped_column(String(40), index=True)
    # Whether the state is open (`State.is_open` in the workflow), kept by the domain whenever
    # the state changes, so the queue and the sweep can use an index of open requests alone.
    is_open: Mapped[bool] = mapped_column(default=True, server_default=true())
    received_at: Mapped[datetime] = _timestamp()
    received_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date, index=True)
    legacy_regime: Mapped[bool] = mapped_column(default=False)
    overdue: Mapped[bool] = mapped_column(default=False)
    owner_team: Mapped[str] = mapped_column(String(40))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    outcome: Mapped[str | None] = mapped_column(String(40))
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = _timestamp(default=now_utc)
    identity_checked_at: Mapped[datetime | None] = _timestamp()
    # A complaint about the handling of this other request (s.164A), when it names one.
    complaint_about_id: Mapped[int | None] = mapped_column(
        ForeignKey("data_request.id", name="fk_request_complaint_about"), index=True
    )
    # The day it reached a final state: retention periods and statistics count from it.
    closed_on: Mapped[date | None] = mapped_column(Date, index=True)
    # Retention removed its personal details; what statistics need stays.
    anonymised_at: Mapped[datetime | None] = _timestamp()
    # A legal hold (placed by the DPO, with a reason) keeps everything until it is lifted.
    legal_hold_reason: Mapped[str | None] = mapped_column(Text)
    legal_hold_by: Mapped[str | None] = mapped_column(String(200))
    legal_hold_at: Mapped[datetime | None] = _timestamp()
    # The service tasks the engine proposed on submission and why (workflows/routing.yaml).
    routing_proposal: Mapped[dict | None] = mapped_column(JSON)
    # "New" and "updated" on the queue: how many times the requester has acted since submitting
    # (answered, sent proof, withdrew...), and that count when whoever handles the request last
    # opened it (none: never opened since it arrived or was assigned). Counts, not times, so
    # clocks never decide it.
    requester_updates: Mapped[int] = mapped_column(default=0, server_default="0")
    handler_seen: Mapped[int | None] = mapped_column()

    people: Mapped[list["Person"]] = relationship(back_populates="request", order_by="Person.id")
    uploads: Mapped[list["Upload"]] = relationship(back_populates="request")
    clock_events: Mapped[list["ClockEvent"]] = relationship(order_by="ClockEvent.id")
    tasks: Mapped[list["ServiceTask"]] = relationship(order_by="ServiceTask.id")
    notices: Mapped[list["Notice"]] = relationship(order_by="Notice.id")
    recipient_tasks: Mapped[list["RecipientTask"]] = relationship(order_by="RecipientTask.id")
    assignee: Mapped["StaffUser | None"] = relationship()
    pack: Mapped["DisclosurePack | None"] = relationship(uselist=False)
    evidence: Mapped[list["EvidenceSubmission"]] = relationship(order_by="EvidenceSubmission.id")
    complaint_about: Mapped["DataRequest | None"] = relationship(
        remote_side=[id], back_populates="complaints"
    )
    complaints: Mapped[list["DataRequest"]] = relationship(
        back_populates="complaint_about", order_by="DataRequest.id"
    )

    __mapper_args__ = {"version_id_col": version}

    def person(self, role: str) -> "Person | None":
        return next((p for p in self.people if p.role == role), None)


class Person(Base):
    """Someone in a request: the subject (whom the data is about) and, when different, the
    requester (a parent or representative)."""

    __tablename__ = "person"
    __table_args__ = (
        # Name search: a trigram index on PostgreSQL (ILIKE '%name%' uses it); a plain index
        # elsewhere, which SQLite's LIKE does not use (a small store scans).
        Index(
            "ix_person_full_name_trgm",
            "full_name",
            postgresql_using="gin",
            postgresql_ops={"full_name": "gin_trgm_ops"},
        ),
        CheckConstraint(_in("role", ("subject", "requester")), name="ck_person_role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("data_request.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    full_name: Mapped[str] = mapped_column(String(200))
    other_names: Mapped[str | None] = mapped_column(String(500))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    address: Mapped[str | None] = mapped_column(Text)
    postcode: Mapped[str | None] = mapped_column(String(10))
    unique_pupil_number: Mapped[str | None] = mapped_column(String(13))
    nhs_number: Mapped[str | None] = mapped_column(String(10))
    organisation: Mapped[str | None] = mapped_column(String(200))
    relationship_to_subject: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(20))
    contact_by: Mapped[str | None] = mapped_column(String(20))

    request: Mapped[DataRequest] = relationship(back_populates="people")


class Draft(Base):
    """A resident's answers while they go through the question pages, kept server-side; the
    session cookie holds only this row's random id."""

    __tablename__ = "draft"
    __table_args__ = (UniqueConstraint("resume_token_hash", name="uq_draft_resume_token_hash"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    verified_contact: Mapped[str | None] = mapped_column(String(320))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("data_request.id"))
    created_at: Mapped[datetime] = _timestamp(default=now_utc)
    updated_at: Mapped[datetime] = _timestamp(default=now_utc)
    # "Save and come back later": where the resident asked to be reached (email or sms and the
    # address or number), and the SHA-256 of the single-use link's token (never the token).
    saved_channel: Mapped[str | None] = mapped_column(String(5))
    saved_contact: Mapped[str | None] = mapped_column(String(320), index=True)
    resume_token_hash: Mapped[str | None] = mapped_column(String(64))


class Upload(Base):
    __tablename__ = "upload"
    __table_args__ = (
        CheckConstraint(_in("purpose", UPLOAD_PURPOSES), name="ck_upload_purpose"),
        CheckConstraint("content IS NOT NULL OR storage_key IS NOT NULL", name="ck_upload_stored"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[str | None] = mapped_column(ForeignKey("draft.id", ondelete="SET NULL"))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("data_request.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(30))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    # Small files live in the row (part of the submission's transaction); disclosure pack files
    # are streamed to the file store and named here by their key.
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    storage_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = _timestamp(default=now_utc)

    request: Mapped[DataRequest | None] = relationship(back_populates="uploads")


class EvidenceSubmission(Base):
    """What a requester sent from the tracking page in one go: an answer and/or files. The
    submission key makes a double click or a resubmitted page store it once."""

    __tablename__ = "evidence_submission"
    __table_args__ = (CheckConstraint(_in("kind", EVIDENCE_KINDS), name="ck_evidence_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("data_request.id"), index=True)
    submission_key: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(30))
    answer: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = _timestamp(default=now_utc)
    # The calendar date in Europe/London: an accepted proof restarts the clock from it (R5).
    received_date: Mapped[date] = mapped_column(Date)

    files: Mapped[list["EvidenceFile"]] = relationship(
        back_populates="submission", order_by="EvidenceFile.id"
    )


class EvidenceFile(Base):
    """One file a requester sent, and staff's decision on it."""

    __tablename__ = "evidence_file"
    __table_args__ = (CheckConstraint(_in("status", EVIDENCE_STATUSES), name="ck_evidence_status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("evidence_submission.id"), index=True)
    upload_id: Mapped[int] = mapped_column(ForeignKey("upload.id"), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="submitted")
    reason: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = _timestamp()

    submission: Mapped[EvidenceSubmission] = relationship(back_populates="files")
    upload: Mapped[Upload] = relationship()


class DisclosurePack(Base):
    """The response to an access request: titled files, the disclosure checklist, who put it
    together and who signed it off. Signed off, it is locked; a later change unlocks it and
    sends the request back to review. Delivery is open for a period from `delivery_opened_on`."""

    __tablename__ = "disclosure_pack"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("data_request.id"), unique=True)
    checklist: Mapped[dict | None] = mapped_column(JSON)
    # Everyone who changed the pack (audit actor labels): none of them may sign it off.
    assembled_by: Mapped[list] = mapped_column(JSON, default=list)
    signed_off_by: Mapped[str | None] = mapped_column(String(100))
    signed_off_at: Mapped[datetime | None] = _timestamp()
    locked: Mapped[bool] = mapped_column(default=False)
    sent_on: Mapped[date | None] = mapped_column(Date)
    delivery_opened_on: Mapped[date | None] = mapped_column(Date)

    files: Mapped[list["PackFile"]] = relationship(
        back_populates="pack", order_by="PackFile.id", cascade="all, delete-orphan"
    )


class PackFile(Base):
    __tablename__ = "pack_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    pack_id: Mapped[int] = mapped_column(ForeignKey("disclosure_pack.id"), index=True)
    upload_id: Mapped[int] = mapped_column(ForeignKey("upload.id"), unique=True)
    title: Mapped[str] = mapped_column(String(200))

    pack: Mapped[DisclosurePack] = relationship(back_populates="files")
    upload: Mapped[Upload] = relationship()


class VerificationCode(Base):
    __tablename__ = "verification_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[str] = mapped_column(ForeignKey("draft.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(10))
    destination: Mapped[str] = mapped_column(String(320))
    code_hash: Mapped[str] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(default=0)
    expires_at: Mapped[datetime] = _timestamp()
    used_at: Mapped[datetime | None] = _timestamp()
    created_at: Mapped[datetime] = _timestamp(default=now_utc)


@dataclass(frozen=True)
class AuditActor:
    """Who did something, as the audit trail keeps it: a member of staff by key, with the name
    and role they had at the time (so a later change of name or role leaves history as it
    was); the requester; or a named part of the system (the sweep, GOV.UK Notify, a command)."""

    kind: str
    name: str
    staff_id: int | None = None
    role: str | None = None

    @classmethod
    def staff(cls, user: "StaffUser") -> "AuditActor":
        return cls("staff", user.full_name, user.id, user.role)

    @classmethod
    def system(cls, name: str) -> "AuditActor":
        return cls("system", name)

    @classmethod
    def acting(cls, actor) -> "AuditActor":
        """From the workflow's Actor (role, id, name): the requester, or a member of staff."""
        if actor.role == "requester":
            return REQUESTER
        if actor.role == "system":
            return cls.system(actor.name or "system")
        return cls("staff", actor.name or actor.role, actor.id, actor.role)


REQUESTER = AuditActor("requester", "requester")


class AuditEvent(Base):
    """Append-only: the migration adds triggers refusing UPDATE and DELETE (and on PostgreSQL
    the app's database role may only read and insert). Each event is a link of a hash chain
    (`portal/domain/audit.py`): `hash` is SHA-256 over its place `seq`, its content, the hash
    of its personal part and `prev_hash`, the hash of the event before it. Personal details
    (a note's text, a reason, a file name) live in `AuditPersonal`, which retention may delete
    without breaking the chain."""

    __tablename__ = "audit_event"
    __table_args__ = (
        CheckConstraint(_in("actor_kind", ACTOR_KINDS), name="ck_audit_actor_kind"),
        CheckConstraint(
            "actor_staff_id IS NULL OR actor_kind = 'staff'", name="ck_audit_actor_staff"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("data_request.id"), index=True)
    actor_kind: Mapped[str] = mapped_column(String(10))
    actor_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), index=True)
    actor_role: Mapped[str | None] = mapped_column(String(20))
    actor_name: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(60))
    from_state: Mapped[str | None] = mapped_column(String(40))
    to_state: Mapped[str | None] = mapped_column(String(40))
    # What may be kept as long as the trail: no personal details (those are in `personal`).
    public_detail: Mapped[dict] = mapped_column("detail", JSON, default=dict)
    created_at: Mapped[datetime] = _timestamp(default=now_utc)
    seq: Mapped[int] = mapped_column(unique=True)
    personal_sha256: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    personal: Mapped["AuditPersonal | None"] = relationship(
        uselist=False, back_populates="event", lazy="selectin"
    )

    def __init__(self, *, actor: AuditActor, **columns):
        super().__init__(
            actor_kind=actor.kind,
            actor_staff_id=actor.staff_id,
            actor_role=actor.role,
            actor_name=actor.name,
            **columns,
        )

    @property
    def actor(self) -> AuditActor:
        return AuditActor(self.actor_kind, self.actor_name, self.actor_staff_id, self.actor_role)

    @property
    def detail(self) -> dict:
        """Everything the event says: its public part and, until retention removes them, its
        personal details."""
        personal = self.personal.content if self.personal is not None else {}
        return {**(self.public_detail or {}), **personal}

    @property
    def personal_removed(self) -> bool:
        return self.personal_sha256 is not None and self.personal is None


class AuditPersonal(Base):
    """The personal details of one audit event, outside the append-only table. The chain holds
    SHA-256 over `salt` and the content: the salt keeps a short detail (a name, a date) from
    being found by hashing guesses once the content is gone."""

    __tablename__ = "audit_personal"

    event_id: Mapped[int] = mapped_column(ForeignKey("audit_event.id"), primary_key=True)
    salt: Mapped[str] = mapped_column(String(32))
    content: Mapped[dict] = mapped_column(JSON)

    event: Mapped[AuditEvent] = relationship(back_populates="personal")


class AuditChainHead(Base):
    """One row: how many events the audit chain holds and the newest one's hash. Appending
    updates it first, so on PostgreSQL its row lock puts concurrent appends in one order."""

    __tablename__ = "audit_chain_head"
    __table_args__ = (CheckConstraint("id = 1", name="ck_audit_chain_head_one_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    count: Mapped[int]
    hash: Mapped[str] = mapped_column(String(64))
    last_at: Mapped[datetime | None] = _timestamp()


class AuditCheckpoint(Base):
    """A verification of the whole chain, kept (append-only) with the head it found: a later
    rewrite of the chain, however consistent, no longer contains an earlier recorded head."""

    __tablename__ = "audit_checkpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    checked_at: Mapped[datetime] = _timestamp(default=now_utc)
    ok: Mapped[bool]
    count: Mapped[int]
    hash: Mapped[str] = mapped_column(String(64))
    problem: Mapped[str | None] = mapped_column(Text)


class ClockEvent(Base):
    __tablename__ = "clock_event"
    __table_args__ = (CheckConstraint(_in("kind", CLOCK_KINDS), name="ck_clock_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("data_request.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    on_date: Mapped[date] = mapped_column(Date)
    # The due date this change led to, and what the requester is told about it.
    due_after: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _timestamp(default=now_utc)


class ServiceTask(Base):
    """One search task per service a request is routed to."""

    __tablename__ = "service_task"
    __table_args__ = (
        CheckConstraint(_in("status", TASK_STATUSES), name="ck_task_status"),
        UniqueConstraint("request_id", "service", name="uq_task_request_service"),
        # A caseworker's queue: the requests routed to their services.
        Index("ix_task_service_request", "service", "request_id"),
        # ...and those of them still open: the queue's counts read these alone, not every task
        # the service ever had (287,000 for one service at a million requests).
        Index(
            "ix_task_service_open_request",
            "service",
            "request_id",
            postgresql_where=text("request_open"),
            sqlite_where=text("request_open"),
        ),
        # Open service searches, soonest answer-by date first.
        Index(
            "ix_task_open_target",
            "target_date",
            "id",
            postgresql_where=text("status = 'open'"),
            sqlite_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("data_request.id"), index=True)
    service: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default="open")
    target_date: Mapped[date] = mapped_column(Date)
    finding: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = _timestamp()
    # The request's `is_open`, kept with it (portal.domain.actions) for the index above.
    request_open: Mapped[bool] = mapped_column(default=True, server_default=true())


class Notice(Base):
    """An outcome notice (workflows/notices.yaml): written by staff as a draft, previewed, then
    sent with the workflow action it belongs to. `body` is the full text the requester gets."""

    __tablename__ = "notice"
    __table_args__ = (
        CheckConstraint(_in("status", NOTICE_STATUSES), name="ck_notice_status"),
        CheckConstraint(_in("letter_status", LETTER_STATUSES), name="ck_notice_letter_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("data_request.id"), index=True)
    notice_key: Mapped[str] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(10), default="draft")
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # What staff gave: reasons, exemptions, statement and recipients (keys as in notices.yaml).
    inputs: Mapped[dict] = mapped_column(JSON, default=dict)
    # The requester's supplementary statement as a PDF document, sent with the notice.
    statement_pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    letter_pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    letter_status: Mapped[str] = mapped_column(String(10), default="none")
    posted_on: Mapped[date | None] = mapped_column(Date)
    posted_by: Mapped[str | None] = mapped_column(String(100))
    written_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = _timestamp(default=now_utc)
    sent_at: Mapped[datetime | None] = _timestamp()
    sent_on: Mapped[date | None] = mapped_column(Date)


class RecipientTask(Base):
    """Art 19: tell one recipient of the data about a rectification, restriction or stopped
    processing. One per recipient staff chose, tracked until done."""

    __tablename__ = "recipient_task"
    __table_args__ = (
        CheckConstraint(_in("status", RECIPIENT_TASK_STATUSES), name="ck_recipient_task_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("data_request.id"), index=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notice.id"))
    recipient: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="open")
    how: Mapped[str | None] = mapped_column(Text)
    done_by: Mapped[str | None] = mapped_column(String(100))
    done_at: Mapped[datetime | None] = _timestamp()
    done_on: Mapped[date | None] = mapped_column(Date)


class OutboxMessage(Base):
    """A message to send, written in the same transaction as the change that causes it."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        CheckConstraint(_in("status", OUTBOX_STATUSES), name="ck_outbox_status"),
        CheckConstraint(_in("channel", ("email", "sms", "letter")), name="ck_outbox_channel"),
        # The worker's claim: unsent messages, codes first, oldest first.
        Index(
            "ix_outbox_due",
            "priority",
            "id",
            postgresql_where=text("status IN ('pending', 'sending')"),
            sqlite_where=text("status IN ('pending', 'sending')"),
        ),
        # The few messages that were resent, for the foreign key's checks: partial, so the
        # hundreds of thousands of rows a sweep writes add nothing to it.
        Index(
            "ix_outbox_message_resent_as_id",
            "resent_as_id",
            postgresql_where=text("resent_as_id IS NOT NULL"),
            sqlite_where=text("resent_as_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Notify's `reference`: random, so it cannot match a notification sent from another
    # database, environment or an earlier copy of this one.
    reference: Mapped[str] = mapped_column(
        String(36), unique=True, default=lambda: str(uuid.uuid4())
    )
    request_id: Mapped[int | None] = mapped_column(ForeignKey("data_request.id"), index=True)
    message_key: Mapped[str] = mapped_column(String(60))
    # Lower is sent first: one-time codes go ahead of a backlog.
    priority: Mapped[int] = mapped_column(default=1, server_default=text("1"))
    channel: Mapped[str] = mapped_column(String(10))
    recipient: Mapped[str] = mapped_column(Text)
    personalisation: Mapped[dict] = mapped_column(JSON, default=dict)
    # Stops a scheduled sweep from queueing the same reminder twice.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = _timestamp(default=now_utc, index=True)
    notify_id: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _timestamp(default=now_utc)
    sent_at: Mapped[datetime | None] = _timestamp()
    # When Notify's delivery receipt last changed the status.
    status_at: Mapped[datetime | None] = _timestamp()
    # The worker holding the claim (renewed while it lives), so it can release what it holds.
    claimed_by: Mapped[str | None] = mapped_column(String(36))
    # Staff sent this failed message again (or through another channel) as that row.
    resent_as_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_message.id"))


class CapturedMessage(Base):
    """What a message would have said, kept when no Notify API key is configured."""

    __tablename__ = "captured_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox_message.id"), unique=True)
    channel: Mapped[str] = mapped_column(String(10))
    recipient: Mapped[str] = mapped_column(Text)
    subject: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = _timestamp(default=now_utc)


class SendBudget(Base):
    """A token bucket shared by every worker sending with one Notify API key, so together they
    stay inside Notify's per-key rate limit. `name` is a hash of the key, never the key."""

    __tablename__ = "send_budget"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    tokens: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime] = _timestamp()


class Attention(Base):
    """Something staff must act on that is not a workflow step: a message Notify refused, or
    the requester's only contact channel failing permanently."""

    __tablename__ = "attention"
    __table_args__ = (CheckConstraint(_in("kind", ATTENTION_KINDS), name="ck_attention_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("data_request.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_message.id"))
    detail: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = _timestamp(default=now_utc)
    resolved_at: Mapped[datetime | None] = _timestamp()
    resolved_by: Mapped[str | None] = mapped_column(String(100))


class StaffUser(Base):
    """A member of staff. `session_epoch` is part of the sign-in cookie: raising it (sign out
    everywhere, deactivation, a new password) ends every session at once. A password set by
    someone else is temporary (`must_change_password`) until its owner replaces it."""

    __tablename__ = "staff_user"
    __table_args__ = (CheckConstraint(_in("role", STAFF_ROLES), name="ck_staff_role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    services: Mapped[list] = mapped_column(JSON, default=list)
    password_hash: Mapped[str] = mapped_column(String(200))
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
    # An account an administrator made with a role that sees request content: it cannot sign
    # in until a DPO approves that access (RoleGrant).
    awaiting_approval: Mapped[bool] = mapped_column(default=False, server_default=false())
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_confirmed: Mapped[bool] = mapped_column(default=False)
    last_totp_step: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(default=True)
    failed_attempts: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = _timestamp()
    session_epoch: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = _timestamp(default=now_utc)
    last_sign_in_at: Mapped[datetime | None] = _timestamp()

    # Flask-Login's interface.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active and not self.awaiting_approval

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_epoch}"


class RoleGrant(Base):
    """Access to request content (the DPO or caseworker role, or more services) that an
    administrator asked for and a DPO decides on: separation of duties. Until approved the
    person keeps the access they had (a new account cannot sign in)."""

    __tablename__ = "role_grant"
    __table_args__ = (
        CheckConstraint(_in("status", ROLE_GRANT_STATUSES), name="ck_role_grant_status"),
        CheckConstraint(_in("role", STAFF_ROLES), name="ck_role_grant_role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    services: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    requested_at: Mapped[datetime] = _timestamp(default=now_utc)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    decided_at: Mapped[datetime | None] = _timestamp()
    reason: Mapped[str | None] = mapped_column(Text)

    staff: Mapped[StaffUser] = relationship(foreign_keys=[staff_id])
    requested_by: Mapped[StaffUser | None] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[StaffUser | None] = relationship(foreign_keys=[decided_by_id])


class SignInFailure(Base):
    """Wrong passwords and codes for one staff account from one client (its address, hashed).
    Five lock that client out of that account for a while; the account's failures from every
    client together only slow its sign-in down, so nobody can keep someone else locked out."""

    __tablename__ = "sign_in_failure"
    __table_args__ = (UniqueConstraint("staff_id", "client", name="uq_sign_in_failure_client"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    client: Mapped[str] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(default=0)
    first_failed_at: Mapped[datetime] = _timestamp()
    last_failed_at: Mapped[datetime] = _timestamp()
    locked_until: Mapped[datetime | None] = _timestamp()


class WebSession(Base):
    """A signed-in or in-progress browser session, kept server-side (portal/sessions.py). The
    cookie holds only a random token; this row is keyed by the token's SHA-256, so a copy of the
    table gives nobody a session. Deleting the row ends the session, whatever copies of the
    cookie exist."""

    __tablename__ = "web_session"
    __table_args__ = (
        CheckConstraint(_in("area", ("resident", "staff")), name="ck_web_session_area"),
        Index("ix_web_session_expires_at", "expires_at"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    area: Mapped[str] = mapped_column(String(10))
    data: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = _timestamp()
    expires_at: Mapped[datetime] = _timestamp()
