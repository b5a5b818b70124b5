"""Attribute by searching: the JSON endpoint and the plain form on the link's page find
materials and organizations by name or number, for whoever may read the registers, and an
"Attribute" button attributes the link through the same service as the form."""

import pytest

from accounts.choices import AgencyKind, Role
from registry import services
from registry.models import Link, LinkMaterial, LinkOrganization
from tests.factories import UserFactory
from tests.materials.factories import AliasFactory, MaterialFactory, OrganizationFactory
from tests.portal.conftest import browser_for, page

ENDPOINT = "/links/attribution-search/"


@pytest.fixture
def registers(db):
    hizb = OrganizationFactory(
        name_ru="Хизб ут-Тахрир аль-Ислами", name_kk="Хизб ут-Тахрир", name_en="Hizb ut-Tahrir"
    )
    AliasFactory(organization=hizb, name="Партия освобождения")
    other = OrganizationFactory(name_ru="Таблиги Джамаат", name_en="Tablighi Jamaat")
    brochure = MaterialFactory(number=2718, title="Брошюра «Путь к халифату»")
    song = MaterialFactory(number=3141, title="Песня «Зов джихада»")
    return {"hizb": hizb, "other": other, "brochure": brochure, "song": song}


@pytest.fixture
def link(make_user):
    officer = make_user(Role.OFFICER, username="reporter")
    [answer] = services.submit_urls(["https://t.me/bad_channel/7"], user=officer)
    return Link.objects.get(pk=answer.link)


@pytest.fixture
def prosecutor(make_user):
    return make_user(Role.PROSECUTOR, kind=AgencyKind.PROSECUTOR)


def search(user, q):
    return browser_for(user).get(ENDPOINT, {"q": q})


def labels(answer, kind):
    return [row["label"] for row in answer.json()[kind]]


def test_organizations_are_found_by_any_spelling_of_their_name_or_alias(registers, prosecutor):
    for q in ("hizb tahrir", "Хизбут-Тахрир", "Khizb at-Takhrir", "партия освобождения"):
        answer = search(prosecutor, q)
        assert answer.status_code == 200, q
        found = answer.json()["organizations"]
        assert [row["id"] for row in found][:1] == [registers["hizb"].pk], q
        assert found[0]["value"] == str(registers["hizb"].pk)
        assert found[0]["url"] == f"/organizations/{registers['hizb'].pk}/"


def test_materials_are_found_by_number_and_by_words_of_their_title(registers, prosecutor):
    by_number = search(prosecutor, "2718").json()["materials"]
    assert [row["value"] for row in by_number] == ["2718"]
    assert search(prosecutor, "№ 3141").json()["materials"][0]["value"] == "3141"
    by_title = search(prosecutor, "халифат").json()["materials"]
    assert [row["value"] for row in by_title][:1] == ["2718"]
    assert "Путь к халифату" in by_title[0]["label"]


def test_a_query_too_short_finds_nothing_and_says_the_minimum(registers, prosecutor):
    answer = search(prosecutor, "х").json()
    assert (answer["materials"], answer["organizations"], answer["min_length"]) == ([], [], 2)


@pytest.mark.parametrize("role", [Role.OFFICER, Role.SUPERVISOR, Role.ANALYST, Role.AUDITOR])
def test_every_role_that_reads_the_registers_may_search_them(registers, make_user, role):
    # The registers are public court decisions, read by every role with case content.
    user = make_user(role)
    assert labels(search(user, "2718"), "materials")


def test_who_may_not_read_the_registers_gets_403_and_nothing(registers, central_agency):
    admin = UserFactory(agency=central_agency, roles=[Role.ADMIN], is_staff=True)
    answer = search(admin, "2718")
    assert answer.status_code == 403
    assert "materials" not in answer.json()


def test_anonymous_users_are_sent_to_log_in(registers, client):
    answer = client.get(ENDPOINT, {"q": "2718"})
    assert answer.status_code == 302 and "/login/" in answer["Location"]


def test_without_javascript_the_page_lists_results_that_attribute_the_link(
    registers, link, prosecutor
):
    client = browser_for(prosecutor)
    doc = page(client.get(f"/links/{link.pk}/", {"find": "tahrir"}))
    forms = doc.xpath("//div[@id='attribution-results']//form")
    posted = {
        (f.xpath("string(.//input[@type='hidden' and @name!='csrfmiddlewaretoken']/@name)"),
         f.xpath("string(.//input[@type='hidden' and @name!='csrfmiddlewaretoken']/@value)"))
        for f in forms
    }  # fmt: skip
    assert ("attribute-organization", str(registers["hizb"].pk)) in posted
    # The search opens the attribute section of the page.
    assert doc.xpath("//details[@id='work-attribute'][@open]")

    response = client.post(
        f"/links/{link.pk}/attribute/", {"attribute-organization": registers["hizb"].pk}
    )
    assert response.status_code == 302
    assert LinkOrganization.objects.filter(link=link, organization=registers["hizb"]).exists()
    response = client.post(f"/links/{link.pk}/attribute/", {"attribute-material": "2718"})
    assert response.status_code == 302
    assert LinkMaterial.objects.filter(link=link, material=registers["brochure"]).exists()


def test_the_plain_search_says_when_nothing_is_found(registers, link, prosecutor):
    doc = page(browser_for(prosecutor).get(f"/links/{link.pk}/", {"find": "zzzzqqqq"}))
    assert "Nothing found." in doc.xpath("string(//div[@id='attribution-results'])")


def test_who_may_not_change_the_link_gets_no_search_on_its_page(registers, link):
    officer = link.first_reported_by
    doc = page(browser_for(officer).get(f"/links/{link.pk}/", {"find": "tahrir"}))
    assert not doc.xpath("//div[@id='attribution-results']")
    assert "Tahrir" not in doc.xpath("string(//main)")
