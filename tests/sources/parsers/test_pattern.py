"""Pattern sources: the links of any page that match the source's regular expression."""

import time

import pytest
from django.utils import translation

from sources.parsers import FailureCode, ParseFailed, compile_pattern, parse
from sources.parsers import pattern as pattern_module

from .conftest import saved

URL = "https://forum.demo.example/forum/new"
TOPICS = r"^https://forum\.demo\.example/forum/topic/\d+"


def test_matching_links_resolved_against_the_page_url_not_its_base_tag():
    page = parse("pattern", saved("pattern_page.html"), URL, pattern=TOPICS)
    assert [item.url for item in page.items] == [
        "https://forum.demo.example/forum/topic/1001-demo-first",
        "https://forum.demo.example/forum/topic/1002-demo-second?utm_source=list",
        "https://forum.demo.example/forum/topic/1003-demo-third",
    ]  # the #last anchor is the same topic; javascript:, data:, mailto: and other hosts left out
    assert page.items[0].text == page.items[0].title == "Первая демо тема"
    assert page.title == "Форум демо — Новые темы"
    assert page.next_url is None


def test_a_page_with_no_matching_links_is_an_empty_page():
    page = parse("pattern", saved("pattern_page.html"), URL, pattern=r"/no-such-section/")
    assert page.items == ()


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        ("", "needs a link pattern"),
        ("(unclosed", "not a valid regular expression"),
        ("a" * 501, "at most 500"),
        (r"(a+)+$", "repeats a repetition"),
        (r"^https://x/(\w*\d?)*end", "repeats a repetition"),
        (r"(a)\1", "Back-references"),
        (r"(?:a{100}){100}", "repeats too many times"),
        (r"x{5000}", "repeats too many times"),
    ],
)
def test_unusable_patterns_are_refused_with_the_reason(pattern, words):
    with pytest.raises(ParseFailed) as failed:
        compile_pattern(pattern)
    assert failed.value.code == FailureCode.BAD_PATTERN
    with translation.override("en"):
        assert words in str(failed.value)


def test_refused_pattern_reason_is_translated():
    with pytest.raises(ParseFailed) as failed:
        compile_pattern(r"(a+)+$")
    with translation.override("ru"):
        russian = str(failed.value)
    with translation.override("kk"):
        kazakh = str(failed.value)
    assert russian != kazakh
    assert "(a+)+" in russian and "(a+)+" in kazakh


def test_bounded_repeats_inside_a_repeat_are_allowed():
    compiled = compile_pattern(r"^https://t\.me/(?:[a-z]{2}_)+\d+$")
    assert compiled.search("https://t.me/ab_cd_12")


def test_overlapping_alternatives_run_out_of_time_instead_of_hanging():
    """(x|xx)+ passes the static check; the timeout stops it on a long non-matching link."""
    links = "".join(
        f'<a href="https://forum.demo.example/{"x" * 2000}{n}!">t</a>' for n in range(3)
    )
    body = f"<html><body>{links}</body></html>".encode()
    started = time.monotonic()
    with pytest.raises(ParseFailed) as failed:
        parse("pattern", body, URL, pattern=r"^https://forum\.demo\.example/(x|xx)+$")
    assert failed.value.code == FailureCode.BAD_PATTERN
    assert time.monotonic() - started < 5


def test_without_the_regex_module_the_static_checks_still_apply(monkeypatch):
    monkeypatch.setattr(pattern_module, "regex", None)
    compiled = compile_pattern(TOPICS)
    assert compiled.use_regex is False
    page = parse("pattern", saved("pattern_page.html"), URL, pattern=compiled)
    assert len(page.items) == 3
    with pytest.raises(ParseFailed):
        compile_pattern(r"(a*)*b")


def test_page_work_is_bounded_by_the_link_cap(monkeypatch):
    monkeypatch.setattr(pattern_module, "MAX_LINKS", 10)
    links = "".join(f'<a href="/forum/topic/{n}">t{n}</a>' for n in range(100))
    page = parse("pattern", f"<html><body>{links}</body></html>".encode(), URL, pattern=TOPICS)
    assert len(page.items) == 10
