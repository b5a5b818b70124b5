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


# --- the schema and its UIs need a login or a full token (issue 12) ------------------------------
SCHEMA_PAGES = ["/api/v1/schema/", "/api/v1/docs/", "/api/v1/redoc/"]


def test_anonymous_callers_get_no_schema_and_browsers_are_sent_to_log_in(api_client, client):
    assert api_client.get("/api/v1/schema/").status_code == 401
    for page in ("/api/v1/docs/", "/api/v1/redoc/"):
        response = client.get(page)
        assert response.status_code == 302, page
        assert response["Location"] == f"/login/?next={page}"


def test_a_reports_only_token_gets_no_schema(make_user, api_client):
    from accounts.choices import TokenScope
    from accounts.services import issue_token

    key = issue_token(make_user(Role.ANALYST), name="stats", scope=TokenScope.REPORTS)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    for page in SCHEMA_PAGES:
        assert api_client.get(page).status_code == 403, page


def test_a_full_token_and_a_session_read_the_schema(make_user, api_client, client_for):
    from accounts.services import issue_token

    user = make_user(Role.OFFICER)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(user, name='tool')}")
    assert api_client.get("/api/v1/schema/?format=json").status_code == 200
    session = client_for(user)
    for page in SCHEMA_PAGES:
        assert session.get(page).status_code == 200, page
