"""Scale-out: two real web processes share sign-in rate limits through Redis, so adding
processes does not multiply the attempts an attacker gets. Skipped when no Redis answers at
REDIS_URL (default redis://127.0.0.1:6379), unless REQUIRE_REDIS=1 (CI)."""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from contextlib import contextmanager
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from flask_migrate import upgrade

from portal import create_app
from portal.extensions import db

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379")
ROOT = Path(__file__).resolve().parents[2]


def _redis_answers() -> bool:
    import redis

    try:
        return redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# How long a process may take to answer at all. Generous: on a busy machine `flask run`
# can take well over ten seconds to import and start; a healthy one answers far sooner.
START_UP_LIMIT_SECONDS = 180


def wait_until_ready(proc: subprocess.Popen, url: str) -> None:
    """Poll until the process answers, failing at once if it exits first."""
    deadline = time.monotonic() + START_UP_LIMIT_SECONDS
    while True:
        if proc.poll() is not None:
            raise AssertionError(f"{url} exited with {proc.returncode} before answering")
        try:
            urllib.request.urlopen(url + "/staff/sign-in", timeout=5)  # noqa: S310
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{url} did not answer within {START_UP_LIMIT_SECONDS} s"
                ) from None
            time.sleep(0.1)


@contextmanager
def web_processes(count: int, env: dict):
    """`count` separate `flask run` processes on free loopback ports; yields their base URLs
    once every one of them answers."""
    procs, urls = [], []
    try:
        for _ in range(count):
            port = _free_port()
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "flask", "--app", "portal", "run", "--port", str(port)],
                    cwd=ROOT,
                    env={**os.environ, **env},
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
            urls.append(f"http://127.0.0.1:{port}")
        for proc, url in zip(procs, urls, strict=True):
            wait_until_ready(proc, url)
        yield urls
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=30)


def sign_in_statuses(urls: list[str], attempts: int) -> list[int]:
    """Wrong passwords posted to the processes in turn, from one browser (one cookie jar, one
    CSRF token: the processes share the secret key, as production processes do)."""
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    page = browser.open(urls[0] + "/staff/sign-in", timeout=60).read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode(
        {"csrf_token": token, "email": "nobody@example.gov.uk", "password": "wrong-password-1"}
    ).encode()
    statuses = []
    for i in range(attempts):
        try:
            response = browser.open(urls[i % len(urls)] + "/staff/sign-in", form, timeout=60)
            statuses.append(response.status)
        except urllib.error.HTTPError as error:
            statuses.append(error.code)
    return statuses


@pytest.fixture
def database(tmp_path):
    url = f"sqlite:///{tmp_path / 'portal.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return url


@pytest.fixture
def redis_server():
    if not _redis_answers():
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail(f"REQUIRE_REDIS=1 but no Redis answers at {REDIS_URL}")
        pytest.skip(f"no Redis at {REDIS_URL}")
    return REDIS_URL


@pytest.mark.parametrize(
    ("storage", "limited"), [("redis", True), ("memory://", False)], ids=["redis", "memory"]
)
def test_two_web_processes_share_the_sign_in_limit_through_redis(
    redis_server, database, storage, limited
):
    env = {
        "DATABASE_URL": database,
        "RATELIMIT_STORAGE_URI": redis_server if storage == "redis" else storage,
        "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        "SECRET_KEY": "scale-out-test-secret-key-0123456789abcdef",
    }
    with web_processes(2, env) as urls:
        statuses = sign_in_statuses(urls, 12)
    # 10 a minute from one address: the 11th and 12th are refused only when the count is shared.
    assert statuses[:10] == [200] * 10
    assert (statuses[10:] == [429, 429]) is limited, statuses
