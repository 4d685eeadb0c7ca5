"""The due-date table: each case worked out by hand from the deadline rules (R1-R8 in
docs/decisions.md and the ICO's examples), with the reasoning beside it."""

from datetime import UTC, date, datetime

import pytest

from portal.deadlines import Pause, WorkingCalendar, compute_deadline, received_date

D = date
W = WorkingCalendar()

# (start, right, pauses, extended, expected due, reasoning)
CASES = [
    # --- one month, no roll ---
    (D(2026, 6, 15), "access", (), False, D(2026, 7, 15), "15 Jul 2026 is a Wednesday"),
    (
        D(2026, 11, 24),
        "access",
        (),
        False,
        D(2026, 12, 24),
        "Thu 24 Dec: council closure days are not bank holidays, so no roll (R3)",
    ),
    (D(2026, 11, 30), "access", (), False, D(2026, 12, 30), "Wed 30 Dec 2026 is a working day"),
    # --- month ends (R2 clamps to the last day) ---
    (D(2026, 5, 31), "access", (), False, D(2026, 6, 30), "no 31 Jun: clamp to Tue 30 Jun"),
    (D(2026, 8, 31), "access", (), False, D(2026, 9, 30), "no 31 Sep: clamp to Wed 30 Sep"),
    (D(2026, 10, 31), "access", (), False, D(2026, 11, 30), "no 31 Nov: clamp to Mon 30 Nov"),
    (D(2026, 3, 31), "access", (), False, D(2026, 4, 30), "no 31 Apr: clamp to Thu 30 Apr"),
    (
        D(2026, 1, 31),
        "access",
        (),
        False,
        D(2026, 3, 2),
        "clamp to Sat 28 Feb 2026 (not a leap year), roll over the weekend to Mon 2 Mar",
    ),
    (D(2026, 12, 31), "access", (), False, D(2027, 2, 1), "Sun 31 Jan 2027 rolls to Mon 1 Feb"),
    (D(2026, 2, 28), "access", (), False, D(2026, 3, 30), "Sat 28 Mar rolls to Mon 30 Mar"),
    # --- leap years ---
    (D(2028, 1, 31), "access", (), False, D(2028, 2, 29), "2028 is a leap year: Tue 29 Feb"),
    (
        D(2024, 1, 31),
        "access",
        (),
        False,
        D(2024, 2, 29),
        "ICO: 31 Jan runs to 29 Feb in a leap year (Thu)",
    ),
    (D(2028, 1, 29), "access", (), False, D(2028, 2, 29), "29 Jan -> 29 Feb 2028 exists (Tue)"),
    # --- receipt on a non-working day still counts from that day (ICO) ---
    (
        D(2026, 1, 1),
        "access",
        (),
        False,
        D(2026, 2, 2),
        "received on New Year's Day: 1 Feb 2026 is a Sunday, roll to Mon 2 Feb",
    ),
    (
        D(2026, 11, 28),
        "access",
        (),
        False,
        D(2026, 12, 29),
        "received Sat 28 Nov: Mon 28 Dec is the Boxing Day substitute, roll to Tue 29 Dec",
    ),
    (
        D(2026, 12, 24),
        "access",
        (),
        False,
        D(2027, 1, 25),
        "received on a closure day: Sun 24 Jan 2027 rolls to Mon 25 Jan",
    ),
    # --- every kind of England and Wales bank holiday ---
    (
        D(2024, 11, 25),
        "access",
        (),
        False,
        D(2024, 12, 27),
        "ICO's example: Mon 25 Nov 2024 -> Christmas Wed 25, Boxing Day Thu 26 -> Fri 27 Dec",
    ),
    (
        D(2026, 11, 25),
        "access",
        (),
        False,
        D(2026, 12, 29),
        "Christmas Fri 25 Dec, weekend, Boxing Day substitute Mon 28 -> Tue 29 Dec",
    ),
    (
        D(2027, 11, 25),
        "access",
        (),
        False,
        D(2027, 12, 29),
        "Sat 25 Dec 2027, Sun, Christmas substitute Mon 27, Boxing substitute Tue 28 -> Wed 29",
    ),
    (
        D(2027, 11, 27),
        "access",
        (),
        False,
        D(2027, 12, 29),
        "Mon 27 Dec 2027 is the Christmas substitute, Tue 28 the Boxing substitute -> Wed 29",
    ),
    (
        D(2027, 12, 1),
        "access",
        (),
        False,
        D(2028, 1, 4),
        "Sat 1 Jan 2028, Sun 2, Mon 3 is the New Year substitute -> Tue 4 Jan",
    ),
    (D(2027, 12, 3), "access", (), False, D(2028, 1, 4), "Mon 3 Jan 2028 substitute -> Tue 4 Jan"),
    (
        D(2026, 3, 3),
        "access",
        (),
        False,
        D(2026, 4, 7),
        "Good Friday 3 Apr 2026, weekend, Easter Monday 6 Apr -> Tue 7 Apr",
    ),
    (D(2026, 3, 6), "access", (), False, D(2026, 4, 7), "Easter Monday 6 Apr 2026 -> Tue 7 Apr"),
    (
        D(2027, 2, 26),
        "access",
        (),
        False,
        D(2027, 3, 30),
        "Good Friday 26 Mar 2027, weekend, Easter Monday 29 Mar -> Tue 30 Mar",
    ),
    (D(2026, 4, 4), "access", (), False, D(2026, 5, 5), "Early May bank holiday Mon 4 May 2026"),
    (D(2027, 4, 3), "access", (), False, D(2027, 5, 4), "Early May bank holiday Mon 3 May 2027"),
    (D(2026, 4, 25), "access", (), False, D(2026, 5, 26), "Spring bank holiday Mon 25 May 2026"),
    (D(2028, 4, 29), "access", (), False, D(2028, 5, 30), "Spring bank holiday Mon 29 May 2028"),
    (D(2026, 7, 31), "access", (), False, D(2026, 9, 1), "Summer bank holiday Mon 31 Aug 2026"),
    # --- clarification pauses (R6: access only, both ends inclusive, only days after start) ---
    (
        D(2026, 1, 28),
        "access",
        ((D(2026, 2, 2), D(2026, 2, 11)),),
        False,
        D(2026, 3, 10),
        "10 paused days added to the end: Sat 28 Feb + 10 = Tue 10 Mar (not 9 Mar)",
    ),
    (
        D(2026, 3, 2),
        "access",
        ((D(2026, 3, 2), D(2026, 3, 4)),),
        False,
        D(2026, 4, 7),
        "pause starts on the start day: only 3 and 4 Mar count (2 days); Thu 2 Apr + 2 = Sat 4 "
        "Apr, Easter Monday 6 Apr -> Tue 7 Apr",
    ),
    (
        D(2026, 3, 10),
        "access",
        ((D(2026, 3, 1), D(2026, 3, 5)),),
        False,
        D(2026, 4, 10),
        "pause wholly before the (restarted) start counts for nothing: Fri 10 Apr",
    ),
    (
        D(2026, 6, 1),
        "access",
        ((D(2026, 6, 3), D(2026, 6, 5)), (D(2026, 6, 10), D(2026, 6, 10))),
        False,
        D(2026, 7, 6),
        "two pauses add up: 3 + 1 = 4 days; Wed 1 Jul + 4 = Sun 5 Jul -> Mon 6 Jul",
    ),
    (
        D(2026, 1, 31),
        "access",
        ((D(2026, 2, 2), D(2026, 2, 3)),),
        False,
        D(2026, 3, 2),
        "roll once, at the end: Sat 28 Feb + 2 = Mon 2 Mar (rolling first would give 4 Mar)",
    ),
    (
        D(2026, 6, 1),
        "rectification",
        ((D(2026, 6, 3), D(2026, 6, 5)),),
        False,
        D(2026, 7, 1),
        "no pause for rectification (Art 12A(5) covers Art 15 only): Wed 1 Jul",
    ),
    (
        D(2026, 6, 1),
        "restriction",
        ((D(2026, 6, 3), D(2026, 6, 5)),),
        False,
        D(2026, 7, 1),
        "no pause for restriction: Wed 1 Jul",
    ),
    (D(2026, 11, 25), "objection", (), False, D(2026, 12, 29), "same month rule for objection"),
    # --- extensions (R8: three months from the start, plus pauses, rolled once) ---
    (
        D(2026, 1, 31),
        "access",
        (),
        True,
        D(2026, 4, 30),
        "three months from 31 Jan is 30 Apr (Thu), not one month end + two months (28 Apr)",
    ),
    (D(2026, 11, 25), "access", (), True, D(2027, 2, 25), "Thu 25 Feb 2027"),
    (
        D(2026, 1, 28),
        "access",
        ((D(2026, 2, 2), D(2026, 2, 11)),),
        True,
        D(2026, 5, 8),
        "28 Apr + 10 paused days = Fri 8 May 2026",
    ),
    (
        D(2026, 5, 31),
        "rectification",
        (),
        True,
        D(2026, 9, 1),
        "31 Aug 2026 is the summer bank holiday -> Tue 1 Sep",
    ),
    (D(2027, 11, 30), "restriction", (), True, D(2028, 2, 29), "leap year: Tue 29 Feb 2028"),
    (
        D(2026, 11, 30),
        "objection",
        (),
        True,
        D(2027, 3, 1),
        "clamp to Sun 28 Feb 2027, roll to Mon 1 Mar",
    ),
]


@pytest.mark.parametrize(
    ("start", "right", "pauses", "extended", "expected", "why"),
    CASES,
    ids=[f"{c[0]}-{c[1]}{'-ext' if c[3] else ''}{'-paused' if c[2] else ''}" for c in CASES],
)
def test_due_date(start, right, pauses, extended, expected, why):
    result = compute_deadline(
        start, right=right, working=W, pauses=[Pause(*p) for p in pauses], extended=extended
    )
    assert result.due == expected, why


# (moment received, expected received date, reasoning) -- R1: the Europe/London calendar date.
MOMENTS = [
    (
        datetime(2026, 6, 30, 23, 30, tzinfo=UTC),
        D(2026, 7, 1),
        "00:30 BST on 1 Jul is 23:30 UTC on 30 Jun: received 1 Jul",
    ),
    (datetime(2026, 12, 31, 23, 30, tzinfo=UTC), D(2026, 12, 31), "GMT in winter: same day"),
    (
        datetime(2026, 3, 29, 0, 30, tzinfo=UTC),
        D(2026, 3, 29),
        "clocks go forward at 01:00 UTC on 29 Mar 2026; 00:30 UTC is still 29 Mar",
    ),
    (
        datetime(2026, 10, 24, 23, 30, tzinfo=UTC),
        D(2026, 10, 25),
        "still BST on 24/25 Oct night: 00:30 on 25 Oct",
    ),
]


@pytest.mark.parametrize(("moment", "expected", "why"), MOMENTS)
def test_received_date_is_london_calendar_date(moment, expected, why):
    assert received_date(moment) == expected, why


def test_online_submission_after_midnight_bst_gets_that_days_deadline():
    # Received 1 Jul 2026 (00:30 BST): one month is Sat 1 Aug -> Mon 3 Aug. Counting from the
    # UTC date (30 Jun) would wrongly give Thu 30 Jul.
    received = received_date(datetime(2026, 6, 30, 23, 30, tzinfo=UTC))
    assert compute_deadline(received, right="access", working=W).due == D(2026, 8, 3)


def test_council_can_add_a_proclaimed_non_working_day():
    # Case 2026-11-25 gives Tue 29 Dec; if the council closes on 29 Dec by proclamation it
    # rolls once more, to Wed 30 Dec.
    extra = WorkingCalendar.with_extra_days([D(2026, 12, 29)])
    assert compute_deadline(D(2026, 11, 25), right="access", working=extra).due == D(2026, 12, 30)


def test_table_has_at_least_forty_cases():
    assert len(CASES) + len(MOMENTS) >= 40
