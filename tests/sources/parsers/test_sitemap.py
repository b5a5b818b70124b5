"""Sitemaps: a urlset's addresses, a sitemap index's freshest child."""

import gzip
from datetime import UTC, datetime, timedelta, timezone

import pytest

from sources.parsers import MAX_BODY_BYTES, FailureCode, ParseFailed, parse

from .conftest import saved

URL = "https://portal.demo.example/sitemap.xml"


def test_urlset_addresses_with_news_image_and_video_fields():
    page = parse("sitemap", saved("sitemap.xml"), URL)
    assert [item.url for item in page.items] == [
        "https://portal.demo.example/news/2026/12/02/demo-story",
        "https://portal.demo.example/video/demo-clip",
        "https://portal.demo.example/about",
    ]  # the ftp: entry is dropped
    story, clip, about = page.items
    assert story.title == story.text == "Демо-материал портала"
    assert story.published_at == datetime(2026, 12, 2, 10, 0, tzinfo=timezone(timedelta(hours=5)))
    assert story.media == ("https://portal.demo.example/img/demo-story.jpg",)
    assert clip.published_at == datetime(2026, 12, 1, tzinfo=UTC)
    assert clip.media == (
        "https://portal.demo.example/media/demo-clip.mp4",
        "https://portal.demo.example/thumbs/demo-clip.jpg",
    )
    assert about.published_at is None and about.text == ""
    assert page.next_url is None


def test_index_leads_to_its_most_recently_modified_sitemap():
    page = parse(
        "sitemap", saved("sitemap_index.xml"), "https://portal.demo.example/sitemap_index.xml"
    )
    assert page.items == ()
    assert page.next_url == "https://portal.demo.example/sitemaps/post-sitemap2.xml"


def test_index_without_dates_leads_to_the_last_listed_sitemap():
    body = b"""<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <sitemap><loc>https://a.example/s1.xml</loc></sitemap>
      <sitemap><loc>https://a.example/s2.xml</loc></sitemap></sitemapindex>"""
    assert (
        parse("sitemap", body, "https://a.example/index.xml").next_url == "https://a.example/s2.xml"
    )


def test_index_that_lists_only_itself_has_no_next_page():
    body = b"""<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <sitemap><loc>https://a.example/index.xml</loc></sitemap>
      <sitemap><loc>javascript:alert(1)</loc></sitemap></sitemapindex>"""
    with pytest.raises(ParseFailed) as failed:
        parse("sitemap", body, "https://a.example/index.xml")
    assert failed.value.code == FailureCode.EMPTY_UNEXPECTEDLY


def test_gzipped_sitemap_is_unpacked():
    page = parse("sitemap", gzip.compress(saved("sitemap.xml")), URL + ".gz")
    assert len(page.items) == 3


def test_gzip_bomb_stops_at_the_size_limit():
    bomb = gzip.compress(b"<urlset>" + b" " * (MAX_BODY_BYTES + 1024), compresslevel=9)
    assert len(bomb) < 100_000
    with pytest.raises(ParseFailed) as failed:
        parse("sitemap", bomb, URL + ".gz")
    assert failed.value.code == FailureCode.TOO_LARGE


def test_corrupt_gzip_is_unreadable():
    with pytest.raises(ParseFailed) as failed:
        parse("sitemap", b"\x1f\x8b\x08\x00garbage", URL + ".gz")
    assert failed.value.code == FailureCode.UNREADABLE


def test_a_feed_is_not_a_sitemap():
    with pytest.raises(ParseFailed) as failed:
        parse("sitemap", saved("atom.xml"), URL)
    assert failed.value.code == FailureCode.NOT_A_FEED


def test_empty_urlset_is_an_empty_page():
    body = b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"></urlset>'
    assert parse("sitemap", body, URL).items == ()
