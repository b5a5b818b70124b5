"""A source that turns hostile is bounded and recorded: a huge feed stops at the byte cap,
endless pagination at the page cap, a redirect to an internal address is refused, a slow drip
meets the time cap; the watches of the other sources of the batch are unaffected."""

import time

import pytest

from sources import watching
from sources.models import SourceItem
from tests.sources.site import huge_feed, posts, redirect_to, slow_drip

pytestmark = pytest.mark.django_db


def test_a_huge_feed_stops_at_the_byte_cap(feed_site, add, settings):
    settings.SOURCES_MAX_BYTES = 1024 * 1024
    feed_site.handle("/feed.xml", huge_feed)
    source = add(feed_site.url("/feed.xml"))

    [record] = watching.watch_sources([source.pk])

    assert record.failure_code == "body_too_large" and record.found == 0
    source.refresh_from_db()
    assert source.last_error_code == "body_too_large" and source.consecutive_failures == 1


def test_endless_pagination_stops_at_the_page_cap_keeping_what_was_read(feed_site, add, settings):
    settings.SOURCES_MAX_PAGES = 3
    for n in range(10):  # every page points at the next, forever as far as we know
        feed_site.serve_feed(f"/feed/{n}.xml", posts(f"/p{n}", 2), next_path=f"/feed/{n + 1}.xml")
    source = add(feed_site.url("/feed/0.xml"), kind="rss")

    [record] = watching.watch_sources([source.pk])

    assert record.pages == 3 and record.truncated == watching.PAGE_LIMIT
    assert record.found == 6 and record.failure_code == ""
    assert feed_site.hits == ["/feed/0.xml", "/feed/1.xml", "/feed/2.xml"]


def test_a_pagination_loop_stops_at_once(feed_site, add):
    feed_site.serve_feed("/a.xml", posts("/a", 1), next_path="/b.xml")
    feed_site.serve_feed("/b.xml", posts("/b", 1), next_path="/a.xml")
    source = add(feed_site.url("/a.xml"), kind="rss")

    [record] = watching.watch_sources([source.pk])

    assert record.pages == 2 and record.truncated == watching.PAGE_LOOP and record.found == 2


def test_a_next_page_on_another_host_is_not_followed(feed_site, add):
    feed_site.serve_feed("/feed.xml", posts("/p", 1))
    body = feed_site.pages["/feed.xml"][1].replace(
        b"</title>", b'</title><link rel="next" href="https://127.0.0.2/next.xml"/>', 1
    )
    feed_site.serve("/feed.xml", body, content_type="application/atom+xml")
    source = add(feed_site.url("/feed.xml"))

    [record] = watching.watch_sources([source.pk])

    assert record.truncated == watching.OFF_SITE and record.pages == 1 and record.found == 1


def test_a_redirect_to_an_internal_address_is_refused_and_recorded(feed_site, add):
    port = feed_site.server_address[1]
    feed_site.handle("/feed.xml", redirect_to(f"https://127.0.0.2:{port}/feed.xml"))
    source = add(feed_site.url("/feed.xml"))

    [record] = watching.watch_sources([source.pk])

    assert record.failure_code == "ssrf_refused"
    assert "127.0.0.2" in record.failure_detail
    source.refresh_from_db()
    assert source.last_error_code == "ssrf_refused"
    assert feed_site.hits == ["/feed.xml"]  # the internal address was never contacted


def test_a_slow_drip_meets_the_time_cap_and_the_rest_of_the_batch_is_watched(
    feed_site, add, settings
):
    settings.CHECKER_TOTAL_TIMEOUT = 2
    settings.SOURCES_WATCH_SECONDS = 3
    feed_site.handle("/slow.xml", slow_drip)
    feed_site.serve_feed("/fine.xml", posts("/fine", 2))
    slow, fine = add(feed_site.url("/slow.xml")), add(feed_site.url("/fine.xml"))

    started = time.monotonic()
    records = watching.watch_sources([slow.pk, fine.pk])
    elapsed = time.monotonic() - started

    by_source = {r.source_id: r for r in records}
    assert by_source[slow.pk].failure_code == "timeout"
    assert by_source[fine.pk].failure_code == "" and by_source[fine.pk].new == 2
    assert elapsed < 8
    assert SourceItem.objects.filter(source=fine).count() == 2


def test_too_many_items_stop_at_the_item_cap(feed_site, add, settings):
    settings.SOURCES_MAX_ITEMS = 5
    feed_site.serve_feed("/feed.xml", posts("/p", 12))
    source = add(feed_site.url("/feed.xml"))

    [record] = watching.watch_sources([source.pk])

    assert record.found == 5 and record.truncated == watching.ITEM_LIMIT


def test_a_large_page_within_the_caps_is_parsed_off_the_loop_and_capped(feed_site, add):
    entries = posts("/p", 1500)
    for entry in entries:
        entry["text"] = entry["text"] * 8
    feed_site.serve_feed("/feed.xml", entries)
    assert len(feed_site.pages["/feed.xml"][1]) > watching.THREAD_PARSE_BYTES
    source = add(feed_site.url("/feed.xml"))

    [record] = watching.watch_sources([source.pk])

    assert record.failure_code == "" and record.found == 500  # the parser's per-page cap
