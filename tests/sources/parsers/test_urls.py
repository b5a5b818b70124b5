"""What to fetch for a source (watch_url) and what kind a URL is (detect_kind)."""

import pytest
from django.utils import translation

from sources.parsers import NotWatchable, detect_kind, watch_url

CHANNEL = "UCdEmOcHaNnEl0000000000A"
FEED = "https://www.youtube.com/feeds/videos.xml"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://t.me/demo_channel", "https://t.me/s/demo_channel"),
        ("t.me/s/Demo_Channel", "https://t.me/s/demo_channel"),
        ("https://demo_channel.t.me", "https://t.me/s/demo_channel"),
        ("https://t.me/demo_channel/123", "https://t.me/s/demo_channel"),
        ("http://telegram.me/demo_channel", "https://t.me/s/demo_channel"),
    ],
)
def test_telegram_channels_are_watched_through_their_web_preview(url, expected):
    assert watch_url("telegram", url) == expected


@pytest.mark.parametrize("url", ["https://t.me/+AbCdEf123", "https://t.me/c/1234567/89"])
def test_private_telegram_links_are_not_watchable(url):
    with pytest.raises(NotWatchable) as refused:
        watch_url("telegram", url)
    assert refused.value.reason == "telegram_private"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://m.vk.com/demo_public", "https://vk.com/demo_public"),
        ("vk.com/club123", "https://vk.com/club123"),
        ("https://vk.com/public123", "https://vk.com/club123"),
        ("https://vk.com/id42", "https://vk.com/id42"),
    ],
)
def test_vk_walls(url, expected):
    assert watch_url("vk", url) == expected


def test_a_vk_post_is_not_a_wall():
    with pytest.raises(NotWatchable) as refused:
        watch_url("vk", "https://vk.com/wall-1_2")
    assert refused.value.reason == "vk_not_wall"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (f"https://www.youtube.com/channel/{CHANNEL}", f"{FEED}?channel_id={CHANNEL}"),
        (f"https://m.youtube.com/channel/{CHANNEL}/videos", f"{FEED}?channel_id={CHANNEL}"),
        ("https://youtube.com/playlist?list=PLdemo123", f"{FEED}?playlist_id=PLdemo123"),
        ("https://www.youtube.com/watch?v=dEmOvId0001&list=PLdemo9", f"{FEED}?playlist_id=PLdemo9"),
        (f"{FEED}?channel_id={CHANNEL}", f"{FEED}?channel_id={CHANNEL}"),
        (f"{FEED}?playlist_id=PLdemo9", f"{FEED}?playlist_id=PLdemo9"),
    ],
)
def test_youtube_channels_and_playlists_become_their_feeds(url, expected):
    assert watch_url("youtube", url) == expected


@pytest.mark.parametrize(
    "url", ["https://www.youtube.com/@DemoHandle", "https://www.youtube.com/c/DemoName"]
)
def test_youtube_handles_ask_for_the_channel_id_address(url):
    with pytest.raises(NotWatchable) as refused:
        watch_url("youtube", url)
    assert refused.value.reason == "youtube_handle"
    with translation.override("en"):
        assert "youtube.com/channel/UC" in str(refused.value)
    with translation.override("ru"):
        assert "youtube.com/channel/UC" in str(refused.value)
        assert "канал" in str(refused.value)


def test_a_single_youtube_video_is_not_a_source():
    with pytest.raises(NotWatchable) as refused:
        watch_url("youtube", "https://youtu.be/dEmOvId0001")
    assert refused.value.reason == "youtube_not_channel"


@pytest.mark.parametrize("kind", ["rss", "sitemap", "pattern"])
def test_feeds_sitemaps_and_pages_are_fetched_as_given(kind):
    assert (
        watch_url(kind, " https://news.demo.example/feed?x=1 ")
        == "https://news.demo.example/feed?x=1"
    )


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "ftp://a.example/feed.xml", "file:///etc/passwd", "https://", ""]
)
def test_non_web_addresses_are_not_watchable(url):
    with pytest.raises(NotWatchable):
        watch_url("rss", url)


def test_wrong_platform_for_the_kind():
    with pytest.raises(NotWatchable) as refused:
        watch_url("telegram", "https://vk.com/demo_public")
    assert refused.value.reason == "wrong_platform"


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://t.me/demo_channel", "telegram"),
        ("https://vk.com/demo_public", "vk"),
        (f"https://www.youtube.com/channel/{CHANNEL}", "youtube"),
        (f"{FEED}?channel_id={CHANNEL}", "youtube"),
        ("https://portal.demo.example/sitemap.xml", "sitemap"),
        ("https://portal.demo.example/sitemap_index.xml", "sitemap"),
        ("https://portal.demo.example/post-sitemap2.xml.gz", "sitemap"),
        ("https://news.demo.example/rss.xml", "rss"),
        ("https://news.demo.example/feed", "rss"),
        ("https://news.demo.example/feed/", "rss"),
        ("https://blog.demo.example/atom.xml", "rss"),
        ("https://blog.demo.example/index.rss", "rss"),
        ("https://blog.demo.example/category/news/feed/", "rss"),
    ],
)
def test_detect_kind(url, kind):
    assert detect_kind(url) == kind


def test_an_ordinary_page_needs_an_explicit_kind():
    with pytest.raises(NotWatchable) as refused:
        detect_kind("https://forum.demo.example/forum/new")
    assert refused.value.reason == "unknown_kind"
    assert detect_kind("https://forum.demo.example/forum/new", "pattern") == "pattern"


def test_unknown_explicit_kind_is_refused():
    with pytest.raises(NotWatchable):
        detect_kind("https://a.example/", "twitter")


def test_an_unreadable_address_is_explained_in_the_users_language():
    with pytest.raises(NotWatchable) as refused:
        detect_kind("not a url")
    assert refused.value.reason == "invalid_url"
    with translation.override("ru"):
        assert str(refused.value) == (
            "Это не веб-адрес, который можно отслеживать: недопустимое имя хоста."
        )
    with translation.override("kk"):
        assert str(refused.value) == "Бұл бақылауға болатын веб-мекенжай емес: хост атауы жарамсыз."


def test_addresses_without_a_scheme_are_taken_as_https():
    assert detect_kind("news.demo.example/feed") == "rss"
    assert watch_url("rss", "news.demo.example/feed") == "https://news.demo.example/feed"
    with pytest.raises(NotWatchable):
        watch_url("rss", "mailto:editor@news.demo.example")
