"""The Telegram channel preview (t.me/s/NAME) parser on saved pages."""

from datetime import UTC, datetime

import pytest
from django.utils import translation

from sources.parsers import FailureCode, ParseFailed, parse

from .conftest import saved

URL = "https://t.me/s/demo_channel"


@pytest.fixture(scope="module")
def page():
    return parse("telegram", saved("telegram_channel.html"), URL)


def test_every_post_becomes_an_item_in_page_order(page):
    assert [item.url for item in page.items] == [
        f"https://t.me/demo_channel/{n}" for n in range(101, 121)
    ]
    assert page.title == "Demo Channel"


def test_post_time_text_and_views(page):
    first = page.items[0]
    assert first.published_at == datetime(2026, 11, 28, 6, 0, tzinfo=UTC)
    assert first.text == "Доброе утро! Сводка новостей демонстрационного канала на сегодня."
    assert first.views == 512
    assert [item.views for item in page.items[1:3]] == [1100, 12300]
    assert page.items[8].views == 1_200_000


def test_photos_albums_and_videos_are_media(page):
    by_id = {item.url.rsplit("/", 1)[1]: item for item in page.items}
    assert by_id["102"].media == ("https://cdn4.cdn-telegram.org/file/demo102a.jpg",)
    assert by_id["106"].media == tuple(
        f"https://cdn4.cdn-telegram.org/file/demo106album{k}.jpg" for k in range(3)
    )
    assert by_id["104"].media == ("https://cdn4.cdn-telegram.org/file/demo104.mp4?token=demo",)
    assert by_id["101"].media == ()
    # the link preview's picture belongs to the linked site, not to the post
    assert by_id["107"].media == ()


def test_forwarded_post_is_the_channels_own_post(page):
    forwarded = page.items[2]
    assert forwarded.url == "https://t.me/demo_channel/103"
    assert "other_demo_news" not in forwarded.url
    assert forwarded.text == "Пересланное сообщение из другого демонстрационного канала."


def test_text_is_plain_and_whitespace_normalised(page):
    assert page.items[4].text == "Только текст, без вложений. Вторая строка текста."
    assert page.items[7].text == "Текст с жирным словом и эмодзи 👍"
    assert page.items[15].text == ""  # a photo without a caption


def test_older_posts_link_is_the_next_page(page):
    assert page.next_url == "https://t.me/s/demo_channel?before=101"


def test_empty_public_channel_is_an_empty_page_not_a_failure():
    page = parse(
        "telegram", saved("telegram_empty_channel.html"), "https://t.me/s/quiet_demo_channel"
    )
    assert page.items == ()
    assert page.next_url is None
    assert page.title == "Quiet Demo Channel"


def test_unknown_name_fails_as_not_found():
    with pytest.raises(ParseFailed) as failed:
        parse("telegram", saved("telegram_not_found.html"), "https://t.me/no_such_demo_channel")
    assert failed.value.code == FailureCode.NOT_FOUND
    with translation.override("ru"):
        assert "Telegram" in str(failed.value) and "канал" in str(failed.value)


def test_name_without_preview_fails_as_not_public():
    with pytest.raises(ParseFailed) as failed:
        parse("telegram", saved("telegram_no_preview.html"), "https://t.me/demo_private_person")
    assert failed.value.code == FailureCode.NOT_PUBLIC


def test_some_other_html_page_fails_as_not_a_feed():
    with pytest.raises(ParseFailed) as failed:
        parse("telegram", saved("pattern_page.html"), URL)
    assert failed.value.code == FailureCode.NOT_A_FEED


def test_posts_whose_markup_changed_fail_instead_of_finding_nothing():
    body = saved("telegram_channel.html").replace(b'data-post="demo_channel/', b'data-x="')
    with pytest.raises(ParseFailed) as failed:
        parse("telegram", body, URL)
    assert failed.value.code == FailureCode.EMPTY_UNEXPECTEDLY
    with translation.override("kk"):
        assert "20" in str(failed.value)


def test_hostile_values_in_a_post_are_dropped():
    body = (
        saved("telegram_channel.html")
        .replace(
            b"background-image:url('https://cdn4.cdn-telegram.org/file/demo102a.jpg')",
            b"background-image:url('javascript:alert(1)')",
        )
        .replace(
            b'src="https://cdn4.cdn-telegram.org/file/demo104.mp4?token=demo"',
            b'src="data:video/mp4;base64,AAAA"',
        )
        .replace(b'data-post="demo_channel/105"', b'data-post="../../evil/105"')
    )
    page = parse("telegram", body, URL)
    by_id = {item.url.rsplit("/", 1)[1]: item for item in page.items}
    assert by_id["102"].media == ()
    assert by_id["104"].media == ("https://cdn4.cdn-telegram.org/file/demo104thumb.jpg",)
    assert "105" not in by_id and len(page.items) == 19


def test_next_page_pointing_at_the_page_itself_is_refused():
    body = saved("telegram_channel.html")
    page = parse("telegram", body, "https://t.me/s/demo_channel?before=101")
    assert page.next_url is None


def test_a_login_page_instead_of_the_preview_is_not_public():
    body = b"""<!DOCTYPE html><html><head><title>Telegram Web</title></head><body>
      <div class="login_page"><form class="login_form" action="/auth/login" method="post">
      <input name="phone"><button>Log in</button></form></div></body></html>"""
    with pytest.raises(ParseFailed) as failed:
        parse("telegram", body, URL)
    assert failed.value.code == FailureCode.NOT_PUBLIC
    with translation.override("ru"):
        assert str(failed.value) == "Telegram потребовал войти в систему вместо показа канала."
