"""«Is this file banned?» on the portal: a known copy is found with its method and distance,
an unknown file gets a clear "no match", a file over the cap a clear refusal; nothing is kept."""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from lxml import html

from accounts.choices import AgencyKind, Role
from materials import services as material_services
from materials.models import MaterialFingerprint
from tests.materials.factories import MaterialFactory

MATCH = reverse("portal:file_match")
KNOWN = b"%PDF-1.4 a known copy of a banned leaflet, byte for byte\n" * 20


@pytest.fixture
def officer(make_user):
    return make_user(Role.OFFICER, kind=AgencyKind.POLICE, region="KZ-75")


@pytest.fixture
def browser(officer):
    client = Client()
    client.force_login(officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def known_material(db, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    material = MaterialFactory(number=4242, title="Листовка «Известная»")
    material_services.attach_copy(material, SimpleUploadedFile("leaflet.bin", KNOWN))
    return material


def check(client, name: str, content: bytes):
    return client.post(MATCH, {"file": SimpleUploadedFile(name, content)})


def test_the_form_explains_the_limit(browser):
    response = browser.get(MATCH)
    assert response.status_code == 200
    assert 'type="file"' in response.content.decode()
    assert "up to 50 MB" in response.content.decode()


def test_a_known_copy_is_found_by_sha256(browser, known_material):
    response = check(browser, "whatever-name.bin", KNOWN)
    assert response.status_code == 200
    doc = html.fromstring(response.content)
    assert doc.xpath("string(//h2[@id='h-result'])") == "Matches a court-recognised material"
    [row] = doc.xpath("//tr[contains(@class, 'match')]")
    assert row.get("data-method") == "sha256"
    cells = [" ".join(td.text_content().split()) for td in row.xpath("td")]
    assert cells[0].startswith("№ 4242. Листовка «Известная»")
    assert cells[1] == "identical file (SHA-256)"
    assert cells[2] == "0"
    assert str(known_material.decision) in cells[3]
    assert row.xpath(".//a/@href") == [reverse("portal:material", args=[known_material.pk])]


def test_an_unknown_file_is_no_match(browser, known_material, tmp_path):
    response = check(browser, "holiday.txt", b"Photos from the holidays, nothing else.")
    assert response.status_code == 200
    doc = html.fromstring(response.content)
    assert doc.xpath("string(//h2[@id='h-result'])") == "No match"
    assert doc.xpath("//p[@class='no-match']")
    assert not doc.xpath("//tr[contains(@class, 'match')]")


def test_the_checked_file_is_not_kept(browser, known_material, tmp_path):
    before = sorted(p.name for p in tmp_path.rglob("*"))
    check(browser, "unknown.bin", b"some bytes nobody has seen")
    check(browser, "known.bin", KNOWN)
    assert MaterialFingerprint.objects.count() == 1
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


def test_a_file_over_the_cap_is_refused_clearly(browser, known_material, settings):
    settings.KBZ_MATCH_MAX_BYTES = 1024 * 1024
    response = check(browser, "big.bin", b"x" * (1024 * 1024 + 1))
    assert response.status_code == 413
    doc = html.fromstring(response.content)
    message = doc.xpath("string(//p[contains(@class, 'too-large')])")
    assert "larger than 1 MB" in message
    assert not doc.xpath("//section[contains(@class, 'match-result')]")


def test_no_file_is_a_form_error(browser):
    response = browser.post(MATCH, {})
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
