"""A local HTTPS site for the sources tests: feeds, pages and hostile answers.

Listens on 127.0.0.1 only, with a certificate from the throwaway CA of tests.checks.sites;
CHECKER_ALLOW_NETWORKS admits only 127.0.0.1/32, so no watch can leave the machine (and
127.0.0.2 stands for an internal host the guard must refuse). A page is either a fixed answer
(status, body, content type) or a handler called with the request, for the hostile ones; every
hostile handler stops by itself.
"""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape


class FeedSite(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, tls: ssl.SSLContext):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.tls = tls
        self.pages: dict[str, tuple | Callable] = {}
        self.hits: list[str] = []
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    def get_request(self):
        conn, addr = super().get_request()
        conn.settimeout(10)
        return self.tls.wrap_socket(conn, server_side=True), addr

    def handle_error(self, request, client_address):
        pass

    def url(self, path: str) -> str:
        return f"https://127.0.0.1:{self.server_address[1]}{path}"

    def serve(self, path: str, body: bytes, status: int = 200, content_type: str = "text/html"):
        self.pages[path] = (status, body, content_type)

    def serve_feed(self, path: str, entries: Iterable[dict], next_path: str | None = None):
        self.serve(path, atom(self, entries, next_path), content_type="application/atom+xml")

    def handle(self, path: str, handler: Callable[[BaseHTTPRequestHandler], None]) -> None:
        self.pages[path] = handler


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002
        pass

    def do_GET(self):  # noqa: N802
        with self.server.lock:
            self.server.hits.append(self.path)
        page = self.server.pages.get(self.path)
        try:
            if callable(page):
                page(self)
                return
            status, body, ctype = page or (
                404,
                b"<html><title>Not found</title></html>",
                "text/html",
            )
            answer(self, status, body, ctype)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
            self.close_connection = True


def answer(req, status: int, body: bytes, ctype: str = "text/html", headers=None) -> None:
    req.send_response(status)
    req.send_header("Content-Type", ctype)
    req.send_header("Content-Length", str(len(body)))
    for name, value in (headers or {}).items():
        req.send_header(name, value)
    req.end_headers()
    req.wfile.write(body)


def atom(site: FeedSite, entries: Iterable[dict], next_path: str | None = None) -> bytes:
    """An Atom feed of entries {"path", "title", "text", "published", "image"}; with a
    RFC 5005 next link when `next_path` is given."""
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>Канал наблюдения</title>',
        f"<id>{site.url('/')}</id><updated>2026-12-01T10:00:00Z</updated>",
    ]
    if next_path:
        parts.append(f'<link rel="next" href="{escape(site.url(next_path))}"/>')
    for entry in entries:
        published = entry.get("published") or datetime(2026, 12, 1, 10, tzinfo=UTC)
        image = entry.get("image")
        media = (
            f'<link rel="enclosure" type="image/png" href="{escape(site.url(image))}"/>'
            if image
            else ""
        )
        parts.append(
            f"<entry><title>{escape(entry.get('title', 'Пост'))}</title>"
            f'<link rel="alternate" href="{escape(site.url(entry["path"]))}"/>'
            f"<id>{escape(site.url(entry['path']))}</id>"
            f"<updated>{published.isoformat()}</updated>"
            f"<published>{published.isoformat()}</published>"
            f'<content type="text">{escape(entry.get("text", ""))}</content>{media}</entry>'
        )
    parts.append("</feed>")
    return "".join(parts).encode()


def posts(prefix: str, count: int, start: int = 0) -> list[dict]:
    return [
        {"path": f"{prefix}/{n}", "title": f"Пост {n}", "text": f"Текст публикации номер {n}."}
        for n in range(start, start + count)
    ]


# --- hostile answers (each stops by itself) --------------------------------------------------
def slow_drip(req, seconds: float = 8.0) -> None:
    """Headers at once, then one byte every half second: only a total time cap stops it."""
    req.send_response(200)
    req.send_header("Content-Type", "application/atom+xml")
    req.send_header("Content-Length", "100000")
    req.end_headers()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        req.wfile.write(b" ")
        req.wfile.flush()
        time.sleep(0.5)


def huge_feed(req, megabytes: int = 12) -> None:
    """A feed that never ends within the byte cap (12 MB of entries, streamed)."""
    req.send_response(200)
    req.send_header("Content-Type", "application/atom+xml")
    req.end_headers()
    req.wfile.write(b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">')
    chunk = b"<entry><title>x</title><content>" + b"y" * 65000 + b"</content></entry>"
    for _ in range(megabytes * 16):
        req.wfile.write(chunk)
    req.close_connection = True


def redirect_to(location: str):
    def handler(req) -> None:
        answer(req, 302, b"", headers={"Location": location})

    return handler
