"""Every question page, the check page and the acknowledgement speak of the person the
information is about as this asker would: "you", "your child" or "them"; the council is "we";
and the browser's autofill is offered only for the asker's own details."""

from datetime import date

import pytest

from tests.helpers import Resident, deliver_messages, latest_code
from tests.web.test_journey_length import ANSWERS

CHILD_DOB = ["3", "4", str(date.today().year - 6)]
AS_ASKED = {
    "representative": {"capacity": "advocate"},
    "requester": {"full_name": "Alex Taylor", "relationship": "Mother"},
    "parental-responsibility": {"parental_responsibility": "yes"},
    "parental-responsibility-proof": {},
}


def main_text(page) -> str:
    return page.select_one("main").get_text(" ", strip=True)


def walk_question_pages(client_request, right: str, who: str) -> dict[str, str]:
    """Step name -> the page's text, for every question page of this right and asker, and the
    check page."""
    from tests.helpers import pdf_file

    client_request.client.get("/request/start")
    texts, url = {}, "/request/right"
    for _ in range(30):
        page = client_request.get(url)
        step = url.split("?")[0].rsplit("/", 1)[-1]
        texts[step] = main_text(page)
        if step in ("confirm-contact",):
            url = client_request.post(url, {"code": latest_code()}).location
            continue
        if step == "check":
            return texts
        data = {"right": {"right": right}, "who": {"who": who}}.get(step)
        if step == "authority":
            data = {"upload": pdf_file()}
        elif step == "details" and who == "child":
            data = {**ANSWERS["details"], "date_of_birth": CHILD_DOB}
        data = data if data is not None else AS_ASKED.get(step, ANSWERS.get(step))
        kwargs = {"content_type": "multipart/form-data"} if step == "authority" else {}
        url = client_request.post(url, data, **kwargs).location
    raise AssertionError(f"no check page after {list(texts)}")


RIGHTS = ["access", "rectification", "restriction", "objection"]


@pytest.mark.parametrize("right", RIGHTS)
@pytest.mark.parametrize("who", ["me", "young_person"])
def test_nobody_asking_about_themselves_reads_about_their_child(client_request, right, who):
    for step, text in walk_question_pages(client_request, right, who).items():
        assert "your child" not in text.lower(), step
        assert "the person you act for" not in text, step


@pytest.mark.parametrize("right", RIGHTS)
def test_a_parent_reads_about_their_child(client_request, right):
    texts = walk_question_pages(client_request, right, "child")
    assert "Your child's details" in texts["details"]
    assert "What is your child's address?" in texts["address"]
    assert "Your child's full name Sam Taylor" in texts["check"]
    assert "Your child's address 1 Judd Street London WC1H 9JE" in texts["check"]
    assert "Your full name Alex Taylor" in texts["check"]
    own = {
        "access": ("access", "What information about your child do you want?"),
        "rectification": ("rectification-tell", "how we use your child's information"),
        "restriction": ("restriction-tell", "how we use your child's information"),
        "objection": ("objection-uses", "Acting in your child's best interests"),
    }[right]
    assert own[1] in texts[own[0]]


@pytest.mark.parametrize("right", RIGHTS)
def test_a_representative_reads_about_them(client_request, right):
    texts = walk_question_pages(client_request, right, "represented")
    assert "Details of the person you are acting for" in texts["details"]
    assert "Their full name" in texts["details"]
    assert "What is their address?" in texts["address"]
    for step, text in texts.items():
        assert "your child" not in text.lower(), step


def test_what_do_you_want_to_do_calls_the_council_we(client_request):
    client_request.client.get("/request/start")
    text = main_text(client_request.get("/request/right"))
    assert "Get a copy of the information we hold" in text
    assert "Ask us to limit how we use the information" in text
    assert "Object to how we use the information" in text
    assert "you hold" not in text and "how you use" not in text


def test_the_acknowledgement_says_whose_information(client_request, session):
    client_request.client.get("/request/start")
    Resident(client_request).make_request(who="child", dob=" ".join(CHILD_DOB))
    received = [m for m in deliver_messages() if "received your request" in m.body]
    assert "for a copy of your child's information" in received[0].body
    page = client_request.get("/request/confirmation")
    assert "You asked for a copy of your child's information" in main_text(page)


def autocomplete(page, selector: str) -> str | None:
    return page.select_one(selector).get("autocomplete")


def test_autofill_for_the_askers_own_details(client_request):
    client_request.client.get("/request/start")
    client_request.post("/request/right", {"right": "access"})
    client_request.post("/request/who", {"who": "me"})
    page = client_request.get("/request/details")
    assert autocomplete(page, "#full_name") == "name"
    assert [autocomplete(page, f"#date_of_birth-{p}") for p in ("day", "month", "year")] == [
        "bday-day",
        "bday-month",
        "bday-year",
    ]
    client_request.post("/request/details", ANSWERS["details"])
    page = client_request.get("/request/address")
    assert [
        autocomplete(page, f"#{n}")
        for n in ("address_line_1", "address_line_2", "town", "postcode")
    ] == ["address-line1", "address-line2", "address-level2", "postal-code"]
    client_request.post("/request/address", ANSWERS["address"])
    client_request.post("/request/access", ANSWERS["access"])
    page = client_request.get("/request/contact")
    tokens = {n: autocomplete(page, f"#{n}") for n in ("email", "mobile", "both_email")}
    assert tokens == {"email": "email", "mobile": "tel", "both_email": "email"}
    assert autocomplete(page, "#post_address_line_1") == "address-line1"
    assert autocomplete(page, "#post_postcode") == "postal-code"
    assert page.select_one("#email")["type"] == "email"
    assert page.select_one("#mobile")["type"] == "tel"


def test_no_autofill_of_the_askers_details_into_a_childs(client_request):
    client_request.client.get("/request/start")
    client_request.post("/request/right", {"right": "access"})
    client_request.post("/request/who", {"who": "child"})
    page = client_request.get("/request/details")
    assert autocomplete(page, "#full_name") == "off"
    assert autocomplete(page, "#date_of_birth-day") == "off"
    client_request.post("/request/details", {**ANSWERS["details"], "date_of_birth": CHILD_DOB})
    page = client_request.get("/request/address")
    assert autocomplete(page, "#address_line_1") == "off"
    client_request.post("/request/address", ANSWERS["address"])
    page = client_request.get("/request/requester")
    assert autocomplete(page, "#full_name") == "name"  # the parent's own name


def test_autofill_on_a_complainants_own_details(client_request):
    from tests.web.test_complaints import ABOUT, DETAILS

    client_request.client.get("/complaint/begin")
    client_request.post("/complaint/complaint-about", ABOUT)
    client_request.post("/complaint/complaint-details", DETAILS)
    page = client_request.get("/complaint/complaint-contact")
    tokens = {n: autocomplete(page, f"#{n}") for n in ("full_name", "email", "mobile")}
    assert tokens == {"full_name": "name", "email": "email", "mobile": "tel"}


@pytest.mark.parametrize(
    ("who", "dob", "words"),
    [
        ("me", "1985-02-01", "a copy of your information"),
        ("child", f"{date.today().year - 6}-04-03", "a copy of your child's information"),
    ],
)
def test_the_tracking_page_says_whose_information(client_request, session, who, dob, words):
    from tests.factories import make_request
    from tests.web.test_tracking import sign_in_as_requester

    page = sign_in_as_requester(client_request, make_request(session, who=who, dob=dob))
    assert words.capitalize() in main_text(page)
