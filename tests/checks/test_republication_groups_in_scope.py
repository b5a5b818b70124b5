"""Issue 12, hole 4: a republication group is shown over the links the caller may read.

The group below spans three links with the same content: C, police-75's confidential link
(the first publication), B, police-75's open link, and A, police-71's link. A KZ-71
prosecutor may read A only: for them the group has one link, A is its first publication, and
nothing names, counts or links to B or C: not the reports, the link page or the admin."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.choices import AgencyKind, Role
from checks.models import LinkStats, RepublicationGroup
from reporting import services
from tests.factories import AgencyFactory, UserFactory, region
from tests.portal.conftest import browser_for, page
from tests.registry.factories import LinkFactory
from tests.reporting import oracle


def _at(day):
    return timezone.make_aware(dt.datetime(2025, 3, day, 12))


@pytest.fixture
def spanning_group(db, central_agency):
    police75 = AgencyFactory(kind=AgencyKind.POLICE, region=region("KZ-75"))
    police71 = AgencyFactory(kind=AgencyKind.POLICE, region=region("KZ-71"))
    prosecutor71 = AgencyFactory(kind=AgencyKind.PROSECUTOR, region=region("KZ-71"))
    officer75 = UserFactory(agency=police75, roles=[Role.OFFICER])
    officer71 = UserFactory(agency=police71, roles=[Role.OFFICER])
    c = LinkFactory(
        raw_url="https://secret.example/c", first_reported_by=officer75,
        first_reported_at=_at(1), confidential=True,
    )  # fmt: skip
    b = LinkFactory(
        raw_url="https://open.example/b", first_reported_by=officer75, first_reported_at=_at(2)
    )
    a = LinkFactory(
        raw_url="https://mirror.example/a", first_reported_by=officer71, first_reported_at=_at(3)
    )
    group = RepublicationGroup.objects.create(
        content_sha256="c" * 64, first_link=c, link_count=3, created_at=_at(4)
    )
    for link in (c, b, a):
        LinkStats.objects.create(link=link, content_sha256="c" * 64, republication_group=group)
    return {
        "links": (a, b, c),
        "group": group,
        "prosecutor71": UserFactory(agency=prosecutor71, roles=[Role.PROSECUTOR]),
        "central": UserFactory(agency=central_agency, roles=[Role.PROSECUTOR]),
    }


@pytest.fixture(params=["facts", "oracle"])
def engine(request, monkeypatch):
    if request.param == "oracle":
        monkeypatch.setattr(services, "queries", oracle)
    return request.param


def _groups(api_client, user, path="republication-groups/"):
    api_client.force_authenticate(user)
    response = api_client.get(
        f"/api/v1/reports/{path}", {"date_from": "2025-03-01", "date_to": "2025-03-31"}
    )
    assert response.status_code == 200, response.content
    return response.json()


def test_the_groups_report_counts_and_names_only_readable_links(spanning_group, api_client, engine):
    a, _b, c = spanning_group["links"]
    results = _groups(api_client, spanning_group["prosecutor71"])["results"]
    assert [(g["link_count"], g["links_in_scope"], g["first_link"]) for g in results] == [
        (1, 1, a.pk)
    ]
    central = _groups(api_client, spanning_group["central"])["results"]
    assert [(g["link_count"], g["links_in_scope"], g["first_link"]) for g in central] == [
        (3, 3, c.pk)
    ]


def test_the_republications_report_does_not_count_a_link_republishing_a_hidden_one(
    spanning_group, api_client, engine
):
    # For the KZ-71 prosecutor A is the first publication: nothing is republished.
    total = _groups(api_client, spanning_group["prosecutor71"], "republications/")["total"]
    assert total == {"republished_links": 0, "groups": 0}
    central = _groups(api_client, spanning_group["central"], "republications/")["total"]
    assert central == {"republished_links": 2, "groups": 1}  # B and A republish C


def test_the_link_page_counts_and_links_only_readable_addresses(spanning_group):
    a, b, c = spanning_group["links"]
    response = browser_for(spanning_group["prosecutor71"]).get(reverse("portal:link", args=[a.pk]))
    assert response.status_code == 200
    section = page(response).xpath("//section[@aria-labelledby='repub-h']")[0]
    text = " ".join(section.text_content().split())
    assert "known at 1 address." in text
    assert "This is its first publication." in text
    hrefs = section.xpath(".//a/@href")
    for hidden in (b, c):
        assert reverse("portal:link", args=[hidden.pk]) not in hrefs
    content = response.content.decode()
    assert "secret.example" not in content and "open.example" not in content
    assert "records you may not see" not in content


def test_the_admin_shows_the_group_over_readable_links(spanning_group, client_for):
    a, b, c = spanning_group["links"]
    group = spanning_group["group"]
    client = client_for(spanning_group["prosecutor71"])
    changelist = client.get("/admin/checks/republicationgroup/")
    change = client.get(f"/admin/checks/republicationgroup/{group.pk}/change/")
    for response in (changelist, change):
        assert response.status_code == 200
        content = response.content.decode()
        # Addresses are shown defanged (docs/design.md §5.3): look for both spellings.
        for hidden in ("secret.example", "secret[.]example", "open.example", "open[.]example"):
            assert hidden not in content
        assert f"/admin/registry/link/{c.pk}/" not in content
        assert "hxxps://mirror[.]example/a" in content
    [row] = changelist.context["cl"].result_list
    assert (row.readable_links, row.first_readable_link_id) == (1, a.pk)
    stats = client.get("/admin/checks/linkstats/").content.decode()
    assert "× 3" not in stats  # a group's name does not carry its global count


def test_an_administrator_without_case_access_gets_no_group(spanning_group, engine):
    from reporting import services
    from reporting.filters import ReportFilters

    admin = UserFactory(agency=spanning_group["central"].agency, roles=[Role.ADMIN])
    assert list(services.republication_groups(admin, ReportFilters())) == []
    assert services.republications(admin, ReportFilters())["total"]["republished_links"] == 0
