"""Build the default document templates: ``<kind>_<language>.docx`` next to this script.

Run: ``.venv/bin/python orders/document_templates/build_templates.py`` (python-docx only, no
Django), then commit the .docx files. The templates are docxtpl (Jinja) templates: the
variables they may use are the ones ``orders.documents.order_context`` gives, listed in the
README (Blocking orders, Documents); a prosecutor who edits a copy in Word and uploads it in the
admin works with the same names. The link table repeats its middle row once per link through
docxtpl's ``{%tr for … %}`` / ``{%tr endfor %}`` rows, which docxtpl removes when it renders.

The wording follows Art. 41-1 of the Law of the Republic of Kazakhstan "On Communications": the
Prosecutor General (or a deputy) submits a representation to suspend access, to the authorised
body, citing a court decision or the law; access is restored once the grounds are gone.
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

HERE = Path(__file__).resolve().parent
KINDS = ("submission", "repeated_submission", "restoration_notice")
LANGUAGES = ("ru", "kk")
# Column widths of the link table: №, link, platform, evidence (A4 with 2 cm/1.5 cm margins).
COLUMNS = (Cm(1.0), Cm(7.6), Cm(2.4), Cm(6.5))

# The legal basis: a court decision (court, case number, date) and/or the law article.
BASIS = {
    "ru": (
        "Правовое основание: "
        "{% if basis.court_decision %}решение суда от {{ basis.decision_date }} по делу "
        "№ {{ basis.case_number }} ({{ basis.court }}){% if basis.law_article %}; {% endif %}"
        "{% endif %}{{ basis.law_article }}."
    ),
    "kk": (
        "Құқықтық негіз: "
        "{% if basis.court_decision %}№ {{ basis.case_number }} іс бойынша "
        "{{ basis.decision_date }} жылғы сот шешімі ({{ basis.court }})"
        "{% if basis.law_article %}; {% endif %}{% endif %}{{ basis.law_article }}."
    ),
}

TEXTS = {
    ("submission", "ru"): {
        "title": "ПРЕДСТАВЛЕНИЕ",
        "subtitle": "о приостановлении доступа к интернет-ресурсам",
        "body": [
            "В соответствии со статьёй 41-1 Закона Республики Казахстан «О связи» требую "
            "приостановить доступ к интернет-ресурсам, перечисленным ниже "
            "(всего: {{ link_count }}), распространяющим информацию, запрещённую "
            "законодательством Республики Казахстан.",
            BASIS["ru"],
        ],
        "after": [
            "Об исполнении прошу сообщить в срок{% if deadline_hours %} не позднее "
            "{{ deadline_hours }} ч. с момента получения{% endif %}.",
        ],
    },
    ("submission", "kk"): {
        "title": "ҰСЫНУ",
        "subtitle": "интернет-ресурстарға қол жеткізуді тоқтата тұру туралы",
        "body": [
            "«Байланыс туралы» Қазақстан Республикасы Заңының 41-1-бабына сәйкес Қазақстан "
            "Республикасының заңнамасымен тыйым салынған ақпаратты таратып жатқан төменде "
            "көрсетілген интернет-ресурстарға (барлығы: {{ link_count }}) қол жеткізуді "
            "тоқтата тұруды талап етемін.",
            BASIS["kk"],
        ],
        "after": [
            "Орындалуы туралы{% if deadline_hours %} алған сәттен бастап {{ deadline_hours }} "
            "сағаттан кешіктірмей{% endif %} хабарлауыңызды сұраймын.",
        ],
    },
    ("repeated_submission", "ru"): {
        "title": "ПОВТОРНОЕ ПРЕДСТАВЛЕНИЕ",
        "subtitle": "о приостановлении доступа к интернет-ресурсам",
        "body": [
            "Представление № {{ parent.number }} от {{ parent.date }} в установленный срок "
            "в отношении перечисленных ниже интернет-ресурсов (всего: {{ link_count }}) не "
            "исполнено: при проверке они остаются доступны.",
            "В соответствии со статьёй 41-1 Закона Республики Казахстан «О связи» повторно "
            "требую незамедлительно приостановить доступ к ним.",
            BASIS["ru"],
        ],
        "after": [
            "Об исполнении прошу сообщить незамедлительно{% if deadline_hours %}, не позднее "
            "{{ deadline_hours }} ч. с момента получения{% endif %}.",
        ],
    },
    ("repeated_submission", "kk"): {
        "title": "ҚАЙТАЛАП ҰСЫНУ",
        "subtitle": "интернет-ресурстарға қол жеткізуді тоқтата тұру туралы",
        "body": [
            "{{ parent.date }} жылғы № {{ parent.number }} ұсыну төменде көрсетілген "
            "интернет-ресурстарға (барлығы: {{ link_count }}) қатысты белгіленген мерзімде "
            "орындалмады: тексеру кезінде олар қолжетімді болып қалуда.",
            "«Байланыс туралы» Қазақстан Республикасы Заңының 41-1-бабына сәйкес оларға қол "
            "жеткізуді дереу тоқтата тұруды қайталап талап етемін.",
            BASIS["kk"],
        ],
        "after": [
            "Орындалуы туралы дереу{% if deadline_hours %}, алған сәттен бастап "
            "{{ deadline_hours }} сағаттан кешіктірмей{% endif %} хабарлауыңызды сұраймын.",
        ],
    },
    ("restoration_notice", "ru"): {
        "title": "УВЕДОМЛЕНИЕ",
        "subtitle": "о возможности восстановления доступа к интернет-ресурсам",
        "body": [
            "Доступ к перечисленным ниже интернет-ресурсам (всего: {{ link_count }}), "
            "приостановленный по представлению № {{ parent.number }} от {{ parent.date }}, "
            "может быть восстановлен.",
            "Основание: {{ reason }}",
            BASIS["ru"],
        ],
        "after": [],
    },
    ("restoration_notice", "kk"): {
        "title": "ХАБАРЛАМА",
        "subtitle": "интернет-ресурстарға қол жеткізуді қалпына келтіру мүмкіндігі туралы",
        "body": [
            "{{ parent.date }} жылғы № {{ parent.number }} ұсыну бойынша тоқтатылған төменде "
            "көрсетілген интернет-ресурстарға (барлығы: {{ link_count }}) қол жеткізу қалпына "
            "келтірілуі мүмкін.",
            "Негіздеме: {{ reason }}",
            BASIS["kk"],
        ],
        "after": [],
    },
}

LABELS = {
    "ru": {
        "number": "№ {{ number }} от {{ date }}",
        "to": "Кому: {{ recipient.name }}",
        "table": ("№", "Ссылка (в обезвреженном виде)", "Платформа", "Доказательства"),
        "registry": "№ в реестре: {{ link.registry_id }}",
        "sha256": "SHA-256 содержимого: {{ link.sha256 }}",
        "checked": "проверено {{ link.checked_at }}",
        "signatory": "{{ signatory.position }}",
        "issued_by": "Исп.: {{ issued_by.name }}",
    },
    "kk": {
        "number": "{{ date }} ж. № {{ number }}",
        "to": "Кімге: {{ recipient.name }}",
        "table": ("№", "Сілтеме (белсенді емес түрде)", "Платформа", "Дәлелдемелер"),
        "registry": "Тізілімдегі №: {{ link.registry_id }}",
        "sha256": "Мазмұнның SHA-256: {{ link.sha256 }}",
        "checked": "тексерілді {{ link.checked_at }}",
        "signatory": "{{ signatory.position }}",
        "issued_by": "Орынд.: {{ issued_by.name }}",
    },
}


def paragraph(document, text: str, *, bold=False, align=None, size=12, space_after=6):
    """One paragraph of one run: a Jinja tag is never split across runs."""
    para = document.add_paragraph()
    run = para.add_run(text)
    run.bold = bold
    run.font.size = Pt(size)
    if align is not None:
        para.alignment = align
    para.paragraph_format.space_after = Pt(space_after)
    return para


def cell_text(cell, text: str, *, bold=False, size=10) -> None:
    para = cell.paragraphs[0]
    run = para.add_run(text)
    run.bold = bold
    run.font.size = Pt(size)


def link_table(document, labels: dict) -> None:
    """Header, the ``{%tr for %}`` row, the row repeated per link, the ``{%tr endfor %}`` row."""
    table = document.add_table(rows=4, cols=4)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, width in zip(table.columns, COLUMNS, strict=True):
        column.width = width
        for cell in column.cells:
            cell.width = width
    for cell, title in zip(table.rows[0].cells, labels["table"], strict=True):
        cell_text(cell, title, bold=True)
    cell_text(table.rows[1].cells[0], "{%tr for link in links %}")
    row = table.rows[2].cells
    cell_text(row[0], "{{ link.n }}")
    cell_text(row[1], "{{ link.url }}")
    cell_text(row[2], "{{ link.platform }}")
    cell_text(row[3], labels["registry"])
    evidence = row[3]
    extra = (
        "{% if link.sha256 %}" + labels["sha256"] + "{% endif %}"
        "{% if link.fingerprints %}; {{ link.fingerprints }}{% endif %}"
        "{% if link.checked_at %} ({{ labels_checked }}){% endif %}"
    ).replace("{{ labels_checked }}", labels["checked"])
    para = evidence.add_paragraph()
    run = para.add_run(extra)
    run.font.size = Pt(8)
    cell_text(table.rows[3].cells[0], "{%tr endfor %}")


def build(kind: str, language: str) -> Document:
    texts, labels = TEXTS[kind, language], LABELS[language]
    document = Document()
    section = document.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.left_margin, section.right_margin = Cm(2.0), Cm(1.5)
    section.top_margin = section.bottom_margin = Cm(1.5)
    normal = document.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(12)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), "Times New Roman")

    center, right, justify = (
        WD_ALIGN_PARAGRAPH.CENTER,
        WD_ALIGN_PARAGRAPH.RIGHT,
        WD_ALIGN_PARAGRAPH.JUSTIFY,
    )
    paragraph(document, "{{ office.name }}", bold=True, align=center, size=13)
    paragraph(document, "{{ office.region }}", align=center, size=11, space_after=12)
    paragraph(document, labels["number"], space_after=12)
    paragraph(document, labels["to"], bold=True, align=right)
    paragraph(document, "{{ recipient.contacts }}", align=right, size=10, space_after=18)
    paragraph(document, texts["title"], bold=True, align=center, size=14, space_after=0)
    paragraph(document, texts["subtitle"], bold=True, align=center, space_after=12)
    for text in texts["body"]:
        paragraph(document, text, align=justify)
    link_table(document, labels)
    paragraph(document, "", space_after=6)
    for text in texts["after"]:
        paragraph(document, text, align=justify)
    paragraph(document, "", space_after=12)
    paragraph(document, labels["signatory"], bold=True, space_after=0)
    paragraph(document, "{{ signatory.name }}", bold=True, align=right, space_after=18)
    paragraph(document, labels["issued_by"], size=9, space_after=0)
    return document


def main(target: Path = HERE) -> list[Path]:
    written = []
    for kind in KINDS:
        for language in LANGUAGES:
            path = target / f"{kind}_{language}.docx"
            build(kind, language).save(path)
            written.append(path)
    return written


if __name__ == "__main__":
    for path in main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE):
        print(path)
