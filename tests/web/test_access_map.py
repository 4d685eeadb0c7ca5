"""Every route in the app's URL map has an access check, or is on the reviewed list of routes
that need none. Staff routes refuse a visitor who is not signed in, or signed in with the
password alone, and refuse each role the table below does not give them; tracking routes refuse
anyone who has not entered the code sent for the request, including someone who has given its
reference and contact. A new route fails here until it is put in
one of the tables, which is the moment to decide who may open it."""

import pytest
from werkzeug.routing import IntegerConverter

from portal.extensions import db
from tests.factories import make_request
from tests.staff_helpers import PASSWORD, make_staff, sign_in

# Routes that need no access check, and why. Reviewed: keep the reason honest.
PUBLIC = {
    "static": "GOV.UK Frontend and the portal's own CSS, JavaScript and images",
    "public.start": "the start page",
    "public.begin": "starts a new draft in the visitor's own session",
    "public.question": "the resident's own draft only, found through their own session",
    "public.confirm_contact": "the resident's own draft only, found through their own session",
    "public.resend_code": "the resident's own draft only, found through their own session",
    "public.check": "the resident's own draft only, found through their own session",
    "public.confirmation": "the resident's own draft only, found through their own session",
    "public.privacy": "information page",
    "public.accessibility": "information page",
    "public.cookies": "information page",
    "public.contact": "information page",
    "public.captured_messages": "development only: 404 in production and whenever Notify is "
    "configured (tests/web/test_pages.py)",
    "public.complaint_start": "information page: how to complain",
    "public.complaint_begin": "starts a new complaint draft in the visitor's own session; "
    "names a request only if the visitor has signed in to it on the tracking page",
    "public.complaint_page": "the complainant's own draft only, found through their own session",
    "public.complaint_confirm": "the complainant's own draft only, found through their own session",
    "public.complaint_resend_code": "the complainant's own draft only, found through their own "
    "session",
    "public.complaint_check": "the complainant's own draft only, found through their own session",
    "public.complaint_sent": "the complainant's own draft only, found through their own session",
    "public.confirmation_answers": "the resident's own sent draft only, found through their own "
    "session",
    "public.save_for_later_page": "the resident's own draft only, found through their own session",
    "public.saved": "shows only what the visitor's own session holds (a masked contact, a date)",
    "public.resume_link": "the link's random single-use token is the check (its hash is stored)",
    "public.resume": "the saved-answers sign-in itself: a contact, then a code",
    "public.resume_code": "the saved-answers sign-in itself: the code sent to that contact",
    "public.extend_session": "keeps the visitor's own session going",
    "public.sign_out": "ends the visitor's own session",
    "public.signed_out": "information page",
    "public.session_ended": "information page; ends the visitor's own session",
    "public.track": "the tracking sign-in itself: reference and contact",
    "public.track_code": "the tracking sign-in itself: the code sent to that contact",
    "staff.sign_in": "the staff sign-in itself: password",
    "staff.two_factor": "the staff sign-in itself: code, only after the password",
    "staff.set_up_two_factor": "the staff sign-in itself: first code, only after the password",
    "notify_callbacks.delivery_receipt": "Notify's delivery receipts: bearer token "
    "(tests/web/test_notify_callback.py)",
}

ANYONE_SIGNED_IN = ("dpo", "caseworker", "admin")
REQUESTS = ("dpo", "caseworker")
# Who may open each staff route (caseworkers further confined to their services, tested in
# tests/web/test_staff_casework.py).
STAFF = {
    "staff.home": ANYONE_SIGNED_IN,
    "staff.change_password": ANYONE_SIGNED_IN,
    "staff.sign_out": ANYONE_SIGNED_IN,
    "staff.extend_session": ANYONE_SIGNED_IN,
    "staff.queue": REQUESTS,
    "staff.request_page": REQUESTS,
    "staff.action": REQUESTS,
    "staff.note": REQUESTS,
    "staff.task": REQUESTS,
    "staff.evidence_review": REQUESTS,
    "staff.pack_page": REQUESTS,
    "staff.pack_file_add": REQUESTS,
    "staff.pack_file_remove": REQUESTS,
    "staff.pack_checklist": REQUESTS,
    "staff.pack_reopen_delivery": REQUESTS,
    "staff.download": REQUESTS,
    "staff.resolve": REQUESTS,
    "staff.choose_notice": REQUESTS,
    "staff.write_notice": REQUESTS,
    "staff.preview_notice": REQUESTS,
    "staff.notice_letter": REQUESTS,
    "staff.notice_statement": REQUESTS,
    "staff.letter_posted": REQUESTS,
    "staff.recipient_told": REQUESTS,
    "staff.assign_request": ("dpo",),
    "staff.identity": ("dpo",),
    "staff.new_request": REQUESTS,
    "staff.searches": REQUESTS,
    "staff.new_complaint": ("dpo",),
    "staff.messages": ("dpo",),
    "staff.audit_trail": ("dpo",),
    "staff.legal_hold": ("dpo",),
    "staff.resend": ("dpo",),
    "staff.services_page": ("dpo", "admin"),
    "staff.accounts": ("admin",),
    "staff.new_account": ("admin",),
    "staff.account": ("admin",),
    "staff.account_reset_two_factor": ("admin",),
    "staff.account_active": ("admin",),
    "staff.access_approvals": ("dpo",),
    "staff.access_approval": ("dpo",),
}

# The requester's pages after sending: open only with a confirmed tracking code.
TRACKING_PREFIX = "public.track_"


def _routes(app):
    """(endpoint, method, url) for every route and method, with made-up arguments: an access
    check comes before anything is looked up."""
    for rule in app.url_map.iter_rules():
        values = {
            name: 1 if isinstance(converter, IntegerConverter) else "DR-AAAA-BBBB"
            for name, converter in rule._converters.items()
        }
        url = rule.build(values, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, url


def _kind(endpoint: str) -> str:
    if endpoint in PUBLIC:
        return "public"
    if endpoint in STAFF:
        return "staff"
    if endpoint.startswith(TRACKING_PREFIX):
        return "tracking"
    return "unknown"


def _redirects_to(response, path: str) -> bool:
    return response.status_code in (302, 303) and response.location.split("?")[0].endswith(path)


def access_problems(app) -> list[str]:
    """What a walk of the URL map finds wrong, one line per route and method."""
    problems = []
    routes = list(_routes(app))
    endpoints = {endpoint for endpoint, _, _ in routes}
    problems += [f"{e}: on the public list but not in the app" for e in PUBLIC.keys() - endpoints]
    problems += [f"{e}: in the staff table but not in the app" for e in STAFF.keys() - endpoints]

    people = {
        role: make_staff(role, ["housing"] if role == "caseworker" else [])
        for role in ANYONE_SIGNED_IN
    }
    visitor = app.test_client()
    # A real request's reference and contact given, its code not entered yet.
    reference = make_request(db.session, key="access-map").reference
    code_not_entered = app.test_client()
    started = code_not_entered.post(
        "/track", data={"reference": reference, "contact": "sam@example.com"}
    )
    assert _redirects_to(started, "/track/code"), started.status_code
    password_only = app.test_client()
    password_only.post("/staff/sign-in", data={"email": people["dpo"].email, "password": PASSWORD})
    signed_in = {}
    for role, person in people.items():
        signed_in[role] = app.test_client()
        sign_in(signed_in[role], person)

    for endpoint, method, url in routes:
        kind = _kind(endpoint)
        where = f"{endpoint} ({method} {url})"
        if kind == "unknown":
            problems.append(f"{where}: not in any table: decide who may open it")
        elif kind == "tracking":
            for who, client in [("nobody", visitor), ("code not entered", code_not_entered)]:
                response = client.open(url, method=method)
                if not (_redirects_to(response, "/track") or response.status_code in (403, 404)):
                    problems.append(f"{where}: {who} got {response.status_code}, not /track")
        elif kind == "staff":
            for who, client in [("nobody", visitor), ("password only", password_only)]:
                response = client.open(url, method=method)
                if not _redirects_to(response, "/staff/sign-in"):
                    problems.append(f"{where}: {who} got {response.status_code}, not sign-in")
            for role in set(ANYONE_SIGNED_IN) - set(STAFF[endpoint]):
                response = signed_in[role].open(url, method=method)
                if response.status_code != 403:
                    problems.append(f"{where}: {role} got {response.status_code}, not 403")
    db.session.rollback()
    return problems


def test_every_route_checks_access_or_is_on_the_public_list(app):
    assert access_problems(app) == []


@pytest.mark.parametrize("where", ["staff", "tracking"])
def test_a_new_route_without_an_access_check_is_caught(make_app, where):
    app = make_app()
    if where == "staff":
        app.add_url_rule("/staff/export", "staff.export", lambda: "every request")
    else:
        app.add_url_rule("/track/request/export", "public.track_export", lambda: "a request")
    with app.app_context():
        problems = access_problems(app)
        db.session.remove()
        db.engine.dispose()
    export = "staff.export" if where == "staff" else "public.track_export"
    assert problems and all(p.startswith(export) for p in problems), problems


def test_a_staff_route_open_to_the_wrong_role_is_caught(make_app):
    from portal.staff.access import staff_required

    app = make_app()
    app.add_url_rule("/staff/all-accounts", "staff.all_accounts", staff_required()(lambda: "x"))
    STAFF["staff.all_accounts"] = ("admin",)
    try:
        with app.app_context():
            problems = access_problems(app)
            db.session.remove()
            db.engine.dispose()
    finally:
        del STAFF["staff.all_accounts"]
    assert sorted(problems) == [
        "staff.all_accounts (GET /staff/all-accounts): caseworker got 200, not 403",
        "staff.all_accounts (GET /staff/all-accounts): dpo got 200, not 403",
    ]
