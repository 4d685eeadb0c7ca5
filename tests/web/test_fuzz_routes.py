"""Whatever is sent, the portal answers without a server error, and every refusal is a GOV.UK
page. Hypothesis generates requests for every route in the URL map (public pages, tracking
pages with the code entered, staff pages signed in as each role), with a valid CSRF token and
hostile values: non-ASCII digits, integers beyond 64 bits, file parts in text fields, repeated
values, markup, control characters, very long text.

`make test` runs a bounded number of examples (the `ci` profile); `make fuzz` runs the long
profile (`HYPOTHESIS_PROFILE=fuzz`)."""

import io
import os
import re
import time
import traceback
from urllib.parse import quote

import pytest
from bs4 import BeautifulSoup
from flask import g
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from portal.extensions import db
from portal.models import SignInFailure
from tests.factories import make_request
from tests.helpers import ClientRequest, latest_code
from tests.staff_helpers import PASSWORD, current_code, make_staff

settings.register_profile(
    "ci",
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "40")),
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
    database=None,
)
settings.register_profile(
    "fuzz",
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "3000")),
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
# Discovery: FUZZ_COLLECT=path writes every failure found instead of stopping at the first.
COLLECT = [] if os.environ.get("FUZZ_COLLECT") else None

# Values that broke pages before, and their relatives.
HOSTILE = [
    "",
    " ",
    "0",
    "-1",
    "1",
    "²",
    "١٢",
    "𝟗",
    "½",
    str(2**63),
    str(2**64 + 1),
    "9" * 40,
    "1e9",
    "0x10",
    "1.5",
    "NaN",
    "\x00",
    "\r\n",
    "%",
    "<script>alert(1)</script>",
    "{{7*7}}",
    "' OR 1=1 --",
    "../../etc/passwd",
    "DR-AAAA-BBBB",
    "2026-02-30",
    "sam@example.com",
    "07700900982",
    "x" * 3000,
]
# Query-string names the pages read.
QUERY_NAMES = [
    "page",
    "q",
    "state",
    "right",
    "service",
    "assignee",
    "due",
    "change",
    "back",
    "next",
    "status",
    "key",
    "channel",
    "sort",
]
# Numbers no integer column or int() takes: non-ASCII digits, beyond 64 bits.
BAD_NUMBERS = ["²", "١٢", "𝟗", str(2**63), str(2**64 + 1), "9" * 40, "-1", "0"]
hostile_text = st.one_of(
    st.sampled_from(BAD_NUMBERS),
    st.sampled_from(HOSTILE),
    st.text(max_size=40),
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
)


def _html_names(html: str) -> tuple[set[str], dict[str, set[str]]]:
    """Every form field name on a page, and the values its options and hidden inputs carry."""
    page = BeautifulSoup(html, "html.parser")
    names, values = set(), {}
    for tag in page.select("input[name], select[name], textarea[name]"):
        name = tag["name"]
        names.add(name)
        if tag.get("value") is not None:
            values.setdefault(name, set()).add(tag["value"])
        for option in tag.select("option[value]"):
            values.setdefault(name, set()).add(option["value"])
    return names, values


def _fresh_g():
    # The test holds an app context open, so `g` outlives each request: forget the CSRF token
    # Flask-WTF caches there, as a real server (one context per request) would.
    g.pop("csrf_token", None)


def _csrf(client, url) -> str:
    _fresh_g()
    html = client.get(url).get_data(as_text=True)
    found = BeautifulSoup(html, "html.parser").select_one("input[name=csrf_token]")
    assert found, f"no CSRF token on {url}"
    return found["value"]


class Area:
    """One kind of visitor: a client, how to sign it in again, and the routes it fuzzes."""

    def __init__(self, app, name, rules, sign_in, token_page):
        self.app, self.name, self.rules = app, name, rules
        self.sign_in, self.token_page = sign_in, token_page
        self.client = app.test_client()
        self.token = None
        self.names: set[str] = set()
        self.values: dict[str, set[str]] = {}
        self.path_values: dict[str, set[str]] = {}
        self.rule_names: dict[str, list[str]] = {}

    def ready(self):
        self.client = self.app.test_client()
        self.sign_in(self.client)
        self.token = _csrf(self.client, self.token_page)


def _rules(app, prefix_filter):
    return sorted(
        (rule for rule in app.url_map.iter_rules() if prefix_filter(rule)),
        key=lambda rule: rule.rule,
    )


def _path(rule, values: dict[str, str]) -> str:
    def swap(match):
        return quote(values[match.group(2)], safe="")

    return re.sub(r"<(?:(\w+):)?(\w+)>", swap, rule.rule)


# Machine endpoints answer machines (Notify's delivery receipts): no GOV.UK page expected.
MACHINE_ENDPOINTS = {"notify_callbacks.delivery_receipt"}


def _check(response, where: str, endpoint: str) -> None:
    assert response.status_code < 500, f"{where}: {response.status_code}"
    if endpoint in MACHINE_ENDPOINTS:
        return
    if response.status_code >= 400 or (
        response.mimetype == "text/html" and response.status_code == 200
    ):
        if response.status_code >= 400:
            assert response.mimetype == "text/html", f"{where}: {response.mimetype}"
        ClientRequest(None).check_page(response)
        html = response.get_data(as_text=True)
        if response.status_code >= 400:
            assert "govuk-template" in html and "govuk-heading-l" in html, where


@st.composite
def requests_for(draw, area: Area):
    rule = draw(st.sampled_from(area.rules))
    methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
    method = draw(st.sampled_from(methods))
    path_values = {}
    for name in rule.arguments:
        known = sorted(area.path_values.get(name, set()))
        path_values[name] = draw(
            st.one_of(st.sampled_from(known), st.sampled_from(known), hostile_text)
            if known
            else hostile_text
        )
    own = area.rule_names.get(rule.rule) or sorted(area.names)
    query_names = st.one_of(
        st.sampled_from(QUERY_NAMES), st.sampled_from(own or QUERY_NAMES), st.text(max_size=5)
    )
    query = draw(st.lists(st.tuples(query_names, hostile_text), max_size=4))
    form = []
    files = []
    if method == "POST":
        names = st.one_of(st.sampled_from(own), st.sampled_from(sorted(area.names)))
        for name in draw(st.lists(names, max_size=8)) if own else []:
            known = sorted(area.values.get(name, set()))
            kind = draw(st.sampled_from(["known", "hostile", "repeat", "file"]))
            if kind == "known" and known:
                form.append((name, draw(st.sampled_from(known))))
            elif kind == "repeat":
                value = draw(st.sampled_from(known)) if known else draw(hostile_text)
                form += [(name, value), (name, value)]
            elif kind == "file":
                content = draw(st.sampled_from([b"", b"%PDF-1.4\n%%EOF\n", b"\x89PNG\r\n", b"x"]))
                files.append((name, content, draw(st.sampled_from(["a.pdf", "", "x²", "a.png"]))))
            else:
                form.append((name, draw(hostile_text)))
    return rule, method, _path(rule, path_values), query, form, files


def _send(area: Area, method, path, query, form, files):
    data = {}
    for name, value in form:
        data.setdefault(name, []).append(value)
    for name, content, filename in files:
        data.setdefault(name, []).append((io.BytesIO(content), filename))
    if method == "POST":
        data["csrf_token"] = area.token
    _fresh_g()
    return area.client.open(
        path,
        method=method,
        query_string=[(k, v) for k, v in query],
        data=data or None,
        content_type="multipart/form-data" if files else None,
    )


def _signed_out(response) -> bool:
    location = response.location or ""
    return response.status_code in (302, 303) and (
        location.endswith("/staff/sign-in") or location.endswith("/track")
    )


def _sweep_cases(area: Area):
    """Every rule with each known cause of a server error, whatever hypothesis draws: bad
    numbers in each path argument and each query name the page reads, and each of the page's
    fields given a bad number, a file part, or the same value twice."""
    for rule in area.rules:
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        known = {n: sorted(area.path_values.get(n, {"1"}))[0] for n in rule.arguments}
        for name in rule.arguments:
            for bad in BAD_NUMBERS:
                yield rule, methods[0], _path(rule, {**known, name: bad}), [], [], []
        path = _path(rule, known)
        names = area.rule_names.get(rule.rule, [])
        for bad in BAD_NUMBERS:
            yield rule, "GET", path, [(n, bad) for n in [*QUERY_NAMES, *names]], [], []
        if "POST" in methods:
            for bad in BAD_NUMBERS:
                yield rule, "POST", path, [], [(n, bad) for n in names], []
            yield rule, "POST", path, [], [], [(n, b"x", "a.pdf") for n in names]
            repeated = [(n, v) for n in names for v in sorted(area.values.get(n, {"1"}))[:2]]
            yield rule, "POST", path, [], repeated + repeated, []


def _one(area: Area, req) -> None:
    rule, method, path, query, form, files = req
    if method not in rule.methods:
        return
    where = f"{area.name} {method} {path} query={query!r} form={form!r} files={files!r}"
    started = time.monotonic()
    try:
        response = _send(area, method, path, query, form, files)
    except Exception:  # a view raised: the live server would answer 500
        if COLLECT is not None:
            COLLECT.append((where, traceback.format_exc()))
            area.ready()
            return
        pytest.fail(f"{where}\n{traceback.format_exc()}")
    if os.environ.get("FUZZ_TRACE"):
        took = time.monotonic() - started
        print("TRACE", f"{took:.3f}", response.status_code, method, path[:80], response.location)
    if COLLECT is not None:
        try:
            _check(response, where, rule.endpoint)
        except AssertionError as exc:
            COLLECT.append((where, str(exc)))
    else:
        _check(response, where, rule.endpoint)
    if _signed_out(response):
        area.ready()  # signed out (sign-out, lock-out): sign in again for the next request


def fuzz(area: Area) -> None:
    area.ready()
    for req in _sweep_cases(area):
        _one(area, req)

    @settings(settings.get_profile(PROFILE))
    @given(requests_for(area))
    def run(req):
        _one(area, req)

    run()
    if COLLECT is not None:
        with open(os.environ["FUZZ_COLLECT"], "a") as out:
            for where, error in COLLECT:
                out.write(f"=== {where[:500]}\n{error[-1500:]}\n")


# --- the visitors ------------------------------------------------------------------------


@pytest.fixture
def csrf_app(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def _seed(area: Area, urls=()):
    """Learn the field names (and option and hidden values) of every page the area can GET:
    each rule with the first known value of each path argument, and any extra URLs."""
    targets = []
    for rule in area.rules:
        if "GET" in rule.methods:
            values = {n: sorted(area.path_values.get(n, {"1"}))[0] for n in rule.arguments}
            targets.append((rule.rule, _path(rule, values)))
    targets += [(None, url) for url in urls]
    for rule, url in targets:
        _fresh_g()
        html = area.client.get(url).get_data(as_text=True)
        names, values = _html_names(html)
        names.discard("csrf_token")
        area.names |= names
        if rule:
            area.rule_names[rule] = sorted(set(area.rule_names.get(rule, [])) | names)
        for name, found in values.items():
            area.values.setdefault(name, set()).update(found)


def _world(app):
    """A request for each right, so that reference, action and task paths reach real rows."""
    made = [make_request(db.session, right=r, key=f"fuzz-{r}") for r in ("access", "restriction")]
    return made


def _staff_sign_in(user):
    role, services, secret = user.role, list(user.services), user.totp_secret

    def sign_in(client):
        # Undo what the fuzzing did to the account itself (locked by wrong passwords, two-factor
        # reset, role changed or deactivated by an administrator) before signing in again.
        user.last_totp_step = None
        user.failed_attempts, user.locked_until = 0, None
        db.session.execute(delete(SignInFailure).where(SignInFailure.staff_id == user.id))
        user.role, user.services, user.active = role, services, True
        user.totp_secret, user.totp_confirmed, user.must_change_password = secret, True, False
        db.session.commit()
        token = _csrf(client, "/staff/sign-in")
        response = client.post(
            "/staff/sign-in",
            data={"email": user.email, "password": PASSWORD, "csrf_token": token},
        )
        assert response.status_code == 302, response.status_code
        token = _csrf(client, "/staff/two-factor")  # a fresh session after the password
        response = client.post(
            "/staff/two-factor", data={"code": current_code(user), "csrf_token": token}
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:300]

    return sign_in


def _path_values(app, requests, extra=None):
    refs = {r.reference for r in requests}
    actions = set(app.extensions["workflow"].transitions)
    values = {
        "reference": refs,
        "action": actions,
        "key": {"rectified", "disclosed", "refused"},
        "service": {"housing", "early_help"},
        "step_name": {"right", "who", "details", "address", "access", "contact"},
        "user_id": {"1", "2", "3"},
        "file_id": {"1"},
        "upload_id": {"1"},
        "notice_id": {"1"},
        "task_id": {"1"},
        "item_id": {"1"},
        "message_id": {"1"},
        "filename": {"govuk/govuk-frontend.min.css"},
    }
    values.update(extra or {})
    return values


@pytest.mark.parametrize("role", ["dpo", "caseworker", "admin"])
def test_no_staff_input_gives_a_server_error(csrf_app, role):
    requests = _world(csrf_app)
    user = make_staff(role, ["housing"] if role == "caseworker" else [])
    area = Area(
        csrf_app,
        f"staff:{role}",
        _rules(csrf_app, lambda rule: rule.rule.startswith("/staff/")),
        _staff_sign_in(user),
        "/staff/sign-out",
    )
    area.path_values = _path_values(csrf_app, requests)
    area.ready()
    ref = requests[0].reference
    _seed(
        area,
        [
            "/staff/requests",
            f"/staff/requests/{ref}",
            f"/staff/requests/{ref}/assign",
            f"/staff/requests/{ref}/identity",
            f"/staff/requests/{ref}/pack",
            f"/staff/requests/{ref}/pack/checklist",
            f"/staff/requests/{ref}/pack/files",
            "/staff/requests/new",
            "/staff/accounts/new",
            "/staff/accounts/1",
            "/staff/messages",
            "/staff/password",
        ]
        + [f"/staff/requests/{ref}/actions/{a}" for a in sorted(area.path_values["action"])],
    )
    fuzz(area)


def test_no_resident_input_gives_a_server_error(csrf_app):
    def begin(client):
        client.get("/request/start")

    area = Area(
        csrf_app,
        "resident",
        _rules(
            csrf_app,
            lambda rule: not rule.rule.startswith(("/staff/", "/track/request")),
        ),
        begin,
        "/request/right",
    )
    area.path_values = _path_values(csrf_app, [])
    area.ready()
    _seed(area, [f"/request/{s}" for s in sorted(area.path_values["step_name"])] + ["/track"])
    fuzz(area)


def test_no_tracking_input_gives_a_server_error(csrf_app):
    requests = _world(csrf_app)
    request = requests[0]

    def track(client):
        token = _csrf(client, "/track")
        client.post(
            "/track",
            data={
                "reference": request.reference,
                "contact": "sam@example.com",
                "csrf_token": token,
            },
        )
        response = client.post("/track/code", data={"code": latest_code(), "csrf_token": token})
        assert response.status_code == 302, response.status_code

    area = Area(
        csrf_app,
        "tracking",
        _rules(csrf_app, lambda rule: rule.rule.startswith("/track")),
        track,
        "/track/request/withdraw",
    )
    area.path_values = _path_values(csrf_app, requests)
    area.ready()
    _seed(area, ["/track/request", "/track/request/withdraw"])
    fuzz(area)
