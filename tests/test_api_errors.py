"""Errors an integration can act on: 413 for a body over the limit, 503 with Retry-After while
a part is away (tests/test_database_outage.py stops a real PostgreSQL), and a full batch of
long URLs that fits."""

import json

import kombu.exceptions
import pytest
from django.db import OperationalError
from rest_framework.test import APIClient

from accounts.choices import Role
from accounts.services import issue_token
from registry import services as registry_services
from registry.models import Link

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer_api(make_user, api_client):
    officer = make_user(Role.OFFICER)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(officer, name='tool')}")
    return api_client


def post_batch(api_client, endpoint, urls):
    body = json.dumps({"urls": urls})
    return api_client.post(f"/api/v1/links/{endpoint}/", body, content_type="application/json")


def long_urls(count: int) -> list[str]:
    """Distinct URLs of about 320 bytes, as search results and tracking links run."""
    return [f"https://news.example.kz/{'section-' * 36}{n:05d}?utm_source=x" for n in range(count)]


def test_a_batch_of_ten_thousand_long_urls_is_taken(officer_api):
    urls = long_urls(10_000)
    assert len(json.dumps({"urls": urls})) > 3_200_000

    response = post_batch(officer_api, "submit", urls)

    assert response.status_code == 200, response.content[:300]
    assert response.json()["summary"] == {"new": 10_000, "known": 0, "invalid": 0}
    assert Link.objects.count() == 10_000


def test_a_body_over_the_limit_gets_a_json_413_naming_the_limit(officer_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000

    response = post_batch(officer_api, "check", long_urls(400))

    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "too_large"
    assert response.json()["limit_bytes"] == 100_000


@pytest.mark.parametrize(
    ("error", "part"),
    [
        (OperationalError("connection to server at 127.0.0.1 failed"), "database"),
        (kombu.exceptions.OperationalError("Error 111 connecting"), "broker"),
    ],
)
def test_a_part_away_during_a_call_gets_a_json_503_with_retry_after(
    officer_api, monkeypatch, settings, error, part
):
    def away(*args, **kwargs):
        raise error

    monkeypatch.setattr(registry_services, "submit_urls", away)

    response = post_batch(officer_api, "submit", ["https://example.kz/a"])

    assert response.status_code == 503
    assert response["Retry-After"] == str(settings.KBZ_OUTAGE_RETRY_AFTER)
    assert response.json() | {"detail": ""} == {
        "detail": "",
        "code": "unavailable",
        "part": part,
        "retry_after": settings.KBZ_OUTAGE_RETRY_AFTER,
    }


def test_a_bug_in_an_api_view_is_a_json_500(make_user, monkeypatch):
    officer = make_user(Role.OFFICER)
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(officer, name='tool')}")

    def bug(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(registry_services, "submit_urls", bug)

    response = post_batch(client, "submit", ["https://example.kz/a"])

    assert response.status_code == 500
    assert response.json()["code"] == "server_error"
