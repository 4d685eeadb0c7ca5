from datetime import date, datetime

import pytest

from portal.deadlines import (
    Pause,
    WorkingCalendar,
    add_months,
    clock_start,
    complaint_acknowledgement_due,
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
