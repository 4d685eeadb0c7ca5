import sqlite3

from flask import current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import Engine, event

from portal.models import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True)
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
login_manager = LoginManager()


@event.listens_for(Engine, "connect")
def _sqlite_settings(dbapi_connection, _record) -> None:
    """The embedded SQLite store is shared by the web process and the worker: write-ahead
    logging lets pages read while the worker writes, a busy timeout waits out the other's write
    instead of failing, and foreign keys are enforced as PostgreSQL enforces them."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def workflow_definition():
    """The workflow definition loaded and validated when the app was made (`portal.workflow`)."""
    return current_app.extensions["workflow"]
