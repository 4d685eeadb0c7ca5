"""Senders share one interface: send(row, message) -> Notify's notification id, and
find_sent(row, message) -> the id of a notification already sent for this row, if any."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from io import BytesIO

from notifications_python_client.notifications import NotificationsAPIClient
from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from portal.models import CapturedMessage, Notice, OutboxMessage
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
        if not message.needs_template(row.channel):
            subject = row.personalisation.get("subject")
            body = "(PDF letter)\n\n" + row.personalisation.get("notice", "")
        else:
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

    def find_sent(self, row: OutboxMessage, message: Message) -> str | None:
        """Another worker (or this one, before it died) may have captured it already."""
        captured = self.session.scalar(
            select(CapturedMessage.id).where(CapturedMessage.outbox_id == row.id)
        )
        return f"captured-{captured}" if captured else None


def precompiled_pdf(row: OutboxMessage) -> bytes:
    """The PDF letter the portal made for this outbox row (an outcome notice's letter)."""
    notice = object_session(row).get(Notice, int(row.personalisation["notice_id"]))
    if notice is None or not notice.letter_pdf:
        raise PermanentSendError("the letter's PDF is missing")
    return notice.letter_pdf


def _letter_personalisation(row: OutboxMessage) -> dict:
    lines = [line for line in row.recipient.splitlines() if line.strip()][:7]
    return {f"address_line_{i}": line for i, line in enumerate(lines, start=1)}


@dataclass
class NotifySender:
    """GOV.UK Notify through the official client. One per worker thread: the client's HTTP
    session is not thread-safe."""

    client: NotificationsAPIClient
    template_ids: dict[str, str]
    # Called before every request to Notify (sends and look-ups): waits on the shared budget.
    before_request: Callable[[], None] = lambda: None

    @classmethod
    def from_config(
        cls, api_key: str, base_url: str, template_ids: dict[str, str], timeout=30, gate=None
    ):
        client = NotificationsAPIClient(api_key, base_url=base_url, timeout=timeout)
        return cls(client, template_ids, gate or (lambda: None))

    def send(self, row: OutboxMessage, message: Message) -> str:
        from notifications_python_client.errors import HTTPError

        if not message.needs_template(row.channel):
            return self._send_precompiled(row)
        template_id = self._template_id(row, message)
        reference = row.reference
        self.before_request()
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

    def _send_precompiled(self, row: OutboxMessage) -> str:
        """A letter the portal made as a PDF, through Notify's precompiled-letter API."""
        from notifications_python_client.errors import HTTPError

        pdf = BytesIO(precompiled_pdf(row))
        self.before_request()
        try:
            result = self.client.send_precompiled_letter_notification(
                reference=row.reference, pdf_file=pdf, postage="second"
            )
        except HTTPError as exc:
            raise _classify(exc) from exc
        return result["id"]

    def _template_id(self, row: OutboxMessage, message: Message) -> str:
        template_id = self.template_ids.get(message.env_var(row.channel))
        if not template_id:
            raise PermanentSendError(f"no template id: set {message.env_var(row.channel)}")
        return template_id

    def find_sent(self, row: OutboxMessage, message: Message) -> str | None:
        """After an unknown outcome: did Notify already accept this row? Only a notification
        with this row's reference, recipient and template counts."""
        from notifications_python_client.errors import HTTPError

        precompiled = not message.needs_template(row.channel)
        template_id = None if precompiled else self._template_id(row, message)
        self.before_request()
        try:
            found = self.client.get_all_notifications(reference=row.reference)
        except HTTPError as exc:
            raise _classify(exc) from exc
        for notification in found.get("notifications") or []:
            if precompiled:
                # A precompiled letter has no template of ours and its address is in the PDF.
                if notification.get("reference") == row.reference and (
                    notification.get("type") == "letter"
                ):
                    return notification["id"]
                continue
            if (
                notification.get("reference") == row.reference
                and (notification.get("template") or {}).get("id") == template_id
                and _same_recipient(row, notification)
            ):
                return notification["id"]
        return None


def _digits(phone: str | None) -> str:
    """A UK mobile compared on its last 10 digits (07700 900123 = +44 7700 900123)."""
    return re.sub(r"\D", "", phone or "")[-10:]


def _same_recipient(row: OutboxMessage, notification: dict) -> bool:
    if row.channel == "email":
        return (notification.get("email_address") or "").lower() == row.recipient.lower()
    if row.channel == "sms":
        return bool(_digits(row.recipient)) and _digits(
            notification.get("phone_number")
        ) == _digits(row.recipient)
    first_line = _letter_personalisation(row).get("address_line_1", "")
    return (notification.get("line_1") or "").strip() == first_line.strip()


def _classify(exc) -> Exception:
    status = getattr(exc, "status_code", 503)
    message = "; ".join(
        str(m.get("message", m)) if isinstance(m, dict) else str(m)
        for m in (exc.message if isinstance(exc.message, list) else [exc.message])
    )
    if status in (400, 403):
        return PermanentSendError(f"{status}: {message}")
    return TemporarySendError(f"{status}: {message}")
