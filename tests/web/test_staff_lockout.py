"""Nobody can keep a member of staff locked out: wrong passwords and codes lock out the client
that made them (per account and client), while the account's failures from every client
together only slow its sign-in down, never for more than a minute between tries."""

from datetime import timedelta

from sqlalchemy import select

from portal.clock import FixedClock
from portal.deadlines.calendar import now_utc
from portal.domain.staff_accounts import MAX_SLOWDOWN, SLOWDOWN_AFTER, is_locked, slowed_for
from portal.extensions import db
from portal.models import AuditEvent
from tests.staff_helpers import PASSWORD, make_staff


def browser(app, address):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def attempt(client, user, password) -> bool:
    """True when the password step let them through to the code."""
    response = client.post("/staff/sign-in", data={"email": user.email, "password": password})
    return response.status_code == 302 and response.location.endswith("/staff/two-factor")


def test_one_client_guessing_locks_only_itself_out(app):
    user = make_staff(email="locked.owner@example.gov.uk")
    stranger = browser(app, "203.0.113.7")
    for _ in range(20):  # far past the lock-out, for as long as they like
        assert not attempt(stranger, user, "wrong-password-guess")
    assert not attempt(stranger, user, PASSWORD)  # locked out: the right one fails too
    assert is_locked(user, now_utc(), "203.0.113.7")
    # The owner, elsewhere, signs in as usual.
    assert attempt(browser(app, "198.51.100.20"), user, PASSWORD)
    locks = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "staff_locked"))
    assert {e.detail["scope"] for e in locks} == {"one client"}


def test_failures_from_many_clients_slow_the_account_down_but_never_lock_it(app):
    user = make_staff(email="slowed.owner@example.gov.uk")
    start = now_utc()
    app.extensions["clock"] = FixedClock(start)
    # Many addresses, each staying under its own lock-out.
    for n in range(30):
        attempt(browser(app, f"203.0.113.{n}"), user, "wrong-password-guess")
    owner = browser(app, "198.51.100.20")
    wait = slowed_for(user, start)
    assert timedelta(0) < wait <= MAX_SLOWDOWN
    assert not attempt(owner, user, PASSWORD)  # too soon after the last failure: refused
    # However many there were, a minute later the owner gets in.
    app.extensions["clock"] = FixedClock(start + MAX_SLOWDOWN)
    assert attempt(owner, user, PASSWORD)


def test_a_few_failures_do_not_slow_anyone(app):
    user = make_staff(email="fine.owner@example.gov.uk")
    for n in range(SLOWDOWN_AFTER - 1):
        attempt(browser(app, f"203.0.113.{n}"), user, "wrong-password-guess")
    assert slowed_for(user, now_utc()) == timedelta(0)
    assert attempt(browser(app, "198.51.100.20"), user, PASSWORD)
