"""One worker per SQLite database. SQLite has no `FOR UPDATE SKIP LOCKED`, so two workers
could claim the same message; instead the first worker holds an operating-system lock on a file
beside the database and a second refuses to start. The lock dies with its process, even on
kill -9, so a restarted worker never finds a stale lock."""

import fcntl
import os
from pathlib import Path

from sqlalchemy import Engine


class AnotherWorkerRunning(RuntimeError):
    pass


def lock_path(engine: Engine) -> Path | None:
    """The lock file for a file-backed SQLite database; None for PostgreSQL or in-memory."""
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(os.path.abspath(database) + ".worker-lock")


def hold_worker_lock(engine: Engine):
    """Take the database's worker lock for the life of this process; returns the open file
    (keep it) or None when no lock is needed. Raises AnotherWorkerRunning if it is held."""
    path = lock_path(engine)
    if path is None:
        return None
    handle = open(path, "a+")  # noqa: SIM115 (held open for the life of the process)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise AnotherWorkerRunning(
            "Another worker is already running on this SQLite database. SQLite allows one "
            "worker per database (it cannot share out messages safely): stop the other worker "
            "first, or use PostgreSQL (DATABASE_URL) to run several."
        ) from None
    return handle
