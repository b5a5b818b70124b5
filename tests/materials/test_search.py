"""Search in the registers: number, title, author, organization name or alias; misspellings,
transliteration, Russian and Kazakh (PostgreSQL full-text + trigrams)."""

import pytest

from accounts.choices import Role
from materials.models import Material
from materials.selectors import search_materials
from organizations.models import Organization
from organizations.selectors import search_organizations
from tests.materials.factories import AliasFactory, MaterialFactory, OrganizationFactory


@pytest.fixture
def hizb(db):
    organization = OrganizationFactory(
        name_ru="Хизб ут-Тахрир аль-Islami".replace("Islami", "Ислами"), name_en="Hizb ut-Tahrir"
    )
    AliasFactory(organization=organization, name="Хизбут-Тахрир")
    return organization


def names(queryset, field="name_ru"):
    return {getattr(o, field) for o in queryset}


def test_misspelled_organization_name_finds_it(hizb):
    OrganizationFactory(name_ru="Таблиги Джамагат")
    assert names(search_organizations(Organization.objects.all(), "хизбут тахрир")) == {
        "Хизб ут-Тахрир аль-Ислами"
    }
    for query in ["хизб ут тахрир", "Hizb ut-Tahrir", "Khizb at-Tahrir", "хизб-ут-тахрир"]:
        assert hizb in search_organizations(Organization.objects.all(), query), query


def test_material_is_found_through_its_organizations_name(hizb):
    linked = MaterialFactory(title="Брошюра «Призыв»", organization=hizb)
    MaterialFactory(title="Видеоролик «Другой»")
    found = search_materials(Material.objects.all(), "хизбут тахрир")
    assert list(found) == [linked]


def test_misspelled_title_and_russian_word_forms_find_the_material(db):
    material = MaterialFactory(
        title="Брошюра «Путь к свету»",
        description="Брошюра «Путь к свету» на русском языке, 48 страниц, призывы к джихаду",
    )
    MaterialFactory(title="Видеоролик «Другой»", description="Видеоролик о другом")
    assert list(search_materials(Material.objects.all(), "брошура путь")) == [material]
    # Full text with the Russian configuration: other forms of the words.
    assert list(search_materials(Material.objects.all(), "призывами джихада")) == [material]


def test_number_author_and_kazakh_title_are_found(db):
    by_number = MaterialFactory(number=777)
    by_author = MaterialFactory(author="Абу Мухаммад")
    kazakh = MaterialFactory(title="Кітап «Сенім жолы»")
    assert by_number in search_materials(Material.objects.all(), "777")
    assert by_number in search_materials(Material.objects.all(), "№ 777")
    assert list(search_materials(Material.objects.all(), "Абу Мухаммад")) == [by_author]
    assert list(search_materials(Material.objects.all(), "сенім жолы")) == [kazakh]
    assert list(search_materials(Material.objects.all(), "senim zholy")) == [kazakh]


def test_api_search_for_every_role(make_user, api_client, hizb):
    MaterialFactory(title="Брошюра «Призыв»", organization=hizb)
    api_client.force_authenticate(make_user(Role.OFFICER))
    response = api_client.get("/api/v1/organizations/", {"q": "Хизбут-Тахрир"})
    assert response.status_code == 200
    assert [o["name_ru"] for o in response.json()["results"]] == ["Хизб ут-Тахрир аль-Ислами"]
    response = api_client.get("/api/v1/materials/", {"q": "хизбут-тахрир"})
    assert [m["title"] for m in response.json()["results"]] == ["Брошюра «Призыв»"]
