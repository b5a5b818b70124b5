"""Sitemaps (sitemaps.org 0.9): a ``<urlset>`` of pages, or a ``<sitemapindex>`` of sitemaps.

* ``<urlset>``: every ``<url><loc>`` is an item, ``<lastmod>`` (or Google News'
  ``news:publication_date``) its time, ``news:title`` its title and text, ``image:loc`` and
  ``video:content_loc`` / ``video:thumbnail_loc`` its media. ``next_url`` is ``None``.
* ``<sitemapindex>``: no items; ``next_url`` is the child sitemap modified last (by
  ``<lastmod>``; without dates, the last one listed, since sites append new sitemaps at the
  end). New content appears in the freshest child, so one watch reads the index and then
  that one sitemap: two fetches, bounded, instead of walking hundreds of old sitemaps.
  The watch task's cap on pages per cycle bounds a chain of indexes.

A gzip-compressed sitemap (``sitemap.xml.gz`` served as ``application/gzip``) is unpacked in
bounded steps up to :data:`.base.MAX_BODY_BYTES`.
"""

from __future__ import annotations

import zlib
from datetime import UTC, datetime

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .base import (
    MAX_BODY_BYTES,
    FailureCode,
    ItemList,
    Page,
    ParseFailed,
    absolute_url,
    next_page,
    parse_datetime,
)
from .markup import local_name, parse_xml, text_of

SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
_OLDEST = datetime.min.replace(tzinfo=UTC)


def gunzip(body: bytes) -> bytes:
    """``body`` unpacked if it is gzip, refusing more than MAX_BODY_BYTES of output."""
    if not body.startswith(b"\x1f\x8b"):
        return body
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out: list[bytes] = []
    size = 0
    try:
        for start in range(0, len(body), 65536):
            chunk = body[start : start + 65536]
            while chunk:
                piece = inflater.decompress(chunk, 65536)
                size += len(piece)
                if size > MAX_BODY_BYTES:
                    raise ParseFailed(
                        FailureCode.TOO_LARGE,
                        _("The compressed sitemap unpacks to more than %(limit)s MB."),
                        {"limit": MAX_BODY_BYTES // (1024 * 1024)},
                    )
                out.append(piece)
                chunk = inflater.unconsumed_tail
    except zlib.error as exc:
        raise ParseFailed(
            FailureCode.UNREADABLE, _("The compressed sitemap is corrupt."), detail=str(exc)
        ) from None
    return b"".join(out)


def _children(element, name: str):
    return (child for child in element if local_name(child) == name)


def _child_text(element, name: str, limit: int = 2048) -> str:
    for child in _children(element, name):
        return text_of(child, limit).strip()
    return ""


def parse(body: bytes, url: str, content_type: str | None = None) -> Page:
    root = parse_xml(gunzip(body), content_type)
    kind = local_name(root)
    if kind == "sitemapindex":
        return _index(root, url)
    if kind != "urlset":
        raise ParseFailed(
            FailureCode.NOT_A_FEED,
            _(
                "The page is XML but not a sitemap (expected <urlset> or <sitemapindex>, "
                "found <%(tag)s>)."
            ),
            {"tag": kind[:40]},
        )
    items = ItemList()
    for entry in _children(root, "url"):
        if items.full:
            break
        items.candidates += 1
        news = next(_children(entry, "news"), None)
        title = published = None
        if news is not None:
            title = _child_text(news, "title", 1000)
            published = parse_datetime(_child_text(news, "publication_date", 64))
        media: list[str | None] = []
        for image in _children(entry, "image"):
            media.append(absolute_url(_child_text(image, "loc"), url))
        for video in _children(entry, "video"):
            media.append(absolute_url(_child_text(video, "content_loc"), url))
            media.append(absolute_url(_child_text(video, "thumbnail_loc"), url))
            title = title or _child_text(video, "title", 1000)
        title = title or ""
        items.add(
            absolute_url(_child_text(entry, "loc"), url),
            published_at=published or parse_datetime(_child_text(entry, "lastmod", 64)),
            text=title,
            media=media,
            title=title,
        )
    items.require_some(pgettext_lazy("parsed page", "addresses"))
    return items.page(None)


def _index(root, url: str) -> Page:
    best: tuple[datetime, int, str] | None = None
    seen = 0
    for position, child in enumerate(_children(root, "sitemap")):
        seen += 1
        if position >= 50000:  # the protocol's own limit per index
            break
        target = next_page(_child_text(child, "loc"), url)
        if target is None:
            continue
        moment = parse_datetime(_child_text(child, "lastmod", 64)) or _OLDEST
        key = (moment, position, target)
        if best is None or key[:2] > best[:2]:
            best = key
    if seen and best is None:
        raise ParseFailed(
            FailureCode.EMPTY_UNEXPECTEDLY,
            _("The sitemap index lists %(count)s sitemaps, but none with a usable web address."),
            {"count": seen},
        )
    return Page(items=(), next_url=best[2] if best else None)
