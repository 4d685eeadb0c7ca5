"""The pages a young person (12 to 17, asking for their own information) sees read at a
Flesch-Kincaid grade of 6 or lower (a reading age of about 11 to 12).

The text measured is what the page shows inside <main> (the header, footer and exit button are the
same on every page of the service), each separate piece (heading, paragraph, label, hint, option,
button, list item) read as a sentence of its own, the way a reader meets it. Syllables are counted
by textstat with pyphen's hyphenation dictionary."""

import re
from datetime import date
from urllib.parse import urlparse

import pytest
import textstat

from tests.helpers import latest_code

GRADE = 6
YOUNG = str(date.today().year - 14)
ANSWERS = {
    "who": {"who": "young_person"},
    "details": {"full_name": "Sam Taylor", "date_of_birth": ["3", "4", YOUNG]},
    "address": {"address_line_1": "1 Judd Street", "town": "London", "postcode": "WC1H 9JE"},
    "access": {"parts": ["school"], "what": "My school reports", "period": "All of it"},
    "rectification-wrong": {"wrong": "My date of birth"},
    "rectification-correct": {"correction": "The right date"},
    "rectification-evidence": {},
    "rectification-tell": {"tell": "no"},
    "restriction-grounds": {"ground": "accuracy"},
    "restriction-why": {"why": "It is wrong"},
    "restriction-tell": {"tell": "no"},
    "objection-uses": {"uses": ["evaluate_impact"]},
    "objection-reasons": {"reasons": "I do not want this"},
    "contact": {"method": "email", "email": "sam@example.com"},
}
BLOCKS = "h1, h2, h3, p, li, label, legend, .govuk-hint, dt, dd, .govuk-button, .govuk-inset-text"


def visible_text(page) -> str:
    """The page's own words as sentences: every block a sentence, whatever its punctuation."""
    main = page.select_one("main")
    for hidden in main.select("script, style, .govuk-visually-hidden, input, textarea"):
        hidden.decompose()
    sentences = []
    for block in main.select(BLOCKS):
        if block.find(re.compile("^(p|li|label|legend|div)$")) and block.name not in ("label",):
            continue  # a container: its own blocks are read one by one
        text = re.sub(r"\s+", " ", block.get_text(" ")).strip()
        if text:
            sentences.append(text if text[-1] in ".?!:" else f"{text}.")
    return " ".join(sentences)


def grade(text: str) -> float:
    return textstat.flesch_kincaid_grade(text)


def pages_seen(client_request, right: str) -> dict[str, str]:
    """Path -> visible text of every page a young person sees asking for this right."""
    seen = {"/": visible_text(client_request.get("/"))}
    client_request.client.get("/request/start")
    url = "/request/right"
    for _ in range(30):
        page = client_request.get(url)
        path = urlparse(url).path
        seen[path] = visible_text(page)
        if path == "/request/confirmation":
            return seen
        step = path.rsplit("/", 1)[-1]
        data = {
            "right": {"right": right},
            "confirm-contact": {"code": latest_code()} if step == "confirm-contact" else None,
            "check": {"declaration": "y"},
        }.get(step) or ANSWERS[step]
        url = client_request.post(path, data).location
    raise AssertionError(f"no confirmation after {list(seen)}")


@pytest.mark.parametrize("right", ["access", "rectification", "restriction", "objection"])
def test_a_young_persons_pages_read_at_grade_6_or_lower(client_request, right):
    grades = {path: grade(text) for path, text in pages_seen(client_request, right).items()}
    print(right, grades)
    hard = {path: g for path, g in grades.items() if g > GRADE}
    assert not hard, hard


def test_the_measure_tells_plain_from_hard_words():
    plain = "You can ask for your own information. You do not need to ask your parents first."
    hard = (
        "Information about your situation given to us by your family, carers or other "
        "organisations, for example a general practitioner or educational establishment."
    )
    assert grade(plain) <= GRADE < grade(hard)
