"""How many pages a resident sees from the start page to the confirmation, counted by walking the
journey as a resident does: open a page, answer it, follow where the service sends them."""

from urllib.parse import urlparse

import pytest

from tests.helpers import latest_code

ANSWERS = {
    "right": None,  # filled in per right
    "who": {"who": "me"},
    "details": {"full_name": "Sam Taylor", "date_of_birth": ["1", "2", "1985"]},
    "address": {"address_line_1": "1 Judd Street", "town": "London", "postcode": "WC1H 9JE"},
    "access": {"parts": ["not_sure"], "what": "Everything about me", "period": "All of it"},
    "rectification-wrong": {"wrong": "My date of birth"},
    "rectification-correct": {"correction": "1 February 1985"},
    "rectification-evidence": {},
    "rectification-tell": {"tell": "no"},
    "restriction-grounds": {"ground": "accuracy"},
    "restriction-why": {"why": "It is wrong"},
    "restriction-tell": {"tell": "no"},
    "objection-uses": {"uses": ["evaluate_impact"]},
    "objection-reasons": {"reasons": "I do not want to be studied"},
    "contact": {"method": "email", "email": "sam@example.com"},
}
# Pages from start to confirmation before the journey was shortened, and now.
BEFORE = {"access": 14, "rectification": 15, "restriction": 14, "objection": 13}
NOW = {"access": 10, "rectification": 13, "restriction": 12, "objection": 11}


def walk(client_request, right: str) -> list[str]:
    """Every page shown, in order, from the start page to the confirmation."""
    seen = []
    page = client_request.get("/")
    seen.append("/")
    url = page.select_one("a.govuk-button--start")["href"]
    for _ in range(30):
        response = client_request.client.get(url)
        if response.status_code == 302:  # /request/start sends on to the first question
            url = response.location
            continue
        page = client_request.check_page(response)
        path = urlparse(url).path
        seen.append(path)
        if path == "/request/confirmation":
            return seen
        if path == "/request/confirm-contact":
            data = {"code": latest_code()}
        elif path == "/request/check":
            data = {"declaration": "y"}
        else:
            step = path.rsplit("/", 1)[-1]
            data = {"right": right} if step == "right" else ANSWERS[step]
        assert page.select_one("main form"), path
        url = client_request.post(path, data).location
    raise AssertionError(f"no confirmation after {seen}")


@pytest.mark.parametrize("right", ["access", "rectification", "restriction", "objection"])
def test_pages_from_start_to_confirmation(client_request, right):
    seen = walk(client_request, right)
    assert len(seen) == len(set(seen)), seen  # no page shown twice
    assert len(seen) <= NOW[right] < BEFORE[right], seen


def test_the_shortest_access_request_is_ten_pages(client_request):
    assert walk(client_request, "access") == [
        "/",
        "/request/right",
        "/request/who",
        "/request/details",
        "/request/address",
        "/request/access",
        "/request/contact",
        "/request/confirm-contact",
        "/request/check",
        "/request/confirmation",
    ]
