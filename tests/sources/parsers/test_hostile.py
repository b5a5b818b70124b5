"""Hostile pages: entities, DTDs, floods of items, endless text, loops, huge bodies.

The body is whatever the source's owner wants it to be; every parser must stay bounded in
time, memory and output, and must never reach out (XXE, external DTDs).
"""

import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import feedparser
import pytest

from sources.parsers import (
    MAX_BODY_BYTES,
    MAX_ITEMS,
    MEDIA_LIMIT,
    TEXT_LIMIT,
    FailureCode,
    ParseFailed,
    parse,
)

from .conftest import saved

ROOT = Path(__file__).resolve().parents[3]


class _Recorder(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        self.server.hits.append(self.path)
        body = b'<!ENTITY leak "LEAKED">'
        self.send_response(200)
        self.send_header("Content-Type", "application/xml-dtd")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def dtd_server():
    """A server on 127.0.0.1 that would hand out a DTD; the tests assert nobody asked."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.hits = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def secret_file(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text("TOP-SECRET-VALUE")
    return path


XML_KINDS = [
    ("rss", '<rss version="2.0"><channel><title>&x;</title><item><link>https://a.example/1</link>'
     "<title>&x;</title></item></channel></rss>", "rss"),
    ("youtube", '<feed xmlns="http://www.w3.org/2005/Atom"><title>&x;</title></feed>', "feed"),
    ("sitemap", '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url>'
     "<loc>https://a.example/&x;</loc></url></urlset>", "urlset"),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "document", "root"), XML_KINDS, ids=[k[0] for k in XML_KINDS])
def test_external_entity_pointing_at_a_local_file_is_refused(kind, document, root, secret_file):
    body = f'<?xml version="1.0"?><!DOCTYPE {root} [<!ENTITY x SYSTEM "file://{secret_file}">]>'
    with pytest.raises(ParseFailed) as failed:
        parse(kind, (body + document).encode(), "https://a.example/feed")
    assert failed.value.code == FailureCode.HOSTILE
    assert "TOP-SECRET" not in repr(failed.value)


@pytest.mark.parametrize(("kind", "document", "root"), XML_KINDS, ids=[k[0] for k in XML_KINDS])
def test_external_entity_over_the_network_is_refused_without_a_request(
    kind, document, root, dtd_server
):
    port = dtd_server.server_address[1]
    body = (
        f'<?xml version="1.0"?><!DOCTYPE {root} [<!ENTITY % remote SYSTEM '
        f'"http://127.0.0.1:{port}/evil.dtd"> %remote; <!ENTITY x "y">]>{document}'
    )
    with pytest.raises(ParseFailed) as failed:
        parse(kind, body.encode(), "https://a.example/feed")
    assert failed.value.code == FailureCode.HOSTILE
    assert dtd_server.hits == []


def test_billion_laughs_is_refused_at_once():
    lol = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)
    )
    body = f'<?xml version="1.0"?><!DOCTYPE rss [{lol}]><rss version="2.0"><channel>'
    body += "<title>&lol9;</title></channel></rss>"
    with pytest.raises(ParseFailed) as failed:
        parse("rss", body.encode(), "https://a.example/feed")
    assert failed.value.code == FailureCode.HOSTILE


def test_external_dtd_without_entities_is_read_without_fetching_it(dtd_server):
    port = dtd_server.server_address[1]
    body = saved("rdf.xml").replace(
        b"<rdf:RDF",
        f'<!DOCTYPE rdf:RDF SYSTEM "http://127.0.0.1:{port}/rss-0.91.dtd">\n<rdf:RDF'.encode(),
        1,
    )
    page = parse("rss", body, "https://old.demo.example/index.rdf")
    assert len(page.items) == 2
    assert dtd_server.hits == []


def test_feedparser_only_ever_sees_the_reserialised_tree(monkeypatch):
    seen = []
    real = feedparser.parse

    def spy(stream, **kwargs):
        data = stream.read()
        seen.append(data)
        stream.seek(0)
        return real(stream, **kwargs)

    monkeypatch.setattr(feedparser, "parse", spy)
    doctype = (
        b'<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
        b'"http://my.netscape.com/publish/formats/rss-0.91.dtd">\n<rss version'
    )
    body = saved("rss2.xml").replace(b"<rss version", doctype, 1)
    page = parse("rss", body, "https://news.demo.example/rss.xml")
    assert len(page.items) == 3
    assert seen and all(b"<!DOCTYPE" not in data for data in seen)
    assert all(data.startswith(b"<?xml version='1.0' encoding='utf-8'?>") for data in seen)


def test_more_items_than_the_cap_are_cut_in_page_order():
    items = "".join(
        f"<item><title>n{n}</title><link>https://a.example/{n}</link></item>"
        for n in range(MAX_ITEMS + 100)
    )
    body = f'<rss version="2.0"><channel><title>x</title>{items}</channel></rss>'.encode()
    page = parse("rss", body, "https://a.example/feed")
    assert len(page.items) == MAX_ITEMS
    assert page.items[0].url == "https://a.example/0"
    assert page.items[-1].url == f"https://a.example/{MAX_ITEMS - 1}"


def telegram_page(posts: str, more: str = "") -> bytes:
    return (
        '<html><body><section class="tgme_channel_history js-message_history">'
        f"{more}{posts}</section></body></html>"
    ).encode()


def telegram_post(n: int, inner: str = "") -> str:
    return (
        f'<div class="tgme_widget_message js-widget_message" data-post="demo_channel/{n}">'
        f"{inner}</div>"
    )


def test_telegram_flood_of_posts_is_capped_and_deduplicated():
    posts = "".join(telegram_post(n % 700) for n in range(1400))
    page = parse("telegram", telegram_page(posts), "https://t.me/s/demo_channel")
    assert len(page.items) == MAX_ITEMS
    assert len({item.url for item in page.items}) == MAX_ITEMS


def test_text_and_media_per_item_are_capped():
    photos = "".join(
        f'<a class="tgme_widget_message_photo_wrap" href="#" '
        f"style=\"background-image:url('https://cdn.example/{n}.jpg')\"></a>"
        for n in range(20)
    )
    text = f'<div class="tgme_widget_message_text">{"слово " * 5000}</div>'
    page = parse("telegram", telegram_page(telegram_post(1, photos + text)), "https://t.me/s/x")
    (item,) = page.items
    assert len(item.text) == TEXT_LIMIT
    assert len(item.media) == MEDIA_LIMIT


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        "data:text/html,hi",
        "/s/demo_channel",
        "https://t.me/s/demo_channel#top",
        "ftp://t.me/s/demo_channel?before=1",
        "tg://resolve?domain=demo_channel",
    ],
)
def test_unsafe_or_looping_next_pages_are_refused(href):
    more = f'<a class="tme_messages_more" data-before="1" href="{href}"></a>'
    page = parse("telegram", telegram_page(telegram_post(1), more), "https://t.me/s/demo_channel")
    assert page.next_url is None


def test_body_over_the_limit_is_refused_unparsed():
    with pytest.raises(ParseFailed) as failed:
        parse("rss", b" " * (MAX_BODY_BYTES + 1), "https://a.example/feed")
    assert failed.value.code == FailureCode.TOO_LARGE


def test_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown source kind"):
        parse("myspace", b"<html></html>", "https://a.example/")


@pytest.mark.slow
def test_ten_megabytes_of_nested_tags_or_floods_stay_bounded():
    """Each parser on 10 MB of nested tags and of flat floods, in a fresh process so that
    its peak memory is its own. Measured on the 2-core test machine: at most ~3 s per
    page and ~350 MB peak (bounds here are generous for slower machines)."""
    done = subprocess.run(
        [sys.executable, "-m", "tests.sources.parsers.bench_parsers"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    peak = results.pop()["peak_mb"]
    for row in results:
        assert row["seconds"] < 20, row
        assert row["result"] in (
            *range(MAX_ITEMS + 1),
            "not_a_feed",
            "empty_unexpectedly",
            "unreadable",
        ), row
    floods = results[-4:]
    assert all(row["result"] == MAX_ITEMS for row in floods), results
    assert peak < 1024, results


def test_feed_nested_where_no_feed_nests_fails_as_unreadable():
    nested = "<item><link>https://a.example/" * 300
    body = f'<rss version="2.0"><channel>{nested}'.encode()
    with pytest.raises(ParseFailed) as failed:
        parse("rss", body, "https://a.example/feed")
    assert failed.value.code in (FailureCode.UNREADABLE, FailureCode.EMPTY_UNEXPECTEDLY)
