"""The only code that changes state. Each public function is one transaction: state, audit event,
clock rows and outbox rows commit together or not at all. No request context needed."""

from datetime import UTC, datetime


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class DomainError(Exception):
    """A refusal to show the user, in plain English. `field` names the form field it is about;
    None means the action as a whole (shown at the top of the error summary). Views place it
    with `portal.forms.errors.show_error` and never read its words."""

    field: str | None = None

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        if field is not None:
            self.field = field


class FieldError(DomainError):
    """A refusal about one answer, e.g. `FieldError("new_password", "Password must ...")`."""

    def __init__(self, field: str, message: str):
        super().__init__(message, field=field)
