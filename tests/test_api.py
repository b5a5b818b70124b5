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
        assert session.get(page, follow=True).status_code == 200, page


# --- the docs under the site's CSP (issue 17) ---------------------------------------------------
def test_the_docs_page_has_no_inline_script_or_style_and_no_outside_address(make_user, client_for):
    from lxml import html

    response = client_for(make_user(Role.ANALYST)).get("/api/v1/docs/")
    assert "script-src 'self'" in response["Content-Security-Policy"]
    text = response.content.decode()
    assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]", text, re.I)  # no fonts CDN, no CDN
    doc = html.fromstring(text)
    scripts = doc.xpath("//script")
    assert len(scripts) == 3
    for script in scripts:
        assert script.get("src") and not (script.text or "").strip()
    assert not doc.xpath("//style") and not doc.xpath("//*[@style]")


def test_the_swagger_start_up_script_is_a_script_of_its_own(make_user, client_for):
    response = client_for(make_user(Role.ANALYST)).get("/api/v1/docs/?script=")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle(" in response.content.decode()
    assert '"/api/v1/schema/"' in response.content.decode()


def test_the_former_redoc_page_sends_to_the_swagger_ui(make_user, client_for):
    """Redoc cannot keep the CSP (inline styles, a blob worker, a logo from its maker's CDN)."""
    response = client_for(make_user(Role.ANALYST)).get("/api/v1/redoc/")
    assert response.status_code == 302
    assert response["Location"] == "/api/v1/docs/"
