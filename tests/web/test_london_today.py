"""Today is the date in Europe/London from the app's one clock: at 00:30 on a summer night
(23:30 UTC the day before) today's date is today, not "in the future", on every form."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from portal.clock import FixedClock
from portal.domain.actions import apply_action
from portal.extensions import db
from portal.models import ClockEvent, DataRequest
from tests.factories import DPO, context, make_request
from tests.helpers import error_summary
from tests.staff_helpers import make_staff, sign_in
from tests.web.intake_helpers import fill

HALF_PAST_MIDNIGHT_IN_LONDON = datetime(2026, 7, 15, 23, 30, tzinfo=UTC)
LONDON_TODAY = date(2026, 7, 16)


def _parts(day: date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


@pytest.fixture
def dpo(app, client_request):
    user = make_staff("dpo")
    sign_in(client_request.client, user)  # two-factor codes are checked against the real time
    app.extensions["clock"] = FixedClock(HALF_PAST_MIDNIGHT_IN_LONDON)
    return client_request


def test_the_clock_gives_the_london_date():
    assert FixedClock(HALF_PAST_MIDNIGHT_IN_LONDON).today() == LONDON_TODAY
    assert FixedClock(datetime(2026, 12, 15, 23, 30, tzinfo=UTC)).today() == date(2026, 12, 15)


INTAKE = "/staff/requests/new?right=access&who=me"


def _offline(dpo, received: date, born: date) -> dict:
    data = fill(dpo.get(INTAKE), received=received)
    return {**data, "details-date_of_birth": _parts(born)}


def test_a_request_received_today_can_be_logged_just_after_midnight(dpo):
    tomorrow, yesterday = date(2026, 7, 17), date(2026, 7, 15)
    page = dpo.post(INTAKE, _offline(dpo, tomorrow, yesterday), 200)
    assert error_summary(page) == [("Date received must be today or in the past", "#received")]
    page = dpo.post(INTAKE, _offline(dpo, LONDON_TODAY, LONDON_TODAY), 200)
    assert error_summary(page) == [
        ("Your date of birth must be in the past", "#details-date_of_birth-day")
    ]
    assert db.session.scalar(select(func.count(DataRequest.id))) == 0
    dpo.post(INTAKE, _offline(dpo, LONDON_TODAY, yesterday))
    made = db.session.scalar(select(DataRequest))
    assert made.received_date == LONDON_TODAY
    assert made.person("subject").date_of_birth == yesterday


def test_evidence_received_today_restarts_the_clock_just_after_midnight(dpo):
    request = make_request(db.session, now=datetime(2026, 7, 10, 10, tzinfo=UTC))
    apply_action(
        context(db.session, date(2026, 7, 13)),
        request,
        "request_evidence",
        DPO,
        {"evidence_kind": "identity", "reason": "Photo ID"},
    )
    url = f"/staff/requests/{request.reference}/actions/evidence_received"
    form = {"version": request.version, "evidence_date": _parts(date(2026, 7, 17))}
    page = dpo.post(url, form, 200)
    assert error_summary(page) == [
        ("Date the evidence arrived must be today or in the past", "#evidence_date")
    ]
    dpo.post(url, {**form, "evidence_date": _parts(LONDON_TODAY)})
    restart = db.session.scalar(select(ClockEvent).where(ClockEvent.kind == "restart"))
    assert restart.on_date == LONDON_TODAY
