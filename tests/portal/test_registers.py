"""The registers on the portal: materials and organizations, searched, filtered, paginated,
with their court decisions; everything through the access policy."""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from lxml import html

from accounts.choices import AgencyKind, Role
from decisions.choices import CourtClassification
from materials import services as material_services
from organizations.choices import PresencePlatform
from organizations.models import OnlinePresence
from registry.services import attribute, submit_urls
from tests.materials.factories import (
    AliasFactory,
    CourtDecisionFactory,
    MaterialFactory,
    OrganizationFactory,
)
from tests.second_factor import log_in


@pytest.fixture
def officer(make_user):
    return make_user(Role.OFFICER, kind=AgencyKind.POLICE, region="KZ-75")


def browser_for(user) -> Client:
    client = log_in(Client(), user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def titles(response) -> list[str]:
    doc = html.fromstring(response.content)
    return [
        " ".join(a.text_content().split()) for a in doc.xpath("//tr[@class='material']/td[2]/a")
    ]


def organization_names(response) -> list[str]:
    doc = html.fromstring(response.content)
    return [a.text_content().strip() for a in doc.xpath("//tr[@class='organization']/td[1]/a")]


def test_materials_search_finds_a_misspelled_title(officer):
    MaterialFactory(title="Брошюра «Путь к свету»")
    MaterialFactory(title="Видеоролик «Другой»")
    response = browser_for(officer).get(reverse("portal:materials"), {"q": "брошура путь"})
    assert response.status_code == 200
    assert titles(response) == ["Брошюра «Путь к свету»"]


def test_organizations_search_finds_a_misspelled_name_and_its_aliases(officer):
    hizb = OrganizationFactory(name_ru="Хизб ут-Тахрир аль-Ислами", name_en="Hizb ut-Tahrir")
    AliasFactory(organization=hizb, name="Хизбут-Тахрир")
    OrganizationFactory(name_ru="Таблиги Джамагат")
    response = browser_for(officer).get(reverse("portal:organizations"), {"q": "хизбут тахрир"})
    # The English reader sees the English name first, the official Russian one beneath it.
    assert organization_names(response) == ["Hizb ut-Tahrir"]
    assert "Хизб ут-Тахрир аль-Ислами" in response.content.decode()
    assert "Хизбут-Тахрир" in response.content.decode()


def test_organization_names_follow_the_readers_language_with_russian_fallback(officer):
    OrganizationFactory(name_ru="Организация А", name_kk="А ұйымы", name_en="")
    client = browser_for(officer)
    assert organization_names(client.get(reverse("portal:organizations"))) == ["Организация А"]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "kk"
    response = client.get(reverse("portal:organizations"))
    assert organization_names(response) == ["А ұйымы"]
    header = html.fromstring(response.content).xpath("//thead//th[1]")[0].text_content()
    assert header == "Атауы"  # an organization's name, not a person's (Аты-жөні)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    response = client.get(reverse("portal:organizations"))
    assert html.fromstring(response.content).xpath("//thead//th[1]")[0].text_content() == (
        "Наименование"
    )


def test_materials_filters_are_the_apis(officer):
    MaterialFactory(title="Экстремистский", classification=CourtClassification.EXTREMIST)
    MaterialFactory(title="Террористический", classification=CourtClassification.TERRORIST)
    client = browser_for(officer)
    response = client.get(reverse("portal:materials"), {"classification": "terrorist"})
    assert titles(response) == ["Террористический"]
    api = client.get("/api/v1/materials/", {"classification": "terrorist"}).json()
    assert [m["title"] for m in api["results"]] == titles(response)
    bad = client.get(reverse("portal:materials"), {"classification": "nonsense"})
    assert bad.status_code == 200
    assert "Select a valid choice" in bad.content.decode()


def test_materials_are_paginated_and_pages_keep_the_filters(officer):
    decision = CourtDecisionFactory()
    for n in range(52):
        MaterialFactory(number=n + 1, title=f"Материал {n + 1:02d}", decision=decision)
    client = browser_for(officer)
    first = client.get(reverse("portal:materials"), {"kind": "print"})
    assert len(titles(first)) == 50
    assert "?kind=print&amp;page=2" in first.content.decode()
    second = client.get(reverse("portal:materials"), {"kind": "print", "page": 2})
    assert titles(second) == ["Материал 51", "Материал 52"]


def test_material_detail_shows_its_decision_copies_and_related(officer):
    decision = CourtDecisionFactory(case_number="2-1234/2019")
    organization = OrganizationFactory(name_ru="Организация «Тест»")
    material = MaterialFactory(title="Брошюра «Путь»", decision=decision, organization=organization)
    sibling = MaterialFactory(title="Видео «Сосед»", decision=decision)
    text = " ".join(f"Глава {n}: текст брошюры «Путь», страница {n * 7}." for n in range(60))
    material_services.attach_copy(material, SimpleUploadedFile("copy.txt", text.encode()))
    response = browser_for(officer).get(reverse("portal:material", args=[material.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "2-1234/2019" in body and decision.court in body and "12.03.2019" in body
    assert reverse("portal:organization", args=[organization.pk]) in body
    assert reverse("portal:material", args=[sibling.pk]) in body
    assert "1 known copy is fingerprinted" in body
    fingerprint = material.fingerprints.get()
    assert fingerprint.sha256[:16] in body
    assert "TLSH" in body
    assert "/media/" not in body and "copy.txt" not in body  # the hashes, never the file


def test_organization_detail_shows_its_court_decision_aliases_presence_and_materials(officer):
    decision = CourtDecisionFactory(case_number="2-777/2015", text="решение суда о запрете")
    organization = OrganizationFactory(name_ru="Организация «Запрещённая»")
    organization.decisions.add(decision)
    AliasFactory(organization=organization, name="ОЗ")
    OnlinePresence.objects.create(
        organization=organization,
        platform=PresencePlatform.TELEGRAM,
        handle="@banned_channel",
        url="https://t.me/banned_channel",
    )
    OnlinePresence.objects.create(
        organization=organization, platform=PresencePlatform.WEBSITE, handle="banned-site.example"
    )
    material = MaterialFactory(title="Листовка", organization=organization)

    response = browser_for(officer).get(reverse("portal:organization", args=[organization.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "2-777/2015" in body and "решение суда о запрете" in body
    assert "ОЗ" in body
    assert "hxxps://t[.]me/banned_channel" in body and "banned-site[.]example" in body
    assert "t.me/" not in body and "banned-site.example" not in body
    assert reverse("portal:material", args=[material.pk]) in body


def test_attributed_links_are_listed_defanged_only_if_the_user_may_see_them(
    officer, make_user, central_agency
):
    organization = OrganizationFactory()
    [answer] = submit_urls(["https://banned.example/post/1"], user=officer)
    prosecutor = make_user(Role.PROSECUTOR, agency=central_agency)
    attribute(answer.link, actor=prosecutor, organization=organization)

    page = browser_for(officer).get(reverse("portal:organization", args=[organization.pk]))
    assert "hxxps://banned[.]example/post/1" in page.content.decode()
    assert reverse("portal:link", args=[answer.link]) in page.content.decode()

    stranger = make_user(Role.OFFICER, kind=AgencyKind.KNB, region="KZ-71")
    page = browser_for(stranger).get(reverse("portal:organization", args=[organization.pk]))
    assert "banned[.]example" not in page.content.decode()
    assert "None that you may see." in page.content.decode()


def test_materials_of_an_organization_are_listed_from_its_page(officer):
    organization = OrganizationFactory(name_ru="Организация «Много»", name_en="")
    for n in range(22):
        MaterialFactory(title=f"Материал {n}", organization=organization)
    MaterialFactory(title="Чужой")
    client = browser_for(officer)
    page = client.get(reverse("portal:organization", args=[organization.pk]))
    link = f"{reverse('portal:materials')}?organization={organization.pk}"
    assert link in page.content.decode()
    listed = client.get(reverse("portal:materials"), {"organization": organization.pk})
    assert len(titles(listed)) == 22
    assert "Организация «Много»" in listed.content.decode()
    # The search form keeps the list narrowed to the organization.
    assert f'name="organization" value="{organization.pk}"' in listed.content.decode()


def test_registers_are_closed_to_roles_without_case_content(make_user, central_agency):
    administrator = make_user(Role.ADMIN, agency=central_agency)
    organization = OrganizationFactory()
    material = MaterialFactory()
    client = browser_for(administrator)
    for url in (
        reverse("portal:materials"),
        reverse("portal:material", args=[material.pk]),
        reverse("portal:organizations"),
        reverse("portal:organization", args=[organization.pk]),
        reverse("portal:file_match"),
    ):
        assert client.get(url).status_code == 403, url


def test_registers_need_a_login(client):
    response = client.get(reverse("portal:materials"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:login"))


def test_unknown_records_are_404(officer):
    client = browser_for(officer)
    assert client.get(reverse("portal:material", args=[999999])).status_code == 404
    assert client.get(reverse("portal:organization", args=[999999])).status_code == 404
