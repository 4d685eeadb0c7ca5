"""Answers saved in the shapes the journey had before its pages were merged (contact method and
details apart, reference numbers on their own page, the address in one box), as a draft made
then or the staff intake still produces them, make the same people as today's shapes."""

from portal.domain.requests import submit_request
from portal.models import Draft
from tests.factories import RECEIVED, answers, context, ensure_dpo_account


def submit(session, key: str, given: dict):
    draft = Draft(id=key, answers=given, verified_contact="sam@example.com")
    session.add(draft)
    ensure_dpo_account(session)
    session.commit()
    return submit_request(context(session, RECEIVED), draft, draft.answers)


def person_fields(request, role="subject"):
    person = request.person(role)
    return (
        person.address,
        person.postcode,
        person.email,
        person.contact_by,
        person.unique_pupil_number,
        person.nhs_number,
    )


def test_earlier_shapes_read_as_todays(session):
    today = answers()
    today["details"] = {**today["details"], "nhs_number": "9434765919"}
    today["address"] = {
        "address_line_1": "1 Judd Street",
        "address_line_2": "Flat 2",
        "town": "London",
        "postcode": "WC1H 9JE",
    }
    earlier = answers()
    del earlier["contact"]
    earlier["contact-method"] = {"method": "email"}
    earlier["contact-details"] = {"email": "sam@example.com"}
    earlier["numbers"] = {"unique_pupil_number": "", "nhs_number": "9434765919"}
    earlier["address"] = {"address": "1 Judd Street\nFlat 2\nLondon", "postcode": "WC1H 9JE"}
    now_made, then_made = submit(session, "today", today), submit(session, "earlier", earlier)
    assert person_fields(now_made) == person_fields(then_made)
    assert person_fields(now_made) == (
        "1 Judd Street\nFlat 2\nLondon",
        "WC1H 9JE",
        "sam@example.com",
        "email",
        None,
        "9434765919",
    )


def test_a_requester_writing_by_post_keeps_the_address_lines(session):
    given = answers(who="child", dob="2015-01-01")
    given["contact"] = {
        "method": "post",
        "address_line_1": "2 Judd Street",
        "address_line_2": None,
        "town": "London",
        "postcode": "WC1H 9JE",
        "email": "sam@example.com",
        "mobile": None,
    }
    request = submit(session, "post", given)
    assert person_fields(request, "requester")[:4] == (
        "2 Judd Street\nLondon",
        "WC1H 9JE",
        "sam@example.com",
        "post",
    )
