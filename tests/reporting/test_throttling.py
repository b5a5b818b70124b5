"""Throttling: per user everywhere, and a tighter "reports" rate on the report endpoints."""

import pytest
from django.core.cache import cache
from rest_framework.throttling import SimpleRateThrottle

from accounts.choices import Role


@pytest.fixture
def rates(monkeypatch):
    """Set the throttle rates for one test (DRF reads them when the class is defined)."""
    cache.clear()

    def set_rates(**rates):
        monkeypatch.setattr(
            SimpleRateThrottle,
            "THROTTLE_RATES",
            {"anon": "100/minute", "user": "100/minute", "reports": "100/minute", **rates},
        )

    yield set_rates
    cache.clear()


def test_report_endpoints_answer_429_past_the_reports_rate(rates, make_user, api_client):
    rates(reports="2/minute")
    api_client.force_authenticate(make_user(Role.ANALYST))
    for _ in range(2):
        assert api_client.get("/api/v1/reports/summary/").status_code == 200
    response = api_client.get("/api/v1/reports/time-series/")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    # Other endpoints are not held back by the reports rate.
    assert api_client.get("/api/v1/links/").status_code == 200


def test_every_endpoint_answers_429_past_the_user_rate(rates, make_user, api_client):
    rates(user="3/minute")
    officer, colleague = make_user(Role.OFFICER), make_user(Role.OFFICER, region="KZ-71")
    api_client.force_authenticate(officer)
    statuses = [api_client.get("/api/v1/links/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    api_client.force_authenticate(colleague)  # counted per user
    assert api_client.get("/api/v1/links/").status_code == 200


def test_anonymous_calls_are_refused_before_they_cost_a_throttle_slot(rates, api_client):
    # No endpoint is open to anonymous callers (the schema needs a login since issue 12): each
    # answers 401 before the per-address throttle counts the call.
    rates(anon="1/minute")
    assert api_client.get("/api/v1/schema/").status_code == 401
    assert api_client.get("/api/v1/schema/").status_code == 401
