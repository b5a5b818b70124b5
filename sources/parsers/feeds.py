"""RSS 2.0, Atom and RDF (RSS 1.0) feeds, read by feedparser behind the guarded XML parser.

feedparser maps the many dialects of feeds onto one shape, but it parses with expat and
falls back to a lenient SGML parser of its own, and it would fetch a URL or open a file if
handed one. So it never sees the source's bytes: :func:`.markup.parse_xml` reads them first
(no DTD, no entities, no network, libxml2's depth limits), the root must be ``<rss>``,
``<feed>`` or ``<rdf:RDF>``, entries past :data:`.base.MAX_ITEMS` are cut from the tree,
and feedparser gets the re-serialised tree (no DOCTYPE) as a stream, with
``Content-Location`` set to the page URL so that relative links resolve against it.

``next_url`` is RFC 5005's ``<link rel="next">`` (``atom:link`` in RSS) when present.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime

import feedparser
import lxml.etree
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .base import MAX_ITEMS, FailureCode, ItemList, Page, ParseFailed, absolute_url, next_page
from .markup import html_fragment_text, local_name, parse_xml

_ROOTS = {"rss": "item", "feed": "entry", "RDF": "item"}


def parse(body: bytes, url: str, content_type: str | None = None) -> Page:
    root = parse_xml(body, content_type)
    kind = local_name(root)
    entry_name = _ROOTS.get(kind)
    if entry_name is None:
        raise ParseFailed(
            FailureCode.NOT_A_FEED,
            _("The page is XML but not a feed (expected RSS, Atom or RDF, found <%(tag)s>)."),
            {"tag": kind[:40]},
        )
    if kind == "rss" and not any(local_name(child) == "channel" for child in root):
        raise ParseFailed(
            FailureCode.EMPTY_UNEXPECTEDLY, _("The RSS document has no <channel> element.")
        )
    entries = [el for el in root.iter() if local_name(el) == entry_name]
    for extra in entries[MAX_ITEMS:]:
        extra.getparent().remove(extra)
    try:
        feed = feedparser.parse(
            io.BytesIO(lxml.etree.tostring(root, encoding="utf-8", xml_declaration=True)),
            response_headers={
                "content-location": url,
                "content-type": "application/xml; charset=utf-8",
            },
            sanitize_html=False,
            resolve_relative_uris=False,
        )
    except Exception as exc:  # noqa: BLE001 - feedparser trips over odd nesting (KeyError…)
        raise ParseFailed(
            FailureCode.UNREADABLE,
            _("The feed's structure could not be read (elements nested where no feed has them)."),
            detail=f"{type(exc).__name__}: {exc}"[:300],
        ) from None
    items = ItemList()
    items.candidates = len(entries)
    for entry in feed.entries:
        if items.full:
            break
        items.add(
            _entry_link(entry, url),
            published_at=_moment(entry),
            text=_entry_text(entry),
            media=_entry_media(entry, url),
            views=_entry_views(entry),
            title=html_fragment_text(entry.get("title"), 1000),
        )
    items.require_some(pgettext_lazy("parsed page", "entries"))
    following = None
    for link in feed.feed.get("links", ()):
        if link.get("rel") == "next":
            following = next_page(link.get("href"), url)
            break
    return items.page(following, html_fragment_text(feed.feed.get("title"), 600))


def _entry_link(entry, base: str) -> str | None:
    for link in entry.get("links", ()):
        if link.get("rel", "alternate") == "alternate":
            found = absolute_url(link.get("href"), base)
            if found:
                return found
    found = absolute_url(entry.get("link"), base)
    if found:
        return found
    guid = entry.get("id")
    if guid and entry.get("guidislink", True):
        return absolute_url(guid, base)
    return None


def _moment(entry) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = entry.get(key)
        if parsed:
            try:
                return datetime(*parsed[:6], tzinfo=UTC)
            except (TypeError, ValueError):
                continue
    return None


def _entry_text(entry) -> str:
    for content in entry.get("content", ()):
        text = html_fragment_text(content.get("value"))
        if text.strip():
            return text
    return html_fragment_text(entry.get("summary"))


def _entry_media(entry, base: str) -> list[str | None]:
    media: list[str | None] = []
    for content in entry.get("media_content", ()):
        media.append(absolute_url(content.get("url"), base))
    for thumb in entry.get("media_thumbnail", ()):
        media.append(absolute_url(thumb.get("url"), base))
    for link in entry.get("links", ()):
        kind = (link.get("type") or "").lower()
        if link.get("rel") == "enclosure" and kind.startswith(("image/", "video/")):
            media.append(absolute_url(link.get("href"), base))
    return media


def _entry_views(entry) -> int | None:
    stats = entry.get("media_statistics") or {}
    views = str(stats.get("views", "")).strip()
    return int(views) if views.isdigit() else None
