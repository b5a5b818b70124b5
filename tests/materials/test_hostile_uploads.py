"""Hostile files sent to «is this file banned?» (API and portal) and to the materials import
(API, admin, command) are refused with a message that names the problem, cost little memory,
save nothing; and heavy jobs are bounded across processes (utilities.uploads)."""

import contextlib

import psycopg
import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from lxml import html

from accounts.choices import AgencyKind, Role
from materials.models import Material, MaterialFingerprint
from tests import hostile_files
from tests.second_factor import log_in
from utilities import uploads

PEAK_LIMIT = 50 * 1024 * 1024
MATCH_API = "/api/v1/materials/match/"
IMPORT_API = "/api/v1/materials/import/"

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def docx_bomb():
    return hostile_files.docx_bomb()


@pytest.fixture
def officer_api(make_user, api_client):
    api_client.force_authenticate(make_user(Role.OFFICER))
    api_client.credentials(HTTP_ACCEPT_LANGUAGE="en")
    return api_client


@pytest.fixture
def prosecutor_api(make_user, api_client):
    api_client.force_authenticate(make_user(Role.PROSECUTOR, kind=AgencyKind.PROSECUTOR))
    api_client.credentials(HTTP_ACCEPT_LANGUAGE="en")
    return api_client


def match(client, data: bytes, name: str):
    return client.post(MATCH_API, {"file": SimpleUploadedFile(name, data)}, format="multipart")


def refused(response, code: str = "unsafe_file") -> str:
    assert response.status_code == 400, (response.status_code, response.content[:500])
    assert response.json()["code"] == code
    return response.json()["detail"]


# --- «is this file banned?» -----------------------------------------------------------------


def test_a_docx_zip_bomb_is_refused_by_its_declared_size(officer_api, docx_bomb):
    response, peak = hostile_files.peak_allocation(lambda: match(officer_api, docx_bomb, "a.docx"))
    assert "unpacks to 121 MB; at most 100 MB are read" in refused(response)
    assert peak < PEAK_LIMIT, f"refusing took {peak / 2**20:.0f} MB"


def test_a_docx_under_the_size_cap_but_compressed_like_a_bomb_is_refused(officer_api):
    data = hostile_files.docx_bomb(unpacked=30 * 2**20)
    response, peak = hostile_files.peak_allocation(lambda: match(officer_api, data, "a.docx"))
    message = refused(response)
    assert "word/document.xml" in message and "at most 100 times is accepted" in message
    assert peak < PEAK_LIMIT, f"refusing took {peak / 2**20:.0f} MB"


def test_a_large_docx_within_the_limits_is_still_read(officer_api, settings):
    """Past the ratio check (raised for the test), a large document is read, streaming."""
    settings.KBZ_UPLOAD_MAX_RATIO = 10_000
    data = hostile_files.docx_bomb(unpacked=5 * 2**20)
    response = match(officer_api, data, "a.docx")
    assert response.status_code == 200, response.content[:500]
    assert response.json()["kind"] == "text"


def test_an_office_file_with_a_doctype_is_refused(officer_api):
    response = match(officer_api, hostile_files.billion_laughs_xlsx(), "laughs.xlsx")
    assert "declares a DOCTYPE" in refused(response)


def test_a_png_decompression_bomb_is_refused_before_decoding(officer_api):
    data = hostile_files.png(8000, 8000)  # 64 megapixels in 60 KB
    response, peak = hostile_files.peak_allocation(lambda: match(officer_api, data, "a.png"))
    message = refused(response)
    assert "8,000 × 8,000 pixels; at most 50,000,000 pixels are read" in message
    assert peak < PEAK_LIMIT, f"refusing took {peak / 2**20:.0f} MB"


def test_an_image_past_pillows_own_limit_is_refused_too(officer_api):
    response = match(officer_api, hostile_files.png_header_only(30_000, 30_000), "a.png")
    assert "pixels" in refused(response)


def test_pillows_limit_is_the_setting():
    from PIL import Image

    assert Image.MAX_IMAGE_PIXELS == django_settings.KBZ_UPLOAD_MAX_PIXELS


def test_a_pdf_declaring_a_million_pages_is_refused(officer_api):
    response = match(officer_api, hostile_files.pdf_declaring_pages(1_000_000), "a.pdf")
    assert "declares 1,000,000 pages; at most 2,000 are read" in refused(response)


def test_the_portal_page_refuses_a_bomb_with_the_same_message(make_user, docx_bomb):
    client = Client()
    log_in(client, make_user(Role.OFFICER))
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(
        reverse("portal:file_match"), {"file": SimpleUploadedFile("a.docx", docx_bomb)}
    )
    assert response.status_code == 400
    doc = html.fromstring(response.content.decode())
    assert "unpacks to 121 MB" in " ".join(doc.xpath("//*[@role='alert']//text()"))


def test_attaching_a_bomb_as_a_copy_saves_nothing(prosecutor_api, docx_bomb):
    from tests.materials.factories import MaterialFactory

    material = MaterialFactory()
    response = prosecutor_api.post(
        f"/api/v1/materials/{material.pk}/copies/",
        {"file": SimpleUploadedFile("a.docx", docx_bomb)},
        format="multipart",
    )
    assert "unpacks to 121 MB" in refused(response)
    assert not MaterialFingerprint.objects.exists()


# --- heavy-job slots ------------------------------------------------------------------------


@contextlib.contextmanager
def all_slots_taken_elsewhere():
    """Another process (another PostgreSQL session) holds every heavy-job slot."""
    params = connection.get_connection_params()
    other = psycopg.connect(
        dbname=params["dbname"],
        user=params.get("user"),
        host=params.get("host"),
        port=params.get("port"),
        autocommit=True,
    )
    try:
        for slot in range(django_settings.KBZ_HEAVY_JOB_SLOTS):
            other.execute("SELECT pg_advisory_lock(%s, %s)", [uploads.HEAVY_JOB_LOCK_CLASS, slot])
        yield
    finally:
        # Unlock before closing: a closed connection's backend ends (and frees its locks) a
        # moment after close() returns, which would race the next request.
        other.execute("SELECT pg_advisory_unlock_all()")
        other.close()


def test_match_answers_503_with_retry_after_when_every_slot_is_busy(officer_api):
    with all_slots_taken_elsewhere():
        busy = match(officer_api, b"plain text to fingerprint " * 10, "a.txt")
    assert busy.status_code == 503
    assert busy["Retry-After"] == str(django_settings.KBZ_HEAVY_JOB_RETRY_AFTER)
    assert busy.json()["code"] == "busy"
    again = match(officer_api, b"plain text to fingerprint " * 10, "a.txt")
    assert again.status_code == 200  # the slots were freed


def test_a_finished_job_frees_its_slot(officer_api, settings):
    settings.KBZ_HEAVY_JOB_SLOTS = 1
    for _ in range(3):
        assert match(officer_api, b"plain text to fingerprint " * 10, "a.txt").status_code == 200


def test_the_portal_page_answers_503_with_retry_after_when_busy(make_user):
    client = Client()
    log_in(client, make_user(Role.OFFICER))
    with all_slots_taken_elsewhere():
        response = client.post(
            reverse("portal:file_match"), {"file": SimpleUploadedFile("a.txt", b"text " * 20)}
        )
    assert response.status_code == 503
    assert response["Retry-After"] == str(django_settings.KBZ_HEAVY_JOB_RETRY_AFTER)


# --- materials import -----------------------------------------------------------------------


def import_file(client, data: bytes, name: str):
    return client.post(IMPORT_API, {"file": SimpleUploadedFile(name, data)}, format="multipart")


def file_error(response) -> str:
    assert response.status_code == 400, (response.status_code, response.content[:500])
    [error] = response.json()["rejected"]
    assert (error["row"], error["field"]) == (0, "file")
    return error["message"]


def test_import_refuses_a_sheet_declaring_a_million_rows(prosecutor_api):
    data = hostile_files.million_row_xlsx()
    response, peak = hostile_files.peak_allocation(
        lambda: import_file(prosecutor_api, data, "list.xlsx")
    )
    assert "declares 1,000,000 rows (A1:B1000000); at most 20,000" in file_error(response)
    assert peak < PEAK_LIMIT, f"refusing took {peak / 2**20:.0f} MB"
    assert not Material.objects.exists()


def test_import_stops_reading_rows_past_its_limit_when_the_sheet_lies(prosecutor_api, settings):
    settings.KBZ_UPLOAD_MAX_RATIO = 10_000
    data = hostile_files.xlsx(hostile_files.sheet_xml(1_000_000, dimension="A1"))
    response, peak = hostile_files.peak_allocation(
        lambda: import_file(prosecutor_api, data, "list.xlsx")
    )
    assert "The sheet has more than 20,000 rows" in file_error(response)
    assert peak < PEAK_LIMIT, f"refusing took {peak / 2**20:.0f} MB"


def test_import_refuses_a_doctype(prosecutor_api):
    response = import_file(prosecutor_api, hostile_files.billion_laughs_xlsx(), "list.xlsx")
    assert "declares a DOCTYPE" in file_error(response)
    assert not Material.objects.exists()


def test_import_refuses_a_file_past_its_size_cap(prosecutor_api, settings):
    settings.KBZ_MATERIALS_IMPORT_MAX_BYTES = 2**20
    response = import_file(prosecutor_api, b"x" * (2 * 2**20), "list.csv")
    assert "The file is 2 MB; at most 1 MB are taken." in file_error(response)


def test_import_refuses_a_csv_of_too_many_rows(prosecutor_api, settings):
    settings.KBZ_MATERIALS_IMPORT_MAX_ROWS = 100
    data = "№,Наименование,Решение суда,Категория\n".encode() + b"1,a,b,c\n" * 200
    assert "больше 100 строк" in file_error(import_file(prosecutor_api, data, "list.csv"))


def test_admin_import_page_names_the_problem(make_user):
    user = make_user(Role.PROSECUTOR, kind=AgencyKind.PROSECUTOR, is_staff=True)
    client = Client()
    log_in(client, user)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(
        reverse("admin:materials_material_import"),
        {"file": SimpleUploadedFile("list.xlsx", hostile_files.million_row_xlsx())},
    )
    assert response.status_code == 200
    assert "declares 1,000,000 rows" in response.content.decode()
    assert not Material.objects.exists()


def test_command_names_the_problem(tmp_path):
    path = tmp_path / "list.xlsx"
    path.write_bytes(hostile_files.billion_laughs_xlsx())
    with pytest.raises(CommandError):
        call_command("import_materials", str(path), stdout=open(tmp_path / "out", "w"))  # noqa: SIM115
    assert "declares a DOCTYPE" in (tmp_path / "out").read_text()


def test_openpyxl_parses_with_defusedxml():
    import openpyxl

    assert openpyxl.DEFUSEDXML is True
