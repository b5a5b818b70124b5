"""The shared rules: which URLs an item may carry, the caps, the package's import."""

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from hypothesis import given
from hypothesis import strategies as st

from sources.parsers import MAX_ITEMS, parse
from sources.parsers.base import (
    ItemList,
    absolute_url,
    clean_text,
    next_page,
    parse_datetime,
    utc_from_timestamp,
)

BASE = "https://a.example/dir/page?x=1"
ROOT = Path(__file__).resolve().parents[3]

url_like = st.one_of(
    st.text(max_size=80),
    st.builds(
        lambda scheme, rest: f"{scheme}{rest}",
        st.sampled_from(
            ["http://", "https://", "javascript:", "data:", "//", "/", "ftp://", "HTTPS://", " "]
        ),
        st.text(max_size=60),
    ),
)


@given(url_like)
def test_an_item_url_is_always_an_absolute_web_address_or_nothing(value):
    result = absolute_url(value, BASE)
    if result is not None:
        parts = urlsplit(result)
        assert parts.scheme in ("http", "https")
        assert parts.hostname
        assert "#" not in result
        assert not any(ch in result for ch in " \t\r\n\x00")


@given(url_like)
def test_a_next_page_is_never_the_page_itself(value):
    result = next_page(value, BASE)
    assert result is None or result != BASE.split("#")[0]


def test_relative_addresses_resolve_and_dangerous_ones_do_not():
    assert absolute_url("../other", BASE) == "https://a.example/other"
    assert absolute_url("//cdn.example/x.jpg", BASE) == "https://cdn.example/x.jpg"
    for bad in ("javascript:alert(1)", " JavaScript:alert(1)", "data:,x", "mailto:a@b", "tg://x"):
        assert absolute_url(bad, BASE) is None
    assert absolute_url("https://a.example/" + "x" * 3000, BASE) is None
    assert absolute_url("https://a.example:99999/", BASE) is None


@given(st.text(max_size=20000))
def test_clean_text_is_bounded_and_single_spaced(value):
    text = clean_text(value)
    assert len(text) <= 4000
    assert "  " not in text and "\n" not in text and text == text.strip()


def test_item_list_dedupes_caps_and_keeps_order():
    items = ItemList()
    for n in range(MAX_ITEMS + 50):
        items.add(f"https://a.example/{n % (MAX_ITEMS + 10)}", media=["https://m/1"] * 20)
    page = items.page(None)
    assert len(page.items) == MAX_ITEMS
    assert page.items[0].url == "https://a.example/0"
    assert page.items[0].media == ("https://m/1",)


def test_dates():
    assert parse_datetime("2026-12-01T10:00:00Z") == datetime(2026, 12, 1, 10, tzinfo=UTC)
    assert parse_datetime("2026-12-01") == datetime(2026, 12, 1, tzinfo=UTC)
    assert parse_datetime("yesterday") is None
    assert utc_from_timestamp("1764487800") == datetime(2025, 11, 30, 7, 30, tzinfo=UTC)
    assert utc_from_timestamp("10" * 20) is None


def test_a_text_body_is_accepted_as_utf8():
    page = parse("rss", '<rss version="2.0"><channel><title>Ә</title></channel></rss>', BASE)
    assert page.title == "Ә"


def test_the_package_imports_without_django_settings():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    done = subprocess.run(
        [sys.executable, "-c", "import sources.parsers, sources.parsers.urls"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr


def test_charsets_libxml2_does_not_know_are_decoded_by_python():
    for charset, words in (
        ("kz1048", "Қазақстан жаңалықтары"),
        ("utf-8-sig", "Қазақстан жаңалықтары"),
        ("mac-cyrillic", "Новости дня"),
    ):
        body = f'<html><body><a href="/t/1">{words}</a></body></html>'.encode(charset)
        content_type = f"text/html; charset={charset}"
        page = parse("pattern", body, BASE, content_type=content_type, pattern="/t/")
        assert page.items[0].text == words, charset
    feed = '<rss version="2.0"><channel><title>Қазақ арнасы</title></channel></rss>'
    page = parse("rss", feed.encode("kz1048"), BASE, content_type="text/xml; charset=kz1048")
    assert page.title == "Қазақ арнасы"
