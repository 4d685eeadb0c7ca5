"""Test set-up: a real database per test (SQLite by default, PostgreSQL when
TEST_DATABASE_URL is set), migrated with Alembic exactly as in production. Safe under
pytest-xdist: each worker has its own temporary folder and its own PostgreSQL database."""

import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest
from argon2 import Parameters, Type
from flask_migrate import upgrade
from jinja2 import BytecodeCache
from sqlalchemy import create_engine, make_url, text

from portal import create_app
from portal.domain.audit import GENESIS
from portal.extensions import db
from tests.helpers import ClientRequest
from tests.notify_server import API_KEY, FakeNotify, template_ids
from tests.workflow_names import SHIPPED, copy_with_states_renamed

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER")  # gw0, gw1... when run with -n
# Staff passwords are hashed with argon2id at the smallest cost it allows: real hashes, real
# verification, without the suite spending its time on key stretching. The production cost is
# tested once, in tests/integration/test_password_cost.py.
CHEAP_PASSWORD_HASHING = Parameters(
    type=Type.ID, version=19, salt_len=16, hash_len=16, time_cost=1, memory_cost=8, parallelism=1
)


class TemplateCache(BytecodeCache):
    """Compiled templates shared by the apps of one test process (each test makes its own
    app, and compiling every page's templates again for each was a fifth of the suite's
    time). Keyed by template name and source checksum, so an edited template is recompiled."""

    def __init__(self):
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket):
        self.compiled[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CACHE = TemplateCache()


def pytest_addoption(parser):
    parser.addoption(
        "--renamed-workflow",
        action="store_true",
        help="run against a copy of workflows/ with every state renamed (domain and web tests)",
    )


def pytest_configure(config):
    # Set before any app is made, so every app (and any process the tests start) loads the copy.
    if config.getoption("renamed_workflow"):
        copy = Path(tempfile.mkdtemp(prefix="renamed-workflow-"))
        copy_with_states_renamed(SHIPPED, copy)
        config.add_cleanup(lambda: shutil.rmtree(copy, ignore_errors=True))
        os.environ["WORKFLOW_DIR"] = str(copy)


def pytest_report_header(config):
    if config.getoption("renamed_workflow"):
        return f"workflow: every state renamed, from {os.environ['WORKFLOW_DIR']}"
    return None


def _app(database_url: str, **overrides):
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "NOTIFY_API_KEY": None,
        "SERVER_NAME": "localhost",
    }
    config.update(overrides)
    if not config.get("PRODUCTION"):  # production refuses a cheap cost, as it should
        config.setdefault("PASSWORD_HASH_PARAMETERS", CHEAP_PASSWORD_HASHING)
    app = create_app(config)
    app.jinja_env.bytecode_cache = TEMPLATE_CACHE
    return app


def _create_database(server_url: str, name: str, drop_only=False) -> str:
    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if not drop_only:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_url():
    """TEST_DATABASE_URL itself, or under pytest-xdist a database of each worker's own beside
    it (test -> test_gw0, test_gw1...), made afresh and dropped at the end, so that workers
    never truncate each other's tables."""
    if not XDIST_WORKER:
        yield TEST_DATABASE_URL
        return
    name = f"{make_url(TEST_DATABASE_URL).database}_{XDIST_WORKER}"
    yield _create_database(TEST_DATABASE_URL, name)
    _create_database(TEST_DATABASE_URL, name, drop_only=True)


def app_role_for(url: str) -> str:
    """The restricted role the app runs as on this test database. Roles belong to the whole
    cluster: naming it after the database keeps parallel workers and runs apart."""
    return re.sub(r"[^a-z0-9_]", "_", f"{make_url(url).database}_app".lower())[:63]


def app_url(owner_url: str) -> str:
    """The same database, as the app's restricted role (the cluster trusts local logins)."""
    return (
        make_url(owner_url)
        .set(username=app_role_for(owner_url), password=None)
        .render_as_string(hide_password=False)
    )


@pytest.fixture(scope="session")
def migrated_database(request, tmp_path_factory):
    """Run the migrations once, as the owner; tests then start from a copy (SQLite) or a
    truncate (Postgres). On PostgreSQL the migrations grant the app's role its rights (making
    it when missing); here it is given a login, and the tests' apps and processes use it."""
    overrides = {}
    if TEST_DATABASE_URL:
        url = request.getfixturevalue("postgres_url")
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        overrides["DATABASE_APP_ROLE"] = app_role_for(url)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'template.db'}"
    app = _app(url, **overrides)
    with app.app_context():
        upgrade()
        db.engine.dispose()
    if TEST_DATABASE_URL:
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text(f'ALTER ROLE "{app_role_for(url)}" LOGIN'))
        engine.dispose()
    return url


def _truncate(url):
    engine = create_engine(url)
    with engine.begin() as conn:
        tables = [
            r[0]
            for r in conn.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            )
            if r[0] != "alembic_version"
        ]
        conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        # The audit chain's head, as the migration leaves it on an empty database.
        conn.execute(
            text("INSERT INTO audit_chain_head (id, count, hash) VALUES (1, 0, :genesis)"),
            {"genesis": GENESIS},
        )
    engine.dispose()


@pytest.fixture
def owner_database_url(database_url, migrated_database):
    """The test database as its owner (the migrations' role), for tests that act as an
    attacker with full access or check what the app's role may not do."""
    return migrated_database if TEST_DATABASE_URL else database_url


@pytest.fixture
def database_url(migrated_database, tmp_path):
    if TEST_DATABASE_URL:
        _truncate(migrated_database)
        return app_url(migrated_database)
    path = tmp_path / "test.db"
    shutil.copy(migrated_database.removeprefix("sqlite:///"), path)
    return f"sqlite:///{path}"


@pytest.fixture
def make_app(database_url, tmp_path):
    def factory(**overrides):
        return _app(database_url, **{"UPLOAD_STORAGE_DIR": str(tmp_path / "files"), **overrides})

    return factory


@pytest.fixture
def app(make_app):
    app = make_app()
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def session(app):
    return db.session


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def client_request(client):
    return ClientRequest(client)


@pytest.fixture
def fake_notify():
    server = FakeNotify().start()
    yield server
    server.stop()


@pytest.fixture
def notify_app(make_app, fake_notify):
    """The app sending through the local Notify server with the real client."""
    app = make_app(
        NOTIFY_API_KEY=API_KEY,
        NOTIFY_BASE_URL=fake_notify.base_url,
        NOTIFY_TEMPLATE_IDS=template_ids(),
        NOTIFY_TIMEOUT=0.5,
    )
    fake_notify.behaviour.slow_seconds = 1.0
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
