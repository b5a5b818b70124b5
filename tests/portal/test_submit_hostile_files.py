"""A hostile workbook uploaded to the submit page is refused with a message that names the
problem, before it costs memory, and nothing is submitted (utilities.uploads)."""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from lxml import html

from accounts.choices import AgencyKind, Role
from portal.models import BulkSubmission
from registry.models import Link, Report
from tests import hostile_files
from tests.second_factor import log_in

SUBMIT = reverse("portal:submit")
PEAK_LIMIT = 50 * 1024 * 1024


@pytest.fixture
def browser(make_user):
    client = Client()
    log_in(client, make_user(Role.OFFICER, kind=AgencyKind.POLICE, region="KZ-75"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def submit_file(client, name: str, content: bytes):
    return client.post(SUBMIT, {"mode": "file", "file-file": SimpleUploadedFile(name, content)})


def refusal_of(response) -> str:
    assert response.status_code == 400, response.status_code
    doc = html.fromstring(response.content.decode())
    return " ".join(" ".join(doc.xpath("//*[@role='alert']//text()")).split())


def assert_nothing_submitted():
    assert not BulkSubmission.objects.exists()
    assert not Link.objects.exists()
    assert not Report.objects.exists()


def test_a_sheet_declaring_a_million_rows_is_refused_by_its_dimension(browser):
    data = hostile_files.million_row_xlsx(dimension="A1:B1000000")
    response, peak = hostile_files.peak_allocation(lambda: submit_file(browser, "l.xlsx", data))
    message = refusal_of(response)
    assert "declares 1,000,000 rows (A1:B1000000)" in message
    assert "at most 100,001" in message
    assert peak < PEAK_LIMIT, f"refusing took {peak / 2**20:.0f} MB"
    assert_nothing_submitted()


def test_a_million_rows_declaring_nothing_are_refused_by_their_compression(browser):
    data = hostile_files.million_row_xlsx(dimension=None)
    response, peak = hostile_files.peak_allocation(lambda: submit_file(browser, "l.xlsx", data))
    message = refusal_of(response)
    assert "xl/worksheets/sheet1.xml" in message and "compressed 411 times" in message
    assert peak < PEAK_LIMIT, f"refusing took {peak / 2**20:.0f} MB"
    assert_nothing_submitted()


def test_rows_past_the_limit_are_not_read_when_the_sheet_lies(browser, settings):
    """A sheet that declares one cell and compresses like a normal one still stops at the
    first row past the line limit: rows are streamed, not collected."""
    settings.KBZ_UPLOAD_MAX_RATIO = 10_000  # let the rows through to the reader
    data = hostile_files.xlsx(hostile_files.sheet_xml(1_000_000, dimension="A1"))
    response, peak = hostile_files.peak_allocation(lambda: submit_file(browser, "l.xlsx", data))
    assert "The sheet has more than 100,001 rows" in refusal_of(response)
    assert peak < PEAK_LIMIT, f"refusing took {peak / 2**20:.0f} MB"
    assert_nothing_submitted()


def test_a_workbook_with_a_doctype_and_entities_is_refused_not_a_server_error(browser):
    response = submit_file(browser, "laughs.xlsx", hostile_files.billion_laughs_xlsx())
    message = refusal_of(response)
    assert "xl/worksheets/sheet1.xml" in message and "declares a DOCTYPE" in message
    assert_nothing_submitted()


def test_an_ordinary_workbook_is_still_submitted(browser):
    rows = b'<row r="1"><c r="A1" t="inlineStr"><is><t>url</t></is></c></row>' + b"".join(
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>https://propaganda.example/{n}</t>'
        f"</is></c></row>".encode()
        for n in range(2, 12)
    )
    sheet = [
        f'<worksheet xmlns="{hostile_files.SHEET_NS}"><dimension ref="A1:A11"/>'.encode(),
        b"<sheetData>" + rows + b"</sheetData></worksheet>",
    ]
    response = submit_file(browser, "links.xlsx", hostile_files.xlsx(sheet))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Link.objects.count() == 10
