"""The PDF documents the portal makes, read back with pypdf."""

import io
from datetime import date

from pypdf import PdfReader

from portal.letters import letter_pdf, statement_pdf


def text_of(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def test_a_letter_carries_the_address_the_notice_and_its_enclosure():
    content = letter_pdf(
        sender=["London Borough of Camden", "Judd Street"],
        address=["Zoë O’Brien", "1 Judd Street", "", "London", "WC1H 9JE"],
        on=date(2026, 11, 27),
        reference="DR-7KQ2-M9XD",
        title="We have added your statement to your records",
        body="First paragraph.\n\nSecond paragraph with “quotes”.",
        appendix_title="Your supplementary statement",
        appendix="I was never at that address.",
    )
    first, second = text_of(content)
    assert "Zoë O’Brien\n1 Judd Street\nLondon\nWC1H 9JE" in first  # blank lines dropped
    assert "27 November 2026" in first and "DR-7KQ2-M9XD" in first
    assert "Second paragraph with “quotes”." in first
    assert second.startswith("Your supplementary statement")
    assert "I was never at that address." in second
    reader = PdfReader(io.BytesIO(content))
    width, height = (float(v) for v in reader.pages[0].mediabox[2:])
    assert (round(width), round(height)) == (595, 842)  # A4 in points, as Notify requires


def test_a_letter_without_an_enclosure_is_one_page():
    content = letter_pdf(
        sender=["Camden"],
        address=["Sam Taylor", "1 Judd Street"],
        on=date(2026, 11, 27),
        reference="DR-1",
        title="Title",
        body="Body",
    )
    assert len(text_of(content)) == 1


def test_a_statement_document_says_whose_records_and_when():
    content = statement_pdf(
        reference="DR-1", name="Sam Taylor", statement="My words.", on=date(2026, 11, 27)
    )
    (text,) = text_of(content)
    assert "Sam Taylor" in text and "27 November 2026" in text and "My words." in text
