"""The known causes of server errors, each answered with a GOV.UK page instead: non-ASCII digits
and integers beyond 64 bits in paths, query strings and hidden fields, a file part sent in a
text, date or password field, and the same choice posted twice. (tests/web/test_fuzz_routes.py
generates requests for every route beyond these.)"""

import io

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import ServiceTask
from portal.numbers import whole_number
from tests.factories import make_request
from tests.helpers import error_summary
from tests.staff_helpers import PASSWORD, make_staff, sign_in

BAD_NUMBERS = ["²", "١٢", str(2**63), str(2**64 + 1), "9" * 40]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("12", 12), (" 7 ", 7), ("²", None), ("١٢", None), ("1e3", None), ("-1", None), ("", None)]
    + [(str(2**63 - 1), 2**63 - 1), (str(2**63), None), (12, 12), (True, None), (None, None)],
)
def test_whole_numbers_are_ascii_digits_within_64_bits(value, expected):
    assert whole_number(value) == expected


@pytest.fixture
def dpo_client(app):
    client = app.test_client()
    sign_in(client, make_staff("dpo"))
    return client


@pytest.mark.parametrize("bad", BAD_NUMBERS)
def test_bad_numbers_in_paths_are_not_found(app, dpo_client, bad):
    request = make_request(db.session)
    admin = app.test_client()
    sign_in(admin, make_staff("admin"))
    for client, url in [
        (dpo_client, f"/staff/requests/{request.reference}/files/{bad}"),
        (dpo_client, f"/staff/requests/{request.reference}/evidence/{bad}"),
        (dpo_client, f"/staff/messages/{bad}/resend"),
        (admin, f"/staff/accounts/{bad}"),
    ]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Page not found" in response.get_data(as_text=True)


@pytest.mark.parametrize("bad", BAD_NUMBERS)
def test_bad_numbers_in_query_strings_are_ignored(dpo_client, bad):
    for url in [
        f"/staff/requests?page={bad}",
        f"/staff/requests?assignee={bad}",
        f"/staff/messages?page={bad}",
    ]:
        response = dpo_client.get(url)
        assert response.status_code == 200, url


@pytest.mark.parametrize("bad", BAD_NUMBERS)
def test_bad_numbers_in_the_hidden_version_are_a_changed_request(client_request, app, bad):
    request = make_request(db.session)
    sign_in(client_request.client, make_staff("dpo"))
    page = client_request.post(
        f"/staff/requests/{request.reference}/actions/route",
        {"services": ["housing"], "version": bad},
        expected_status=200,
    )
    assert "changed" in page.get_text()
    assert db.session.scalar(select(func.count(ServiceTask.id))) == 0


@pytest.mark.parametrize("bad", BAD_NUMBERS)
def test_bad_numbers_in_the_legal_hold_version_are_refused(client_request, bad):
    request = make_request(db.session)
    sign_in(client_request.client, make_staff("dpo"))
    response = client_request.client.post(
        f"/staff/requests/{request.reference}/legal-hold", data={"reason": "x", "version": bad}
    )
    assert response.status_code < 500


def _file():
    return (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "a.pdf")


def test_a_file_in_a_text_or_date_field_is_an_empty_answer(client_request):
    client_request.client.get("/request/start")
    client_request.post("/request/right", {"right": "access"})
    client_request.post("/request/who", {"who": "me"})
    page = client_request.post(
        "/request/details",
        {"full_name": _file(), "date_of_birth": _file()},
        expected_status=200,
        content_type="multipart/form-data",
    )
    assert [href for _, href in error_summary(page)] == ["#full_name", "#date_of_birth-day"]


def test_a_file_in_a_password_field_is_a_wrong_password(client_request):
    user = make_staff("dpo")
    page = client_request.post(
        "/staff/sign-in",
        {"email": user.email, "password": _file()},
        expected_status=200,
        content_type="multipart/form-data",
    )
    assert error_summary(page)
    sign_in(client_request.client, user)
    page = client_request.post(
        "/staff/password",
        {"current_password": _file(), "new_password": _file(), "confirm_password": PASSWORD},
        expected_status=200,
        content_type="multipart/form-data",
    )
    assert error_summary(page)


def test_a_file_in_a_note_or_search_is_refused_or_ignored(client_request):
    request = make_request(db.session)
    sign_in(client_request.client, make_staff("dpo"))
    response = client_request.client.post(
        f"/staff/requests/{request.reference}/note",
        data={"note": _file()},
        content_type="multipart/form-data",
    )
    assert response.status_code in (200, 302)


def test_the_same_service_twice_routes_to_it_once(client_request):
    request = make_request(db.session)
    sign_in(client_request.client, make_staff("dpo"))
    page = client_request.get(f"/staff/requests/{request.reference}/actions/route")
    version = page.select_one("input[name=version]")["value"]
    client_request.post(
        f"/staff/requests/{request.reference}/actions/route",
        {"services": ["housing", "housing"], "version": version},
    )
    assert db.session.scalar(select(func.count(ServiceTask.id))) == 1
