"""RSS 2.0, Atom and RDF feeds (feedparser behind the guarded XML parser)."""

from datetime import UTC, datetime

import pytest

from sources.parsers import FailureCode, ParseFailed, parse

from .conftest import saved


def test_rss2_items_in_windows_1251():
    page = parse("rss", saved("rss2.xml"), "https://news.demo.example/rss.xml")
    assert page.title == "Демо-новости"
    assert [item.url for item in page.items] == [
        "https://news.demo.example/2026/12/01/first-demo",
        "https://news.demo.example/2026/11/30/second-demo",  # relative link resolved
        "https://news.demo.example/2026/11/29/third-demo",
    ]  # the javascript: link is dropped, the repeated link kept once
    first, second, third = page.items
    assert first.title == "Первая демо-новость"
    assert first.text == "Краткое описание первой новости. Второй абзац."  # no script text
    assert first.published_at == datetime(2026, 12, 1, 3, 30, tzinfo=UTC)
    assert first.media == ("https://news.demo.example/img/first.jpg",)
    assert second.text == "Полный текст второй новости."  # content:encoded wins
    assert second.media == ("https://news.demo.example/video/second.mp4",)
    assert third.media == ("https://news.demo.example/img/third.png",)  # data: dropped
    assert page.next_url == "https://news.demo.example/rss.xml?page=2"


def test_atom_entries_and_the_self_loop_next_link_refused():
    page = parse("rss", saved("atom.xml"), "https://blog.demo.example/atom.xml")
    assert page.title == "Демо блог"
    assert [item.url for item in page.items] == [
        "https://blog.demo.example/posts/1",
        "https://blog.demo.example/posts/2",
    ]
    assert page.items[0].title == "Бірінші демо жазба"
    assert page.items[0].text == "Толық мәтін: бірінші жазба."
    assert page.items[0].published_at == datetime(2026, 12, 2, 4, 0, tzinfo=UTC)
    assert page.items[1].media == ("https://blog.demo.example/media/2.jpg",)
    assert page.next_url is None


def test_rdf_items():
    page = parse("rss", saved("rdf.xml"), "https://old.demo.example/index.rdf")
    assert [item.title for item in page.items] == ["RDF demo item one", "RDF demo item two"]
    assert page.items[1].published_at == datetime(2026, 11, 21, tzinfo=UTC)


def test_valid_feed_without_entries_is_an_empty_page():
    body = b'<rss version="2.0"><channel><title>Quiet</title><link>https://q.example/</link></channel></rss>'
    page = parse("rss", body, "https://q.example/rss")
    assert page.items == () and page.title == "Quiet"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (saved("telegram_channel.html"), FailureCode.NOT_A_FEED),
        (saved("sitemap.xml"), FailureCode.NOT_A_FEED),
        (
            b'<rss version="2.0"><item><link>https://a.example/1</link></item></rss>',
            FailureCode.EMPTY_UNEXPECTEDLY,
        ),
        (
            b'<rss version="2.0"><channel><item><link>javascript:alert(1)</link></item>'
            b"</channel></rss>",
            FailureCode.EMPTY_UNEXPECTEDLY,
        ),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", FailureCode.UNREADABLE),
        (b"", FailureCode.UNREADABLE),
        (b"   \n", FailureCode.UNREADABLE),
    ],
    ids=[
        "html",
        "sitemap",
        "rss-without-channel",
        "only-javascript-links",
        "png",
        "empty",
        "blank",
    ],
)
def test_what_is_not_a_readable_feed_fails_with_a_reason(body, code):
    with pytest.raises(ParseFailed) as failed:
        parse("rss", body, "https://a.example/feed")
    assert failed.value.code == code
    assert str(failed.value)


def test_header_charset_applies_only_when_the_document_names_none():
    unlabelled = (
        '<rss version="2.0"><channel><title>Лента</title><item><title>Запись</title>'
        "<link>https://a.example/1</link></item></channel></rss>"
    ).encode("cp1251")
    page = parse(
        "rss", unlabelled, "https://a.example/feed", content_type="text/xml; charset=windows-1251"
    )
    assert page.title == "Лента" and page.items[0].title == "Запись"
    # the prolog says windows-1251, the (wrong) header says utf-8: the prolog wins
    page = parse(
        "rss", saved("rss2.xml"), "https://a.example/feed", content_type="text/xml; charset=utf-8"
    )
    assert page.title == "Демо-новости"
