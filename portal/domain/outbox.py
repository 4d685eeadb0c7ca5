"""Writing messages to the outbox, inside the caller's transaction. The worker sends them."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import DataRequest, OutboxMessage
from portal.workflow.definition import WorkflowDefinition

# Messages carrying a one-time code or a single-use link back to saved answers: sealed, sent
# ahead of any backlog (a code expires in 15 minutes) and blanked in the outbox once sent (a
# personal secret), never sent again.
ONE_TIME_CODES = frozenset({"verification_code", "draft_saved"})
URGENT, NORMAL = 0, 1


def requester_recipients(request: DataRequest) -> list[tuple[str, str]]:
    """The requester's chosen channels: (channel, recipient) pairs."""
    person = request.person("requester") or request.person("subject")
    method = person.contact_by
    out = []
    if method in ("email", "both") and person.email:
        out.append(("email", person.email))
    if method in ("sms", "both") and person.phone:
        out.append(("sms", person.phone))
    if method == "post":
        out.append(
            ("letter", "\n".join([person.full_name, person.address or "", person.postcode or ""]))
        )
    return out


def handling_staff(definition: WorkflowDefinition, request: DataRequest) -> list[tuple[str, str]]:
    """Who to tell when the requester does something: the assignee; when nobody is assigned,
    the mailboxes of the services still searching; when none is, the triage team's."""
    assignee = request.assignee
    if assignee is not None and assignee.active and assignee.email:
        return [("email", assignee.email)]
    routing = definition.routing
    searching = [
        routing.services[t.service].email
        for t in request.tasks
        if t.status == "open" and t.service in routing.services
    ]
    if searching:
        return [("email", address) for address in dict.fromkeys(searching)]
    return [("email", routing.team_emails[routing.triage_team])]


# How a request or complaint arrived, as the staff message says it.
RECEIVED_BY = {
    "online": "online",
    "post": "by post",
    "phone": "by phone",
    "email": "by email",
    "in_person": "in person",
}


def triage_team(definition: WorkflowDefinition) -> list[tuple[str, str]]:
    """The DPO team's mailbox, told of every new request."""
    routing = definition.routing
    return [("email", routing.team_emails[routing.triage_team])]


def tell_dpo_team_of_new(
    session: Session, definition: WorkflowDefinition, case: DataRequest, kind: str, due: str
) -> None:
    """The DPO team hears at once of every new request or complaint, however it arrived."""
    team, personalisation = triage_team(definition), _new_personalisation(case, kind, due)
    queue(session, definition, "staff_new_request", team, personalisation, case)


def new_request_rows(
    definition: WorkflowDefinition, case: DataRequest, kind: str, due: str
) -> list[dict]:
    """`tell_dpo_team_of_new`'s outbox rows, for a caller that writes its rows together."""
    return message_rows(
        definition,
        "staff_new_request",
        triage_team(definition),
        _new_personalisation(case, kind, due),
        case.id,
        None,
        lambda _key: False,
    )


def _new_personalisation(case: DataRequest, kind: str, due: str) -> dict:
    return {
        "reference": case.reference,
        "right": kind,
        "received_by": RECEIVED_BY.get(case.channel, case.channel),
        "due_date": due,
    }


def read_where(request: DataRequest) -> str:
    """Where a text message tells the requester to read the details: never their email when
    we do not email them."""
    if any(channel == "email" for channel, _ in requester_recipients(request)):
        return "in the email we sent you or on our website"
    return "on our website"


def queue(
    session: Session,
    definition: WorkflowDefinition,
    key: str,
    recipients: list[tuple[str, str]],
    personalisation: dict,
    request: DataRequest | None = None,
    dedupe_key: str | None = None,
) -> list[OutboxMessage]:
    """Add one outbox row per recipient on a channel the message has. With a dedupe_key, a
    message already queued under that key is not queued again."""

    def queued_before(dedupe: str) -> bool:
        return bool(
            session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe))
        )

    rows = [
        OutboxMessage(**values)
        for values in message_rows(
            definition,
            key,
            recipients,
            personalisation,
            request.id if request is not None else None,
            dedupe_key,
            queued_before,
        )
    ]
    session.add_all(rows)
    session.flush()
    return rows


def message_rows(
    definition: WorkflowDefinition,
    key: str,
    recipients: list[tuple[str, str]],
    personalisation: dict,
    request_id: int | None,
    dedupe_key: str | None,
    queued_before,
) -> list[dict]:
    """The outbox rows (as column values) a message makes: one per recipient on a channel the
    message has, less those whose dedupe key `queued_before` says is taken. The sweep inserts
    these many at a time."""
    message = definition.messages[key]
    missing = set(message.personalisation) - set(personalisation)
    if missing:
        raise ValueError(f"message {key} needs {', '.join(sorted(missing))}")
    rows = []
    for index, (channel, recipient) in enumerate(recipients):
        if channel not in message.channels:
            continue
        dedupe = f"{dedupe_key}:{index}" if dedupe_key else None
        if dedupe and queued_before(dedupe):
            continue
        rows.append(
            {
                "request_id": request_id,
                "message_key": key,
                "channel": channel,
                "recipient": recipient,
                "personalisation": {k: str(personalisation[k]) for k in message.personalisation},
                "dedupe_key": dedupe,
                "priority": URGENT if key in ONE_TIME_CODES else NORMAL,
            }
        )
    return rows
