"""The audit trail: the one way an event is written (`record_event`), and its check
(`verify_chain`).

Every event is a link of a hash chain. Its `hash` is SHA-256 over the hash of the event
before it and the canonical JSON of its own content: its place in the chain (`seq`), request,
actor, action, states, public detail, time, and the hash of its personal part. Personal
details (free text, file names, a recipient) are kept in `AuditPersonal`, hashed with a random
salt; retention deletes that row and the chain still verifies. The chain's head (count and
hash) is one row that every append updates first: on PostgreSQL its row lock orders appends
from any number of web and worker processes, and SQLite has one writer at a time anyway.

Editing, deleting, inserting or re-ordering events breaks a link; cutting off the newest
events, or rewriting the whole chain consistently, is caught against a head recorded earlier
(`AuditCheckpoint`, the worker's log, the DPO's audit page)."""

import hashlib
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import event, func, insert, select, update
from sqlalchemy.orm import Session

from portal.deadlines.calendar import now_utc, received_date
from portal.domain.bulk import insert_rows
from portal.domain.outbox import queue
from portal.models import (
    AuditActor,
    AuditChainHead,
    AuditCheckpoint,
    AuditEvent,
    AuditPersonal,
    DataRequest,
)

GENESIS = "0" * 64
_SAME = object()


def _utc_text(value: datetime) -> str:
    if value.tzinfo is None:  # SQLite gives back naive datetimes, stored as UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def canonical(value) -> bytes:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    ).encode()


def personal_hash(salt: str, content: dict) -> str:
    return hashlib.sha256(salt.encode() + b"\n" + canonical(content)).hexdigest()


def event_hash(prev_hash: str, columns: dict) -> str:
    """SHA-256 over the previous event's hash and this event's canonical content. `columns`
    are the audit_event columns by name (as stored), whatever reads them: the ORM, a raw row
    or a migration."""
    content = {
        "seq": columns["seq"],
        "request_id": columns["request_id"],
        "actor_kind": columns["actor_kind"],
        "actor_staff_id": columns["actor_staff_id"],
        "actor_role": columns["actor_role"],
        "actor_name": columns["actor_name"],
        "action": columns["action"],
        "from_state": columns["from_state"],
        "to_state": columns["to_state"],
        "detail": columns["detail"] or {},
        "personal_sha256": columns["personal_sha256"],
        "created_at": _utc_text(columns["created_at"]),
    }
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical(content)).hexdigest()


def _take_head(session: Session, links: int) -> tuple[int, str, datetime | None]:
    """Take the chain's head for `links` new events in this transaction: the seq of the first,
    the previous hash and time. One UPDATE ... RETURNING moves the count and reads the head,
    so the row (PostgreSQL) or the database (SQLite) is locked before anything is read.

    Pending changes are flushed first, so that the rows this transaction writes are locked
    before the head, never after it: the head is the last lock a transaction waits for (the
    sweep relies on this to never deadlock with staff; see sweep.py)."""
    session.flush()
    head = AuditChainHead.__table__
    row = session.execute(
        update(head)
        .where(head.c.id == 1)
        .values(count=head.c.count + links)
        .returning(head.c.count, head.c.hash, head.c.last_at)
    ).first()
    if row is None:  # a database emptied by hand; migrations make the row
        session.execute(insert(head).values(id=1, count=links, hash=GENESIS, last_at=None))
        return 1, GENESIS, None
    return row.count - links + 1, row.hash, _aware(row.last_at)


def _move_head(session: Session, digest: str, last_at: datetime) -> None:
    head = AuditChainHead.__table__
    session.execute(update(head).where(head.c.id == 1).values(hash=digest, last_at=last_at))


@dataclass(frozen=True)
class Entry:
    """One event for `record_events`: what `record_event` takes, without a personal part."""

    request_id: int | None
    actor: AuditActor
    action: str
    detail: dict
    from_state: str | None
    to_state: str | None


def _link(seq: int, prev: str, last_at, created: datetime, fields: dict) -> tuple[dict, datetime]:
    """The columns of the event at `seq` after `prev`, its time clamped to be no earlier than
    the event before it (a clock stepping back)."""
    if last_at is not None and created < last_at:
        created = last_at
    columns = {**fields, "seq": seq, "created_at": created}
    columns["prev_hash"] = prev
    columns["hash"] = event_hash(prev, columns)
    return columns, created


def _fields(request_id, actor: AuditActor, action, detail, from_state, to_state, personal_sha):
    return {
        "request_id": request_id,
        "actor_kind": actor.kind,
        "actor_staff_id": actor.staff_id,
        "actor_role": actor.role,
        "actor_name": actor.name,
        "action": action,
        "from_state": from_state,
        "to_state": to_state,
        "detail": detail or {},
        "personal_sha256": personal_sha,
    }


def record_event(
    session: Session,
    request: DataRequest | None,
    actor,
    action: str,
    detail: dict | None = None,
    *,
    personal: dict | None = None,
    from_state=_SAME,
    to_state=_SAME,
    at: datetime | None = None,
) -> None:
    """Append one event to the trail, in the caller's transaction. `actor` is the workflow's
    Actor or an AuditActor; the states default to the request's present state (an event that
    changes nothing). `detail` is kept for good; `personal` (free text, names, file names) is
    kept apart so that retention can remove it.

    Written as plain rows (no ORM objects to track: every action appends at least one)."""
    audit_actor = actor if isinstance(actor, AuditActor) else AuditActor.acting(actor)
    state = request.state if request is not None else None
    salt = secrets.token_hex(16) if personal else None
    # Taking the head flushes, which gives a new request its id.
    seq, prev, last_at = _take_head(session, 1)
    fields = _fields(
        request.id if request is not None else None,
        audit_actor,
        action,
        detail,
        state if from_state is _SAME else from_state,
        state if to_state is _SAME else to_state,
        personal_hash(salt, personal) if personal else None,
    )
    columns, created = _link(seq, prev, last_at, at or now_utc(), fields)
    _move_head(session, columns["hash"], created)
    events = AuditEvent.__table__
    if not personal:
        session.execute(insert(events), [columns])
        return
    event_id = session.execute(insert(events).values(columns).returning(events.c.id)).scalar_one()
    session.execute(
        insert(AuditPersonal.__table__).values(event_id=event_id, salt=salt, content=personal)
    )


def record_events(session: Session, entries: list[Entry], at: datetime | None = None) -> int:
    """Append many events without personal parts (the sweep's batch) under one take of the
    head: one UPDATE for the head, one INSERT for the events, one UPDATE for the new hash.
    The chain is the same as appending them one at a time with `record_event`."""
    if not entries:
        return 0
    seq, prev, last_at = _take_head(session, len(entries))
    created, rows = at or now_utc(), []
    for offset, entry in enumerate(entries):
        fields = _fields(
            entry.request_id,
            entry.actor,
            entry.action,
            entry.detail,
            entry.from_state,
            entry.to_state,
            None,
        )
        columns, created = _link(seq + offset, prev, last_at, created, fields)
        rows.append(columns)
        prev, last_at = columns["hash"], created
    # The table (not the mapped class): plain rows, all at once.
    insert_rows(session, AuditEvent.__table__, rows)
    _move_head(session, prev, created)
    return len(rows)


@event.listens_for(Session, "before_flush")
def _only_chained_events(session, _flush_context, _instances):
    """An event added any other way would break the chain: refuse it where it is written."""
    for obj in session.new:
        if isinstance(obj, AuditEvent) and obj.hash is None:
            raise RuntimeError(
                "audit events are written through portal.domain.audit.record_event only"
            )


def remove_personal(session: Session, event_ids: Iterable[int]) -> int:
    """Delete the personal parts of these events (retention); the chain keeps their hashes."""
    parts = session.scalars(
        select(AuditPersonal).where(AuditPersonal.event_id.in_(list(event_ids)))
    ).all()
    for part in parts:
        session.delete(part)
    return len(parts)


# -- verification ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    ok: bool
    checked: int  # events checked
    head_count: int  # events in the chain, by its last valid link
    head_hash: str
    problem: str | None = None

    @property
    def message(self) -> str:
        if self.ok:
            return (
                f"audit chain verified: {self.checked} event(s), head {self.head_count} "
                f"{self.head_hash}"
            )
        return f"audit chain FAILED after {self.checked} good event(s): {self.problem}"


def _columns(row) -> dict:
    return dict(row._mapping)


def verify_chain(
    session: Session, recorded_heads: Iterable[tuple[int, str, str]] = ()
) -> Verification:
    """Check every link in order, then that the chain still holds every head recorded before
    (`recorded_heads`: count, hash, and where it was recorded; the stored checkpoints are
    always included)."""
    table = AuditEvent.__table__
    personal = AuditPersonal.__table__
    rows = session.execute(
        select(table, personal.c.salt, personal.c.content)
        .outerjoin(personal, personal.c.event_id == table.c.id)
        .order_by(table.c.seq.nulls_first(), table.c.id)
        .execution_options(yield_per=1000)
    )
    prev_hash, prev_at, position = GENESIS, None, 0
    hashes_at: dict[int, str] = {}
    wanted = {count for count, _h, _w in _heads(session, recorded_heads)}

    def failed(problem: str) -> Verification:
        return Verification(False, position, position, prev_hash, problem)

    for row in rows:
        columns = _columns(row)
        name = f"event {columns['seq']} (id {columns['id']})"
        if columns["seq"] != position + 1:
            if columns["seq"] is None:
                return failed(f"event id {columns['id']} has no place in the chain")
            if columns["seq"] > position + 1:
                return failed(f"{name} follows event {position}: event {position + 1} is missing")
            return failed(f"{name} repeats a place in the chain")
        if columns["prev_hash"] != prev_hash:
            return failed(f"{name} does not link to the event before it (prev_hash differs)")
        if event_hash(prev_hash, columns) != columns["hash"]:
            return failed(f"{name} does not match its hash: its content was changed")
        if columns["salt"] is not None and (
            personal_hash(columns["salt"], columns["content"]) != columns["personal_sha256"]
        ):
            return failed(f"{name}: its personal details do not match their hash")
        created = _aware(columns["created_at"])
        if prev_at is not None and created < prev_at:
            return failed(f"{name} is dated before the event before it: back-dated")
        position, prev_hash, prev_at = position + 1, columns["hash"], created
        if position in wanted:
            hashes_at[position] = prev_hash
    for count, digest, where in _heads(session, recorded_heads):
        if count > position:
            return failed(
                f"event {count} is missing: the chain ends at event {position}, but holds "
                f"{count} by the head recorded {where}"
            )
        if count and hashes_at.get(count) != digest:
            return failed(
                f"event {count} does not match the head recorded {where}: the chain was rewritten"
            )
    head = session.execute(select(AuditChainHead.count, AuditChainHead.hash)).first()
    if head is not None and (head.count, head.hash) != (position, prev_hash):
        return failed(f"the chain ends at event {position} but its head says {head.count} event(s)")
    return Verification(True, position, position, prev_hash)


def _heads(session: Session, extra: Iterable[tuple[int, str, str]]):
    stored = session.execute(
        select(AuditCheckpoint.count, AuditCheckpoint.hash, AuditCheckpoint.checked_at)
        .where(AuditCheckpoint.ok.is_(True))
        .order_by(AuditCheckpoint.id)
    )
    heads = [(c, h, f"on {_utc_text(at)[:16].replace('T', ' ')} UTC") for c, h, at in stored]
    return heads + list(extra)


def record_checkpoint(session: Session, now: datetime) -> Verification:
    """Verify the chain and keep what was found (the worker's daily check)."""
    result = verify_chain(session)
    total = session.scalar(select(func.count(AuditEvent.id))) or 0
    session.add(
        AuditCheckpoint(
            checked_at=now,
            ok=result.ok,
            count=result.head_count if result.ok else total,
            hash=result.head_hash,
            problem=result.problem,
        )
    )
    return result


def latest_checkpoints(session: Session, limit: int = 30) -> list[AuditCheckpoint]:
    return list(
        session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc()).limit(limit))
    )


def _london_date(value: datetime):
    return received_date(_aware(value))


def daily_check(ctx) -> Verification | None:
    """The worker's daily verification: once per London day, verify the whole chain, keep
    the head found, and when the chain fails alert the Data Protection Officer's mailbox.
    None when today's check was already made. One transaction."""
    session = ctx.session
    last = session.scalar(select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc()).limit(1))
    today = ctx.today()
    if last is not None and _london_date(last.checked_at) >= today:
        return None
    result = record_checkpoint(session, ctx.now())
    if not result.ok:
        routing = ctx.definition.routing
        queue(
            session,
            ctx.definition,
            "staff_audit_failed",
            [("email", routing.team_emails[routing.triage_team])],
            {"problem": result.problem, "checked_on": today.isoformat()},
            dedupe_key=f"audit-failed:{today.isoformat()}",
        )
    session.commit()
    return result
