"""The one clock: now in UTC, and "today" as the calendar date in Europe/London. Injectable, so a
test can stand at 00:30 on a summer night (23:30 UTC the day before) and see what a resident
there sees."""

from datetime import date, datetime

from portal.deadlines.calendar import now_utc, received_date


class Clock:
    """The real clock."""

    def now(self) -> datetime:
        return now_utc()

    def today(self) -> date:
        """Today in Europe/London, never the server's local or the UTC date."""
        return received_date(self.now())


class FixedClock(Clock):
    """A clock stopped at one moment (timezone-aware)."""

    def __init__(self, moment: datetime):
        if moment.tzinfo is None:
            raise ValueError("a fixed clock needs a timezone-aware moment")
        self.moment = moment

    def now(self) -> datetime:
        return self.moment


SYSTEM_CLOCK = Clock()
