"""API tokens with a scope: a reports-only token reads reports and nothing else."""

import pytest
from django.core.management import call_command

from accounts.choices import Role, TokenScope
from accounts.models import ApiTokenScope
from accounts.services import UnknownTokenScope, issue_token
from kibernadzor.api_urls import router
from tests.factories import UserFactory


@pytest.fixture
def analyst(central_agency):
    return UserFactory(agency=central_agency, roles=[Role.ANALYST, Role.PROSECUTOR])


def with_token(api_client, key):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE="en")
    return api_client


def test_a_reports_token_reads_every_report(analyst, api_client):
    client = with_token(api_client, issue_token(analyst, scope=TokenScope.REPORTS))
    for path in ("", "summary/", "time-series/", "breakdowns/agency/", "yearly-summary/",
                 "republication-groups/"):  # fmt: skip
        response = client.get(f"/api/v1/reports/{path}")
        assert response.status_code == 200, (path, response.content)
    assert client.get("/api/v1/reports/summary/", {"format": "xlsx"}).status_code == 200


def test_a_reports_token_is_refused_every_other_read(analyst, api_client):
    client = with_token(api_client, issue_token(analyst, scope=TokenScope.REPORTS))
    prefixes = [prefix for prefix, _, _ in router.registry if prefix != "reports"]
    assert {"links", "link-reports", "organizations", "decisions", "users"} <= set(prefixes)
    for prefix in prefixes:
        response = client.get(f"/api/v1/{prefix}/")
        assert response.status_code == 403, prefix
        assert "reports" in response.json()["detail"]
    assert client.get("/api/v1/me/").status_code == 403
    assert client.get("/api/v1/").status_code == 403


def test_a_reports_token_is_refused_every_write(analyst, api_client):
    client = with_token(api_client, issue_token(analyst, scope=TokenScope.REPORTS))
    submit = client.post("/api/v1/links/submit/", {"urls": ["https://x.example/"]}, format="json")
    assert submit.status_code == 403
    # The registers set their own permission class; the token's scope still comes first.
    created = client.post("/api/v1/organizations/", {"name_ru": "X"}, format="json")
    assert created.status_code == 403
    assert client.post("/api/v1/reports/summary/").status_code == 403


def test_a_full_token_acts_as_the_user(analyst, api_client):
    client = with_token(api_client, issue_token(analyst))
    assert not ApiTokenScope.objects.exists()  # the default: no scope row, full
    assert client.get("/api/v1/links/").status_code == 200
    assert client.get("/api/v1/reports/summary/").status_code == 200


def test_a_new_token_replaces_the_scoped_one(analyst, api_client):
    old = issue_token(analyst, scope=TokenScope.REPORTS)
    new = issue_token(analyst)
    assert not ApiTokenScope.objects.exists()
    assert with_token(api_client, old).get("/api/v1/reports/summary/").status_code == 401
    assert with_token(api_client, new).get("/api/v1/links/").status_code == 200


def test_an_unknown_scope_is_refused(analyst):
    with pytest.raises(UnknownTokenScope):
        issue_token(analyst, scope="admin")


def test_issue_token_command_takes_a_scope(analyst, api_client, capsys):
    call_command("issue_token", analyst.username, "--scope", "reports")
    key = capsys.readouterr().out.strip()
    client = with_token(api_client, key)
    assert client.get("/api/v1/reports/summary/").status_code == 200
    assert client.get("/api/v1/links/").status_code == 403
    call_command("issue_token", analyst.username)
    key = capsys.readouterr().out.strip()
    assert with_token(api_client, key).get("/api/v1/links/").status_code == 200


def test_token_scope_costs_no_extra_query(analyst, api_client, django_assert_max_num_queries):
    client = with_token(api_client, issue_token(analyst, scope=TokenScope.REPORTS))
    client.get("/api/v1/links/")  # warm-up: content types, permissions cache
    with django_assert_max_num_queries(1):  # the token with its user and scope
        assert client.get("/api/v1/links/").status_code == 403
