"""Saved pages served by a local server, fetched by the SSRF-safe fetcher, then parsed.

The bytes reach the parsers exactly as a watch gets them: gzip-encoded, in windows-1251,
labelled the way the real sites label them, behind redirects. The server listens on
127.0.0.1, the allow-list is 127.0.0.1/32, host names resolve from a fixed table and every
socket goes through LoopbackOnlyBackend: nothing leaves the machine.
"""

import asyncio
import gzip

import pytest

from checks.fetch import FetchConfig, Fetcher
from sources.parsers import FETCH_CONTENT_TYPES, FailureCode, ParseFailed, parse_fetched
from tests.checks.conftest import LocalServer, LoopbackOnlyBackend, ResolverSpy, redirect, send

from .conftest import saved

UTF8 = "text/html; charset=utf-8"


def serve(body: bytes, content_type: str, gzipped: bool = False):
    def handler(request):
        data = gzip.compress(body) if gzipped else body
        headers = {"Content-Encoding": "gzip", "Vary": "Accept-Encoding"} if gzipped else {}
        send(request, 200, data, content_type, headers)

    return handler


@pytest.fixture(scope="module")
def site():
    server = LocalServer("127.0.0.1").start()
    routes = {
        "/s/demo_channel": serve(saved("telegram_channel.html"), UTF8, gzipped=True),
        "/no_such_demo_channel": serve(saved("telegram_not_found.html"), UTF8),
        "/demo_public": serve(saved("vk_wall.html"), "text/html; charset=windows-1251"),
        "/feeds/videos.xml": serve(saved("youtube_channel.xml"), "text/xml; charset=UTF-8", True),
        "/rss.xml": serve(saved("rss2.xml"), "application/rss+xml"),
        "/atom.xml": serve(saved("atom.xml"), "application/atom+xml; charset=utf-8", True),
        "/index.rdf": serve(saved("rdf.xml"), "application/rdf+xml"),
        "/sitemap.xml": serve(saved("sitemap.xml"), "application/xml"),
        "/sitemap_index.xml": serve(saved("sitemap_index.xml"), "text/xml"),
        "/sitemap.xml.gz": serve(gzip.compress(saved("sitemap.xml")), "application/x-gzip"),
        "/forum/new": serve(saved("pattern_page.html"), "text/html"),
        "/html-instead-of-feed": serve(saved("pattern_page.html"), UTF8),
    }
    server.routes.update(routes)
    server.routes["/old/demo_channel"] = lambda r: redirect(r, server.url("/s/demo_channel"))
    server.routes["/s/no_such_demo_channel"] = lambda r: redirect(r, "/no_such_demo_channel")
    yield server
    server.stop()


def fetch(url: str):
    config = FetchConfig(
        allow_networks="127.0.0.1/32",
        resolver=ResolverSpy(),
        per_host_rate=None,
        allowed_content_types=FETCH_CONTENT_TYPES,
        telegram_web_preview=False,
        extract=False,
        http_fallback=False,
        total_timeout=10.0,
    )
    backend = LoopbackOnlyBackend()

    async def main():
        async with Fetcher(config, network_backend=backend) as fetcher:
            return await fetcher.fetch(url)

    result = asyncio.run(main())
    assert backend.violations == []
    assert result.ok, (result.error, result.error_detail)
    return result


@pytest.mark.parametrize(
    ("kind", "path", "count", "first_text"),
    [
        ("telegram", "/s/demo_channel", 20, "Доброе утро! Сводка новостей"),
        ("telegram", "/old/demo_channel", 20, "Доброе утро! Сводка новостей"),
        ("vk", "/demo_public", 5, "Доброе утро, подписчики"),
        ("youtube", "/feeds/videos.xml", 15, "Описание демонстрационного видео номер 1"),
        ("rss", "/rss.xml", 3, "Краткое описание первой новости"),
        ("rss", "/atom.xml", 2, "Толық мәтін"),
        ("rss", "/index.rdf", 2, "First RDF item"),
        ("sitemap", "/sitemap.xml", 3, "Демо-материал портала"),
        ("sitemap", "/sitemap.xml.gz", 3, "Демо-материал портала"),
        ("pattern", "/forum/new", 4, "Первая демо тема"),  # any host: 4 topics
    ],
)
def test_fetched_pages_parse_like_the_saved_ones(site, kind, path, count, first_text):
    result = fetch(site.url(path))
    page = parse_fetched(kind, result, pattern=r"/forum/topic/\d+")
    assert len(page.items) == count
    assert page.items[0].text.startswith(first_text)


def test_relative_links_resolve_against_the_fetched_address(site):
    page = parse_fetched("pattern", fetch(site.url("/forum/new")), pattern=r"/forum/topic/\d+")
    assert page.items[0].url == site.url("/forum/topic/1001-demo-first")
    older = parse_fetched("telegram", fetch(site.url("/old/demo_channel")))
    assert older.next_url == site.url("/s/demo_channel?before=101")


def test_sitemap_index_points_to_its_freshest_child(site):
    page = parse_fetched("sitemap", fetch(site.url("/sitemap_index.xml")))
    assert page.next_url == "https://portal.demo.example/sitemaps/post-sitemap2.xml"


def test_telegram_redirect_to_a_contact_card_is_a_failure(site):
    result = fetch(site.url("/s/no_such_demo_channel"))
    assert result.redirects == [site.url("/no_such_demo_channel")]
    with pytest.raises(ParseFailed) as failed:
        parse_fetched("telegram", result)
    assert failed.value.code == FailureCode.NOT_FOUND


def test_html_where_a_feed_is_expected_is_a_failure(site):
    with pytest.raises(ParseFailed) as failed:
        parse_fetched("rss", fetch(site.url("/html-instead-of-feed")))
    assert failed.value.code == FailureCode.NOT_A_FEED
