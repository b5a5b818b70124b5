"""The organizations register: aliases feed the search; a channel belongs to one organization."""

from accounts.choices import Role
from organizations.models import Organization
from organizations.selectors import search_organizations
from tests.materials.factories import AliasFactory, OrganizationFactory


def test_a_new_alias_makes_the_organization_findable_by_it(db):
    organization = OrganizationFactory(name_ru="Исламское государство (ИГИЛ)")
    alias = AliasFactory(organization=organization, name="ДАИШ")
    assert organization in search_organizations(Organization.objects.all(), "даиш")
    alias.delete()
    assert organization not in search_organizations(Organization.objects.all(), "даиш")


def test_a_channel_attributed_to_one_organization_is_refused_for_another(make_user, api_client):
    api_client.force_authenticate(make_user(Role.PROSECUTOR, kind="prosecutor"))
    presence = [{"platform": "telegram", "handle": "same_channel"}]
    first = api_client.post(
        "/api/v1/organizations/",
        {"name_ru": "Первая", "classification": "extremist", "presence": presence},
        format="json",
    )
    assert first.status_code == 201
    second = api_client.post(
        "/api/v1/organizations/",
        {"name_ru": "Вторая", "classification": "extremist", "presence": [
            {"platform": "telegram", "handle": "@Same_Channel"}]},
        format="json",
    )  # fmt: skip
    assert second.status_code == 409
    assert second.json()["field"] == "presence"
    assert not Organization.objects.filter(name_ru="Вторая").exists()


def test_banned_organization_cannot_have_a_lift_date(make_user, api_client):
    api_client.force_authenticate(make_user(Role.PROSECUTOR, kind="prosecutor"))
    response = api_client.post(
        "/api/v1/organizations/",
        {"name_ru": "Третья", "classification": "terrorist", "ban_lifted_on": "2020-01-01"},
        format="json",
    )
    assert response.status_code == 400
