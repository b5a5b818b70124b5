"""Web archives of a capture: the fetched page and subresources as WARC, packed as WACZ.

Pure Python (warcio, wacz, lxml), no Django. The records hold what the SSRF-safe fetcher
(checks.fetch) received: the status, the content type and the body after transfer decoding
(the fetcher keeps no other response headers, so none are invented here); each response
carries a WARC-Payload-Digest. A request record precedes each response, as browsers' archives
do, so that replay tools (ReplayWeb.page, pywb) find the page.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import lxml.html
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

SOFTWARE = "Kibernadzor evidence (warcio 1.8.1, wacz 0.6.0)"


@dataclass
class Resource:
    """One response received: the page itself or a subresource."""

    url: str
    status: int
    content_type: str
    body: bytes
    fetched_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def mime(self) -> str:
        return self.content_type.split(";")[0].strip().lower()


def subresource_urls(html: str, base_url: str, limit: int) -> list[str]:
    """The URLs a page loads to display itself (images, stylesheets, scripts, icons, media
    posters), absolute, http(s) only, without duplicates, at most `limit`, in page order."""
    try:
        doc = lxml.html.document_fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return []
    base = base_url
    for tag in doc.iter("base"):
        if tag.get("href"):
            base = urljoin(base_url, tag.get("href").strip())
            break
    found: dict[str, None] = {}

    def add(value: str | None) -> None:
        if value and len(found) < limit:
            url = urldefrag(urljoin(base, value.strip()))[0]
            if urlsplit(url).scheme in ("http", "https"):
                found.setdefault(url, None)

    for element in doc.iter("img", "script", "link", "source", "video", "audio", "input"):
        tag = element.tag
        if tag == "link":
            rel = (element.get("rel") or "").lower().split()
            if {"stylesheet", "icon", "preload"} & set(rel):
                add(element.get("href"))
        elif tag == "video":
            add(element.get("poster"))
        elif tag == "input" and (element.get("type") or "").lower() != "image":
            continue
        else:
            add(element.get("src"))
        if tag in ("img", "source") and element.get("srcset"):
            for candidate in element.get("srcset").split(","):
                add(candidate.strip().split(" ")[0])
        if len(found) >= limit:
            break
    return list(found)


def _status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Unknown"


def write_warc(resources: list[Resource], target, *, user_agent: str, info: dict) -> None:
    """Write a gzipped WARC of `resources` (the page first) to the binary file `target`."""
    writer = WARCWriter(target, gzip=True)
    writer.write_record(writer.create_warcinfo_record("capture.warc.gz", {**info}))
    for resource in resources:
        date = resource.fetched_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        parts = urlsplit(resource.url)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        request = writer.create_warc_record(
            resource.url,
            "request",
            http_headers=StatusAndHeaders(
                f"GET {path} HTTP/1.1",
                [("Host", parts.netloc), ("User-Agent", user_agent)],
                is_http_request=True,
            ),
            warc_headers_dict={"WARC-Date": date},
        )
        response = writer.create_warc_record(
            resource.url,
            "response",
            payload=io.BytesIO(resource.body),
            http_headers=StatusAndHeaders(
                _status_line(resource.status),
                [
                    ("Content-Type", resource.content_type or "application/octet-stream"),
                    ("Content-Length", str(len(resource.body))),
                ],
                protocol="HTTP/1.1",
            ),
            warc_headers_dict={"WARC-Date": date},
        )
        request.rec_headers.add_header(
            "WARC-Concurrent-To", response.rec_headers.get_header("WARC-Record-ID")
        )
        writer.write_record(response)
        writer.write_record(request)


def build_wacz(resources: list[Resource], *, title: str, user_agent: str, info: dict) -> bytes:
    """The WACZ (a ZIP with the WARC, its CDXJ index, pages.jsonl and datapackage.json) of a
    capture whose first resource is the page."""
    from wacz.main import main as wacz_main

    page = resources[0]
    ts = page.fetched_at.strftime("%Y%m%d%H%M%S")
    with tempfile.TemporaryDirectory(prefix="kbz-wacz-") as folder:
        warc = Path(folder, "capture.warc.gz")
        with warc.open("wb") as file:
            write_warc(resources, file, user_agent=user_agent, info=info)
        pages = Path(folder, "pages.jsonl")
        header = {"format": "json-pages-1.0", "id": "pages", "title": "Pages"}
        entry = {
            "url": page.url,
            "ts": page.fetched_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "title": title or page.url,
        }
        pages.write_text(json.dumps(header) + "\n" + json.dumps(entry) + "\n", encoding="utf-8")
        output = Path(folder, "capture.wacz")
        args = ["create", "-o", str(output), "--url", page.url, "--ts", ts, "-p", str(pages)]
        with open(os.devnull, "w") as quiet, contextlib.redirect_stdout(quiet):
            outcome = wacz_main([*args, "--title", title or page.url, str(warc)])
        if outcome not in (None, 0) or not output.exists():
            raise RuntimeError(f"wacz create failed ({outcome})")
        return output.read_bytes()


def read_wacz_resources(data: bytes) -> dict[str, tuple[int, str, bytes]]:
    """URL -> (status, content type, body) of every response in a WACZ's WARCs: what the
    renderer replays, and what a test checks the archive for."""
    import zipfile

    from warcio.archiveiterator import ArchiveIterator

    found: dict[str, tuple[int, str, bytes]] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if not name.startswith("archive/"):
                continue
            with archive.open(name) as stream:
                for record in ArchiveIterator(stream):
                    if record.rec_type != "response":
                        continue
                    url = record.rec_headers.get_header("WARC-Target-URI")
                    status = int(record.http_headers.get_statuscode() or 0)
                    ctype = record.http_headers.get_header("Content-Type") or ""
                    found.setdefault(url, (status, ctype, record.content_stream().read()))
    return found
