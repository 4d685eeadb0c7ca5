"""Senders share one interface: send(row, message) -> Notify's notification id."""

from dataclasses import dataclass

from notifications_python_client.notifications import NotificationsAPIClient
from sqlalchemy.orm import Session

from portal.models import CapturedMessage, OutboxMessage
from portal.workflow.definition import Message


class PermanentSendError(Exception):
    """Notify refused the message (400/403): retrying would not help."""


class TemporarySendError(Exception):
    """5xx, 429, a timeout or a dropped connection: try again later."""


class CaptureSender:
    """With no Notify API key: render the shipped template text and keep it in the database,
    so a developer or a trial council sees exactly what residents would receive."""

    def __init__(self, session: Session):
        self.session = session

    def send(self, row: OutboxMessage, message: Message) -> str:
        subject, body = message.templates[row.channel].render(row.personalisation)
        captured = CapturedMessage(
            outbox_id=row.id,
            channel=row.channel,
            recipient=row.recipient,
            subject=subject,
            body=body,
        )
        self.session.add(captured)
        self.session.flush()
        return f"captured-{captured.id}"

    def find_sent(self, row: OutboxMessage) -> str | None:
        return None


def _letter_personalisation(row: OutboxMessage) -> dict:
    lines = [line for line in row.recipient.splitlines() if line.strip()][:7]
    return {f"address_line_{i}": line for i, line in enumerate(lines, start=1)}


@dataclass
class NotifySender:
    """GOV.UK Notify through the official client. One per worker thread: the client's HTTP
    session is not thread-safe."""

    client: NotificationsAPIClient
    template_ids: dict[str, str]

    @classmethod
    def from_config(cls, api_key: str, base_url: str, template_ids: dict[str, str], timeout=30):
        return cls(
            NotificationsAPIClient(api_key, base_url=base_url, timeout=timeout), template_ids
        )

    def send(self, row: OutboxMessage, message: Message) -> str:
        from notifications_python_client.errors import HTTPError

        template_id = self.template_ids.get(message.env_var(row.channel))
        if not template_id:
            raise PermanentSendError(f"no template id: set {message.env_var(row.channel)}")
        reference = str(row.id)
        try:
            if row.channel == "email":
                result = self.client.send_email_notification(
                    email_address=row.recipient,
                    template_id=template_id,
                    personalisation=row.personalisation,
                    reference=reference,
                )
            elif row.channel == "sms":
                result = self.client.send_sms_notification(
                    phone_number=row.recipient,
                    template_id=template_id,
                    personalisation=row.personalisation,
                    reference=reference,
                )
            else:
                result = self.client.send_letter_notification(
                    template_id=template_id,
                    personalisation={**row.personalisation, **_letter_personalisation(row)},
                    reference=reference,
                )
        except HTTPError as exc:
            raise _classify(exc) from exc
        return result["id"]

    def find_sent(self, row: OutboxMessage) -> str | None:
        """After an unknown outcome: did Notify already accept this row? (Its reference.)"""
        from notifications_python_client.errors import HTTPError

        try:
            found = self.client.get_all_notifications(reference=str(row.id))
        except HTTPError as exc:
            raise _classify(exc) from exc
        notifications = found.get("notifications") or []
        return notifications[0]["id"] if notifications else None


def _classify(exc) -> Exception:
    status = getattr(exc, "status_code", 503)
    message = "; ".join(
        str(m.get("message", m)) if isinstance(m, dict) else str(m)
        for m in (exc.message if isinstance(exc.message, list) else [exc.message])
    )
    if status in (400, 403):
        return PermanentSendError(f"{status}: {message}")
    return TemporarySendError(f"{status}: {message}")
