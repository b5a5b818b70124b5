"""Links attributed to organizations: by hand, and through an organization's known presence."""

import pytest

from organizations.models import OnlinePresence, Organization
from registry import services
from registry.choices import AttributionSource
from registry.models import Link, LinkMaterial, LinkOrganization
from tests.registry.factories import LinkFactory


@pytest.fixture
def organization(db):
    return Organization.objects.create(
        name_ru="Запрещённая организация", classification="extremist"
    )


def _presence(organization, platform, handle):
    return OnlinePresence.objects.create(
        organization=organization, platform=platform, handle=handle
    )


@pytest.mark.parametrize(
    ("platform", "handle", "url"),
    [
        ("telegram", "@BadChannel", "https://t.me/s/badchannel/123"),
        ("telegram", "https://t.me/BadChannel", "https://t.me/BadChannel"),
        ("website", "bad-site.kz", "https://news.bad-site.kz/article/1"),
        ("youtube", "@badtube", "https://www.youtube.com/@BadTube"),
        ("vk", "club123", "https://vk.com/wall-123_45"),
        ("x", "baduser", "https://twitter.com/BadUser"),
    ],
)
def test_a_new_link_on_a_known_presence_is_attributed_automatically(
    officer, organization, platform, handle, url
):
    _presence(organization, platform, handle)
    (answer,) = services.submit_urls([url], user=officer)
    attribution = LinkOrganization.objects.get(link=answer.link)
    assert attribution.organization == organization
    assert attribution.source == AttributionSource.AUTOMATIC


def test_a_link_elsewhere_is_not_attributed(officer, organization):
    _presence(organization, "telegram", "badchannel")
    _presence(organization, "website", "bad-site.kz")
    services.submit_urls(
        ["https://t.me/otherchannel/1", "https://not-bad-site.kz/", "https://youtu.be/abcdefghijk"],
        user=officer,
    )
    assert not LinkOrganization.objects.exists()


def test_a_presence_added_later_attributes_the_links_already_registered(officer, organization):
    services.submit_urls(
        ["https://t.me/badchannel/5", "https://t.me/badchannel", "https://t.me/good/1"],
        user=officer,
    )
    presence = _presence(organization, "telegram", "BadChannel")
    assert services.attribute_existing_links(presence) == 2
    assert set(Link.objects.filter(organizations=organization).values_list("url", flat=True)) == {
        "https://t.me/badchannel/5",
        "https://t.me/badchannel",
    }


def test_a_reviewer_attributes_a_link_by_hand_through_the_api(
    api_client, officer, supervisor, organization
):
    from materials.models import Material

    material = Material.objects.create(number=99_001, title="Брошюра", classification="extremist")
    link = LinkFactory(first_reported_by=officer)
    api_client.force_authenticate(supervisor)
    response = api_client.post(
        f"/api/v1/links/{link.pk}/attribute/",
        {"organization": organization.pk, "material": material.pk},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["organizations"] == [organization.pk]
    assert LinkMaterial.objects.get(link=link).added_by == supervisor
    response = api_client.post(
        f"/api/v1/links/{link.pk}/attribute/",
        {"organization": organization.pk, "remove": True},
        format="json",
    )
    assert response.json()["organizations"] == []


def test_an_officer_may_not_attribute(api_client, officer, organization):
    link = LinkFactory(first_reported_by=officer)
    api_client.force_authenticate(officer)
    response = api_client.post(
        f"/api/v1/links/{link.pk}/attribute/", {"organization": organization.pk}, format="json"
    )
    assert response.status_code == 403
