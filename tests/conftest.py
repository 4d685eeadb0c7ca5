"""Test set-up: a real database per test (SQLite by default, PostgreSQL when
TEST_DATABASE_URL is set), migrated with Alembic exactly as in production."""

import os
import shutil

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from portal import create_app
from portal.extensions import db
from tests.helpers import ClientRequest
from tests.notify_server import API_KEY, FakeNotify, template_ids

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")


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
    return create_app(config)


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory):
    """Run the migrations once; tests then start from a copy (SQLite) or a truncate (Postgres)."""
    if TEST_DATABASE_URL:
        engine = create_engine(TEST_DATABASE_URL)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        url = TEST_DATABASE_URL
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'template.db'}"
    app = _app(url)
    with app.app_context():
        upgrade()
        db.engine.dispose()
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
    engine.dispose()


@pytest.fixture
def database_url(migrated_database, tmp_path):
    if TEST_DATABASE_URL:
        _truncate(TEST_DATABASE_URL)
        return TEST_DATABASE_URL
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
