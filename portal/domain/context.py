"""What every domain call needs, carried together: the database session, the workflow
definition, the working calendar, the one clock and the council's settings. Built in one place
for web requests, commands and the worker (`portal.runtime.domain_context`)."""

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time

from sqlalchemy.orm import Session

from portal.clock import SYSTEM_CLOCK, Clock, FixedClock
from portal.deadlines import WorkingCalendar
from portal.domain.scanning import NO_SCANNER, Scanner
from portal.workflow import WorkflowDefinition


@dataclass(frozen=True)
class Settings:
    task_target_working_days: int = 5  # a service task's target, before the due date
    reminder_working_days: tuple[int, ...] = (5, 2)  # staff reminders before the due date
    notify_letters: bool = False  # outcome-notice letters sent by Notify (else staff post them)
    lift_notice_working_days: int = 10  # Art 18(3): told this long before a restriction is lifted
    sweep_connections: int = 2  # sweep batches written at once on PostgreSQL


@dataclass(frozen=True)
class DomainContext:
    session: Session
    definition: WorkflowDefinition
    working: WorkingCalendar = field(default_factory=WorkingCalendar)
    clock: Clock = SYSTEM_CLOCK
    settings: Settings = field(default_factory=Settings)
    # Malware scanning of uploads (portal/domain/scanning.py); none by default.
    scanner: Scanner = NO_SCANNER

    def now(self) -> datetime:
        return self.clock.now()

    def today(self) -> date:
        """Today in Europe/London."""
        return self.clock.today()

    def at(self, when: date | datetime) -> "DomainContext":
        """The same context with its clock stopped at `when` (a date: noon UTC that day, which
        is the same calendar day in London whatever the season)."""
        moment = when if isinstance(when, datetime) else datetime.combine(when, time(12), UTC)
        return replace(self, clock=FixedClock(moment))
