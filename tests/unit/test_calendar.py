from datetime import date, datetime

import pytest

from portal.deadlines import (
    Pause,
    WorkingCalendar,
    add_months,
    clock_start,
    complaint_acknowledgement_due,
    complaint_deadline,
    compute_deadline,
    is_legacy_regime,
    paused_days,
    received_date,
)

W = WorkingCalendar()


def test_add_months_clamps_and_crosses_years():
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert add_months(date(2026, 12, 15), 1) == date(2027, 1, 15)
    assert add_months(date(2027, 11, 30), 3) == date(2028, 2, 29)


def test_clock_start_is_the_latest_trigger():
    assert clock_start(date(2026, 2, 10)) == date(2026, 2, 10)
    assert clock_start(date(2026, 2, 10), evidence_received=date(2026, 2, 20)) == date(2026, 2, 20)
    assert clock_start(date(2026, 2, 10), date(2026, 2, 20), fee_paid=date(2026, 3, 1)) == date(
        2026, 3, 1
    )


def test_regime_change_on_5_february_2026():
    assert is_legacy_regime(date(2026, 2, 4))
    assert not is_legacy_regime(date(2026, 2, 5))
    legacy = compute_deadline(date(2026, 2, 4), right="access", working=W)
    assert legacy.legacy and "earlier regime" in legacy.steps[-2]


@pytest.mark.parametrize(
    ("received", "expected"),
    [
        # Both examples from the complaints-duty rules (s.164A): received + 30 days, rolled.
        (date(2026, 6, 19), date(2026, 7, 20)),  # Sun 19 Jul -> Mon 20 Jul
        (date(2026, 11, 26), date(2026, 12, 29)),  # Sat 26 Dec, Sun, Boxing subst. Mon 28 -> Tue
    ],
)
def test_complaint_acknowledgement_due(received, expected):
    assert complaint_acknowledgement_due(received, W) == expected


def test_open_pause_counts_up_to_today_for_a_provisional_date():
    start = date(2026, 6, 1)
    assert paused_days(start, [Pause(date(2026, 6, 3))], until=date(2026, 6, 7)) == 5
    assert paused_days(start, [Pause(date(2026, 6, 3))]) == 0


def test_pause_cannot_end_before_it_starts():
    with pytest.raises(ValueError):
        Pause(date(2026, 6, 3), date(2026, 6, 2))


def test_extension_allowed_only_until_the_first_month_deadline():
    deadline = compute_deadline(date(2026, 11, 25), right="access", working=W)
    assert deadline.first_month_due == date(2026, 12, 29)
    assert deadline.can_extend_on(date(2026, 12, 29))
    assert not deadline.can_extend_on(date(2026, 12, 30))
    extended = compute_deadline(date(2026, 11, 25), right="access", working=W, extended=True)
    assert not extended.can_extend_on(date(2026, 12, 1))


def test_working_days():
    # Fri 24 Dec 2027 back 2 working days is Wed 22 Dec; forward 1 from Fri 24 is Wed 29 Dec.
    assert W.add_working_days(date(2027, 12, 24), -2) == date(2027, 12, 22)
    assert W.add_working_days(date(2027, 12, 24), 1) == date(2027, 12, 29)
    assert W.working_days_between(date(2026, 12, 23), date(2026, 12, 29)) == 2  # 24 and 29


def test_naive_moments_are_refused():
    with pytest.raises(ValueError):
        received_date(datetime(2026, 6, 30, 23, 30))


def test_explanation_names_the_holiday_it_rolls_over():
    steps = compute_deadline(date(2026, 11, 25), right="access", working=W).steps
    assert any("Christmas Day" in s and "29 December 2026" in s for s in steps)


def test_unknown_right_refused():
    with pytest.raises(ValueError):
        compute_deadline(date(2026, 11, 25), right="erasure", working=W)


@pytest.mark.parametrize(
    ("received", "acknowledge_by", "target"),
    [
        # Fri 19 Jun 2026 (the day s.164A applies from): 30 days is Sun 19 Jul, rolled to Mon;
        # 20 working days is Fri 17 Jul.
        (date(2026, 6, 19), date(2026, 7, 20), date(2026, 7, 17)),
        # Received on a Saturday: counted from that day all the same (R1).
        (date(2026, 6, 20), date(2026, 7, 20), date(2026, 7, 17)),
        # Christmas: Sat 26 Dec and the Boxing Day substitute Mon 28 Dec roll the
        # acknowledgement; the target skips 25 and 28 Dec (24 and 31 Dec are working days).
        (date(2026, 11, 26), date(2026, 12, 29), date(2026, 12, 24)),
        (date(2026, 12, 24), date(2027, 1, 25), date(2027, 1, 26)),
        # Good Friday and Easter Monday 2027 push the target past the acknowledgement.
        (date(2027, 3, 19), date(2027, 4, 19), date(2027, 4, 20)),
    ],
)
def test_a_complaints_acknowledgement_and_internal_target(received, acknowledge_by, target):
    dates = complaint_deadline(received, working=W, acknowledged=False)
    assert (dates.acknowledge_by, dates.target) == (acknowledge_by, target)
    # Until acknowledged, the earlier of the two is due; then the target.
    assert dates.due == min(acknowledge_by, target)
    assert complaint_deadline(received, working=W, acknowledged=True).due == target


def test_a_complaints_periods_are_settings_and_proclaimed_holidays_count():
    dates = complaint_deadline(
        date(2026, 6, 19), working=W, acknowledged=True, target_working_days=10
    )
    assert dates.target == date(2026, 7, 3)
    extra = WorkingCalendar.with_extra_days([date(2026, 7, 20)])
    dates = complaint_deadline(date(2026, 6, 19), working=extra, acknowledged=False)
    assert dates.acknowledge_by == date(2026, 7, 21)
    assert "Internal target for the outcome, 20 working days: Friday 17 July 2026." in dates.steps
