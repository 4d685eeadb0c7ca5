"""A benchmark server: the portal (or the bare baseline app) in one single-threaded process,
each response carrying the server CPU it cost (`X-Server-CPU`, seconds of `time.process_time`)
and the SQL statements it made (`X-SQL-Statements`).

    python -m benchmarks.serve portal 5105
    python -m benchmarks.serve bare 5106
"""

import sys
import time

from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.serving import run_simple

STATEMENTS = [0]


@event.listens_for(Engine, "before_cursor_execute")
def _count(conn, cursor, statement, parameters, context, executemany):
    STATEMENTS[0] += 1


def timed(app):
    """Runs the whole response (body included) before answering, so the CPU figure covers it."""

    def wsgi(environ, start_response):
        STATEMENTS[0] = 0
        started = time.process_time()
        seen = {}

        def capture(status, headers, exc_info=None):
            seen["status"], seen["headers"] = status, list(headers)
            return lambda data: None

        iterable = app(environ, capture)
        try:
            body = b"".join(iterable)
        finally:
            if hasattr(iterable, "close"):
                iterable.close()
        cpu = time.process_time() - started
        headers = seen["headers"] + [
            ("X-Server-CPU", f"{cpu:.6f}"),
            ("X-SQL-Statements", str(STATEMENTS[0])),
        ]
        start_response(seen["status"], headers)
        return [body]

    return wsgi


def main() -> None:
    which, port = sys.argv[1], int(sys.argv[2])
    if which == "portal":
        from portal import create_app

        app = create_app()
    else:
        from benchmarks.bare_app import create_bare_app

        app = create_bare_app()
    run_simple("127.0.0.1", port, timed(app), threaded=False, use_reloader=False)


if __name__ == "__main__":
    main()
