"""Only prosecutors change the registers — in the API and in the admin; every role reads them."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.choices import Role
from decisions.models import CourtDecision
from materials.models import Material
from organizations.models import Organization
from tests.materials.factories import CourtDecisionFactory, MaterialFactory, OrganizationFactory

NON_PROSECUTORS = [Role.OFFICER, Role.SUPERVISOR, Role.ANALYST, Role.AUDITOR, Role.ADMIN]
READERS = [Role.OFFICER, Role.SUPERVISOR, Role.ANALYST, Role.AUDITOR, Role.PROSECUTOR]
CSV = (
    "№,Наименование информационного материала,Решение суда,Категория\n"
    "1,Брошюра «Путь»,решение Алмалинского районного суда г. Алматы от 12.03.2019,"
    "экстремистский\n"
)


@pytest.fixture
def records(db):
    decision = CourtDecisionFactory()
    organization = OrganizationFactory()
    material = MaterialFactory(decision=decision, organization=organization)
    return decision, organization, material


def write_requests(decision, organization, material):
    """Every write the API offers on the registers: (method, url, data)."""
    return [
        ("post", "/api/v1/decisions/", {"court": "Суд", "outcome": "lift_ban"}),
        ("patch", f"/api/v1/decisions/{decision.pk}/", {"summary": "x"}),
        ("put", f"/api/v1/decisions/{decision.pk}/", {"court": "Суд", "outcome": "lift_ban"}),
        ("post", "/api/v1/organizations/", {"name_ru": "Новая", "classification": "extremist"}),
        ("patch", f"/api/v1/organizations/{organization.pk}/", {"description": "x"}),
        ("post", "/api/v1/materials/", {"number": 5, "title": "T", "classification": "extremist"}),
        ("patch", f"/api/v1/materials/{material.pk}/", {"title": "x"}),
        ("post", f"/api/v1/materials/{material.pk}/copies/", None),
        ("post", "/api/v1/materials/import/", None),
        ("delete", f"/api/v1/materials/{material.pk}/", None),
        ("delete", f"/api/v1/organizations/{organization.pk}/", None),
    ]


def send(api_client, method, url, data):
    if data is None and method == "post":
        data = {"file": SimpleUploadedFile("list.csv", CSV.encode(), "text/csv")}
        return api_client.post(url, data, format="multipart")
    return getattr(api_client, method)(url, data, format="json")


@pytest.mark.parametrize("role", NON_PROSECUTORS)
def test_non_prosecutors_are_refused_every_write(role, make_user, api_client, records):
    api_client.force_authenticate(make_user(role, kind="prosecutor"))
    before = [m.objects.count() for m in (CourtDecision, Organization, Material)]
    for method, url, data in write_requests(*records):
        response = send(api_client, method, url, data)
        assert response.status_code in (403, 405), (method, url, response.status_code)
    assert [m.objects.count() for m in (CourtDecision, Organization, Material)] == before
    assert Material.objects.get().title == records[2].title


def test_prosecutor_writes_every_register(make_user, api_client, records):
    decision, organization, material = records
    api_client.force_authenticate(make_user(Role.PROSECUTOR, kind="prosecutor"))
    for method, url, data in write_requests(*records):
        response = send(api_client, method, url, data)
        if method == "delete":  # registers are never deleted: a ban is lifted, a material excluded
            assert response.status_code in (403, 405)
            continue
        expected = 201 if method == "post" else 200
        if url.endswith("/import/"):
            expected = 200  # a report, not a new resource
        assert response.status_code == expected, (method, url, response.content[:300])
    organization.refresh_from_db()
    assert organization.description == "x"
    assert Material.objects.filter(number=1, title="Путь").exists()


def test_prosecutor_sets_aliases_and_presence_and_they_are_searchable(make_user, api_client, db):
    api_client.force_authenticate(make_user(Role.PROSECUTOR, kind="prosecutor"))
    response = api_client.post(
        "/api/v1/organizations/",
        {
            "name_ru": "Вымышленное движение",
            "classification": "terrorist",
            "aliases": [{"name": "ВД", "kind": "abbreviation"}],
            "presence": [{"platform": "telegram", "handle": "@vymysel_demo"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["presence"] == [
        {"platform": "telegram", "handle": "vymysel_demo", "url": "", "note": ""}
    ]
    response = api_client.get("/api/v1/organizations/", {"q": "ВД"})
    assert [o["name_ru"] for o in response.json()["results"]] == ["Вымышленное движение"]


@pytest.mark.parametrize("role", READERS)
def test_every_role_reads_and_exports_the_registers(
    role, make_user, api_client, records, django_assert_max_num_queries
):
    MaterialFactory.create_batch(5)
    api_client.force_authenticate(make_user(role, kind="police", region="KZ-71"))
    for endpoint in ("decisions", "organizations", "materials"):
        assert api_client.get(f"/api/v1/{endpoint}/").status_code == 200
        detail = api_client.get(f"/api/v1/{endpoint}/{records[['decisions', 'organizations',
                                'materials'].index(endpoint)].pk}/")  # fmt: skip
        assert detail.status_code == 200
        for fmt in ("csv", "xlsx"):
            response = api_client.get(f"/api/v1/{endpoint}/export/", {"file_format": fmt})
            assert response.status_code == 200
            assert response["Content-Disposition"].endswith(f'.{fmt}"')
    with django_assert_max_num_queries(8):
        response = api_client.get("/api/v1/materials/export/", {"file_format": "csv"})
    assert response.content.decode("utf-8-sig").count("\r\n") == 7  # header and 6 materials
    with django_assert_max_num_queries(8):
        api_client.get("/api/v1/materials/")


def test_administrator_sees_no_register_content(make_user, api_client, records):
    api_client.force_authenticate(make_user(Role.ADMIN, kind="prosecutor"))
    assert api_client.get("/api/v1/materials/").status_code == 403


def test_registers_are_in_the_openapi_schema(make_user, client_for, db):
    schema = client_for(make_user(Role.ANALYST)).get("/api/v1/schema/?format=json").json()
    for path in (
        "/api/v1/decisions/",
        "/api/v1/organizations/",
        "/api/v1/materials/",
        "/api/v1/materials/match/",
        "/api/v1/materials/export/",
        "/api/v1/materials/import/",
    ):
        assert path in schema["paths"], path


# --- admin ----------------------------------------------------------------------------------
def admin_writes(decision, organization, material):
    return [
        reverse("admin:decisions_courtdecision_add"),
        reverse("admin:decisions_courtdecision_change", args=[decision.pk]),
        reverse("admin:organizations_organization_add"),
        reverse("admin:organizations_organization_change", args=[organization.pk]),
        reverse("admin:materials_material_add"),
        reverse("admin:materials_material_change", args=[material.pk]),
        reverse("admin:materials_material_import"),
    ]


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.ADMIN])
def test_staff_who_are_not_prosecutors_cannot_change_registers_in_the_admin(
    role, make_user, client_for, records
):
    client = client_for(make_user(role, kind="prosecutor"))
    for url in admin_writes(*records):
        response = client.post(url, {"title": "changed", "court": "changed"})
        assert response.status_code == 403, (url, response.status_code)
    assert Material.objects.get().title == records[2].title


def test_auditor_reads_the_register_history_in_the_admin(make_user, client_for, records):
    client = client_for(make_user(Role.AUDITOR, kind="prosecutor"))
    material = records[2]
    assert client.get(reverse("admin:materials_material_changelist")).status_code == 200
    url = reverse("admin:materials_material_history", args=[material.pk])
    assert client.get(url).status_code == 200


def test_prosecutor_uses_admin_filters_search_and_import(make_user, client_for, records):
    client = client_for(make_user(Role.PROSECUTOR, kind="prosecutor"))
    changelist = reverse("admin:materials_material_changelist")
    for query in (
        {"classification": "extremist"},
        {"kind": "print"},
        {"status": "in_force"},
        {"year": "2019"},
        {"region": "KZ-75"},
        {"q": "Материал"},
    ):
        response = client.get(changelist, query)
        assert response.status_code == 200, query
        assert records[2].title in response.content.decode(), query
    response = client.post(
        reverse("admin:materials_material_import"),
        {"file": SimpleUploadedFile("list.csv", CSV.encode())},
    )
    assert response.status_code == 200
    assert Material.objects.filter(number=1).exists()
    response = client.post(
        changelist,
        {"action": "export_xlsx", "_selected_action": [records[2].pk]},
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
