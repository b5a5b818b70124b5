"""Local servers and safety nets for the fetcher tests.

Every server here listens on 127.0.0.1 (one on 127.0.0.2, which must never be reached),
every hostile handler stops by itself (bounded in bytes and seconds), and every fetch in
the tests goes through :class:`LoopbackOnlyBackend`, which refuses - and records - any
attempt to open a socket outside 127.0.0.0/8 and ::1.  Host names are resolved by
:func:`fake_resolver` from a fixed table, so no test ever sends a DNS query.
"""

from __future__ import annotations

import asyncio
import http.client
import ipaddress
import socket
import ssl
import threading
import time
import zlib
from collections import defaultdict
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpcore
import pytest

SAMPLES = Path(__file__).parent / "samples"
LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))

#: name -> addresses for tests; anything else fails to resolve (no real DNS in tests).
HOSTS: dict[str, list[str]] = {
    "localhost": ["127.0.0.1"],
    "example.test": ["127.0.0.1"],
    "a.test": ["127.0.0.1"],
    "b.test": ["127.0.0.1"],
    "internal.test": ["127.0.0.2"],
    "metadata.test": ["169.254.169.254"],
    "private.test": ["10.0.0.5"],
    "mixed.test": ["10.0.0.5", "127.0.0.1"],
}


class ResolverSpy:
    def __init__(self) -> None:
        self.calls: list[str] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        self.calls.append(host)
        try:
            return list(HOSTS[host.lower()])
        except KeyError:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None


class LoopbackOnlyBackend(httpcore.AsyncNetworkBackend):
    """Inner socket layer for tests: connects only to loopback, records every attempt."""

    def __init__(self) -> None:
        self.inner = httpcore.AnyIOBackend()
        self.connects: list[tuple[str, int]] = []
        self.violations: list[tuple[str, int]] = []

    async def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        addr = ipaddress.ip_address(host)  # the guard must hand us an IP, never a name
        if not any(addr in net for net in LOOPBACK):
            self.violations.append((host, port))
            raise RuntimeError(f"test safety net: refused to connect to {host}:{port}")
        self.connects.append((host, port))
        return await self.inner.connect_tcp(
            host, port, timeout=timeout, local_address=local_address, socket_options=socket_options
        )

    async def connect_unix_socket(self, path, timeout=None, socket_options=None):
        raise RuntimeError("no unix sockets in tests")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


# --------------------------------------------------------------------------- HTTP server

Handler = Callable[[BaseHTTPRequestHandler], None]


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: LocalServer

    def log_message(self, format, *args):  # noqa: A002 - silence the default stderr log
        pass

    def do_GET(self):  # noqa: N802 - http.server naming
        srv = self.server
        path = self.path
        if path.startswith(("http://", "https://")):
            srv.record(path, self)
            return srv.proxy_request(self)
        route = path.split("?", 1)[0]
        srv.record(route, self)
        handler = srv.routes.get(route)
        with srv.lock:
            srv.active += 1
            srv.max_active = max(srv.max_active, srv.active)
        try:
            if handler is None:
                send(self, 404, b"<html><title>Not found</title></html>")
            else:
                handler(self)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
            self.close_connection = True
        finally:
            with srv.lock:
                srv.active -= 1


class LocalServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, host: str = "127.0.0.1", tls: ssl.SSLContext | None = None) -> None:
        super().__init__((host, 0), _RequestHandler)
        self.host = host
        self.port = self.server_address[1]
        self.tls = tls
        self.scheme = "https" if tls else "http"
        self.routes: dict[str, Handler] = {}
        self.hits: dict[str, list[dict]] = defaultdict(list)
        self.connections = 0
        self.lock = threading.Lock()
        self.active = 0
        self.max_active = 0
        self.sni: list[str | None] = []
        self.proxy_targets: list[str] = []
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    def get_request(self):
        conn, addr = super().get_request()
        with self.lock:
            self.connections += 1
        if self.tls is not None:
            conn.settimeout(5)
            conn = self.tls.wrap_socket(conn, server_side=True, do_handshake_on_connect=False)
        return conn, addr

    def handle_error(self, request, client_address):
        pass  # failed TLS handshakes and dropped clients are expected in these tests

    def url(self, path: str, host: str | None = None) -> str:
        return f"{self.scheme}://{host or self.host}:{self.port}{path}"

    def route(self, path: str):
        def deco(fn: Handler) -> Handler:
            self.routes[path] = fn
            return fn

        return deco

    def record(self, path: str, req: BaseHTTPRequestHandler) -> None:
        with self.lock:
            self.hits[path].append(
                {"t": time.monotonic(), "headers": dict(req.headers), "client": req.client_address}
            )

    def proxy_request(self, req: BaseHTTPRequestHandler) -> None:
        """Minimal forward proxy for absolute-form requests, to loopback 127.0.0.1 only."""
        target = req.path
        self.proxy_targets.append(target)
        scheme, rest = target.split("://", 1)
        hostport, _, path = rest.partition("/")
        host, _, port = hostport.rpartition(":")
        if scheme != "http" or host not in ("127.0.0.1", "localhost", "example.test"):
            send(req, 403, b"proxy: target not allowed in tests")
            return
        conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=5)
        try:
            conn.request("GET", "/" + path, headers={"Host": hostport})
            resp = conn.getresponse()
            body = resp.read()
            send(req, resp.status, body, resp.getheader("Content-Type", "text/html"))
        finally:
            conn.close()

    def start(self) -> LocalServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


def send(
    req: BaseHTTPRequestHandler,
    status: int,
    body: bytes,
    content_type: str = "text/html; charset=utf-8",
    headers: dict[str, str] | None = None,
) -> None:
    req.send_response(status)
    req.send_header("Content-Type", content_type)
    req.send_header("Content-Length", str(len(body)))
    for k, v in (headers or {}).items():
        req.send_header(k, v)
    req.end_headers()
    req.wfile.write(body)


def redirect(req: BaseHTTPRequestHandler, location: str, status: int = 302) -> None:
    req.send_response(status)
    req.send_header("Location", location)
    req.send_header("Content-Length", "0")
    req.end_headers()


# --------------------------------------------------------------------------- hostile handlers


def slow_drip(req: BaseHTTPRequestHandler) -> None:
    """Headers at once, then one byte per second; gives up after 10 s or on disconnect."""
    req.send_response(200)
    req.send_header("Content-Type", "text/html")
    req.send_header("Content-Length", "1000")
    req.end_headers()
    req.wfile.flush()
    for _ in range(10):
        req.wfile.write(b"x")
        req.wfile.flush()
        time.sleep(1)
    req.close_connection = True


def stall_after_headers(req: BaseHTTPRequestHandler) -> None:
    """Headers, then silence for up to 5 s (read timeout test)."""
    req.send_response(200)
    req.send_header("Content-Type", "text/html")
    req.send_header("Content-Length", "100")
    req.end_headers()
    req.wfile.flush()
    time.sleep(5)
    req.close_connection = True


def endless_body(req: BaseHTTPRequestHandler) -> None:
    """No length, 64 KB chunks until the client hangs up (bounded at 256 MB)."""
    req.send_response(200)
    req.send_header("Content-Type", "text/html")
    req.send_header("Connection", "close")
    req.end_headers()
    chunk = b"<p>" + b"A" * (64 * 1024 - 7) + b"</p>\n"
    for _ in range(4096):
        req.wfile.write(chunk)
    req.close_connection = True


def gzip_bomb(req: BaseHTTPRequestHandler) -> None:
    """Announce gzip and stream a deflated 1 GiB of zeros, produced lazily, ~1 MB on the wire.

    Each 1 MiB of zeros compresses to ~1 KB, so nothing large is ever allocated here; the
    stream stops when the client hangs up.
    """
    req.send_response(200)
    req.send_header("Content-Type", "text/html")
    req.send_header("Content-Encoding", "gzip")
    req.send_header("Connection", "close")
    req.end_headers()
    comp = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(1024 * 1024)
    for _ in range(1024):  # 1 GiB decompressed
        out = comp.compress(zeros)
        if out:
            req.wfile.write(out)
    req.wfile.write(comp.flush())
    req.close_connection = True


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def ca():
    trustme = pytest.importorskip("trustme")  # dev dependency; only the TLS tests need it
    return trustme.CA()


@pytest.fixture(scope="session")
def http_server():
    srv = LocalServer("127.0.0.1").start()
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def forbidden_server():
    """A server on 127.0.0.2 - loopback, but outside the tests' allow list 127.0.0.1/32.

    Tests redirect to it and assert that it never sees a connection.
    """
    try:
        srv = LocalServer("127.0.0.2")
    except OSError as exc:  # pragma: no cover - 127.0.0.2 is routable on Linux
        pytest.skip(f"cannot bind 127.0.0.2: {exc}")
    srv.start()
    yield srv
    srv.stop()


def _tls_server(ca, *names: str) -> LocalServer:
    cert = ca.issue_cert(*names)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(ctx)
    srv = LocalServer("127.0.0.1", tls=ctx)

    def remember_sni(sslobj, server_name, _ctx):
        srv.sni.append(server_name)

    ctx.sni_callback = remember_sni
    return srv.start()


@pytest.fixture(scope="session")
def tls_server(ca):
    """HTTPS on 127.0.0.1 with a certificate for example.test and 127.0.0.1 from ``ca``."""
    srv = _tls_server(ca, "example.test", "127.0.0.1")
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def tls_other_name_server(ca):
    """HTTPS on 127.0.0.1 whose certificate names only other.test."""
    srv = _tls_server(ca, "other.test")
    yield srv
    srv.stop()


@pytest.fixture
def backend():
    b = LoopbackOnlyBackend()
    yield b
    assert b.violations == [], f"a fetch tried to leave loopback: {b.violations}"


@pytest.fixture
def resolver():
    return ResolverSpy()


def free_port() -> int:
    """A loopback port with nothing listening on it."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch_all(items, config, backend) -> list:
    """checks.fetch.fetch_many's results collected into a list (completion order)."""
    from checks.fetch import fetch_many

    async def main() -> list:
        return [result async for result in fetch_many(items, config, network_backend=backend)]

    return asyncio.run(main())
