"""GOV.UK "Exit this page" on every resident page, as a plain link when JavaScript is off;
not in the staff area."""

import pytest

RESIDENT_PAGES = [
    "/",
    "/request/start",
    "/track",
    "/privacy",
    "/accessibility",
    "/cookies",
    "/contact",
]


@pytest.mark.parametrize("path", RESIDENT_PAGES)
def test_every_resident_page_has_a_quick_exit(client_request, app, path):
    page = client_request.get(path, follow=True)
    exit_link = page.select_one(".govuk-exit-this-page a.govuk-exit-this-page__button")
    assert exit_link is not None, path
    assert exit_link["href"] == app.config["EXIT_PAGE_URL"]
    assert "noreferrer" in exit_link["rel"]


def test_a_question_page_and_an_error_page_have_it_too(client_request):
    client_request.client.get("/request/start")
    page = client_request.post("/request/right", {}, expected_status=200)
    assert page.select_one(".govuk-exit-this-page")
    missing = client_request.get("/no-such-page", expected_status=404)
    assert missing.select_one(".govuk-exit-this-page")


def test_staff_pages_do_not(client_request):
    page = client_request.get("/staff/sign-in")
    assert page.select_one(".govuk-exit-this-page") is None
