"""The yearly UN summary as a document: the Russian text of the office's report, DOCX and PDF.

The figures are those of the JSON report (`reporting.services.yearly_summary`, the same call the
API's `yearly-summary` makes, under the same access policy) and the ten-year table of materials
(`reporting.services.materials_by_year`); :func:`context` reads them into the plain dict the
template renders (orders.documents' sandboxed docxtpl and its PDF drawing: one machinery for
every document the office issues). The template is reporting/document_templates/
un_summary_ru.docx, built by its build_templates.py. The report is written in Russian, the
language the office reports in, whatever the reader's interface language.
"""

from __future__ import annotations

from pathlib import Path

from django.utils import timezone, translation

from accounts import policy
from accounts.policy import Reach
from reporting import services
from reporting.filters import ReportFilters

TEMPLATE = Path(__file__).resolve().parent / "document_templates" / "un_summary_ru.docx"
LANGUAGE = "ru"
YEARS = 10  # the materials table: the ten years ending with the report's year
DEFAULT_OFFICE = "Генеральная прокуратура Республики Казахстан"

# The row labels of the document, in the report's words (the JSON labels are the interface's).
ORGANIZATION_LABELS = {
    "extremist": "Признанные экстремистскими",
    "terrorist": "Признанные террористическими",
}
LINK_LABELS = {
    "handled": "Зарегистрировано ссылок (поступило сообщений о новых ссылках)",
    "confirmed": "Признано противоправными",
    "blocked": "Доступ заблокирован",
    "removed": "Удалено владельцами ресурсов",
}


def _scope(user) -> str:
    scope = policy.scope_of(user)
    agency = getattr(user, "agency", None)
    if scope.reach == Reach.COUNTRY:
        return "вся Республика Казахстан"
    if scope.reach == Reach.REGION and agency is not None and agency.region is not None:
        return f"{agency.region.name_ru} (ссылки ведомств региона)"
    if agency is not None:
        return f"{agency.name_ru} (ссылки ведомства)"
    return "нет доступа к ссылкам"


def context(user, year: int, summary: dict | None = None, filters: ReportFilters | None = None):
    """What the document says: `summary` is the JSON report of that year for this user
    (computed when not given), the ten-year materials table is read for the same user."""
    with translation.override(LANGUAGE):
        if summary is None:
            summary = services.yearly_summary(user, year, filters)
        materials = services.materials_by_year(user, year, YEARS)
    organizations = [
        {
            "label": ORGANIZATION_LABELS.get(row["classification"], row["label"]),
            "in_year": row["in_year"],
            "cumulative": row["cumulative"],
        }
        for row in summary["organizations"]
    ]
    links = {
        row["measure"]: {
            "label": LINK_LABELS.get(row["measure"], row["label"]),
            "in_year": row["in_year"],
            "cumulative": row["cumulative"],
        }
        for row in summary["links"]
    }
    agency = getattr(user, "agency", None)
    office = DEFAULT_OFFICE
    if agency is not None and policy.scope_of(user).reach != Reach.COUNTRY:
        office = agency.name_ru or DEFAULT_OFFICE
    return {
        "year": summary["year"],
        "office": office,
        "scope": _scope(user),
        "generated": timezone.localtime().strftime("%d.%m.%Y %H:%M"),
        "prepared_by": user.get_full_name() or user.get_username(),
        "organizations": {
            "rows": organizations,
            "in_year": sum(row["in_year"] for row in organizations),
            "cumulative": sum(row["cumulative"] for row in organizations),
        },
        "materials": {
            "first_year": materials["years"][0],
            "years": materials["years"],
            "rows": [
                {"label": _kind_label(row), "counts": row["counts"], "total": row["total"]}
                for row in materials["rows"]
            ],
            "totals": materials["totals"],
            "total": materials["total"],
            "in_force": sum(row["cumulative"] for row in summary["materials"]),
        },
        "links": {**links, "rows": list(links.values())},
    }


def _kind_label(row: dict) -> str:
    label = row["label"]
    return label[:1].upper() + label[1:]


def render(user, year: int, fmt: str, summary: dict | None = None, filters=None) -> bytes:
    """The document as DOCX or PDF bytes."""
    from orders.documents import render_docx, render_pdf

    docx = render_docx(TEMPLATE.read_bytes(), context(user, year, summary, filters))
    if fmt == "docx":
        return docx
    return render_pdf(docx, title=f"UN summary {year}", language=LANGUAGE)
