"""A watch decodes a page with the charset the fetcher settled on (the Content-Type header's),
not only what the document says: a windows-1251 feed whose XML declaration names no encoding
keeps its Cyrillic (sources.watching calls sources.parsers.parse_fetched)."""

import pytest

from sources import watching
from sources.models import SourceItem

pytestmark = pytest.mark.django_db


def test_a_feed_labelled_only_by_its_header_is_read_in_that_charset(feed_site, add):
    rss = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Лента</title>'
        f"<item><title>Призыв</title><link>{feed_site.url('/post/1')}</link>"
        "<description>Текст на кириллице</description></item></channel></rss>"
    ).encode("windows-1251")
    feed_site.serve("/feed.xml", rss, content_type="application/rss+xml; charset=windows-1251")
    source = add(feed_site.url("/feed.xml"))
    (watch,) = watching.watch_sources([source.pk])
    assert watch.failure_code == "" and watch.new == 1
    item = SourceItem.objects.get(source=source)
    assert item.title == "Призыв" and "кириллице" in item.excerpt
