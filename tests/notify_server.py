"""A local stand-in for GOV.UK Notify's v2 REST API, close enough for the official
notifications-python-client: JWT checked as Notify checks it, notifications kept in memory,
and switches to inject the failures Notify's contract describes (500, 429, 400, slow answers,
dropped connections, a message accepted whose answer is lost, and a 2xx that is not JSON)."""

import base64
import json
import random
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from notifications_python_client.authentication import decode_jwt_token, get_token_issuer
from notifications_python_client.errors import TokenError

from portal.config import ROOT
from portal.content import category_keys
from portal.workflow import load_workflow

SERVICE_ID = "8b3aa916-ec82-434e-b0c5-d5d9b371d6a3"
SECRET = "1f4c2b6e-0d2d-4c7a-9d4f-2a3c8e9b7a10"
API_KEY = f"portal_test-{SERVICE_ID}-{SECRET}"
FAILURES = ("500", "429", "400", "slow", "drop", "lose_answer", "not_json")


def template_ids() -> dict[str, str]:
    """A template id for every message and channel in the shipped catalogue."""
    catalogue = load_workflow(ROOT / "workflows", category_keys()).messages.values()
    pairs = [(m, ch) for m in catalogue for ch in m.channels if m.needs_template(ch)]
    return {m.env_var(ch): f"00000000-0000-0000-0000-{i:012d}" for i, (m, ch) in enumerate(pairs)}


@dataclass
class Behaviour:
    """What the next requests meet. `script` is consumed first, one failure per POST; then
    `failure_rate` picks among `failures` at random (seeded, so runs repeat)."""

    script: deque = field(default_factory=deque)
    failure_rate: float = 0.0
    failures: tuple[str, ...] = ("500", "429", "slow", "drop", "lose_answer")
    slow_seconds: float = 2.0
    delay_seconds: float = 0.0
    broken: bool = False  # every answer is a 200 that is not JSON, and nothing is kept
    rng: random.Random = field(default_factory=lambda: random.Random(7))  # noqa: S311

    def next_failure(self) -> str | None:
        if self.script:
            return self.script.popleft()
        if self.failure_rate and self.rng.random() < self.failure_rate:
            return self.rng.choice(self.failures)
        return None


class FakeNotify:
    def __init__(self):
        self.behaviour = Behaviour()
        self.notifications: list[dict] = []
        self.requests: list[tuple[str, str]] = []  # (method, path) of every request seen
        self.request_times: list[float] = []  # time.monotonic() of every request, as it arrived
        self.lock = threading.Lock()
        self.in_flight = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._server.handle_error = _quiet_when_the_client_went_away(self._server.handle_error)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "FakeNotify":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def by_reference(self, reference: str) -> list[dict]:
        with self.lock:
            return [n for n in self.notifications if n["reference"] == reference]

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Wait until no request is being answered (a slow answer still finishing)."""
        deadline = time.monotonic() + timeout
        while self.in_flight and time.monotonic() < deadline:
            time.sleep(0.01)

    def sent_at(self) -> list[float]:
        with self.lock:
            return [n["received_at"] for n in self.notifications]

    def gets(self) -> int:
        with self.lock:
            return sum(1 for method, _ in self.requests if method == "GET")

    def busiest_second(self, since: int = 0) -> int:
        """The most requests (of any kind) that arrived within one second (after the first
        `since` requests)."""
        with self.lock:
            times = sorted(self.request_times[since:])
        return max((sum(1 for t in times if s <= t < s + 1) for s in times), default=0)

    def posts_since(self, index: int) -> int:
        """POSTs among the requests after the first `index`."""
        with self.lock:
            return sum(1 for method, _ in self.requests[index:] if method == "POST")

    def posts(self) -> int:
        with self.lock:
            return sum(1 for method, _ in self.requests if method == "POST")


def _quiet_when_the_client_went_away(handle_error):
    """A killed worker leaves its requests unanswered: not an error of the server's."""

    def handle(request, client_address):
        import sys

        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        handle_error(request, client_address)

    return handle


def _handler(notify: FakeNotify):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # answer at once, as a real server would

        def log_message(self, *args):  # keep test output quiet
            pass

        def _reply(self, status: int, body: dict | None = None) -> None:
            data = json.dumps(body or {}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _error(self, status: int, error: str, message: str) -> None:
            self._reply(
                status, {"status_code": status, "errors": [{"error": error, "message": message}]}
            )

        def _not_json(self) -> None:
            """A 200 that is not JSON (a proxy's page): the client raises InvalidResponse."""
            data = b"<html>Service unavailable</html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _authorised(self) -> bool:
            header = self.headers.get("Authorization", "")
            token = header.removeprefix("Bearer ").strip()
            try:
                if get_token_issuer(token) != SERVICE_ID:
                    raise TokenError("Invalid token: service not found")
                decode_jwt_token(token, SECRET)
            except TokenError as exc:
                self._error(403, "AuthError", f"Invalid token: {exc.message}")
                return False
            return True

        def do_GET(self):  # noqa: N802 (http.server's naming)
            with notify.lock:
                notify.requests.append(("GET", self.path))
                notify.request_times.append(time.monotonic())
            if not self._authorised():
                return
            if notify.behaviour.broken:
                self._not_json()
                return
            url = urlparse(self.path)
            if url.path != "/v2/notifications":
                self._error(404, "NotFound", "Not found")
                return
            reference = parse_qs(url.query).get("reference", [None])[0]
            found = notify.by_reference(reference) if reference else list(notify.notifications)
            found = [{k: v for k, v in n.items() if k != "precompiled_pdf"} for n in found]
            self._reply(200, {"notifications": found, "links": {}})

        def do_POST(self):  # noqa: N802
            with notify.lock:
                notify.in_flight += 1
            try:
                self._post()
            finally:
                with notify.lock:
                    notify.in_flight -= 1

        def _post(self):
            length = int(self.headers.get("Content-Length", 0))
            body = json.loads(self.rfile.read(length) or b"{}")
            with notify.lock:
                notify.requests.append(("POST", self.path))
                notify.request_times.append(time.monotonic())
                failure = notify.behaviour.next_failure()
            if not self._authorised():
                return
            if notify.behaviour.broken:
                self._not_json()
                return
            kind = self.path.rsplit("/", 1)[-1]
            if kind not in ("email", "sms", "letter"):
                self._error(404, "NotFound", "Not found")
                return
            if failure == "500":
                self._error(500, "Exception", "Internal server error")
                return
            if failure == "429":
                self._error(429, "RateLimitError", "Exceeded rate limit for key type LIVE")
                return
            if failure == "400":
                self._error(
                    400, "BadRequestError", "Can't send to this recipient using a team-only API key"
                )
                return
            if failure == "drop":
                self.close_connection = True
                self.connection.close()
                return
            if failure == "slow":
                time.sleep(notify.behaviour.slow_seconds)
            elif notify.behaviour.delay_seconds:
                time.sleep(notify.behaviour.delay_seconds)
            precompiled = kind == "letter" and "content" in body
            if precompiled:
                # A precompiled letter: a base64 PDF and a reference, no template.
                problem = _precompiled_problem(body)
                if problem:
                    self._error(400, "ValidationError", problem)
                    return
            missing = [f for f in ("template_id",) if not body.get(f) and not precompiled]
            if missing:
                self._error(400, "ValidationError", f"{missing[0]} is a required property")
                return
            notification = {
                "id": str(uuid.uuid4()),
                "reference": body.get("reference"),
                "type": kind,
                "status": "created",
                "template": {"id": body.get("template_id", "precompiled"), "version": 1},
                "precompiled_pdf": base64.b64decode(body["content"]) if precompiled else None,
                "postage": body.get("postage"),
                "email_address": body.get("email_address"),
                "phone_number": body.get("phone_number"),
                "personalisation": body.get("personalisation", {}),
                "line_1": body.get("personalisation", {}).get("address_line_1"),
                "received_at": time.monotonic(),
            }
            with notify.lock:
                notify.notifications.append(notification)
            if failure == "not_json":
                self._not_json()  # accepted, but the client cannot read the answer
                return
            if failure == "lose_answer":
                # Notify accepted it but the answer never reaches the client.
                self.close_connection = True
                self.connection.close()
                return
            self._reply(
                201,
                {
                    "id": notification["id"],
                    "reference": notification["reference"],
                    "content": {"body": "", "subject": ""},
                    "uri": f"{notify.base_url}/v2/notifications/{notification['id']}",
                    "template": {**notification["template"], "uri": ""},
                },
            )

    return Handler


def _precompiled_problem(body: dict) -> str | None:
    """Notify's checks on a precompiled letter's request: a reference, a PDF, a known postage."""
    if not body.get("reference"):
        return "reference is a required property"
    try:
        pdf = base64.b64decode(body["content"], validate=True)
    except (ValueError, TypeError):
        return "Document is not base64 encoded"
    if not pdf.startswith(b"%PDF-"):
        return "Letter content is not a valid PDF"
    if body.get("postage") not in (None, "first", "second", "economy", "europe", "rest-of-world"):
        return "postage invalid"
    return None
