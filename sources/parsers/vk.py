"""VK: the public wall of a community or person, ``https://vk.com/NAME`` (desktop markup).

The desktop page is what VK serves a visitor who is not logged in (windows-1251, the
charset comes from the Content-Type header). The wall is ``#page_wall_posts``; each post a
``div._post`` with ``data-post-id="-123_456"`` (the post is ``vk.com/wall-123_456``), its
text ``.wall_post_text``, its time ``span.rel_date[time]`` (Unix seconds; the visible
"today at 12:30" is not read), its views ``.like_views[title]`` ("15 327 views"; the
rounded text "15K" only when the title is missing), its photos and video thumbnails
``a.page_post_thumb_wrap`` with a ``background-image``, its videos ``data-video``. The older
posts are behind ``a#wall_more_link`` (``?offset=N``).

Without a wall the page says why: a captcha or "access restricted" (BLOCKED), a closed
community or a login form (NOT_PUBLIC), a deleted or blocked page (NOT_FOUND).
"""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from checks.fetch.extractors import parse_count

from .base import (
    FailureCode,
    ItemList,
    Page,
    ParseFailed,
    absolute_url,
    next_page,
    utc_from_timestamp,
)
from .markup import parse_html, text_of
from .telegram import background_url

_POST_ID = re.compile(r"^-?\d{1,12}_\d{1,12}$")
_VIDEO_ID = re.compile(r"^-?\d{1,12}_\d{1,12}$")

#: Words of VK's own pages, lowercased: what it shows instead of a wall.
_BLOCKED = (
    "captcha",
    "капча",
    "введите код с картинки",
    "enter the code from the picture",
    "доступ к странице ограничен",
    "access to the page is restricted",
    "слишком много запросов",
    "too many requests",
)
_NOT_PUBLIC = (
    "это закрытое сообщество",
    "this is a closed community",
    "это частное сообщество",
    "this is a private community",
    "страница доступна только авторизованным",
    "войдите на сайт или зарегистрируйтесь",
    "log in or sign up to view",
)
_NOT_FOUND = (
    "страница удалена либо ещё не создана",
    "page has been deleted or has not been created yet",
    "сообщество заблокировано",
    "this community has been blocked",
    "страница заблокирована",
    "this page has been blocked",
    "страница удалена",
    "this page has been deleted",
)


def _has_class(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def _first(element, xpath: str):
    found = element.xpath(xpath)
    return found[0] if found else None


def parse(body: bytes, url: str, content_type: str | None = None) -> Page:
    root = parse_html(body, content_type)
    wall = _first(root, "//*[@id='page_wall_posts']")
    if wall is None:
        _raise_no_wall(root)
    title = text_of(_first(root, "//h1[contains(@class, 'page_name')]"), 600)
    if not title:
        title = text_of(_first(root, "//title"), 600)
    items = ItemList()
    for post in wall.xpath(f".//div[{_has_class('_post')}][@data-post-id]"):
        if items.full:
            break
        items.candidates += 1
        _add_post(items, post, url)
    items.require_some(pgettext_lazy("parsed page", "posts"))
    more = _first(root, "//a[@id='wall_more_link'][@href]")
    following = next_page(more.get("href"), url) if more is not None else None
    return items.page(following, title)


def _add_post(items: ItemList, post, page_url: str) -> None:
    post_id = (post.get("data-post-id") or "").strip()
    if not _POST_ID.match(post_id):
        return
    when = _first(post, f".//span[{_has_class('rel_date')}][@time]")
    text = _first(post, f".//div[{_has_class('wall_post_text')}]")
    if text is not None:
        for br in text.iter("br"):
            br.tail = "\n" + (br.tail or "")
    views = None
    counter = _first(post, f".//*[{_has_class('like_views')}]")
    if counter is not None:
        views = parse_count(counter.get("title")) or parse_count(text_of(counter, 64))
    media: list[str | None] = []
    for thumb in post.xpath(f".//a[{_has_class('page_post_thumb_wrap')}]"):
        media.append(absolute_url(background_url(thumb.get("style")), page_url))
        video = (thumb.get("data-video") or "").strip()
        if _VIDEO_ID.match(video):
            media.append(f"https://vk.com/video{video}")
    items.add(
        absolute_url(f"https://vk.com/wall{post_id}", page_url),
        published_at=utc_from_timestamp(when.get("time")) if when is not None else None,
        text=text_of(text),
        media=media,
        views=views,
    )


def _raise_no_wall(root) -> None:
    page_text = " ".join(text_of(root.find("body"), 20000).split()).lower()
    title = " ".join(text_of(root.find(".//title"), 300).split()).lower()
    if (
        root.xpath("//*[contains(@class, 'captcha')] | //form[contains(@action, 'challenge')]")
        or "challenge" in title
        or any(marker in page_text or marker in title for marker in _BLOCKED)
    ):
        raise ParseFailed(
            FailureCode.BLOCKED,
            _("VK showed a captcha or an access restriction instead of the wall; try later."),
        )
    if any(marker in page_text for marker in _NOT_FOUND):
        raise ParseFailed(
            FailureCode.NOT_FOUND, _("VK says this page was deleted, blocked or never existed.")
        )
    if any(marker in page_text for marker in _NOT_PUBLIC) or root.xpath(
        "//form[@id='login_form' or @id='quick_login_form' or contains(@action, 'login')]"
    ):
        raise ParseFailed(
            FailureCode.NOT_PUBLIC,
            _("VK shows this wall only to logged-in members (a closed or private page)."),
        )
    raise ParseFailed(
        FailureCode.NOT_A_FEED, _("The page is not a VK wall: no posts container on it.")
    )
