"""Logs are JSON lines, one per event, each with the id of the web request (or worker pass) it
belongs to, and never personal data.

What keeps personal data out:
- the portal's own log calls name rows by id and problems by kind, never by what was typed;
- an exception is logged by its type and where it was raised (file, line, function), never its
  message: messages carry input (`int()`'s "invalid literal ... 'Sam'", a database error's
  parameters, Notify's explanation of a refused message);
- each request is logged by method, path (no query string), status and duration. The portal
  never puts personal data in a path or query string (the queue's search is posted).
`tests/integration/test_log_privacy.py` runs whole journeys and searches every line for what was
typed.
"""

import json
import logging
import re
import sys
import time
import traceback
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

from flask import Flask, g, request
from flask.logging import default_handler

REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)
# A request id handed on by a proxy in front is kept if it is plainly an id.
INCOMING_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# Extra fields a log call may add (`log.info("...", extra={"status": 200})`).
FIELDS = ("method", "path", "status", "duration_ms", "outbox_id", "worker")


def new_request_id() -> str:
    return uuid.uuid4().hex


def bind_request_id(value: str | None) -> None:
    """The id every log line from here on (in this thread or task) carries."""
    REQUEST_ID.set(value)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = REQUEST_ID.get()
        if request_id:
            entry["request_id"] = request_id
        for name in FIELDS:
            if name in record.__dict__:
                entry[name] = record.__dict__[name]
        if record.exc_info and record.exc_info[0] is not None:
            kind, _value, tb = record.exc_info
            entry["exception"] = f"{kind.__module__}.{kind.__qualname__}"
            entry["stack"] = [
                f"{frame.filename}:{frame.lineno} in {frame.name}"
                for frame in traceback.extract_tb(tb)
            ]
        return json.dumps(entry, ensure_ascii=True, default=str)


class _PortalHandler(logging.StreamHandler):
    """Marks the handler this module installs, so configuring twice replaces it."""


def configure_logging(level: str = "INFO", stream=None) -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, _PortalHandler):
            root.removeHandler(handler)
    handler = _PortalHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(level)
    # Alembic's fileConfig (run by `db upgrade` in the same process, as in the tests) disables
    # every logger that existed before it: the portal's own must keep logging.
    for name, logger in logging.Logger.manager.loggerDict.items():
        if name.startswith("portal") and isinstance(logger, logging.Logger):
            logger.disabled = False


def init_request_logging(app: Flask) -> None:
    configure_logging(app.config.get("LOG_LEVEL", "INFO"))
    # Flask's own handler writes plain text with the exception's message: use the root's.
    app.logger.removeHandler(default_handler)
    access = logging.getLogger("portal.request")

    @app.before_request
    def _start():
        incoming = request.headers.get("X-Request-Id", "")
        g.request_id = incoming if INCOMING_ID.match(incoming) else new_request_id()
        g.request_started = time.monotonic()
        bind_request_id(g.request_id)

    @app.after_request
    def _finish(response):
        request_id = g.get("request_id")
        if request_id:
            response.headers["X-Request-Id"] = request_id
            access.info(
                "request",
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.monotonic() - g.request_started) * 1000, 1),
                },
            )
        return response

    @app.teardown_request
    def _forget(_error=None):
        bind_request_id(None)
