"""Assigning, classifying and attributing a link from its portal page, through the services."""

import pytest

from accounts.choices import AgencyKind, Role
from registry import services
from registry.models import Link, LinkMaterial, LinkOrganization
from tests.materials.factories import MaterialFactory, OrganizationFactory


@pytest.fixture
def link(make_user):
    officer = make_user(Role.OFFICER, username="reporter")
    [answer] = services.submit_urls(["https://t.me/bad_channel/7"], user=officer)
    return Link.objects.get(pk=answer.link)


@pytest.fixture
def supervisor(link, make_user):
    return make_user(Role.SUPERVISOR, agency=link.first_reported_agency)


def test_supervisor_assigns_the_link_to_an_officer_of_the_unit_with_a_due_date(
    link, supervisor, client_for
):
    client = client_for(supervisor)
    response = client.post(
        f"/links/{link.pk}/assign/",
        {
            "assign-agency": link.first_reported_agency_id,
            "assign-user": "reporter",
            "assign-due_date": "2026-12-01",
        },
    )
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.assigned_user.username == "reporter"
    assert str(link.due_date) == "2026-12-01"
    assert link.history.first().history_change_reason == "assign"


def test_an_unknown_officer_is_refused_on_the_field(link, supervisor, client_for):
    response = client_for(supervisor).post(
        f"/links/{link.pk}/assign/",
        {"assign-agency": link.first_reported_agency_id, "assign-user": "nobody"},
    )
    assert response.status_code == 400
    assert "assign-user_error" in response.content.decode()
    link.refresh_from_db()
    assert link.assigned_agency is None


def test_an_officer_of_another_agency_is_refused_by_the_service(
    link, supervisor, make_user, client_for
):
    make_user(Role.OFFICER, username="knb_officer", kind=AgencyKind.KNB)
    response = client_for(supervisor).post(
        f"/links/{link.pk}/assign/",
        {"assign-agency": link.first_reported_agency_id, "assign-user": "knb_officer"},
    )
    assert response.status_code == 400
    assert "assign-user_error" in response.content.decode()
    link.refresh_from_db()
    assert link.assigned_user is None


def test_supervisor_classifies_and_marks_confidential(link, supervisor, client_for):
    response = client_for(supervisor).post(
        f"/links/{link.pk}/classify/",
        {"classify-classification": "terrorist", "classify-confidential": "on"},
    )
    assert response.status_code == 302
    link.refresh_from_db()
    assert (link.classification, link.confidential) == ("terrorist", True)


def test_attribution_by_material_number_and_organization(link, make_user, client_for):
    prosecutor = make_user(Role.PROSECUTOR, kind=AgencyKind.PROSECUTOR)
    organization = OrganizationFactory()
    material = MaterialFactory(number=1234)
    client = client_for(prosecutor)
    response = client.post(
        f"/links/{link.pk}/attribute/",
        {"attribute-organization": organization.pk, "attribute-material": "1234"},
    )
    assert response.status_code == 302
    assert LinkOrganization.objects.filter(link=link, organization=organization).exists()
    assert LinkMaterial.objects.filter(link=link, material=material).exists()

    missing = client.post(f"/links/{link.pk}/attribute/", {"attribute-material": "99999"})
    assert missing.status_code == 400
    assert "attribute-material_error" in missing.content.decode()


def test_an_officer_gets_no_work_forms_and_cannot_post_them(link, client_for):
    officer = link.first_reported_by
    client = client_for(officer)
    page = client.get(f"/links/{link.pk}/").content.decode()
    assert "/classify/" not in page
    response = client.post(f"/links/{link.pk}/classify/", {"classify-classification": "terrorist"})
    assert response.status_code in (403, 404)
    link.refresh_from_db()
    assert link.classification != "terrorist"


def test_a_user_who_cannot_see_the_link_gets_404(link, make_user, client_for):
    stranger = make_user(Role.SUPERVISOR, kind=AgencyKind.KNB, region="KZ-11")
    response = client_for(stranger).post(
        f"/links/{link.pk}/classify/", {"classify-classification": "terrorist"}
    )
    assert response.status_code == 404
