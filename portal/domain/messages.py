"""The DPO's view of the outbox: messages listed by status and kind, page by page, and a failed
message sent again, on its own channel or another the requester gave. One transaction each."""

from dataclasses import dataclass, field

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from portal.domain import DomainError
from portal.domain.audit import record_event
from portal.domain.context import DomainContext
from portal.domain.outbox import ONE_TIME_CODES, queue
from portal.models import (
    FAILED_STATUSES,
    OUTBOX_STATUSES,
    DataRequest,
    OutboxMessage,
)
from portal.workflow import Actor, WorkflowDefinition

PER_PAGE = 50
# "failed" on the Messages page means every way a message can fail (not sent, or not delivered).
STATUS_FILTERS = ("failed", "all", *OUTBOX_STATUSES)


@dataclass
class MessagePage:
    rows: list[OutboxMessage] = field(default_factory=list)
    references: dict[int, str] = field(default_factory=dict)  # request id -> DR reference
    total: int = 0
    page: int = 1
    pages: int = 1


def search_messages(
    session: Session, status: str = "failed", message_key: str = "", page: int = 1
) -> MessagePage:
    """Newest first. Unknown filter values match nothing rather than everything."""
    query = select(OutboxMessage)
    if status == "failed":
        query = query.where(OutboxMessage.status.in_(FAILED_STATUSES))
    elif status != "all":
        query = query.where(OutboxMessage.status == status)
    if message_key:
        query = query.where(OutboxMessage.message_key == message_key)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(page, 1), pages)
    rows = session.scalars(
        query.order_by(OutboxMessage.id.desc()).offset((page - 1) * PER_PAGE).limit(PER_PAGE)
    ).all()
    request_ids = {r.request_id for r in rows if r.request_id}
    references = dict(
        session.execute(
            select(DataRequest.id, DataRequest.reference).where(DataRequest.id.in_(request_ids))
        ).all()
    )
    return MessagePage(list(rows), references, total, page, pages)


class ResendRefused(DomainError):
    """The message cannot be sent again, or not on the chosen channel."""

    field = "channel"


def can_resend(row: OutboxMessage) -> bool:
    return (
        row.status in FAILED_STATUSES
        and row.resent_as_id is None
        and row.message_key not in ONE_TIME_CODES
    )


def resend_channels(
    definition: WorkflowDefinition, row: OutboxMessage, request: DataRequest | None
) -> list[tuple[str, str]]:
    """Where the message can go again: (channel, recipient). A requester's message may go on
    any channel the message has and the requester gave details for; a staff message goes to
    the same mailbox."""
    message = definition.messages[row.message_key]
    if message.audience != "requester" or request is None:
        return [(row.channel, row.recipient)]
    person = request.person("requester") or request.person("subject")
    given = {
        "email": person.email,
        "sms": person.phone,
        "letter": "\n".join([person.full_name, person.address or "", person.postcode or ""])
        if person.address
        else None,
    }
    return [(ch, given[ch]) for ch in message.channels if given.get(ch)]


def resend_message(
    ctx: DomainContext, row: OutboxMessage, channel: str, actor: Actor
) -> OutboxMessage:
    """Queue a failed message again on `channel`, with a new reference, and record who did it."""
    session, definition = ctx.session, ctx.definition
    if row.message_key in ONE_TIME_CODES:
        raise ResendRefused(
            "A one-time code cannot be sent again: the requester asks for a new one."
        )
    if not can_resend(row):
        raise ResendRefused("This message has already been sent again, or has not failed.")
    request = session.get(DataRequest, row.request_id) if row.request_id else None
    recipients = [pair for pair in resend_channels(definition, row, request) if pair[0] == channel]
    if not recipients:
        raise ResendRefused("Choose how to send it.")
    [new] = queue(session, definition, row.message_key, recipients, row.personalisation, request)
    # Only the first of two people pressing "Send again" at once sends it.
    claimed = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row.id, OutboxMessage.resent_as_id.is_(None))
        .values(resent_as_id=new.id)
    ).rowcount
    if not claimed:
        session.rollback()
        raise ResendRefused("This message has already been sent again.")
    record_event(
        session,
        request,
        actor,
        "message_resent",
        {"message": row.message_key, "channel": channel, "failed_channel": row.channel},
        at=ctx.now(),
    )
    session.commit()
    return new
