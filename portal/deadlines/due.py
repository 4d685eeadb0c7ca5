"""Due dates for a rights request, with the reasoning spelled out for the DPO."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from portal.deadlines.calendar import (
    Pause,
    WorkingCalendar,
    add_months,
    complaint_acknowledgement_due,
    is_legacy_regime,
    paused_days,
)
from portal.rights import RIGHTS


@dataclass(frozen=True)
class Deadline:
    start: date
    due: date  # the statutory due date in force (extended if an extension was recorded)
    first_month_due: date  # also the deadline for an extension notice (R9)
    extended_due: date  # what the due date would be with an extension (R8)
    extended: bool
    paused_days: int
    legacy: bool
    steps: list[str] = field(default_factory=list)

    def can_extend_on(self, day: date) -> bool:
        """An extension, with its notice, must be given before the first month ends (R9)."""
        return not self.extended and day <= self.first_month_due


def _describe(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def compute_deadline(
    start: date,
    *,
    right: str,
    working: WorkingCalendar,
    received: date | None = None,
    pauses: Iterable[Pause] = (),
    extended: bool = False,
    today: date | None = None,
) -> Deadline:
    """Due date of a request whose clock started on `start` (R2, R3, R6, R8, R9).

    Pauses count for access requests only (Art 12A(5)); an open pause is counted up to `today`,
    giving a provisional date.
    """
    if right not in RIGHTS:
        raise ValueError(f"unknown right {right!r}")
    received = received or start
    steps = [f"Clock starts {_describe(start)} (the latest of receipt and any requested evidence)."]
    pauses = list(pauses)
    if right == "access":
        paused = paused_days(start, pauses, until=today)
        if pauses:
            steps.append(
                f"{paused} day(s) paused for clarification (both ends counted, only days "
                "after the start)."
            )
    else:
        paused = 0
        if pauses:
            steps.append(f"Pauses ignored: the clock cannot be stopped for {right} requests.")

    one_month = add_months(start, 1)
    steps.append(f"One calendar month later: {_describe(one_month)} (clamped to the month's end).")
    first_raw = one_month + timedelta(days=paused)
    if paused:
        steps.append(f"Plus {paused} paused day(s): {_describe(first_raw)}.")
    first_due = working.roll_forward(first_raw)

    three_months = add_months(start, 3)
    ext_raw = three_months + timedelta(days=paused)
    ext_due = working.roll_forward(ext_raw)

    raw, due = (ext_raw, ext_due) if extended else (first_raw, first_due)
    if extended:
        steps.append(
            f"Extended: three calendar months from the start{' plus pauses' if paused else ''}: "
            f"{_describe(ext_raw)}."
        )
    if due != raw:
        reason = working.holiday_name(raw) or "a weekend"
        steps.append(
            f"{_describe(raw)} is not a working day ({reason}): moved to {_describe(due)}."
        )
    legacy = is_legacy_regime(received)
    if legacy:
        steps.append("Received before 5 February 2026: handled under the earlier regime.")
    steps.append(f"Due by the end of {_describe(due)}.")
    return Deadline(
        start=start,
        due=due,
        first_month_due=first_due,
        extended_due=ext_due,
        extended=extended,
        paused_days=paused,
        legacy=legacy,
        steps=steps,
    )


@dataclass(frozen=True)
class ComplaintDeadline:
    """A complaint's dates (s.164A): the statutory acknowledgement and the internal target for
    the outcome, both counted from receipt. `due` is the earliest of what is still owed."""

    received: date
    acknowledge_by: date
    target: date
    acknowledged: bool
    steps: list[str] = field(default_factory=list)

    @property
    def due(self) -> date:
        return self.target if self.acknowledged else min(self.acknowledge_by, self.target)

    # A complaint has no month to extend within (the `within_first_month` guard never holds).
    first_month_due = None


def complaint_deadline(
    received: date,
    *,
    working: WorkingCalendar,
    acknowledged: bool,
    acknowledge_days: int = 30,
    target_working_days: int = 20,
) -> ComplaintDeadline:
    """The acknowledgement is due `acknowledge_days` calendar days after receipt (counted from
    the day after), rolled once to a working day; the outcome's internal target is
    `target_working_days` working days after receipt."""
    ack = complaint_acknowledgement_due(received, working, acknowledge_days)
    target = working.add_working_days(received, target_working_days)
    steps = [
        f"Complaint received {_describe(received)}.",
        f"Acknowledge within {acknowledge_days} days: by the end of {_describe(ack)}"
        + (" (done)." if acknowledged else "."),
        f"Internal target for the outcome, {target_working_days} working days: "
        f"{_describe(target)}.",
    ]
    return ComplaintDeadline(received, ack, target, acknowledged, steps)
