"""A small, fast HTTP/1.1 page server on 127.0.0.1 for fetcher benchmarks.

Serves ``/page/<n>`` for ``0 <= n < pages``: a distinct ~3 KB HTML page per ``n`` (own
title, og:title, a view counter, paragraphs), keep-alive, optional gzip.  Anything else is
404.  Plain asyncio protocol code, no dependencies.

Run: ``python bench/pageserver.py [--port 0] [--pages 10000] [--max-seconds 900]``.
It prints ``READY <port>`` on stdout once listening, and exits on SIGTERM/SIGINT or after
``--max-seconds`` (so a forgotten server never runs for long).  Only 127.0.0.1 is bound.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import signal
import sys

HOST = "127.0.0.1"
_PARAGRAPH = (
    "<p>Пример текста страницы номер {n}. Lorem ipsum dolor sit amet, consectetur "
    "adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. "
    "Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris.</p>\n"
)


def render_page(n: int) -> bytes:
    views = (n * 7919) % 1_000_000
    paragraphs = "".join(_PARAGRAPH.format(n=n) for _ in range(8))
    counter = f"{views:,}".replace(",", "\u00a0")
    return (
        '<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8">'
        f"<title>Страница {n} | Бенчмарк</title>"
        f'<meta property="og:title" content="Страница {n}">'
        f'<meta property="og:description" content="Описание страницы {n}">'
        '<script>var cfg = {"a": 1};</script><style>p{margin:0}</style></head>'
        f"<body><header>Шапка сайта</header><article><h1>Заголовок {n}</h1>{paragraphs}"
        f'<div class="stats">{counter} просмотров</div></article>'
        "<footer>Подвал</footer></body></html>"
    ).encode()


def _response(status: str, body: bytes, *, gzip_body: bool = False) -> bytes:
    headers = [
        f"HTTP/1.1 {status}",
        "Content-Type: text/html; charset=utf-8",
        f"Content-Length: {len(body)}",
        "Connection: keep-alive",
    ]
    if gzip_body:
        headers.append("Content-Encoding: gzip")
    return ("\r\n".join(headers) + "\r\n\r\n").encode("ascii") + body


class PageProtocol(asyncio.Protocol):
    def __init__(self, server: PageServer) -> None:
        self.server = server
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.server.connections += 1

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if len(self.buffer) > 64 * 1024:  # no request of ours is this large
            assert self.transport is not None
            self.transport.close()
            return
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head, self.buffer = self.buffer[:end], self.buffer[end + 4 :]
            self.handle(head)

    def handle(self, head: bytes) -> None:
        assert self.transport is not None
        request_line, _, header_block = head.partition(b"\r\n")
        parts = request_line.split(b" ")
        path = parts[1].decode("ascii", "replace") if len(parts) >= 2 else ""
        wants_gzip = b"gzip" in header_block.lower() and self.server.gzip
        self.server.requests += 1
        body = None
        if path.startswith("/page/"):
            number = path[len("/page/") :].split("?", 1)[0]
            if number.isdigit() and int(number) < self.server.pages:
                body = render_page(int(number))
        if body is None:
            self.transport.write(_response("404 Not Found", b"<html>not found</html>"))
        elif wants_gzip:
            self.transport.write(_response("200 OK", gzip.compress(body, 1), gzip_body=True))
        else:
            self.transport.write(_response("200 OK", body))


class PageServer:
    def __init__(self, pages: int, *, gzip: bool = False) -> None:
        self.pages = pages
        self.gzip = gzip
        self.requests = 0
        self.connections = 0

    async def serve(self, port: int, max_seconds: float, ready=print) -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(lambda: PageProtocol(self), HOST, port, backlog=1024)
        stop = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        actual = server.sockets[0].getsockname()[1]
        ready(f"READY {actual}")
        sys.stdout.flush()
        try:
            async with asyncio.timeout(max_seconds):
                await stop.wait()
        except TimeoutError:
            pass
        server.close()
        await server.wait_closed()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--pages", type=int, default=10_000)
    parser.add_argument("--gzip", action="store_true", help="gzip when the client accepts it")
    parser.add_argument("--max-seconds", type=float, default=900.0)
    args = parser.parse_args(argv)
    asyncio.run(PageServer(args.pages, gzip=args.gzip).serve(args.port, args.max_seconds))


if __name__ == "__main__":
    main()
