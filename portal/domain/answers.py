"""Reading a resident's answers (a dict of page name -> that page's answers)."""

from datetime import date


def who(answers) -> str | None:
    return answers.get("who", {}).get("who")


def right(answers) -> str | None:
    return answers.get("right", {}).get("right")


def relation(answers) -> str:
    return {"child": "child", "represented": "represented"}.get(who(answers), "self")


def age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def subject_age(answers, today: date) -> int | None:
    dob = answers.get("details", {}).get("date_of_birth")
    return age_on(date.fromisoformat(dob), today) if dob else None


# The page that asks how to contact the requester (method and details together). Answers saved
# before it replaced two pages ("contact-method", "contact-details"), and the staff intake's
# answers, still read through the functions below.
CONTACT_PAGE = "contact"


def contact(answers: dict) -> dict:
    """The contact page's answers: method, email, mobile and, for post, the address."""
    if CONTACT_PAGE in answers:
        return answers[CONTACT_PAGE]
    return {
        **answers.get("contact-details", {}),
        "method": answers.get("contact-method", {}).get("method"),
    }


def contact_method(answers: dict) -> str | None:
    return contact(answers).get("method")


def address_text(page: dict) -> str | None:
    """An address page's lines (line 1, line 2, town) as stored on a person: one per line. A page
    saved when the address was one box is read as it was typed."""
    if "address" in page:
        return page["address"]
    lines = [page.get(k) for k in ("address_line_1", "address_line_2", "town")]
    return "\n".join(line for line in lines if line) or None


def reference_numbers(answers: dict) -> dict:
    """Unique pupil number and NHS number: on the details page now, a page of their own before."""
    details, old = answers.get("details", {}), answers.get("numbers", {})
    return {
        key: details.get(key) or old.get(key) or None
        for key in ("unique_pupil_number", "nhs_number")
    }


def contact_destination(answers: dict) -> tuple[str, str] | None:
    """Where the one-time code goes: the email address if there is one, else the mobile."""
    details = contact(answers)
    if details.get("email"):
        return "email", details["email"]
    if details.get("mobile"):
        return "sms", details["mobile"]
    return None


def upload_ids(answers: dict) -> list[int]:
    return [
        page["upload_id"]
        for page in answers.values()
        if isinstance(page, dict) and "upload_id" in page
    ]
