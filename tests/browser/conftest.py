"""A real server on a free loopback port with its own database, and Debian's Chromium driven by
Playwright. Skipped with a message when Chromium is absent, unless REQUIRE_BROWSER=1 (CI)."""

import logging
import os
import shutil
import threading
from pathlib import Path

import pytest
from flask_migrate import upgrade
from werkzeug.serving import make_server

from portal import create_app
from portal.extensions import db
from tests.conftest import CHEAP_PASSWORD_HASHING

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).parent / "screenshots"
# Root in CI needs --no-sandbox; the rest stop Chromium calling home, which a closed network
# refuses (slowly).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _browser_missing() -> str | None:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install -e '.[test]')"
    return None


@pytest.fixture(scope="session")
def chromium():
    problem = _browser_missing()
    if problem:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {problem}")
        pytest.skip(problem)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class LiveServer:
    def __init__(self, app):
        self.app = app
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, chromium):
    database = tmp_path_factory.mktemp("browser") / "portal.db"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
            "UPLOAD_STORAGE_DIR": str(database.parent / "files"),
            "NOTIFY_API_KEY": None,
            # Journeys post many forms quickly; limits are tested in the web suite.
            "RATELIMIT_ENABLED": False,
            "PASSWORD_HASH_PARAMETERS": CHEAP_PASSWORD_HASHING,
        }
    )
    with app.app_context():
        upgrade()
        db.engine.dispose()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request is noise
    server = LiveServer(app).start()
    yield server
    server.stop()


@pytest.fixture(params=[True, False], ids=["js", "no-js"])
def javascript(request):
    return request.param


@pytest.fixture
def page(chromium, live_server, javascript):
    context = chromium.new_context(
        base_url=live_server.url, java_script_enabled=javascript, viewport=DESKTOP
    )
    page = context.new_page()
    page._portal_js = javascript  # axe cannot run in a page without JavaScript: see support.audit
    page.set_default_timeout(10_000)
    # What earlier tests queued is captured first, so a code this test reads is among the newest
    # on the captured-messages page (it shows 100): a backlog captured after the code (codes go
    # first) once pushed it off the page.
    from tests.browser.resident import deliver  # it imports this module's sizes

    deliver(live_server)
    yield page
    context.close()


DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}
