"""Filling in the staff intake page as a person would: every question the page shows, answered
from what the page itself offers (its inputs, options and names), so a journey question added,
renamed or merged is answered too."""

from datetime import date, timedelta

from tests.helpers import pdf_file

# A valid answer per kind of field, by the field's own name (after the page's name prefix).
TEXT = {
    "full_name": "Mia Jones",
    "other_names": "",
    "address": "2 Crowndale Road",
    "address_line_1": "2 Crowndale Road",
    "address_line_2": "",
    "town": "London",
    "postcode": "NW1 1TN",
    "email": "mia@example.com",
    "mobile": "07911 123 456",
    "both_email": "mia@example.com",
    "both_mobile": "07911 123 456",
    "post_address_line_1": "2 Crowndale Road",
    "post_address_line_2": "",
    "post_town": "London",
    "post_postcode": "NW1 1TN",
    "post_email": "",
    "post_mobile": "",
    "unique_pupil_number": "",
    "nhs_number": "",
    "relationship": "Mother",
    "organisation": "",
}
DATES = {"date_of_birth": date(1990, 5, 4)}


def _own_name(name: str, prefixes: set[str]) -> str:
    for prefix in sorted(prefixes, key=len, reverse=True):
        if name.startswith(prefix + "-"):
            return name[len(prefix) + 1 :]
    return name


def fill(page, received: date | None = None, channel="phone", **overrides) -> dict:
    """Form data for the intake page: how and when it arrived, then each question answered.
    `overrides` by full field name (e.g. `contact-method="post"`)."""
    received = received or date.today() - timedelta(days=2)
    token = page.select_one("input[name=csrf_token]")
    data: dict = {"csrf_token": token["value"]} if token else {}
    form = page.select_one("form[enctype]")
    names = {i["name"] for i in form.select("input[name], textarea[name], select[name]")}
    prefixes = {n.rsplit("-", 1)[0] for n in names if "-" in n}
    for element in form.select("input[name], textarea[name]"):
        name = element["name"]
        kind = element.get("type", "text")
        own = _own_name(name, prefixes)
        if name in ("csrf_token", "scan") or name in data:
            continue
        if kind == "radio":
            data[name] = element["value"]  # the first option
        elif kind == "checkbox":
            data[name] = [element["value"]]
        elif own in DATES or name == "received":
            day = received if name == "received" else DATES[own]
            data[name] = [str(day.day), str(day.month), str(day.year)]
        else:
            data[name] = TEXT.get(own, "Everything you hold about me since 2019")
    data["channel"] = channel
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def with_scan(data: dict, content: bytes | None = None, name="letter.pdf") -> dict:
    import io

    data = dict(data)
    data["scan"] = (io.BytesIO(content), name) if content is not None else pdf_file(name)
    return data
