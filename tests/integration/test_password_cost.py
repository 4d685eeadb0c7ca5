"""The production argon2 cost, tested once: the rest of the suite hashes staff passwords at the
cheapest cost (tests/conftest.py) so that it does not spend its time on key stretching."""

import pytest
from argon2 import extract_parameters

from portal import create_app
from portal.config import ConfigError
from portal.deadlines.calendar import now_utc
from portal.domain.passwords import PRODUCTION_PARAMETERS
from portal.domain.staff_accounts import check_password
from portal.extensions import db
from portal.models import StaffUser
from tests.conftest import CHEAP_PASSWORD_HASHING
from tests.notify_server import API_KEY, template_ids
from tests.staff_helpers import PASSWORD, make_staff


def _app(database_url, **overrides):
    return create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "NOTIFY_API_KEY": None}
        | overrides
    )


def test_staff_passwords_are_hashed_at_the_production_cost_unless_configured(database_url):
    assert PRODUCTION_PARAMETERS.memory_cost >= 65536 and PRODUCTION_PARAMETERS.time_cost >= 3
    with _app(database_url).app_context():
        user = make_staff(email="dana@example.gov.uk")
        assert extract_parameters(user.password_hash) == PRODUCTION_PARAMETERS
        assert check_password(db.session, user.email, PASSWORD, now_utc()).user == user
        assert check_password(db.session, user.email, "not-" + PASSWORD, now_utc()).user is None
        db.session.remove()
        db.engine.dispose()


def test_a_cheaper_hash_is_replaced_at_the_production_cost_at_the_next_sign_in(database_url):
    with _app(database_url, PASSWORD_HASH_PARAMETERS=CHEAP_PASSWORD_HASHING).app_context():
        cheap_hash = make_staff(email="dana@example.gov.uk").password_hash
        assert extract_parameters(cheap_hash) == CHEAP_PASSWORD_HASHING
        db.session.remove()
        db.engine.dispose()

    with _app(database_url).app_context():
        assert check_password(db.session, "dana@example.gov.uk", PASSWORD, now_utc()).user
        user = db.session.query(StaffUser).one()
        assert extract_parameters(user.password_hash) == PRODUCTION_PARAMETERS
        db.session.remove()
        db.engine.dispose()


def test_production_refuses_a_cheap_password_cost(database_url):
    production = {
        "PRODUCTION": True,
        "SECRET_KEY": "production-like-secret-key-0123456789abcdef",
        "NOTIFY_API_KEY": API_KEY,
        "NOTIFY_TEMPLATE_IDS": template_ids(),
        "CLAMD_HOST": "127.0.0.1",
    }
    with pytest.raises(ConfigError, match="PASSWORD_HASH_PARAMETERS"):
        _app(database_url, PASSWORD_HASH_PARAMETERS=CHEAP_PASSWORD_HASHING, **production)
    assert _app(database_url, **production).config["PASSWORD_HASH_PARAMETERS"] == (
        PRODUCTION_PARAMETERS
    )


def test_production_refuses_to_accept_uploads_unscanned(database_url):
    production = {
        "PRODUCTION": True,
        "SECRET_KEY": "production-like-secret-key-0123456789abcdef",
        "NOTIFY_API_KEY": API_KEY,
        "NOTIFY_TEMPLATE_IDS": template_ids(),
    }
    with pytest.raises(ConfigError, match="CLAMD_SOCKET or CLAMD_HOST"):
        _app(database_url, **production)
    assert _app(database_url, CLAMD_SOCKET="/run/clamav/clamd.ctl", **production).extensions[
        "scanner"
    ]
