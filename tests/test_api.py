"""/api/v1/: the root, the OpenAPI schema and its UI served from local files."""

import re

from accounts.choices import Role


def test_api_root_lists_the_endpoints(make_user, api_client):
    api_client.force_authenticate(make_user(Role.OFFICER))
    response = api_client.get("/api/v1/")
    assert response.status_code == 200
    assert {"regions", "agencies", "users"} <= set(response.json())


def test_openapi_schema_is_served(make_user, client_for):
    response = client_for(make_user(Role.ANALYST)).get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/agencies/" in schema["paths"]


def test_swagger_ui_loads_its_assets_from_our_own_static_files(make_user, client_for):
    response = client_for(make_user(Role.ANALYST)).get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources
    assert all(not s.startswith(("http://", "https://", "//")) for s in sources), sources


def test_regions_endpoint_gives_the_twenty_regions(make_user, api_client):
    api_client.force_authenticate(make_user(Role.OFFICER))
    response = api_client.get("/api/v1/regions/")
    assert len(response.json()) == 20


def test_officer_sees_only_colleagues_through_the_users_endpoint(make_user, api_client):
    officer = make_user(Role.OFFICER)
    colleague = make_user(Role.OFFICER, agency=officer.agency)
    make_user(Role.OFFICER, region="KZ-71")
    api_client.force_authenticate(officer)
    usernames = {u["username"] for u in api_client.get("/api/v1/users/").json()["results"]}
    assert usernames == {officer.username, colleague.username}
