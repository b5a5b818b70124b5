"""Platform extractors on trimmed copies of real page markup, served from 127.0.0.1."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from checks.fetch.extractors import (
    EXCERPT_CHARS,
    detect_platform,
    extract,
    parse_count,
    telegram_post_ref,
    telegram_web_preview_url,
)
from checks.fetch.fetcher import FetchConfig

from .conftest import SAMPLES, fetch_all, send

# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1 234", 1234),
        ("1\u00a0234\u00a0567", 1234567),
        ("1\u202f234 просмотра", 1234),
        ("1,2 тыс.", 1200),
        ("1,2 тыс. просмотров", 1200),
        ("4,3 тыс", 4300),
        ("1.2K", 1200),
        ("1.2k views", 1200),
        ("1.15K", 1150),
        ("3,4 млн", 3_400_000),
        ("2,4 млн просмотров", 2_400_000),
        ("12M", 12_000_000),
        ("3.4M", 3_400_000),
        ("1,5 млрд", 1_500_000_000),
        ("2B", 2_000_000_000),
        ("12,345 views", 12345),
        ("1,234,567", 1234567),
        ("1.234.567", 1234567),
        ("856", 856),
        ("0", 0),
        ("15K", 15000),
        ("12,3 тыс", 12300),
        ("12.3K subscribers", 12300),
        ("Просмотров: 5 678", 5678),
        (42, 42),
    ],
)
def test_parse_count(text, value):
    assert parse_count(text) == value


@pytest.mark.parametrize("text", [None, "", "views", "нет данных", "abc123", -5])
def test_parse_count_nothing(text):
    assert parse_count(text) is None


@given(st.integers(min_value=0, max_value=10**12))
def test_parse_count_thousands_separators_round_trip(n):
    assert parse_count(str(n)) == n
    assert parse_count(f"{n:,}") == n
    assert parse_count(f"{n:,}".replace(",", " ")) == n
    assert parse_count(f"{n:,}".replace(",", "\u00a0") + " просмотров") == n


@given(st.integers(min_value=1, max_value=999), st.integers(min_value=0, max_value=9))
def test_parse_count_suffixes(whole, tenth):
    assert parse_count(f"{whole}.{tenth}K") == whole * 1000 + tenth * 100
    assert parse_count(f"{whole},{tenth} тыс.") == whole * 1000 + tenth * 100
    assert parse_count(f"{whole},{tenth} млн") == whole * 1_000_000 + tenth * 100_000


# --------------------------------------------------------------------------- dispatch


@pytest.mark.parametrize(
    ("url", "platform"),
    [
        ("https://www.youtube.com/watch?v=abc", "youtube"),
        ("https://m.youtube.com/shorts/abc", "youtube"),
        ("https://youtu.be/abc", "youtube"),
        ("https://vk.com/wall-1_2", "vk"),
        ("https://m.vk.com/video-1_2", "vk"),
        ("https://vkvideo.ru/video-1_2", "vk"),
        ("https://t.me/s/chan/5", "telegram"),
        ("https://telegram.me/chan", "telegram"),
        ("https://x.com/u/status/1", "x"),
        ("https://twitter.com/u/status/1", "x"),
        ("https://www.instagram.com/p/abc/", "instagram"),
        ("https://www.tiktok.com/@u/video/1", "tiktok"),
        ("https://vm.tiktok.com/ZM123/", "tiktok"),
        ("https://ok.ru/video/1", "ok"),
        ("https://rutube.ru/video/abc/", "rutube"),
        ("https://www.facebook.com/page/posts/1", "facebook"),
        ("https://fb.watch/abc/", "facebook"),
        ("https://example.org/", "web"),
        ("https://notyoutube.com/", "web"),
        ("https://youtube.com.evil.example/", "web"),
        ("not a url", "web"),
    ],
)
def test_detect_platform(url, platform):
    assert detect_platform(url) == platform


def test_telegram_refs():
    assert telegram_post_ref("https://t.me/s/chan/123") == ("chan", 123)
    assert telegram_post_ref("https://t.me/chan/123?single") == ("chan", 123)
    assert telegram_post_ref("https://t.me/s/chan") == ("chan", None)
    assert telegram_post_ref("https://t.me/c/1234/5") == (None, None)
    assert telegram_web_preview_url("https://t.me/chan/123") == "https://t.me/s/chan/123"
    assert telegram_web_preview_url("https://t.me/s/chan/123") == "https://t.me/s/chan/123"
    assert telegram_web_preview_url("https://t.me/chan") == "https://t.me/chan"
    assert telegram_web_preview_url("https://example.org/chan/1") == "https://example.org/chan/1"


# --------------------------------------------------------------------------- samples

# (sample file, path served under, platform hint, expected subset)
CASES = [
    (
        "youtube_watch.html",
        "/watch",
        "youtube",
        {
            "title": "Пример видео: как это было",
            "views": 1234567,
            "available": True,
            "author": "Пример Канал",
            "channel_id": "UCuAXFkgsw1L7xaCfnd5JJOw",
            "video_id": "dQw4w9WgXcQ",
        },
    ),
    (
        "youtube_unavailable.html",
        "/watch-gone",
        "youtube",
        {"title": None, "views": None, "available": False, "reason": "Видео недоступно"},
    ),
    (
        "telegram_channel.html",
        "/s/examplechan/102",
        "telegram",
        {
            "title": "Пример канала",
            "views": 1200,
            "available": True,
            "post_id": 102,
            "subscribers": 12300,
            "published_at": "2024-03-02T11:30:00+00:00",
        },
    ),
    (
        "telegram_channel.html",
        "/s/examplechan/104",
        "telegram",
        {"views": 3_400_000, "available": True},
    ),
    (
        "telegram_channel.html",
        "/s/examplechan/103",  # deleted: not among the neighbours on the page
        "telegram",
        {"views": None, "available": False, "post_id": 103},
    ),
    (
        "vk_wall_post.html",
        "/wall-12345_678",
        "vk",
        {"title": "Пример сообщества", "views": 15327, "likes": 87, "available": True},
    ),
    ("vk_video.html", "/video-12345_456239017", "vk", {"views": 2412345}),
    ("vk_deleted.html", "/wall-1_2", "vk", {"available": False, "views": None}),
    (
        "rutube_video.html",
        "/video/0123456789abcdef0123456789abcdef/",
        "rutube",
        {"title": "Пример ролика", "views": 98765, "author": "Пример канал"},
    ),
    ("ok_video.html", "/video/1234567890123", "ok", {"title": "Пример видео на OK", "views": 4321}),
    (
        "tiktok_video.html",
        "/@someuser/video/7234567890123456789",
        "tiktok",
        {"views": 456789, "likes": 1200, "author": "someuser", "available": True},
    ),
    ("tiktok_sigi.html", "/@olduser/video/7111111111111111111", "tiktok", {"views": 3456}),
    ("tiktok_removed.html", "/@x/video/1", "tiktok", {"views": None, "available": False}),
    (
        "instagram_post.html",
        "/p/C0DEabc123/",
        "instagram",
        {"title": 'Some User on Instagram: "Caption text #tag"', "likes": 1234, "comments": 56},
    ),
    ("x_post.html", "/someuser/status/1", "x", {"title": "Some User on X", "views": None}),
    ("generic_page.html", "/article", None, {"title": "Twitter card title", "views": 12345}),
    (
        "generic_cp1251.html",
        "/forum/topic",
        None,
        {"title": "Тема: пример обсуждения", "views": 5678},
    ),
]


def _serve_sample(name: str):
    raw = (SAMPLES / name).read_bytes()
    # the cp1251 page comes without a charset parameter: the <meta> tag must be honoured
    ctype = "text/html" if "cp1251" in name else "text/html; charset=utf-8"
    return lambda r: send(r, 200, raw, ctype)


def test_samples_served_over_http(http_server, backend, resolver):
    for name, path, _platform, _expected in CASES:
        http_server.routes[path] = _serve_sample(name)
    items = [(i, http_server.url(path), platform) for i, (_, path, platform, _) in enumerate(CASES)]
    config = FetchConfig(allow_networks="127.0.0.1/32", resolver=resolver, per_host_rate=None)
    results = {r.key: r for r in fetch_all(items, config, backend)}
    assert len(results) == len(CASES)
    for i, (name, _path, platform, expected) in enumerate(CASES):
        res = results[i]
        assert res.ok, (name, res.error, res.error_detail)
        assert res.platform == (platform or "web")
        got = {
            "title": res.title,
            "views": res.views,
            "available": res.available,
            **res.extra,
        }
        for key, value in expected.items():
            assert got.get(key) == value, (name, key, got.get(key), value)
        assert res.excerpt is None or len(res.excerpt) <= EXCERPT_CHARS


def test_dispatch_by_url_without_hint():
    html = (SAMPLES / "telegram_channel.html").read_text()
    data = extract(html, "https://t.me/s/examplechan/101")
    assert data.platform == "telegram" and data.views == 856
    assert data.fields["post_text"] == "Первое сообщение канала."
    assert data.excerpt == "Первое сообщение канала."
    yt = extract((SAMPLES / "youtube_watch.html").read_text(), "https://youtu.be/dQw4w9WgXcQ")
    assert yt.platform == "youtube" and yt.views == 1234567


def test_youtube_meta_fallback_without_player_json():
    html = (
        "<html><head><title>Only meta - YouTube</title></head><body>"
        '<div itemscope itemtype="http://schema.org/VideoObject">'
        '<meta itemprop="interactionCount" content="777"></div></body></html>'
    )
    data = extract(html, "https://www.youtube.com/watch?v=x", "youtube")
    assert data.title == "Only meta" and data.views == 777


def test_vk_json_counter_fallback():
    html = '<html><body><script>var d = {"views":{"count":4242}};</script></body></html>'
    assert extract(html, "https://vk.com/wall-1_1").views == 4242


def test_generic_meta_priority_and_excerpt():
    html = (SAMPLES / "generic_page.html").read_text()
    data = extract(html, "https://example.org/article")
    assert data.title == "Twitter card title"
    assert data.description == "Plain meta description."
    assert "not visible" not in data.excerpt
    assert data.excerpt.startswith("Home · About Example article First paragraph")
    og = extract(
        '<html><head><meta property="og:title" content="OG"><title>T</title></head></html>', "x"
    )
    assert og.title == "OG"


def test_excerpt_is_capped():
    html = "<html><body>" + "<p>слово </p>" * 2000 + "</body></html>"
    data = extract(html, "https://example.org/")
    assert len(data.excerpt) == EXCERPT_CHARS


@pytest.mark.parametrize(
    "html",
    [
        "",
        "   ",
        "not html at all",
        "<html><body><div>" * 5000,
        '<?xml version="1.0" encoding="utf-8"?><html><title>X</title></html>',
        "<script>var ytInitialPlayerResponse = {broken json</script>",
        '<script id="__UNIVERSAL_DATA_FOR_REHYDRATION__">{"x": [</script>',
        b"\x00\x01\x02 binary",
    ],
)
def test_extract_never_raises(html):
    for platform in ("youtube", "vk", "telegram", "tiktok", "ok", "rutube", "instagram", "web"):
        extract(html, "https://example.org/s/a/1", platform)
