"""Telegram: the public web preview of a channel, ``https://t.me/s/NAME``.

Each post is a ``div.tgme_widget_message`` with ``data-post="NAME/ID"`` inside
``section.tgme_channel_history``; its text is ``.tgme_widget_message_text``, its time
``<time datetime>`` inside ``a.tgme_widget_message_date``, its views
``.tgme_widget_message_views`` ("12.3K"), its photos ``background-image:url('…')`` on
``a.tgme_widget_message_photo_wrap`` and its videos ``<video src>`` (or the thumbnail's
background image when the video is not embedded). The older posts are behind
``a.tme_messages_more[data-before]`` (``/s/NAME?before=ID``).

A name without a public preview (no such channel, a private channel, a person, a bot) is
answered by Telegram with a redirect to ``t.me/NAME``: a ``div.tgme_page`` card instead of
the history. That is a failure, never an empty channel.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from checks.fetch.extractors import parse_count

from .base import FailureCode, ItemList, Page, ParseFailed, absolute_url, next_page, parse_datetime
from .markup import parse_html, text_of

_BACKGROUND = re.compile(r"background-image\s*:\s*url\(\s*['\"]?([^'\")]+)['\"]?\s*\)", re.I)
_POST_REF = re.compile(r"^([A-Za-z0-9_]{3,64})/(\d{1,12})$")


def _has_class(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def _first(element, xpath: str):
    found = element.xpath(xpath)
    return found[0] if found else None


def background_url(style: str | None) -> str | None:
    if not style:
        return None
    match = _BACKGROUND.search(style[:4096])
    return match.group(1) if match else None


def parse(body: bytes, url: str, content_type: str | None = None) -> Page:
    root = parse_html(body, content_type)
    history = _first(root, f"//section[{_has_class('tgme_channel_history')}]")
    if history is None:
        _raise_not_a_channel(root)
    title = text_of(_first(root, f"//*[{_has_class('tgme_channel_info_header_title')}]"), 600)
    items = ItemList()
    for message in history.xpath(f".//div[{_has_class('tgme_widget_message')}]"):
        if items.full:
            break
        if "service_message" in (message.get("class") or ""):
            continue
        items.candidates += 1
        _add_message(items, message, url)
    items.require_some(pgettext_lazy("parsed page", "posts"))
    more = _first(history, f".//a[{_has_class('tme_messages_more')}][@data-before]")
    following = next_page(more.get("href"), url) if more is not None else None
    return items.page(following, title)


def _add_message(items: ItemList, message, page_url: str) -> None:
    ref = _POST_REF.match((message.get("data-post") or "").strip())
    if ref is None:
        return
    post_url = absolute_url(f"https://t.me/{ref.group(1)}/{ref.group(2)}", page_url)
    when = _first(message, f".//a[{_has_class('tgme_widget_message_date')}]/time[@datetime]")
    if when is None:
        when = _first(message, ".//time[@datetime]")
    views = _first(message, f".//*[{_has_class('tgme_widget_message_views')}]")
    text = _first(message, f".//div[{_has_class('tgme_widget_message_text')}]")
    if text is not None:
        for br in text.iter("br"):
            br.tail = "\n" + (br.tail or "")
    media: list[str | None] = []
    for photo in message.xpath(f".//a[{_has_class('tgme_widget_message_photo_wrap')}]"):
        media.append(absolute_url(background_url(photo.get("style")), page_url))
    for video in message.xpath(".//video[@src]"):  # videos, GIFs and round videos
        media.append(absolute_url(video.get("src"), page_url))
    if not any(media):
        for thumb in message.xpath(f".//*[{_has_class('tgme_widget_message_video_thumb')}]"):
            media.append(absolute_url(background_url(thumb.get("style")), page_url))
    items.add(
        post_url,
        published_at=parse_datetime(when.get("datetime")) if when is not None else None,
        text=text_of(text),
        media=media,
        views=parse_count(text_of(views, 64)) if views is not None else None,
    )


def _raise_not_a_channel(root) -> None:
    """Say what Telegram answered instead of a channel preview."""
    card = _first(root, f"//div[{_has_class('tgme_page')}]")
    if card is not None:
        if _first(card, f".//*[{_has_class('tgme_page_title')}]") is None:
            raise ParseFailed(
                FailureCode.NOT_FOUND,
                _("Telegram has no channel with this name (it answered with its contact card)."),
            )
        raise ParseFailed(
            FailureCode.NOT_PUBLIC,
            _(
                "This Telegram name has no public web preview: it is a private channel, "
                "a group, a person or a bot, or the channel turned its preview off."
            ),
        )
    if root.xpath("//form[contains(@action, 'login')] | //*[contains(@class, 'login')]"):
        raise ParseFailed(
            FailureCode.NOT_PUBLIC, _("Telegram asked to log in instead of showing the channel.")
        )
    raise ParseFailed(
        FailureCode.NOT_A_FEED,
        _("The page is not a Telegram channel preview (t.me/s/…): no post history on it."),
    )
