"""The VK wall parser on saved desktop pages (windows-1251)."""

from datetime import UTC, datetime

import pytest
from django.utils import translation

from sources.parsers import FailureCode, ParseFailed, parse

from .conftest import saved

URL = "https://vk.com/demo_public"
CP1251 = "text/html; charset=windows-1251"


@pytest.fixture(scope="module")
def page():
    return parse("vk", saved("vk_wall.html"), URL, content_type=CP1251)


def test_every_wall_post_becomes_an_item(page):
    assert [item.url for item in page.items] == [
        f"https://vk.com/wall-210987654_{n}" for n in (789, 788, 787, 786, 785)
    ]
    assert page.title == "Демо Паблик"


def test_post_time_comes_from_the_unix_time_attribute(page):
    assert page.items[0].published_at == datetime(2026, 11, 30, 7, 30, tzinfo=UTC)
    assert page.items[1].published_at == datetime(2026, 11, 30, 0, 30, tzinfo=UTC)


def test_text_is_decoded_from_windows_1251_with_character_references(page):
    assert page.items[0].text.startswith("Доброе утро, подписчики демонстрационного сообщества!")
    assert page.items[3].text == "Қазақ тіліндегі демо-жазба."


def test_exact_views_from_the_title_not_the_rounded_text(page):
    assert [item.views for item in page.items] == [15327, 2041, None, 987, 1204567]


def test_photo_thumbnails_and_video_pages_are_media(page):
    assert page.items[0].media == (
        "https://sun9-77.userapi.com/impg/demo789.jpg?size=510x340&quality=96&sign=demo&type=album",
    )
    assert page.items[1].media[1] == "https://vk.com/video-210987654_45623788"
    assert len(page.items[4].media) == 3
    assert page.items[2].media == ()


def test_show_more_link_is_the_next_page(page):
    assert page.next_url == "https://vk.com/wall-210987654?own=1&offset=10"


def test_without_the_header_charset_the_page_meta_charset_is_used():
    page = parse("vk", saved("vk_wall.html"), URL)
    assert page.items[0].text.startswith("Доброе утро")


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("vk_captcha.html", FailureCode.BLOCKED),
        ("vk_closed.html", FailureCode.NOT_PUBLIC),
        ("vk_not_found.html", FailureCode.NOT_FOUND),
        ("telegram_channel.html", FailureCode.NOT_A_FEED),
    ],
)
def test_pages_without_a_wall_say_why(name, code):
    with pytest.raises(ParseFailed) as failed:
        parse("vk", saved(name), URL, content_type=CP1251 if name.startswith("vk") else None)
    assert failed.value.code == code
    with translation.override("ru"):
        assert "VK" in str(failed.value)


def test_empty_wall_is_an_empty_page():
    body = saved("vk_wall.html")
    start = body.index(b'<div id="page_wall_posts"')
    end = body.index(b'<a id="wall_more_link"')
    empty = body[:start] + b'<div id="page_wall_posts" class="page_wall_posts"></div>' + body[end:]
    page = parse("vk", empty, URL, content_type=CP1251)
    assert page.items == ()
