"""The only code that changes state. Each public function is one transaction: state, audit event,
clock rows and outbox rows commit together or not at all. No request context needed."""


class DomainError(Exception):
    """A refusal to show the user, in plain English."""
