"""The only code that changes state. Each public function is one transaction: state, audit event,
clock rows and outbox rows commit together or not at all. No request context needed."""

from datetime import UTC, datetime


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class DomainError(Exception):
    """A refusal to show the user, in plain English."""
