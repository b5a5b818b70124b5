"""Links are canonicalised to https; a site that speaks only plain HTTP is still checked.

The https attempt fails at the connection or TLS level, the fetcher tries http:// once,
through the same SSRF guard, and the check records which scheme answered.
"""

from __future__ import annotations

import ssl

import pytest

from accounts.choices import Role
from checks import recording
from checks.models import Check

from .conftest import ResolverSpy, free_port, send
from .sites import register
from .test_fetcher import fetch, make_config, page


def test_https_to_a_plain_http_site_falls_back_to_http(http_server, backend, resolver):
    http_server.routes["/plain"] = lambda r: send(r, 200, page("Только HTTP"))
    url = http_server.url("/plain").replace("http://", "https://")

    res = fetch(url, make_config(resolver), backend)

    assert res.ok and res.available, res.error_detail
    assert (res.scheme, res.http_fallback) == ("http", True)
    assert res.title == "Только HTTP"
    assert res.final_url == http_server.url("/plain")
    assert res.extra["https_error"].startswith("tls_error")
    assert len(http_server.hits["/plain"]) == 1


def test_nothing_listening_reports_the_https_failure_with_the_fallbacks(backend, resolver):
    res = fetch(f"https://127.0.0.1:{free_port()}/", make_config(resolver), backend)

    assert res.error == "connect_error" and res.transient
    assert res.http_fallback and res.scheme is None and res.status_code is None
    assert "http:// fallback: connect_error" in res.error_detail
    assert res.final_url.startswith("https://")


def test_an_http_error_status_over_https_is_an_answer_not_a_reason_to_fall_back(
    tls_server, ca, backend, resolver
):
    context = ssl.create_default_context()
    ca.configure_trust(context)
    res = fetch(tls_server.url("/missing"), make_config(resolver, ssl_context=context), backend)

    assert (res.error, res.status_code) == ("http_error", 404)
    assert (res.scheme, res.http_fallback) == ("https", False)


def test_an_http_answer_with_an_error_status_is_recorded_as_http(http_server, backend, resolver):
    url = http_server.url("/gone-plain").replace("http://", "https://")

    res = fetch(url, make_config(resolver), backend)

    assert (res.error, res.status_code, res.scheme) == ("http_error", 404, "http")
    assert res.http_fallback


def test_the_fallback_goes_through_the_ssrf_guard_again(http_server, backend):
    """DNS rebinding between the two attempts: the fallback's address is checked anew."""
    answers = iter([["127.0.0.1"], ["169.254.169.254"]])

    class Rebinding(ResolverSpy):
        async def __call__(self, host, port):
            self.calls.append(host)
            return next(answers)

    resolver = Rebinding()
    http_server.routes["/rebind"] = lambda r: send(r, 200, page("never"))
    url = f"https://rebind.test:{http_server.port}/rebind"

    res = fetch(url, make_config(resolver), backend)

    assert resolver.calls == ["rebind.test", "rebind.test"]
    assert res.error == "tls_error" and res.http_fallback
    assert "http:// fallback: ssrf_refused" in res.error_detail
    assert not http_server.hits["/rebind"]  # backend fixture: no connection left loopback


def test_the_fallback_can_be_turned_off(http_server, backend, resolver):
    url = http_server.url("/plain-off").replace("http://", "https://")

    res = fetch(url, make_config(resolver, http_fallback=False), backend)

    assert res.error == "tls_error" and not res.http_fallback


@pytest.mark.django_db
def test_a_check_of_a_plain_http_site_records_the_scheme_that_answered(
    http_server, make_user, settings
):
    settings.CHECKER_ALLOW_NETWORKS = ["127.0.0.1/32"]
    settings.CHECKER_PER_HOST_RATE = 0
    settings.CHECKER_TOTAL_TIMEOUT = 10
    http_server.routes["/legacy"] = lambda r: send(r, 200, page("Старый сайт"))
    [link] = register(make_user(Role.OFFICER), http_server.url("/legacy"))
    assert link.url.startswith("https://")  # canonical

    [check] = recording.run_checks([link.pk])

    check = Check.objects.get(pk=check.pk)
    assert check.available and check.title == "Старый сайт"
    assert (check.scheme, check.http_fallback) == ("http", True)
    assert check.final_url == http_server.url("/legacy")


def test_a_refused_address_is_not_retried_over_http(backend, resolver):
    res = fetch("https://metadata.test/latest/", make_config(resolver), backend)

    assert res.error == "ssrf_refused" and not res.http_fallback
    assert resolver.calls == ["metadata.test"] and backend.connects == []
