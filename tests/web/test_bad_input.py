"""Every question page rejects bad input with a GOV.UK error summary linking to the field,
keeps what the user typed, and stores nothing half-done."""

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal.models import DataRequest, Draft, Upload
from tests.helpers import error_summary, latest_code, pdf_file

NEXT_YEAR = str(date.today().year + 1)
TOMORROW = date.today() + timedelta(days=1)

# Pages answered, in order, before the page under test (for an access request about "me").
BEFORE = {
    "right": {"right": "access"},
    "who": {"who": "me"},
    "details": {"full_name": "Sam Taylor", "date_of_birth": ["1", "2", "1985"]},
    "address": {"address_line_1": "1 Judd Street", "town": "London", "postcode": "WC1H 9JE"},
    "access": {"parts": ["home"], "what": "Everything", "period": "All"},
    "contact": {"method": "email", "email": "sam@example.com"},
}
DOB = {"full_name": "Sam", "date_of_birth": ["1", "2", "1985"]}
ADDRESS = {"address_line_1": "1 Judd St", "town": "London"}
ACCESS = {"parts": ["home"], "what": "Everything", "period": "All"}

# (page, data posted, expected message, expected link target)
CASES = [
    ("right", {}, "Select what you want to do", "#right"),
    ("right", {"right": "erasure"}, "Select what you want to do", "#right"),
    ("who", {}, "Select who the information is about", "#who"),
    ("details", {"date_of_birth": ["1", "2", "1985"]}, "Enter your full name", "#full_name"),
    (
        "details",
        {"full_name": "x" * 201, "date_of_birth": ["1", "2", "1985"]},
        "Full name must be 200 characters or fewer",
        "#full_name",
    ),
    (
        "details",
        {"full_name": "Sam", "date_of_birth": ["", "", ""]},
        "Enter your date of birth",
        "#date_of_birth-day",
    ),
    # A tampered form with no date parts at all gets the same message, not a server error.
    ("details", {"full_name": "Sam"}, "Enter your date of birth", "#date_of_birth-day"),
    (
        "details",
        {"full_name": "Sam", "date_of_birth": ["1", "", "1985"]},
        "Your date of birth must include a month",
        "#date_of_birth-month",
    ),
    (
        "details",
        {"full_name": "Sam", "date_of_birth": ["", "", "1985"]},
        "Your date of birth must include a day and month",
        "#date_of_birth-day",
    ),
    (
        "details",
        {"full_name": "Sam", "date_of_birth": ["31", "2", "1985"]},
        "Your date of birth must be a real date",
        "#date_of_birth-day",
    ),
    (
        "details",
        {"full_name": "Sam", "date_of_birth": ["1", "x", "1985"]},
        "Your date of birth must be a real date",
        "#date_of_birth-month",
    ),
    (
        "details",
        {"full_name": "Sam", "date_of_birth": ["1", "2", "85"]},
        "Year must include 4 numbers",
        "#date_of_birth-year",
    ),
    (
        "details",
        {"full_name": "Sam", "date_of_birth": ["1", "1", NEXT_YEAR]},
        "Your date of birth must be in the past",
        "#date_of_birth-day",
    ),
    (
        "details",
        {"full_name": "Sam", "date_of_birth": ["1", "1", "1850"]},
        "Your date of birth must be after 1900",
        "#date_of_birth-year",
    ),
    (
        "address",
        {"town": "London", "postcode": "WC1H 9JE"},
        "Enter address line 1, typically the building and street",
        "#address_line_1",
    ),
    (
        "address",
        {"address_line_1": "1 Judd St", "postcode": "WC1H 9JE"},
        "Enter town or city",
        "#town",
    ),
    ("address", ADDRESS, "Enter postcode", "#postcode"),
    (
        "address",
        {**ADDRESS, "postcode": "X" * 40},
        "Postcode must be 10 characters or fewer",
        "#postcode",
    ),
    (
        "address",
        {**ADDRESS, "postcode": "NOT A CODE"},
        "Enter a real postcode, like NW1 2RU",
        "#postcode",
    ),
    (
        "address",
        {**ADDRESS, "address_line_1": "x" * 101, "postcode": "WC1H 9JE"},
        "Address line 1 must be 100 characters or fewer",
        "#address_line_1",
    ),
    (
        "details",
        {**DOB, "unique_pupil_number": "12345"},
        "Enter a unique pupil number in the correct format, like A12345678901B",
        "#unique_pupil_number",
    ),
    ("details", {**DOB, "nhs_number": "943 476 5918"}, "Enter a real NHS number", "#nhs_number"),
    (
        "details",
        {**DOB, "nhs_number": "12345"},
        "NHS number must be 10 numbers, like 943 476 5919",
        "#nhs_number",
    ),
    ("access", {**ACCESS, "what": "   "}, "Enter what you are looking for", "#what"),
    (
        "access",
        {**ACCESS, "what": "x" * 5001},
        "What you are looking for must be 5000 characters or fewer",
        "#what",
    ),
    ("access", {**ACCESS, "period": ""}, "Enter which dates we should search", "#period"),
    ("access", {**ACCESS, "parts": []}, "Select the kinds of information you want", "#parts"),
    (
        "access",
        {**ACCESS, "parts": ["secret_files"]},
        "Select the kinds of information you want",
        "#parts",
    ),
    # "Search everything" beside other kinds (no JavaScript to clear them) is refused.
    (
        "access",
        {**ACCESS, "parts": ["home", "not_sure"]},
        "Select the kinds of information you want, or select 'I'm not sure, search everything'",
        "#parts",
    ),
    ("contact", {}, "Select how we should contact you", "#method"),
]


def walk_to(client_request, page, before=BEFORE):
    client_request.client.get("/request/start")
    for step, data in before.items():
        if step == page:
            return
        client_request.post(f"/request/{step}", data)


@pytest.mark.parametrize(("page", "data", "message", "href"), CASES)
def test_bad_answer_shows_error_summary_and_keeps_answers(
    client_request, session, page, data, message, href
):
    walk_to(client_request, page)
    draft = session.scalars(select(Draft)).one()
    before = dict(draft.answers)
    result = client_request.post(f"/request/{page}", data, expected_status=200)
    assert (message, href) in error_summary(result)
    assert result.select_one(".govuk-error-message")
    assert result.title.string.startswith("Error: ")
    session.refresh(draft)
    assert draft.answers == before  # nothing stored from a bad page
    # What the user typed comes back to them.
    for name, value in data.items():
        typed = result.find(attrs={"name": name, "type": "text"}) or result.find("textarea")
        if typed and isinstance(value, str) and value.strip() and len(value) < 100:
            assert value in str(result), f"{name} not kept"


def test_date_parts_are_kept_on_error(client_request):
    walk_to(client_request, "details")
    page = client_request.post(
        "/request/details",
        {"full_name": "Sam", "date_of_birth": ["31", "2", "1985"]},
        expected_status=200,
    )
    assert page.select_one("#date_of_birth-day")["value"] == "31"
    assert page.select_one("#date_of_birth-month")["value"] == "2"
    assert page.select_one("#date_of_birth-year")["value"] == "1985"


def test_young_person_gets_young_person_wording_in_errors(client_request):
    walk_to(client_request, "details", {**BEFORE, "who": {"who": "young_person"}})
    page = client_request.post("/request/details", {}, expected_status=200)
    messages = [m for m, _ in error_summary(page)]
    assert messages == ["Enter your full name", "Enter your date of birth"]


def test_child_wording_in_errors(client_request):
    walk_to(client_request, "details", {**BEFORE, "who": {"who": "child"}})
    page = client_request.post("/request/details", {}, expected_status=200)
    assert [m for m, _ in error_summary(page)] == [
        "Enter your child's full name",
        "Enter your child's date of birth",
    ]


POST_ADDRESS = {
    "post_address_line_1": "1 Judd St",
    "post_town": "London",
    "post_postcode": "WC1H 9JE",
}
CONTACT_CASES = [
    ("email", {}, "Enter your email address", "#email"),
    (
        "email",
        {"email": "not-an-email"},
        "Enter an email address in the correct format, like name@example.com",
        "#email",
    ),
    ("sms", {}, "Enter your UK mobile phone number", "#mobile"),
    (
        "sms",
        {"mobile": "+33 6 12 34 56 78"},
        "Enter a UK mobile phone number, like 07700 900 982 or +44 7700 900 982",
        "#mobile",
    ),
    (
        "sms",
        {"mobile": "020 7974 4444"},
        "Enter a UK mobile phone number, like 07700 900 982 or +44 7700 900 982",
        "#mobile",
    ),
    # "both" reveals its own pair of fields: what was typed under "email" does not count.
    (
        "both",
        {"both_email": "sam@example.com", "mobile": "07123 456 789"},
        "Enter your UK mobile phone number",
        "#both_mobile",
    ),
    (
        "post",
        {"post_town": "London", "post_postcode": "WC1H 9JE", "post_email": "s@example.com"},
        "Enter address line 1, typically the building and street",
        "#post_address_line_1",
    ),
    (
        "post",
        {**POST_ADDRESS, "post_postcode": "nope", "post_email": "s@example.com"},
        "Enter a real postcode, like NW1 2RU",
        "#post_postcode",
    ),
    (
        "post",
        POST_ADDRESS,
        "Enter an email address or a UK mobile phone number",
        "#post_email",
    ),
]


@pytest.mark.parametrize(("method", "data", "message", "href"), CONTACT_CASES)
def test_contact_details_errors(client_request, session, method, data, message, href):
    walk_to(client_request, "contact")
    page = client_request.post("/request/contact", {"method": method, **data}, expected_status=200)
    assert (message, href) in error_summary(page)
    # Only the chosen method's fields are checked: one problem, and the chosen option open.
    assert len(error_summary(page)) == 1
    assert page.select_one(f"input[name=method][value={method}]").has_attr("checked")
    assert "contact" not in session.scalars(select(Draft)).one().answers


def test_only_the_chosen_methods_fields_are_checked_and_kept(client_request, session):
    """Without JavaScript every revealed field is sent: a bad email under "post" does not stop
    someone who chose text messages, and only the mobile is kept."""
    walk_to(client_request, "contact")
    client_request.post(
        "/request/contact",
        {"method": "sms", "mobile": "07123 456 789", "email": "not-an-email", **POST_ADDRESS},
    )
    draft = session.scalars(select(Draft)).one()
    assert draft.answers["contact"] == {"method": "sms", "mobile": "+447123456789"}


def test_post_keeps_the_address_in_the_gov_uk_pattern(client_request, session):
    walk_to(client_request, "contact")
    client_request.post(
        "/request/contact",
        {
            "method": "post",
            **POST_ADDRESS,
            "post_postcode": "wc1h9je",
            "post_mobile": "07123456789",
        },
    )
    assert session.scalars(select(Draft)).one().answers["contact"] == {
        "method": "post",
        "address_line_1": "1 Judd St",
        "address_line_2": None,
        "town": "London",
        "postcode": "WC1H 9JE",
        "email": None,
        "mobile": "+447123456789",
    }
    # Back on the page, the saved answers are in the post fields, under the open option.
    page = client_request.get("/request/contact")
    assert page.select_one("input[name=method][value=post]").has_attr("checked")
    assert page.select_one("#post_town")["value"] == "London"


def test_real_uk_mobile_is_accepted_and_normalised(client_request, session):
    walk_to(client_request, "contact")
    client_request.post("/request/contact", {"method": "sms", "mobile": "07123 456 789"})
    draft = session.scalars(select(Draft)).one()
    assert draft.answers["contact"] == {"method": "sms", "mobile": "+447123456789"}


def test_notify_test_numbers_are_refused_in_production(make_app):
    app = make_app(ALLOW_TEST_PHONE_NUMBERS=False)
    from tests.helpers import ClientRequest

    client_request = ClientRequest(app.test_client())
    with app.app_context():
        walk_to(client_request, "contact")
        page = client_request.post(
            "/request/contact", {"method": "sms", "mobile": "07700 900123"}, expected_status=200
        )
        assert error_summary(page)[0][1] == "#mobile"


REPRESENTED = {
    "right": {"right": "access"},
    "who": {"who": "represented"},
    "representative": {"capacity": "solicitor"},
}


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (None, "Select their written authority"),
        (
            (io.BytesIO(b"MZ\x90\x00 not a document"), "authority.pdf"),
            "The selected file must be a PDF, JPG or PNG",
        ),
        ((io.BytesIO(b""), "empty.pdf"), "The selected file is empty"),
        (
            pdf_file("big.pdf", size=10 * 1024 * 1024 + 1),
            "The selected file must be smaller than 10MB",
        ),
    ],
)
def test_authority_upload_errors(client_request, session, upload, message):
    walk_to(client_request, "authority", {**REPRESENTED, "authority": {}})
    data = {"upload": upload} if upload else {}
    page = client_request.post(
        "/request/authority", data, expected_status=200, content_type="multipart/form-data"
    )
    assert (message, "#upload") in error_summary(page)
    assert session.scalar(select(func.count(Upload.id))) == 0


def test_upload_larger_than_the_request_limit_gets_a_clear_page(client_request, session):
    walk_to(client_request, "authority", {**REPRESENTED, "authority": {}})
    response = client_request.client.post(
        "/request/authority",
        data={"upload": pdf_file("huge.pdf", size=12 * 1024 * 1024)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert "smaller than 10MB" in response.get_data(as_text=True)
    assert session.scalar(select(func.count(Upload.id))) == 0


def test_optional_upload_can_be_skipped_and_a_previous_upload_is_kept(client_request, session):
    walk_to(client_request, "authority", {**REPRESENTED, "authority": {}})
    client_request.post(
        "/request/authority", {"upload": pdf_file("a.pdf")}, content_type="multipart/form-data"
    )
    # Coming back and continuing without a new file keeps the first upload.
    page = client_request.get("/request/authority")
    assert "a.pdf" in page.get_text()
    client_request.post("/request/authority", {}, content_type="multipart/form-data")
    draft = session.scalars(select(Draft)).one()
    assert draft.answers["authority"]["filename"] == "a.pdf"
    assert session.scalar(select(func.count(Upload.id))) == 1


def _to_code_page(client_request):
    walk_to(client_request, "contact")
    client_request.post("/request/contact", {"method": "email", "email": "sam@example.com"})


def test_wrong_code_then_right_code(client_request):
    _to_code_page(client_request)
    code = latest_code()
    wrong = "000000" if code != "000000" else "111111"
    page = client_request.post("/request/confirm-contact", {"code": wrong}, expected_status=200)
    assert error_summary(page) == [("The code is not correct. Check it and try again", "#code")]
    page = client_request.post("/request/confirm-contact", {"code": "12ab"}, expected_status=200)
    assert error_summary(page) == [("The confirmation code must be 6 numbers", "#code")]
    page = client_request.post("/request/confirm-contact", {}, expected_status=200)
    assert error_summary(page) == [("Enter the confirmation code", "#code")]
    response = client_request.post("/request/confirm-contact", {"code": code})
    assert response.location.endswith("/request/check")


def test_five_wrong_codes_lock_the_code(client_request):
    _to_code_page(client_request)
    code = latest_code()
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        client_request.post("/request/confirm-contact", {"code": wrong}, expected_status=200)
    page = client_request.post("/request/confirm-contact", {"code": code}, expected_status=200)
    assert "too many times" in error_summary(page)[0][0]
    # A new code works.
    client_request.post("/request/confirm-contact/resend", {})
    response = client_request.post("/request/confirm-contact", {"code": latest_code()})
    assert response.location.endswith("/request/check")


def test_expired_code(client_request, session):
    from portal.models import VerificationCode

    _to_code_page(client_request)
    code = latest_code()
    row = session.scalars(select(VerificationCode)).one()
    row.expires_at = row.created_at - timedelta(minutes=1)
    session.commit()
    page = client_request.post("/request/confirm-contact", {"code": code}, expected_status=200)
    assert error_summary(page) == [("The code has expired. Ask for a new code", "#code")]


def test_resending_replaces_the_old_code(client_request):
    _to_code_page(client_request)
    first = latest_code()
    client_request.post("/request/confirm-contact/resend", {})
    second = latest_code()
    if first != second:
        page = client_request.post("/request/confirm-contact", {"code": first}, expected_status=200)
        assert error_summary(page)
    response = client_request.post("/request/confirm-contact", {"code": second})
    assert response.location.endswith("/request/check")


def test_codes_are_stored_hashed(client_request, session):
    from portal.models import VerificationCode

    _to_code_page(client_request)
    code = latest_code()
    row = session.scalars(select(VerificationCode)).one()
    assert code not in row.code_hash and len(row.code_hash) == 64


def test_changing_the_email_after_confirming_asks_for_a_new_code(client_request):
    _to_code_page(client_request)
    client_request.post("/request/confirm-contact", {"code": latest_code()})
    response = client_request.post(
        "/request/contact?change=1", {"method": "email", "email": "other@example.com"}
    )
    assert "/request/confirm-contact" in response.location
    assert client_request.client.get("/request/check").location.endswith("/request/confirm-contact")


def test_declaration_is_required_and_nothing_is_stored_without_it(client_request, session):
    _to_code_page(client_request)
    client_request.post("/request/confirm-contact", {"code": latest_code()})
    page = client_request.post("/request/check", {}, expected_status=200)
    assert error_summary(page) == [
        ("Confirm that the information you have given is true", "#declaration")
    ]
    # The answers are still shown in full beside the error.
    values = [v.get_text(strip=True) for v in page.select(".govuk-summary-list__value")]
    assert "Sam Taylor" in values and "sam@example.com" in values
    assert "Housing" in values  # a checkbox answer
    assert "Get a copy of the information we hold" in values  # a radio answer
    assert session.scalar(select(func.count(DataRequest.id))) == 0


def test_check_page_cannot_be_reached_before_the_questions_are_answered(client_request):
    client_request.client.get("/request/start")
    assert client_request.client.get("/request/check").location.endswith("/request/right")
    # Skipping ahead sends the user to the first unanswered question.
    assert client_request.client.get("/request/address").location.endswith("/request/right")


def test_pages_without_a_session_say_so(client):
    response = client.get("/request/details")
    assert response.status_code == 400
    assert "Your session has ended" in response.get_data(as_text=True)
