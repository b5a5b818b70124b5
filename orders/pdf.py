"""A PDF of a rendered DOCX document, drawn with fpdf2: the same text, a plainer page.

Converting DOCX faithfully needs a word processor (LibreOffice headless), which a server of
this product does not have; an order's document is text and one table, so this walks the
rendered document's body (python-docx, in order: paragraphs and tables) and lays each out
again: a paragraph keeps its alignment, bold and size; a table keeps its columns (widths in
proportion to the DOCX's) and wraps a long URL inside its cell at any character. What the PDF
says is exactly what the DOCX says, which is what the tests check.

The font is DejaVu Sans, shipped in orders/fonts/ with its licence: it covers Cyrillic and the
Kazakh letters (ә ғ қ ң ө ұ ү һ і), and fpdf2 embeds only the glyphs used, with a ToUnicode
map so that the text can be searched and copied (and read back by pypdf in the tests).
Django-free.
"""

from __future__ import annotations

import io
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.table import Table
from docx.text.paragraph import Paragraph
from fpdf import FPDF
from fpdf.enums import WrapMode

FONTS = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVu"
DEFAULT_SIZE = 11.0
# The PDF is laid out smaller than the DOCX (whose default is 12 pt Times): DejaVu Sans is wide.
SCALE = 0.85
LINE = 0.45  # line height in mm per point of font size
_ALIGN = {
    WD_ALIGN_PARAGRAPH.CENTER: "C",
    WD_ALIGN_PARAGRAPH.RIGHT: "R",
    WD_ALIGN_PARAGRAPH.JUSTIFY: "J",
}


def docx_to_pdf(docx: bytes, *, title: str = "", language: str = "ru") -> bytes:
    """The PDF of the DOCX document ``docx`` (bytes)."""
    document = Document(io.BytesIO(docx))
    pdf = FPDF(format="A4")
    pdf.set_title(title)
    pdf.set_lang(language)
    pdf.set_creator("Kibernadzor")
    pdf.add_font(FONT, "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_margins(20, 15, 15)
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    base = _size(document.styles["Normal"].font.size) or DEFAULT_SIZE
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            _paragraph(pdf, block, base)
        elif isinstance(block, Table):
            _table(pdf, block, base)
    return bytes(pdf.output())


def _size(length) -> float | None:
    return length.pt if length is not None else None


def _paragraph(pdf: FPDF, paragraph: Paragraph, base: float) -> None:
    text = paragraph.text
    runs = [run for run in paragraph.runs if run.text.strip()]
    size = next((_size(run.font.size) for run in runs if run.font.size), None) or base
    bold = bool(runs) and all(run.bold for run in runs)
    size *= SCALE
    after = _size(paragraph.paragraph_format.space_after) or 0
    pdf.set_font(FONT, "B" if bold else "", size)
    if text.strip():
        pdf.multi_cell(
            0,
            size * LINE,
            text,
            align=_ALIGN.get(paragraph.alignment, "L"),
            new_x="LMARGIN",
            new_y="NEXT",
        )
    else:
        pdf.ln(size * LINE)
    if after:
        pdf.ln(after * 0.3528 * SCALE)  # points to mm


def _table(pdf: FPDF, table: Table, base: float) -> None:
    rows = table.rows
    if not rows:
        return
    widths = [column.width or 1 for column in table.columns]
    size = base * SCALE * 0.8
    pdf.set_font(FONT, "", size)
    with pdf.table(
        col_widths=widths,
        width=pdf.epw,
        line_height=size * LINE,
        text_align="LEFT",
        wrapmode=WrapMode.CHAR,
        first_row_as_headings=True,
        repeat_headings=1,
        padding=1,
    ) as layout:
        for row in rows:
            cells = layout.row()
            for cell, span in _spans(row):
                text = "\n".join(p.text for p in cell.paragraphs if p.text)
                cells.cell(text, colspan=span)
    pdf.ln(2)


def _spans(row) -> list:
    """(cell, columns it spans): python-docx repeats a merged cell for every column it spans."""
    spans: list = []
    for cell in row.cells:
        if spans and cell._tc is spans[-1][0]._tc:
            spans[-1][1] += 1
        else:
            spans.append([cell, 1])
    return spans
