"""The YouTube feed parser on saved channel and playlist feeds."""

from datetime import UTC, datetime

import pytest

from sources.parsers import FailureCode, ParseFailed, parse

from .conftest import saved

CHANNEL = "UCdEmOcHaNnEl0000000000A"
URL = f"https://www.youtube.com/feeds/videos.xml?channel_id={CHANNEL}"


@pytest.fixture(scope="module")
def page():
    return parse("youtube", saved("youtube_channel.xml"), URL)


def test_channel_feed_lists_its_fifteen_videos(page):
    assert len(page.items) == 15
    assert page.title == "Demo Channel"
    assert page.next_url is None
    assert page.items[0].url == "https://www.youtube.com/watch?v=dEmOvId0001"
    assert page.items[2].url == "https://www.youtube.com/shorts/dEmOvId0003"


def test_video_fields(page):
    video = page.items[0]
    assert video.title == "Демо-видео 1: выдуманный ролик"
    assert video.text == "Описание демонстрационного видео номер 1. Вторая строка описания."
    assert video.published_at == datetime(2026, 11, 29, 11, 0, 1, tzinfo=UTC)
    assert video.views == 1007
    assert video.media == ("https://i2.ytimg.com/vi/dEmOvId0001/hqdefault.jpg",)


def test_playlist_feed():
    page = parse(
        "youtube",
        saved("youtube_playlist.xml"),
        "https://www.youtube.com/feeds/videos.xml?playlist_id=PLx",
    )
    assert page.title == "Demo Playlist"
    assert [item.views for item in page.items] == [50, 100, 150, 200]


def test_entry_without_a_link_falls_back_to_its_video_id():
    body = saved("youtube_channel.xml").replace(
        b'<link rel="alternate" href="https://www.youtube.com/watch?v=dEmOvId0001"/>', b""
    )
    page = parse("youtube", body, URL)
    assert page.items[0].url == "https://www.youtube.com/watch?v=dEmOvId0001"


def test_channel_without_videos_is_an_empty_page():
    body = saved("youtube_channel.xml")
    empty = body[: body.index(b"<entry>")] + b"</feed>"
    assert parse("youtube", empty, URL).items == ()


def test_html_instead_of_the_feed_is_not_a_feed():
    with pytest.raises(ParseFailed) as failed:
        parse("youtube", saved("telegram_channel.html"), URL)
    assert failed.value.code == FailureCode.NOT_A_FEED


def test_another_feed_is_not_a_youtube_feed():
    with pytest.raises(ParseFailed) as failed:
        parse("youtube", saved("rss2.xml"), URL)
    assert failed.value.code == FailureCode.NOT_A_FEED
    assert "rss" in str(failed.value)


def test_atom_without_entries_or_youtube_ids_is_not_understood():
    body = b'<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title></feed>'
    with pytest.raises(ParseFailed) as failed:
        parse("youtube", body, URL)
    assert failed.value.code == FailureCode.EMPTY_UNEXPECTEDLY
