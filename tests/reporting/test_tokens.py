"""API tokens with a scope: a reports-only token reads reports and nothing else."""

import pytest
from django.core.management import call_command

from accounts.choices import Role, TokenScope
from accounts.models import ApiToken
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
    client = with_token(api_client, issue_token(analyst, name="stats", scope=TokenScope.REPORTS))
    for path in ("", "summary/", "time-series/", "breakdowns/agency/", "yearly-summary/",
                 "republication-groups/"):  # fmt: skip
        response = client.get(f"/api/v1/reports/{path}")
        assert response.status_code == 200, (path, response.content)
    assert client.get("/api/v1/reports/summary/", {"format": "xlsx"}).status_code == 200


def test_a_reports_token_is_refused_every_other_read(analyst, api_client):
    client = with_token(api_client, issue_token(analyst, name="stats", scope=TokenScope.REPORTS))
    prefixes = [prefix for prefix, _, _ in router.registry if prefix != "reports"]
    assert {"links", "link-reports", "organizations", "decisions", "users"} <= set(prefixes)
    for prefix in prefixes:
        response = client.get(f"/api/v1/{prefix}/")
        assert response.status_code == 403, prefix
        assert "reports" in response.json()["detail"]
    assert client.get("/api/v1/me/").status_code == 403
    assert client.get("/api/v1/").status_code == 403


def test_a_reports_token_is_refused_every_write(analyst, api_client):
    client = with_token(api_client, issue_token(analyst, name="stats", scope=TokenScope.REPORTS))
    submit = client.post("/api/v1/links/submit/", {"urls": ["https://x.example/"]}, format="json")
    assert submit.status_code == 403
    # The registers set their own permission class; the token's scope still comes first.
    created = client.post("/api/v1/organizations/", {"name_ru": "X"}, format="json")
    assert created.status_code == 403
    assert client.post("/api/v1/reports/summary/").status_code == 403


def test_a_full_token_acts_as_the_user(analyst, api_client):
    client = with_token(api_client, issue_token(analyst, name="full"))
    assert ApiToken.objects.get().scope == TokenScope.FULL  # the default
    assert client.get("/api/v1/links/").status_code == 200
    assert client.get("/api/v1/reports/summary/").status_code == 200


def test_a_user_holds_a_reports_token_and_a_full_one_side_by_side(analyst, api_client):
    reports = issue_token(analyst, name="stats", scope=TokenScope.REPORTS)
    full = issue_token(analyst, name="full")
    assert with_token(api_client, reports).get("/api/v1/reports/summary/").status_code == 200
    assert with_token(api_client, reports).get("/api/v1/links/").status_code == 403
    assert with_token(api_client, full).get("/api/v1/links/").status_code == 200


def test_an_unknown_scope_is_refused(analyst):
    with pytest.raises(UnknownTokenScope):
        issue_token(analyst, name="x", scope="admin")


def test_issue_token_command_takes_a_scope(analyst, api_client, capsys):
    call_command("issue_token", analyst.username, "--name", "stats", "--scope", "reports")
    key = capsys.readouterr().out.strip()
    client = with_token(api_client, key)
    assert client.get("/api/v1/reports/summary/").status_code == 200
    assert client.get("/api/v1/links/").status_code == 403
    call_command("issue_token", analyst.username, "--name", "full")
    key = capsys.readouterr().out.strip()
    assert with_token(api_client, key).get("/api/v1/links/").status_code == 200


def test_token_scope_costs_no_extra_query(analyst, api_client, django_assert_max_num_queries):
    client = with_token(api_client, issue_token(analyst, name="stats", scope=TokenScope.REPORTS))
    client.get("/api/v1/links/")  # warm-up: content types, permissions cache
    with django_assert_max_num_queries(1):  # the token with its user and scope
        assert client.get("/api/v1/links/").status_code == 403
