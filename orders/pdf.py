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
import logging
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.table import Table
from docx.text.paragraph import Paragraph
from fpdf import FPDF

FONTS = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVu"
DEFAULT_SIZE = 11.0
# The PDF is laid out smaller than the DOCX (whose default is 12 pt Times): DejaVu Sans is wide.
SCALE = 0.85
LINE = 0.45  # line height in mm per point of font size
# fontTools logs every step of subsetting the font at INFO.
logging.getLogger("fontTools").setLevel(logging.WARNING)
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_ALIGN = {
    WD_ALIGN_PARAGRAPH.CENTER: "C",
    WD_ALIGN_PARAGRAPH.RIGHT: "R",
    WD_ALIGN_PARAGRAPH.JUSTIFY: "J",
}


class _Pages(FPDF):
    """Every page numbered "<title> · page/pages" at its foot: a long list of links runs to
    dozens of pages, and a loose page must say which document it belongs to."""

    def footer(self) -> None:
        self.set_y(-10)
        self.set_font(FONT, "", 7)
        label = f"{self.title} · " if self.title else ""
        self.cell(0, 4, f"{label}{self.page_no()}/{{nb}}", align="R")


def docx_to_pdf(docx: bytes, *, title: str = "", language: str = "ru") -> bytes:
    """The PDF of the DOCX document ``docx`` (bytes)."""
    document = Document(io.BytesIO(docx))
    pdf = _Pages(format="A4")
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
    """The table drawn row by row: cells wrapped by :class:`_Wrapper`, borders as rectangles,
    the heading row repeated on each new page.

    fpdf2's own ``pdf.table()`` lays out each cell through its general line breaker (bidi,
    markdown, shaping), about 5 ms a row: 1,000 links took ~5 s a document. The text here is
    plain, so measuring with the font's width table and drawing each line with ``pdf.text``
    does the same in a tenth of the time."""
    rows = [_row_cells(tr) for tr in table._tbl.iterchildren(_W + "tr")]
    if not rows:
        return
    size = base * SCALE * 0.8
    line = size * LINE
    pad = 1.0
    weights = [column.width or 1 for column in table.columns]
    total = sum(weights)
    widths = [pdf.epw * weight / total for weight in weights]
    wrappers = {style: _Wrapper(pdf, style, size) for style in ("", "B")}

    def layout(row, style):
        cells, column = [], 0
        for text, span in row:
            width = sum(widths[column : column + span])
            cells.append((width, wrappers[style].wrap(text, width - 2 * pad)))
            column += span
        height = max(len(lines) for _w, lines in cells) * line + 2 * pad
        return cells, height

    def draw(cells, height, style):
        pdf.set_font(FONT, style, size)
        x, y = pdf.l_margin, pdf.get_y()
        for width, lines in cells:
            pdf.rect(x, y, width, height)
            for number, text in enumerate(lines):
                pdf.text(x + pad, y + pad + number * line + size * 0.3528, text)
            x += width
        pdf.set_y(y + height)

    heading = layout(rows[0], "B")
    bottom = pdf.h - pdf.b_margin
    pdf.set_line_width(0.2)
    draw(*heading, "B")
    for row in rows[1:]:
        cells, height = layout(row, "")
        if pdf.get_y() + height > bottom:
            pdf.add_page()
            draw(*heading, "B")
        draw(cells, height, "")
    pdf.ln(2)


def _row_cells(tr) -> list[tuple[str, int]]:
    """(text, columns spanned) of each cell of a table row, read from the XML directly:
    python-docx's objects cost ~0.1 ms a paragraph through XPath, too much for 1,000 rows."""
    cells = []
    for tc in tr.iterchildren(_W + "tc"):
        span = tc.find(f"{_W}tcPr/{_W}gridSpan")
        paragraphs = (
            "".join(t.text or "" for t in p.iter(_W + "t")) for p in tc.iterchildren(_W + "p")
        )
        text = "\n".join(paragraph for paragraph in paragraphs if paragraph)
        cells.append((text, int(span.get(_W + "val")) if span is not None else 1))
    return cells


class _Wrapper:
    """Greedy line breaking with the font's glyph widths: at spaces where it can, inside a
    word (a long URL, a hash) where it must."""

    def __init__(self, pdf: FPDF, style: str, size: float) -> None:
        pdf.set_font(FONT, style, size)
        self.widths = pdf.current_font.cw
        self.scale = size * 0.001 * 25.4 / 72  # glyph units to mm
        self.cache: dict[str, float] = {}

    def width(self, text: str) -> float:
        width = self.cache.get(text)
        if width is None:
            widths = self.widths
            width = self.cache[text] = sum(widths[ord(char)] for char in text) * self.scale
        return width

    def wrap(self, text: str, room: float) -> list[str]:
        lines: list[str] = []
        for paragraph in text.split("\n"):
            current, used = "", 0.0
            for word in paragraph.split(" "):
                piece = word if not current else " " + word
                width = self.width(piece)
                if used + width <= room:
                    current, used = current + piece, used + width
                    continue
                if current:
                    lines.append(current)
                current, used = "", 0.0
                for char in word:  # the word alone: broken where the line is full
                    width = self.width(char)
                    if used + width > room and current:
                        lines.append(current)
                        current, used = "", 0.0
                    current, used = current + char, used + width
            lines.append(current)
        return lines or [""]
