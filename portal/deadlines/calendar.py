"""Calendar arithmetic for the statutory clock (UK GDPR Art 12A, Reg 1182/71 art 3, ICO guidance).

Rule numbers (R1...) refer to the deadline rules the DPO agreed; see docs/decisions.md.
"""

import calendar as _calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

LONDON = ZoneInfo("Europe/London")

# Art 12A and the stop-the-clock in Art 12A(5) apply to requests received on or after this date
# (SI 2026/82 regs 2(h) and 4). Earlier requests are "legacy": same arithmetic, pauses rest on ICO
# guidance rather than statute.
REGIME_CHANGE = date(2026, 2, 5)


def long_date(day: date) -> str:
    """A date as GOV.UK writes it: 29 December 2026."""
    return f"{day.day} {day:%B %Y}"


def received_date(moment: datetime) -> date:
    """R1: the calendar date in Europe/London of the moment a request arrived."""
    if moment.tzinfo is None:
        raise ValueError("received moment must be timezone-aware")
    return moment.astimezone(LONDON).date()


def add_months(day: date, months: int) -> date:
    """R2: the same day number `months` later, clamped to that month's last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    last = _calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last))


@lru_cache(maxsize=64)
def _holiday_names(year: int) -> dict[date, str]:
    # England and Wales bank holidays, substitute ("observed") days included.
    return dict(holidays.country_holidays("GB", subdiv="ENG", years=year))


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[date]:
    return frozenset(_holiday_names(year))


@dataclass(frozen=True)
class WorkingCalendar:
    """Working days: Monday to Friday, not an England and Wales bank holiday, not an extra
    non-working day the council configured (a proclaimed one-off bank holiday, say)."""

    extra_non_working_days: frozenset[date] = frozenset()

    @classmethod
    def with_extra_days(cls, days: Iterable[date] = ()) -> "WorkingCalendar":
        return cls(frozenset(days))

    def holiday_name(self, day: date) -> str | None:
        if day in self.extra_non_working_days:
            return "council non-working day"
        return _holiday_names(day.year).get(day)

    def is_working_day(self, day: date) -> bool:
        return (
            day.weekday() < 5
            and day not in _bank_holidays(day.year)
            and day not in self.extra_non_working_days
        )

    def roll_forward(self, day: date) -> date:
        """R3: a non-working day moves to the next working day (applied once, to a final date)."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def add_working_days(self, day: date, count: int) -> date:
        """Move `count` working days forward (negative: backward) from `day`."""
        step = 1 if count >= 0 else -1
        remaining = abs(count)
        while remaining:
            day += timedelta(days=step)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (negative if end is earlier)."""
        if end < start:
            return -self.working_days_between(end, start)
        return sum(
            1 for n in range(1, (end - start).days + 1) if self.is_working_day(start + timedelta(n))
        )


@dataclass(frozen=True)
class Pause:
    """A clarification pause: the day the council asked and the day it had the answer, both
    inclusive. `answered` is None while the pause is still open."""

    asked: date
    answered: date | None = None

    def __post_init__(self):
        if self.answered is not None and self.answered < self.asked:
            raise ValueError("a pause cannot end before it starts")


def paused_days(start: date, pauses: Iterable[Pause], until: date | None = None) -> int:
    """R6: days paused, counting both ends, only days after the clock's start. An open pause runs
    to `until` (today) for a provisional figure."""
    total = 0
    for pause in pauses:
        end = pause.answered or until
        if end is None:
            continue
        first = max(pause.asked, start + timedelta(days=1))
        if end >= first:
            total += (end - first).days + 1
    return total


def clock_start(
    received: date, evidence_received: date | None = None, fee_paid: date | None = None
) -> date:
    """R5: the relevant time is the latest of receipt, requested identity or authority evidence
    received, and fee paid."""
    return max(d for d in (received, evidence_received, fee_paid) if d is not None)


def is_legacy_regime(received: date) -> bool:
    """R7: received before Art 12A came into force."""
    return received < REGIME_CHANGE


def complaint_acknowledgement_due(received: date, working: WorkingCalendar, days: int = 30) -> date:
    """s.164A DPA 2018: acknowledge within 30 days, counted from the day after receipt, rolled."""
    return working.roll_forward(received + timedelta(days=days))


def now_utc() -> datetime:
    """The one place the rest of the app reads the clock from; the calendar never calls it."""
    return datetime.now(UTC)
