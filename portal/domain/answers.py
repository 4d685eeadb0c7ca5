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


def contact_destination(answers: dict) -> tuple[str, str] | None:
    """Where the one-time code goes: the email address if there is one, else the mobile."""
    details = answers.get("contact-details", {})
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
