"""A local HTTPS site and link helpers for the checks app's Django tests.

Links are canonicalised to https by the registry, so the site speaks TLS with a certificate
from a throwaway CA (trustme) that CHECKER_CA_BUNDLE points at. It listens on 127.0.0.1 only
and CHECKER_ALLOW_NETWORKS admits only 127.0.0.1/32: no test fetch can leave the machine.
"""

from __future__ import annotations

import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import trustme

from registry import services as registry_services
from registry.models import Link


def page(title: str, text: str, views: int | None = None) -> bytes:
    meta = f'<meta property="og:title" content="{title}">'
    count = f"<p>{views} views</p>" if views is not None else ""
    return (
        f"<!doctype html><html><head><title>{title}</title>{meta}</head>"
        f"<body><article><p>{text}</p>{count}</article></body></html>"
    ).encode()


class Site(ThreadingHTTPServer):
    """path -> (status, body, content type, extra headers); change `pages` at any time."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, tls: ssl.SSLContext):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.tls = tls
        self.pages: dict[str, tuple[int, bytes, str, dict]] = {}
        self.hits: list[str] = []
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    def get_request(self):
        conn, addr = super().get_request()
        conn.settimeout(5)
        return self.tls.wrap_socket(conn, server_side=True), addr

    def handle_error(self, request, client_address):
        pass

    def url(self, path: str) -> str:
        return f"https://127.0.0.1:{self.server_address[1]}{path}"

    def serve(self, path, body: bytes, status=200, content_type="text/html; charset=utf-8", **h):
        self.pages[path] = (status, body, content_type, h)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002
        pass

    def do_GET(self):  # noqa: N802
        self.server.hits.append(self.path)
        status, body, ctype, headers = self.server.pages.get(
            self.path, (404, b"<html><title>Not found</title></html>", "text/html", {})
        )
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="session")
def site_ca(tmp_path_factory):
    ca = trustme.CA()
    pem = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(pem))
    return ca, str(pem)


@pytest.fixture
def site(site_ca, settings):
    """A local HTTPS site the checker may reach (and nothing else)."""
    ca, pem = site_ca
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    settings.CHECKER_ALLOW_NETWORKS = ["127.0.0.1/32"]
    settings.CHECKER_CA_BUNDLE = pem
    settings.CHECKER_PER_HOST_RATE = 0  # unlimited for one local host
    settings.CHECKER_TOTAL_TIMEOUT = 10
    server = Site(context)
    server.thread.start()
    yield server
    server.shutdown()
    server.server_close()


def restore_reference_data() -> None:
    """Regions and role groups, as migrations leave them: a transactional test's flush empties
    every table, and the tests after it (ours and others') expect them."""
    import importlib

    from django.apps import apps

    from accounts.roles import sync_roles

    loader = importlib.import_module("accounts.migrations.0002_load_regions")
    loader.load_regions(apps, None)
    sync_roles()


def reset_broker_connections() -> None:
    """Forget the Celery app's cached connections, after the broker URL or eagerness changed."""
    from checks import sending
    from kibernadzor.celery import app

    app._pool = None
    app.amqp._producer_pool = None
    sending.reset()


def register(user, *urls: str) -> list[Link]:
    """Submit URLs as `user` through the registry's own service; the links, in order."""
    answers = registry_services.submit_urls(list(urls), user=user)
    return [Link.objects.get(pk=answer.link) for answer in answers]
