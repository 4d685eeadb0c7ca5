"""The statutory calendar: dates in, dates out. No Flask, no database, no clock of its own."""

from portal.deadlines.calendar import (
    REGIME_CHANGE,
    Pause,
    WorkingCalendar,
    add_months,
    clock_start,
    complaint_acknowledgement_due,
    is_legacy_regime,
    long_date,
    paused_days,
    received_date,
)
from portal.deadlines.due import ComplaintDeadline, Deadline, complaint_deadline, compute_deadline

__all__ = [
    "REGIME_CHANGE",
    "ComplaintDeadline",
    "Deadline",
    "Pause",
    "WorkingCalendar",
    "add_months",
    "clock_start",
    "complaint_acknowledgement_due",
    "complaint_deadline",
    "compute_deadline",
    "is_legacy_regime",
    "long_date",
    "paused_days",
    "received_date",
]
