"""Every CSV/XLSX the system writes holds only inert cells: text that starts with = + - @, a
tab or carriage return, or their fullwidth forms ＝＋－＠, is written with a leading apostrophe
(utilities.tabular.safe_cell, the one function every writer calls), and no XLSX cell is a
formula. The files themselves are read back and checked."""

import csv
import io

import openpyxl
import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django.urls import reverse

from accounts.choices import AgencyKind, Role
from checks.models import LinkStats
from materials.models import Material
from reporting.tables import Column, Table, to_csv, to_xlsx
from tests.materials.factories import CourtDecisionFactory, MaterialFactory, OrganizationFactory
from tests.registry.factories import LinkFactory
from tests.second_factor import log_in
from utilities.tabular import FORMULA_TRIGGERS

PAYLOADS = [
    "=1+1",
    "+1+1",
    "-1+1",
    "@SUM(1)",
    "\t=1+1",
    "\r=1+1",
    " =1+1",
    "\uff1d1+1",  # ＝
    "\uff0b1+1",  # ＋
    "\uff0d1+1",  # －
    "\uff201+1",  # ＠
]

pytestmark = pytest.mark.django_db


def cells(content: bytes, fmt: str) -> list:
    """Every cell of a CSV or XLSX file, as a spreadsheet would read it."""
    if fmt == "csv":
        rows = csv.reader(io.StringIO(content.decode("utf-8-sig"), newline=""))
        return [value for row in rows for value in row]
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    found = []
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{cell.coordinate} is a formula: {cell.value!r}"
                found.append(cell.value)
    return found


def assert_inert(content: bytes, fmt: str, expected: int = len(PAYLOADS)) -> None:
    values = cells(content, fmt)
    for value in values:
        if isinstance(value, str) and value:
            assert value[0] == "'" or value.lstrip(" ")[:1] not in FORMULA_TRIGGERS, repr(value)
    neutralised = [v for v in values if isinstance(v, str) and v[:1] == "'"]
    assert len(neutralised) >= expected, (len(neutralised), values)


@pytest.fixture
def prosecutor(make_user):
    return make_user(Role.PROSECUTOR, kind=AgencyKind.PROSECUTOR, agency=None)


@pytest.fixture
def api(api_client, prosecutor):
    api_client.force_authenticate(prosecutor)
    return api_client


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_materials_export_through_the_api(api, fmt):
    for payload in PAYLOADS:
        MaterialFactory(title=payload, description=payload)
    response = api.get("/api/v1/materials/export/", {"file_format": fmt})
    assert response.status_code == 200
    assert_inert(response.content, fmt)


@pytest.mark.parametrize("action", ["export_csv", "export_xlsx"])
def test_materials_export_actions_of_the_admin(prosecutor, action):
    for payload in PAYLOADS:
        MaterialFactory(title=payload, description=payload)
    prosecutor.is_staff = True
    prosecutor.save()
    client = Client()
    log_in(client, prosecutor)
    response = client.post(
        reverse("admin:materials_material_changelist"),
        {
            "action": action,
            ACTION_CHECKBOX_NAME: list(Material.objects.values_list("pk", flat=True)),
        },
    )
    assert response.status_code == 200
    assert_inert(response.content, action.removeprefix("export_"))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_organizations_export(api, fmt):
    for payload in PAYLOADS:
        OrganizationFactory(name_ru=payload)
    response = api.get("/api/v1/organizations/export/", {"file_format": fmt})
    assert response.status_code == 200
    assert_inert(response.content, fmt)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_court_decisions_export(api, fmt):
    for payload in PAYLOADS:
        CourtDecisionFactory(text=payload, court=payload)
    response = api.get("/api/v1/decisions/export/", {"file_format": fmt})
    assert response.status_code == 200
    assert_inert(response.content, fmt, expected=2 * len(PAYLOADS))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_portal_link_export(make_user, fmt):
    officer = make_user(Role.OFFICER)
    for number, payload in enumerate(PAYLOADS):
        link = LinkFactory(raw_url=f"https://t.me/formula/{number}", first_reported_by=officer)
        LinkStats.objects.create(link=link, last_title=payload)
    client = Client()
    log_in(client, officer)
    response = client.get(reverse("portal:links_export", args=[fmt]))
    assert response.status_code == 200
    assert_inert(response.content, fmt)


def test_portal_submission_results(make_user):
    client = Client()
    log_in(client, make_user(Role.OFFICER))
    lines = "\n".join(p.replace("\r", " ").replace("\t", " ") for p in PAYLOADS)
    started = client.post(reverse("portal:submit"), {"mode": "list", "list-urls": lines})
    assert started.status_code == 302
    batch = started["Location"].rstrip("/").rsplit("/", 1)[-1]
    response = client.get(reverse("portal:submit_results", args=[batch]))
    assert response.status_code == 200
    assert_inert(response.content, "csv", expected=len(PAYLOADS) - 2)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_report_tables(fmt):
    table = Table(
        "breakdown",
        [Column("organization", "organization"), Column("count", "count", "int")],
        [{"organization": payload, "count": 1} for payload in PAYLOADS],
    )
    content = to_csv([table]) if fmt == "csv" else to_xlsx([table])
    assert_inert(content, fmt)
