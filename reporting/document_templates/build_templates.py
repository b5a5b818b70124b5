"""Build the default template of the yearly UN summary: ``un_summary_ru.docx`` next to this
script.

Run: ``.venv/bin/python reporting/document_templates/build_templates.py`` (python-docx only, no
Django), then commit the .docx. It is a docxtpl (Jinja) template rendered with the plain dict of
``reporting.un_summary.context`` (the README lists its variables), like the orders' documents
(orders/document_templates/build_templates.py, whose helpers it reuses): tables repeat their
middle row once per item through ``{%tr for … %}`` / ``{%tr endfor %}`` rows.

The materials table has one row per kind and one column per year of the ten (YEARS): the
number of years is fixed by the report, the kinds come from the data.
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from orders.document_templates.build_templates import cell_text, paragraph  # noqa: E402

HERE = Path(__file__).resolve().parent
YEARS = 10  # reporting.un_summary.YEARS
CENTER, JUSTIFY = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.JUSTIFY

TEXT = {
    "office": "{{ office }}",
    "title": "СВОДНЫЕ СВЕДЕНИЯ",
    "subtitle": (
        "о противодействии экстремизму и терроризму в сети Интернет за {{ year }} год "
        "(для представления в Организацию Объединённых Наций)"
    ),
    "intro": (
        "Сведения сформированы {{ generated }} автоматически по данным информационной системы "
        "«Кибернадзор». Охват данных о ссылках: {{ scope }}. Реестры запрещённых организаций и "
        "информационных материалов ведутся на основании вступивших в законную силу решений "
        "судов Республики Казахстан и учитываются полностью."
    ),
    "org_heading": "1. Организации, признанные экстремистскими и террористическими",
    "org_text": (
        "В {{ year }} году признано экстремистскими или террористическими и запрещено "
        "организаций: {{ organizations.in_year }}. На конец {{ year }} года запрет действует в "
        "отношении организаций: {{ organizations.cumulative }}."
    ),
    "org_table": ("Организации", "В {{ year }} году", "На конец {{ year }} года"),
    "mat_heading": "2. Информационные материалы, признанные экстремистскими и террористическими",
    "mat_text": (
        "За {{ materials.first_year }}–{{ year }} годы в перечень информационных материалов, "
        "признанных судами экстремистскими или террористическими, включено материалов: "
        "{{ materials.total }}; на конец {{ year }} года в силе: {{ materials.in_force }}. "
        "Распределение по видам материалов и годам включения в перечень:"
    ),
    "mat_kind": "Вид материала",
    "mat_total": "Всего",
    "all_kinds": "Все виды",
    "links_heading": "3. Выявление и пресечение распространения противоправного контента",
    "links_text": (
        "В {{ year }} году в системе «Кибернадзор» зарегистрировано ссылок на интернет-ресурсы: "
        "{{ links.handled.in_year }}; признано противоправными: {{ links.confirmed.in_year }}; "
        "доступ заблокирован: {{ links.blocked.in_year }}; материалы удалены владельцами "
        "ресурсов: {{ links.removed.in_year }}. Повторные сообщения об уже известных ссылках "
        "учитываются однократно."
    ),
    "links_table": ("Показатель", "В {{ year }} году", "Всего на конец {{ year }} года"),
    "footer": (
        "Показатели рассчитаны по состоянию на {{ generated }}; ссылка учитывается один раз, "
        "сколько бы раз о ней ни сообщали."
    ),
}


def _table(document, widths):
    table = document.add_table(rows=4, cols=len(widths))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
        for cell in column.cells:
            cell.width = width
    return table


def _loop_table(document, widths, heading, loop, cells, *, size=10):
    """Heading row, ``{%tr for %}``, the repeated row, ``{%tr endfor %}`` (cells: Jinja)."""
    table = _table(document, widths)
    for cell, title in zip(table.rows[0].cells, heading, strict=True):
        cell_text(cell, title, bold=True, size=size)
    cell_text(table.rows[1].cells[0], "{%tr for " + loop + " %}", size=size)
    for cell, text in zip(table.rows[2].cells, cells, strict=True):
        cell_text(cell, text, size=size)
    cell_text(table.rows[3].cells[0], "{%tr endfor %}", size=size)
    return table


def _total_row(table, cells, *, size=10):
    row = table.add_row().cells
    for cell, text in zip(row, cells, strict=True):
        cell_text(cell, text, bold=True, size=size)


def build() -> Document:
    document = Document()
    section = document.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.left_margin, section.right_margin = Cm(2.0), Cm(1.5)
    section.top_margin = section.bottom_margin = Cm(1.5)
    normal = document.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(12)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), "Times New Roman")

    paragraph(document, TEXT["office"], bold=True, align=CENTER, size=13, space_after=18)
    paragraph(document, TEXT["title"], bold=True, align=CENTER, size=14, space_after=0)
    paragraph(document, TEXT["subtitle"], bold=True, align=CENTER, space_after=12)
    paragraph(document, TEXT["intro"], align=JUSTIFY)

    paragraph(document, TEXT["org_heading"], bold=True, space_after=6)
    paragraph(document, TEXT["org_text"], align=JUSTIFY)
    widths = (Cm(8.5), Cm(4.0), Cm(5.0))
    table = _loop_table(
        document,
        widths,
        TEXT["org_table"],
        "row in organizations.rows",
        ("{{ row.label }}", "{{ row.in_year }}", "{{ row.cumulative }}"),
    )
    _total_row(
        table,
        ("Всего", "{{ organizations.in_year }}", "{{ organizations.cumulative }}"),
    )
    paragraph(document, "", space_after=6)

    paragraph(document, TEXT["mat_heading"], bold=True, space_after=6)
    paragraph(document, TEXT["mat_text"], align=JUSTIFY)
    widths = (Cm(3.7), *([Cm(1.15)] * YEARS), Cm(1.5))
    heading = (
        TEXT["mat_kind"],
        *(f"{{{{ materials.years[{i}] }}}}" for i in range(YEARS)),
        TEXT["mat_total"],
    )
    cells = (
        "{{ row.label }}",
        *(f"{{{{ row.counts[{i}] }}}}" for i in range(YEARS)),
        "{{ row.total }}",
    )
    table = _loop_table(document, widths, heading, "row in materials.rows", cells, size=8)
    _total_row(
        table,
        (
            TEXT["all_kinds"],
            *(f"{{{{ materials.totals[{i}] }}}}" for i in range(YEARS)),
            "{{ materials.total }}",
        ),
        size=8,
    )
    paragraph(document, "", space_after=6)

    paragraph(document, TEXT["links_heading"], bold=True, space_after=6)
    paragraph(document, TEXT["links_text"], align=JUSTIFY)
    _loop_table(
        document,
        (Cm(8.5), Cm(4.0), Cm(5.0)),
        TEXT["links_table"],
        "row in links.rows",
        ("{{ row.label }}", "{{ row.in_year }}", "{{ row.cumulative }}"),
    )
    paragraph(document, "", space_after=6)
    paragraph(document, TEXT["footer"], size=10, align=JUSTIFY, space_after=18)
    paragraph(document, "Сформировал(а): {{ prepared_by }}", size=10, space_after=0)
    return document


def main(target: Path = HERE) -> list[Path]:
    path = target / "un_summary_ru.docx"
    build().save(path)
    return [path]


if __name__ == "__main__":
    for path in main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE):
        print(path)
