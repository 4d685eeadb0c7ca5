"""Sessions live server-side: signing out ends them on the server (a copy of the cookie taken
before gets the sign-in page), a staff session ends 12 hours after sign-in however busy, the
resident and staff sessions have separate cookies (`__Host-` prefixed in production), and the
cookies hold nothing but a random token."""

import os
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.clock import Clock
from portal.config import load_config
from portal.deadlines.calendar import now_utc
from portal.extensions import db
from portal.models import WebSession
from tests.notify_server import API_KEY, template_ids
from tests.staff_helpers import make_staff, sign_in

TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")


class MovingClock(Clock):
    """The real time plus however far the test has moved it on."""

    def __init__(self):
        self.offset = timedelta()

    def now(self):
        return now_utc() + self.offset


def staff_cookie(client):
    return client.get_cookie("portal_staff_session")


def sessions_stored() -> int:
    return db.session.scalar(select(func.count()).select_from(WebSession))


def test_a_copy_of_the_cookie_taken_before_sign_out_gets_the_sign_in_page(app, client):
    user = make_staff()
    sign_in(client, user)
    assert client.get("/staff/requests").status_code == 200
    copied = staff_cookie(client).value

    client.post("/staff/sign-out", data={})
    assert client.get("/staff/requests").status_code == 302

    replay = app.test_client()
    replay.set_cookie("portal_staff_session", copied)
    response = replay.get("/staff/requests")
    assert response.status_code == 302 and response.location.endswith("/staff/sign-in")


def test_sign_in_gives_a_new_token_and_the_old_one_ends(app, client):
    user = make_staff()
    client.get("/staff/requests")  # a session (remembering the page asked for) before sign-in
    before = staff_cookie(client).value
    sign_in(client, user)
    after = staff_cookie(client).value
    assert before != after
    stranger = app.test_client()
    stranger.set_cookie("portal_staff_session", before)
    assert stranger.get("/staff/requests").status_code == 302


def test_signing_out_deletes_the_session_record(client):
    user = make_staff()
    sign_in(client, user)
    client.get("/staff/requests")
    token = staff_cookie(client).value
    import hashlib

    key = hashlib.sha256(token.encode()).hexdigest()
    assert db.session.get(WebSession, key) is not None
    db.session.expire_all()
    client.post("/staff/sign-out", data={})
    db.session.expire_all()
    assert db.session.get(WebSession, key) is None


def test_staff_are_signed_out_12_hours_after_signing_in_however_busy(app, client):
    clock = MovingClock()
    app.extensions["clock"] = clock
    user = make_staff()
    sign_in(client, user)
    # Busy all day: a page every 20 minutes, never idle for the 30 minutes that would end it.
    for _ in range(35):
        clock.offset += timedelta(minutes=20)
        assert client.get("/staff/requests").status_code == 200
    copied = staff_cookie(client).value
    clock.offset += timedelta(minutes=20)  # 12 hours 0 minutes after signing in
    response = client.get("/staff/requests")
    assert response.status_code == 302 and response.location.endswith("/staff/sign-in")
    page = client.get("/staff/sign-in").get_data(as_text=True)
    assert "signed out because you signed in 12 hours ago" in page
    replay = app.test_client()
    replay.set_cookie("portal_staff_session", copied)
    assert replay.get("/staff/requests").status_code == 302


def test_the_staff_session_lifetime_is_configurable(make_app):
    app = make_app(STAFF_SESSION_HOURS=1)
    clock = MovingClock()
    app.extensions["clock"] = clock
    with app.app_context():
        client = app.test_client()
        sign_in(client, make_staff())
        clock.offset += timedelta(minutes=25)
        assert client.get("/staff/requests").status_code == 200
        clock.offset += timedelta(minutes=25)
        assert client.get("/staff/requests").status_code == 200
        clock.offset += timedelta(minutes=25)
        assert client.get("/staff/requests").status_code == 302
        db.session.remove()
        db.engine.dispose()


def test_idle_staff_are_signed_out_by_the_clock(app, client):
    clock = MovingClock()
    app.extensions["clock"] = clock
    sign_in(client, make_staff())
    clock.offset += timedelta(minutes=29)
    assert client.get("/staff/requests").status_code == 200
    clock.offset += timedelta(minutes=31)
    assert client.get("/staff/requests").status_code == 302
    assert "inactive" in client.get("/staff/sign-in").get_data(as_text=True)


def test_resident_and_staff_sessions_have_separate_cookies(client_request, client):
    client.get("/request/start")
    client_request.post("/request/right", {"right": "access"})
    resident = client.get_cookie("portal_session").value
    sign_in(client, make_staff())
    assert staff_cookie(client).value != resident
    # The resident's draft carries on beside the staff session, and survives its sign-out.
    assert client.get_cookie("portal_session").value == resident
    client.post("/staff/sign-out", data={})
    page = client_request.get("/request/who")
    assert page.select_one("h1")
    # A resident's cookie offered to the staff area is no staff session.
    other = client.application.test_client()
    other.set_cookie("portal_staff_session", resident)
    assert other.get("/staff/requests").status_code == 302


def test_cookies_hold_only_a_random_token_and_personal_data_stays_server_side(
    client_request, client
):
    typed = ["Quentin Zebedee-Marsh", "1985", "Flat 9 Zebedee Court", "quentin@example.com"]
    client.get("/request/start")
    client_request.post("/request/right", {"right": "access"})
    client_request.post("/request/who", {"who": "me"})
    client_request.post(
        "/request/details", {"full_name": typed[0], "date_of_birth": ["1", "2", typed[1]]}
    )
    client_request.post(
        "/request/address",
        {"address_line_1": typed[2], "town": "London", "postcode": "WC1H 9JE"},
    )
    sign_in(client, make_staff())
    search = "Zebedee-Marsh search text"
    client.post("/staff/requests", data={"q": search})
    page = client.get("/staff/requests?search=1").get_data(as_text=True)
    assert search in page  # the search is kept...
    cookies = {c.key: c.value for c in client._cookies.values()}
    assert set(cookies) == {"portal_session", "portal_staff_session"}
    for value in cookies.values():
        assert TOKEN.match(value), value  # ...but no cookie holds anything but a token
        for text in [*typed, search, "draft_id", "queue_search"]:
            assert text not in value
    stored = " ".join(db.session.scalars(select(WebSession.data)))
    assert search in stored


def test_production_cookies_are_host_prefixed_secure_and_separate(make_app, tmp_path):
    config = load_config(
        {"PORTAL_ENV": "production", "SECRET_KEY": "s" * 40}, instance=tmp_path / "instance"
    )
    assert config["SESSION_COOKIE_NAME"] == "__Host-portal_session"
    assert config["STAFF_SESSION_COOKIE_NAME"] == "__Host-portal_staff_session"
    assert config["SESSION_COOKIE_SECURE"] and config["SESSION_COOKIE_DOMAIN"] is None
    app = make_app(
        PRODUCTION=True,
        WTF_CSRF_ENABLED=True,
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_NAME=config["SESSION_COOKIE_NAME"],
        STAFF_SESSION_COOKIE_NAME=config["STAFF_SESSION_COOKIE_NAME"],
        NOTIFY_API_KEY=API_KEY,
        NOTIFY_TEMPLATE_IDS=template_ids(),
        CLAMD_HOST="127.0.0.1",
        SERVER_NAME=None,
    )
    client = app.test_client()  # no app context held open: each request has its own, as served
    set_cookies = []
    for path in ("/track", "/staff/sign-in"):
        response = client.get(path, base_url="https://portal.example")
        set_cookies += response.headers.getlist("Set-Cookie")
    with app.app_context():
        db.engine.dispose()
    names = [c.split("=", 1)[0] for c in set_cookies]
    assert names == ["__Host-portal_session", "__Host-portal_staff_session"]
    for cookie in set_cookies:
        attributes = [a.strip().lower() for a in cookie.split(";")[1:]]
        assert {"secure", "httponly", "path=/", "samesite=lax"} <= set(attributes), cookie
        assert not any(a.startswith("domain") for a in attributes), cookie
        assert not any(a.startswith("expires") or a.startswith("max-age") for a in attributes)


def test_the_sweep_deletes_expired_session_records(app, client):
    from portal.domain.web_sessions import purge_expired_sessions

    client.get("/request/start")
    sign_in(client, make_staff())
    assert sessions_stored() == 2
    assert purge_expired_sessions(db.session, now_utc()) == 0
    assert purge_expired_sessions(db.session, now_utc() + timedelta(hours=13)) == 2
    assert sessions_stored() == 0


REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/11")


def _redis_or_skip():
    import redis

    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.RedisError:
        if os.environ.get("REQUIRE_REDIS"):
            raise
        pytest.skip(f"no Redis at {REDIS_URL}")


def test_sessions_in_redis_end_on_sign_out(make_app, tmp_path):
    _redis_or_skip()
    prefix = f"portal-test-{os.getpid()}-{tmp_path.name}"
    app = make_app(SESSION_REDIS_URL=REDIS_URL, RATELIMIT_KEY_PREFIX=prefix)
    import redis

    server = redis.Redis.from_url(REDIS_URL)
    with app.app_context():
        client = app.test_client()
        sign_in(client, make_staff())
        assert client.get("/staff/requests").status_code == 200
        copied = staff_cookie(client).value
        assert sessions_stored() == 0  # nothing in the database...
        keys = server.keys(f"{prefix}:session:*")
        assert len(keys) == 1  # ...the session is in Redis, with a time to live
        assert 0 < server.ttl(keys[0]) <= 2 * 3600 + 1
        client.post("/staff/sign-out", data={})
        replay = app.test_client()
        replay.set_cookie("portal_staff_session", copied)
        assert replay.get("/staff/requests").status_code == 302
        assert keys[0] not in server.keys(f"{prefix}:session:*")
        db.session.remove()
        db.engine.dispose()


def test_static_assets_read_no_session(app, client, monkeypatch):
    sign_in(client, make_staff())
    reads = []
    store = app.session_interface.store
    original = store.load
    monkeypatch.setattr(store, "load", lambda *a: reads.append(a) or original(*a))
    response = client.get("/static/govuk/portal.min.css")
    assert response.status_code == 200 and reads == []
    client.get("/staff/requests")
    assert len(reads) == 1
