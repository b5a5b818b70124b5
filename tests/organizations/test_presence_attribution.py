"""Adding a channel, account or domain to an organization attributes the links already known."""

import pytest
from django.core.exceptions import ValidationError

from accounts.choices import Role
from organizations import services
from organizations.models import Organization
from registry import services as registry_services
from registry.choices import AttributionSource
from registry.models import Link, LinkOrganization


@pytest.fixture
def officer(make_user):
    return make_user(Role.OFFICER)


@pytest.fixture
def known_links(officer):
    registry_services.submit_urls(
        [
            "https://t.me/s/badchannel/5",
            "https://t.me/BadChannel",
            "https://t.me/goodchannel/1",
            "https://news.bad-site.kz/a",
        ],
        user=officer,
    )


def _attributed(organization):
    return set(Link.objects.filter(organizations=organization).values_list("url", flat=True))


def test_presence_posted_through_the_api_attributes_registered_links(
    known_links, make_user, api_client
):
    api_client.force_authenticate(make_user(Role.PROSECUTOR, kind="prosecutor"))
    response = api_client.post(
        "/api/v1/organizations/",
        {
            "name_ru": "Запрещённая",
            "classification": "extremist",
            "presence": [{"platform": "telegram", "handle": "@BadChannel"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    organization = Organization.objects.get(name_ru="Запрещённая")
    assert _attributed(organization) == {"https://t.me/badchannel/5", "https://t.me/badchannel"}
    rows = LinkOrganization.objects.filter(organization=organization)
    assert {(r.source, r.presence.handle) for r in rows} == {
        (AttributionSource.AUTOMATIC, "BadChannel")
    }


def test_presence_added_on_update_attributes_and_keeps_earlier_attributions(known_links):
    organization = services.save_organization(
        Organization(name_ru="Запрещённая", classification="extremist"),
        presence=[{"platform": "telegram", "handle": "badchannel"}],
    )
    services.save_organization(
        organization,
        presence=[
            {"platform": "telegram", "handle": "badchannel"},
            {"platform": "website", "handle": "bad-site.kz"},
        ],
    )
    assert _attributed(organization) == {
        "https://t.me/badchannel/5",
        "https://t.me/badchannel",
        "https://news.bad-site.kz/a",
    }


def test_add_presence_attributes_and_refuses_a_channel_of_another_organization(known_links):
    first = Organization.objects.create(name_ru="Первая", classification="extremist")
    second = Organization.objects.create(name_ru="Вторая", classification="terrorist")
    services.add_presence(first, platform="website", handle="bad-site.kz")
    assert _attributed(first) == {"https://news.bad-site.kz/a"}
    with pytest.raises(ValidationError):
        services.add_presence(second, platform="website", handle="BAD-SITE.kz")
    assert not _attributed(second)


def test_presence_matching_nothing_attributes_nothing(known_links):
    organization = services.save_organization(
        Organization(name_ru="Запрещённая", classification="extremist"),
        presence=[{"platform": "telegram", "handle": "nobody_here"}],
    )
    assert not LinkOrganization.objects.filter(organization=organization).exists()


def test_presence_added_in_the_admin_inline_attributes_registered_links(
    known_links, make_user, client_for
):
    from django.urls import reverse

    organization = services.save_organization(
        Organization(name_ru="Запрещённая", classification="extremist")
    )
    client = client_for(make_user(Role.PROSECUTOR, kind="prosecutor"))
    url = reverse("admin:organizations_organization_change", args=[organization.pk])
    form = {
        "name_ru": organization.name_ru,
        "classification": "extremist",
        "status": organization.status,
        "aliases-TOTAL_FORMS": "0",
        "aliases-INITIAL_FORMS": "0",
        "presence-TOTAL_FORMS": "1",
        "presence-INITIAL_FORMS": "0",
        "presence-0-platform": "telegram",
        "presence-0-handle": "badchannel",
    }
    response = client.post(url, form)
    assert response.status_code == 302, response.context and [
        f.errors for f in response.context["inline_admin_formsets"]
    ]
    assert _attributed(organization) == {"https://t.me/badchannel/5", "https://t.me/badchannel"}
