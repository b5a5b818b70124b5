"""The yearly UN summary as a document (reporting.un_summary): DOCX and PDF from
`/api/v1/reports/yearly-summary/?format=docx|pdf`, read back (python-docx, pypdf) and compared
with the JSON report of the same user, year by year; who may download it."""

import io
import re

import pytest
from django.utils import translation
from docx import Document
from pypdf import PdfReader

from materials.choices import MaterialKind
from reporting import services, un_summary
from tests.materials.factories import MaterialFactory

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def get(api_client, user, **params):
    api_client.force_authenticate(user)
    return api_client.get("/api/v1/reports/yearly-summary/", params, HTTP_ACCEPT_LANGUAGE="en")


def cells(table) -> list[list[str]]:
    return [[cell.text.strip() for cell in row.cells] for row in table.rows]


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_the_docx_says_the_figures_of_the_json_report(world, api_client):
    user = world.users.central
    MaterialFactory(kind=MaterialKind.AUDIO, included_on="2016-06-01")  # the first of ten years
    MaterialFactory(kind=MaterialKind.AUDIO, included_on="2015-12-31")  # before them
    report = get(api_client, user, year=2025).json()
    response = get(api_client, user, year=2025, format="docx")
    assert response.status_code == 200
    assert response["Content-Type"] == DOCX
    assert 'filename="kibernadzor-yearly-summary-2025.docx"' in response["Content-Disposition"]
    document = Document(io.BytesIO(response.content))
    text = flat("\n".join(p.text for p in document.paragraphs))
    assert "СВОДНЫЕ СВЕДЕНИЯ" in text and "за 2025 год" in text
    assert "Охват данных о ссылках: вся Республика Казахстан" in text
    organizations, materials, links = (cells(t) for t in document.tables)

    # 1. Organizations: a row per classification and the total, as in the JSON.
    in_year = [row["in_year"] for row in report["organizations"]]
    cumulative = [row["cumulative"] for row in report["organizations"]]
    assert [row[1:] for row in organizations[1:]] == [
        *([str(a), str(b)] for a, b in zip(in_year, cumulative, strict=True)),
        [str(sum(in_year)), str(sum(cumulative))],
    ]
    assert organizations[1][0] == "Признанные экстремистскими"
    assert f"запрещено организаций: {sum(in_year)}." in text

    # 2. Materials: ten years × kinds; each year's column is that year's JSON `in_year`.
    years = [int(y) for y in materials[0][1:-1]]
    assert years == list(range(2016, 2026))
    with translation.override("ru"):
        kinds = [str(kind.label) for kind in MaterialKind]
    assert [row[0] for row in materials[1:-1]] == [k[:1].upper() + k[1:] for k in kinds]
    assert materials[-1][0] == "Все виды"
    for column, year in enumerate(years, start=1):
        json_year = get(api_client, user, year=year).json()
        for kind, row in zip(MaterialKind, materials[1:-1], strict=True):
            expected = sum(m["in_year"] for m in json_year["materials"] if m["kind"] == kind)
            assert row[column] == str(expected), (year, kind)
        assert materials[-1][column] == str(sum(m["in_year"] for m in json_year["materials"]))
    assert materials[1 + list(MaterialKind).index(MaterialKind.AUDIO)][1] == "1"  # 2016
    in_force = sum(m["cumulative"] for m in report["materials"])
    assert f"в силе: {in_force}." in text

    # 3. Links: handled, confirmed, blocked, removed — the year and the running total.
    assert [row[1:] for row in links[1:]] == [
        [str(row["in_year"]), str(row["cumulative"])] for row in report["links"]
    ]
    assert [row["measure"] for row in report["links"]] == [
        "handled", "confirmed", "blocked", "removed",
    ]  # fmt: skip
    figures = {row["measure"]: row["in_year"] for row in report["links"]}
    assert figures["handled"] == 6
    assert (
        f"зарегистрировано ссылок на интернет-ресурсы: {figures['handled']}; признано "
        f"противоправными: {figures['confirmed']}; доступ заблокирован: {figures['blocked']}"
    ) in text


def test_the_pdf_says_the_same_as_the_docx(world, api_client):
    user = world.users.central
    report = get(api_client, user, year=2025).json()
    response = get(api_client, user, year=2025, format="pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = flat(
        " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    )
    assert "СВОДНЫЕ СВЕДЕНИЯ" in text
    handled = report["links"][0]["in_year"]
    assert f"зарегистрировано ссылок на интернет-ресурсы: {handled};" in text
    assert "Признано противоправными" in text and "Удалено владельцами ресурсов" in text


def test_an_officer_s_document_counts_only_their_agency_s_links(world, api_client):
    officer = world.users.officer71
    report = get(api_client, officer, year=2025).json()
    links = {row["measure"]: row for row in report["links"]}
    assert (links["handled"]["in_year"], links["handled"]["cumulative"]) == (3, 4)
    document = Document(io.BytesIO(get(api_client, officer, year=2025, format="docx").content))
    rows = cells(document.tables[2])
    assert rows[1][1:] == ["3", "4"]
    text = flat("\n".join(p.text for p in document.paragraphs))
    assert "(ссылки ведомства)" in text and "вся Республика Казахстан" not in text


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_who_may_not_read_reports_gets_no_document(world, api_client, fmt):
    response = get(api_client, world.users.admin, year=2025, format=fmt)
    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/json")
    api_client.force_authenticate(None)
    anonymous = api_client.get("/api/v1/reports/yearly-summary/", {"format": fmt})
    assert anonymous.status_code in (401, 403)
    assert not anonymous.content.startswith(b"%PDF")


def test_a_bad_year_is_a_json_error_naming_the_field(world, api_client):
    response = get(api_client, world.users.central, year="last", format="docx")
    assert response.status_code == 400 and response.json()["field"] == "year"


def test_other_reports_offer_no_document(world, api_client):
    api_client.force_authenticate(world.users.central)
    response = api_client.get("/api/v1/reports/summary/", {"format": "docx"})
    assert response.status_code == 404


def test_the_materials_table_sums_the_yearly_in_year_figures(world):
    user = world.users.central
    table = services.materials_by_year(user, 2025, un_summary.YEARS)
    for index, year in enumerate(table["years"]):
        yearly = services.yearly_summary(user, year)
        assert table["totals"][index] == sum(row["in_year"] for row in yearly["materials"])
