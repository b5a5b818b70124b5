"""The access policy over links, reports and the trail: roles × agencies × regions
(docs/design.md §5.1).

The expected answers are restated from docs/design.md §5.1 as plain functions (the oracles) and
compared with what the API endpoints return to every role in every agency.
"""

import itertools

import pytest

from accounts.choices import AgencyKind, AgencyLevel, Role
from registry import services
from registry.choices import LinkState
from registry.models import Link, Report, StateChange
from tests.factories import AgencyFactory, UserFactory, region
from tests.registry.factories import LinkFactory

KINDS = [AgencyKind.PROSECUTOR, AgencyKind.KNB, AgencyKind.POLICE, AgencyKind.AKIMAT]
REGIONS = ["KZ-75", "KZ-71"]


@pytest.fixture
def world(db, central_agency):
    agencies = [central_agency] + [
        AgencyFactory(kind=kind, region=region(iso))
        for kind, iso in itertools.product(KINDS, REGIONS)
    ]
    users = {
        (agency.code, role): UserFactory(
            username=f"{role}-{agency.code}", agency=agency, roles=[role]
        )
        for agency, role in itertools.product(agencies, Role)
    }
    reviewer = users[central_agency.code, Role.PROSECUTOR]
    for agency in agencies[1:]:
        officer = users[agency.code, Role.OFFICER]
        for confidential in (False, True):
            link = LinkFactory(
                raw_url=f"https://{agency.code}.example/{confidential}",
                first_reported_by=officer,
                confidential=confidential,
            )
            services.transition(link.pk, LinkState.UNDER_REVIEW, actor=reviewer)
    # A link first found in Almaty and reported again from the other region.
    services.submit_urls(["https://shared.example/"], user=users["police-KZ-75", Role.OFFICER])
    services.submit_urls(["https://shared.example/"], user=users["knb-KZ-71", Role.OFFICER])
    return users


def _reporters(link):
    return {r.agency for r in link.reports.all()}


def may_read_link(viewer, link) -> bool:
    """docs/design.md §5.1 restated."""
    (role,) = viewer.roles
    agency = viewer.agency
    central = agency.level == AgencyLevel.REPUBLICAN
    if role == Role.ADMIN:
        return False
    if role == Role.AUDITOR:
        return True
    if role == Role.OFFICER:
        in_scope = agency in _reporters(link)
    elif central:
        in_scope = True
    else:
        in_scope = any(a.region_id == agency.region_id for a in _reporters(link))
    if not link.confidential:
        return in_scope
    if role == Role.PROSECUTOR:
        return in_scope
    return link.first_reported_agency_id == agency.pk


def may_read_report(viewer, report) -> bool:
    (role,) = viewer.roles
    agency = viewer.agency
    central = agency.level == AgencyLevel.REPUBLICAN
    if role == Role.ADMIN:
        return False
    if role == Role.AUDITOR or (role == Role.PROSECUTOR and central):
        return True
    if report.agency_id == agency.pk:
        return True
    if role == Role.OFFICER:
        return False
    in_scope = central or report.agency.region_id == agency.region_id
    return in_scope and (role == Role.PROSECUTOR or not report.link.confidential)


def _ids(api_client, url):
    response = api_client.get(url, {"page_size": 1000})
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_every_role_in_every_agency_reads_exactly_the_links_the_design_allows(world, api_client):
    links = list(Link.objects.prefetch_related("reports__agency"))
    changes = list(StateChange.objects.all())
    for viewer in world.values():
        api_client.force_authenticate(viewer)
        expected = {link.pk for link in links if may_read_link(viewer, link)}
        assert _ids(api_client, "/api/v1/links/") == expected, viewer.username
        expected_trail = {c.pk for c in changes if c.link_id in expected}
        assert _ids(api_client, "/api/v1/link-trail/") == expected_trail, viewer.username


def test_every_role_in_every_agency_reads_exactly_the_reports_the_design_allows(world, api_client):
    reports = list(Report.objects.select_related("agency", "link"))
    for viewer in world.values():
        api_client.force_authenticate(viewer)
        expected = {r.pk for r in reports if may_read_report(viewer, r)}
        assert _ids(api_client, "/api/v1/link-reports/") == expected, viewer.username


def test_every_role_that_may_check_gets_the_deconfliction_answer_for_any_url(world, api_client):
    urls = [link.url for link in Link.objects.order_by("pk")]
    for viewer in world.values():
        api_client.force_authenticate(viewer)
        response = api_client.post("/api/v1/links/check/", {"urls": urls}, format="json")
        if Role.ADMIN in viewer.roles:
            assert response.status_code == 403
            continue
        assert {r["status"] for r in response.json()["results"]} == {"known"}, viewer.username


def test_nobody_adds_changes_or_deletes_reports_and_the_trail_through_the_api(world, api_client):
    report = Report.objects.first()
    change = StateChange.objects.first()
    api_client.force_authenticate(world["gp", Role.PROSECUTOR])
    assert api_client.delete(f"/api/v1/link-reports/{report.pk}/").status_code == 405
    assert api_client.patch(f"/api/v1/link-trail/{change.pk}/", {}).status_code == 405
    assert api_client.delete(f"/api/v1/links/{report.link_id}/").status_code == 405
