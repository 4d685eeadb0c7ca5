"""PDF documents the portal makes: the letter carrying an outcome notice (for people who chose
post) and a requester's supplementary statement. Pure: text in, PDF bytes out.

The letter follows GOV.UK Notify's precompiled-letter layout: A4, the address block inside the
window area (from 24.6 mm left and 39.5 mm down, at most 95.6 x 26.8 mm, 7 lines), and nothing
printed in the 15 mm strip on the left where Notify adds its barcode."""

from datetime import date
from pathlib import Path

from fpdf import FPDF

from portal.deadlines import long_date

# A Unicode font, so any name or text prints as typed (Debian's fonts-dejavu-core).
FONT_FILE = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
BOLD_FONT_FILE = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")


class _Document(FPDF):
    def __init__(self, title: str):
        super().__init__(format="A4", unit="mm")
        self.set_margins(25, 20, 20)
        self.set_auto_page_break(auto=True, margin=20)
        self.set_title(title)
        self.set_creator("Data rights portal")
        if FONT_FILE.exists() and BOLD_FONT_FILE.exists():
            self.add_font("Body", "", str(FONT_FILE))
            self.add_font("Body", "B", str(BOLD_FONT_FILE))
            self.family = "Body"
        else:
            self.family = "Helvetica"

    def text_of(self, value: str) -> str:
        if self.family == "Helvetica":  # core fonts are Latin-1 only
            return value.encode("latin-1", "replace").decode("latin-1")
        return value

    def write_paragraphs(self, text: str, size: float = 11) -> None:
        self.set_font(self.family, "", size)
        for paragraph in text.split("\n\n"):
            self.multi_cell(0, 5.5, self.text_of(paragraph.strip()), new_x="LMARGIN", new_y="NEXT")
            self.ln(3)

    def heading(self, text: str, size: float = 14) -> None:
        self.set_font(self.family, "B", size)
        self.multi_cell(0, 7, self.text_of(text), new_x="LMARGIN", new_y="NEXT")
        self.ln(3)


def letter_pdf(
    *,
    sender: list[str],
    address: list[str],
    on: date,
    reference: str,
    title: str,
    body: str,
    appendix_title: str | None = None,
    appendix: str | None = None,
) -> bytes:
    pdf = _Document(title)
    pdf.add_page()
    # The sender's details, top right, clear of the address window.
    pdf.set_font(pdf.family, "", 9)
    pdf.set_xy(125, 12)
    pdf.multi_cell(65, 4.5, pdf.text_of("\n".join(sender)), align="R")
    # The address window.
    pdf.set_font(pdf.family, "", 11)
    pdf.set_xy(25, 40)
    lines = [line for line in address if line.strip()][:7]
    pdf.multi_cell(90, 3.8, pdf.text_of("\n".join(lines)))
    pdf.set_xy(25, 75)
    pdf.set_font(pdf.family, "", 11)
    pdf.cell(0, 6, pdf.text_of(f"{long_date(on)}    Our reference: {reference}"))
    pdf.set_xy(25, 88)
    pdf.heading(title)
    pdf.write_paragraphs(body)
    if appendix:
        pdf.add_page()
        pdf.heading(appendix_title or "Enclosure")
        pdf.write_paragraphs(appendix)
    return bytes(pdf.output())


def statement_pdf(*, reference: str, name: str, statement: str, on: date) -> bytes:
    """The requester's supplementary statement, as added to their records (Art 16)."""
    pdf = _Document(f"Supplementary statement: {reference}")
    pdf.add_page()
    pdf.heading("Supplementary statement")
    pdf.write_paragraphs(
        f"Added to the records of {name} on {long_date(on)} after request {reference}, "
        "at their request (UK GDPR Article 16)."
    )
    pdf.write_paragraphs(statement)
    return bytes(pdf.output())
