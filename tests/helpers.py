"""Test helpers: a client_request that checks GOV.UK basics on every page it fetches, and a
resident who answers the question pages."""

import re
from dataclasses import dataclass

from bs4 import BeautifulSoup

from portal.extensions import db
from portal.models import CapturedMessage
from portal.notify.dispatch import dispatch
from portal.notify.senders import CaptureSender
from portal.runtime import definition


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


class ClientRequest:
    def __init__(self, client):
        self.client = client

    def check_page(self, response) -> BeautifulSoup:
        page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
        h1s = page.find_all("h1")
        assert len(h1s) == 1, f"expected one <h1>, found {len(h1s)}"
        title = normalise(page.title.string)
        summary = page.select_one(".govuk-error-summary")
        has_errors = bool(page.select(".govuk-error-message")) or bool(summary)
        assert title.startswith("Error: ") == has_errors, f"title {title!r} vs errors {has_errors}"
        heading = normalise(h1s[0].get_text())
        if not page.select_one(".govuk-panel__title"):
            assert heading in title, f"title {title!r} should contain the heading {heading!r}"
        for link in page.select(".govuk-error-summary__list a"):
            target = link["href"].lstrip("#")
            assert page.find(id=target), f"error summary links to missing #{target}"
        assert page.select_one("html[lang=en]")
        return page

    def get(self, url, expected_status=200, follow=False) -> BeautifulSoup:
        response = self.client.get(url, follow_redirects=follow)
        assert response.status_code == expected_status, (url, response.status_code)
        return self.check_page(response)

    def post(self, url, data=None, expected_status=302, **kwargs):
        response = self.client.post(url, data=data or {}, **kwargs)
        assert response.status_code == expected_status, (
            url,
            response.status_code,
            errors_in(response),
        )
        if expected_status == 200:
            return self.check_page(response)
        return response


def errors_in(response) -> list[str]:
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    return [normalise(a.get_text()) for a in page.select(".govuk-error-summary__list a")]


def error_summary(page) -> list[tuple[str, str | None]]:
    """(text, link) per item; an error about the whole form has no link (None)."""
    items = []
    for item in page.select(".govuk-error-summary__list li"):
        link = item.find("a")
        items.append((normalise(item.get_text()), link["href"] if link else None))
    return items


def deliver_messages() -> list[CapturedMessage]:
    """Run the outbox worker once with the local capture sender, as `flask worker --once` does."""
    from portal.deadlines.calendar import now_utc

    dispatch(db.session, definition(), CaptureSender(db.session), now_utc)
    return list(db.session.query(CapturedMessage).order_by(CapturedMessage.id))


def latest_code() -> str:
    messages = [m for m in deliver_messages() if "confirmation code" in m.body]
    return re.search(r"\b(\d{6})\b", messages[-1].body).group(1)


@dataclass
class Resident:
    """Answers every question page with valid answers, overridable per page."""

    client_request: ClientRequest

    def answer(self, step, data, expected_status=302):
        return self.client_request.post(f"/request/{step}", data, expected_status=expected_status)

    def make_request(
        self,
        right="access",
        who="me",
        dob="1 2 1985",
        contact=None,
        contact_method="email",
        overrides=None,
        upload=None,
    ):
        overrides = overrides or {}
        day, month, year = dob.split()
        pages = [("right", {"right": right}), ("who", {"who": who})]
        if who == "represented":
            pages += [
                ("representative", {"capacity": "solicitor", "organisation": "Law & Co"}),
                ("authority", {"upload": upload or pdf_file("authority.pdf")}),
            ]
        pages.append(
            (
                "details",
                {
                    "full_name": "Sam Taylor",
                    "other_names": "",
                    "date_of_birth": [day, month, year],
                },
            )
        )
        if who == "child":
            from datetime import date

            age = date.today().year - int(year)
            if age >= 12:
                pages.append(("child-view", {}))
        pages.append(
            (
                "address",
                {"address_line_1": "1 Judd Street", "town": "London", "postcode": "wc1h 9je"},
            )
        )
        if who in ("child", "represented"):
            pages.append(("requester", {"full_name": "Alex Taylor", "relationship": "Mother"}))
        if who == "child":
            pages += [
                ("parental-responsibility", {"parental_responsibility": "yes"}),
                ("parental-responsibility-proof", {}),
            ]
        pages += {
            "access": [
                (
                    "access",
                    {
                        "parts": ["safety", "home"],
                        "what": "All my family support records",
                        "period": "All of it",
                    },
                ),
            ],
            "rectification": [
                ("rectification-wrong", {"wrong": "My date of birth is wrong"}),
                ("rectification-correct", {"correction": "It should be 1 February 1985"}),
                ("rectification-evidence", {}),
                ("rectification-tell", {"tell": "yes"}),
            ],
            "restriction": [
                ("restriction-grounds", {"ground": "accuracy"}),
                ("restriction-why", {"why": "The assessment is wrong about my housing"}),
                ("restriction-tell", {"tell": "yes"}),
            ],
            "objection": [
                ("objection-uses", {"uses": ["evaluate_impact"]}),
                ("objection-reasons", {"reasons": "I do not want to be part of evaluations"}),
            ],
        }[right]
        pages.append(
            ("contact", {"method": contact_method, **(contact or {"email": "sam@example.com"})})
        )
        for step, data in pages:
            self.answer(step, overrides.get(step, data))
        code = latest_code()
        self.client_request.post("/request/confirm-contact", {"code": code})
        page = self.client_request.get("/request/check")
        self.client_request.post("/request/check", {"declaration": "y"})
        return page


def pdf_file(name="file.pdf", size=None):
    import io

    content = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
    if size:
        content = content + b"0" * (size - len(content))
    return (io.BytesIO(content), name)
