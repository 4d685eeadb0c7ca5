"""Behind `TRUSTED_PROXIES` proxies, rate limits count per real client (the address the nearest
untrusted hop gave in X-Forwarded-For); with none trusted, a forged X-Forwarded-For changes
nothing."""

import pytest

from portal.config import ConfigError, load_config
from portal.extensions import db, limiter

PROXY = "10.1.2.3"  # the address the app sees: the proxy in front


def _tries(app, client_address, times=11):
    client = app.test_client()
    headers = {"X-Forwarded-For": client_address}
    return [
        client.post(
            "/track",
            data={"reference": "DR-AAAA-BBBB", "contact": "a@example.com"},
            headers=headers,
            environ_base={"REMOTE_ADDR": PROXY},
        ).status_code
        for _ in range(times)
    ]


def _app(make_app, hops):
    # The tracking page's own limit (10 a minute) is the one counted here; the shared limit on
    # sending codes, which would bind first, is raised out of the way.
    app = make_app(RATELIMIT_ENABLED=True, TRUSTED_PROXIES=hops, LIMIT_CODES_SENT="100 per minute")
    with app.app_context():
        limiter.reset()
    return app


def test_with_a_trusted_proxy_each_client_has_its_own_limit(make_app):
    app = _app(make_app, 1)
    with app.app_context():
        first = _tries(app, "203.0.113.5")
        assert 429 not in first[:10] and first[10] == 429
        # Another resident behind the same proxy is not held up by the first.
        assert 429 not in _tries(app, "203.0.113.6", times=5)
        # ...and a client cannot forge its way out: the proxy appends the real address last.
        assert _tries(app, "198.51.100.1, 203.0.113.5", times=1) == [429]
        db.engine.dispose()


def test_without_trusted_proxies_a_forged_header_is_ignored(make_app):
    app = _app(make_app, 0)
    with app.app_context():
        first = _tries(app, "203.0.113.5")
        assert first[10] == 429
        assert _tries(app, "203.0.113.6", times=1) == [429]  # the same client: the proxy's
        db.engine.dispose()


@pytest.mark.parametrize("value", ["-1", "two", "²"])
def test_trusted_proxies_must_be_a_count(tmp_path, value):
    with pytest.raises(ConfigError, match="TRUSTED_PROXIES"):
        load_config({"TRUSTED_PROXIES": value}, instance=tmp_path)
