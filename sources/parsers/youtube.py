"""YouTube: a channel's or playlist's public Atom feed.

``https://www.youtube.com/feeds/videos.xml?channel_id=UC…`` (or ``?playlist_id=PL…``) lists
the latest 15 videos: each ``<entry>`` has ``yt:videoId``, ``<link rel="alternate">``,
``<published>``, and a ``media:group`` with ``media:title``, ``media:description``,
``media:thumbnail url`` and ``media:community/media:statistics views``. The feed has no
pagination (``next_url`` is always ``None``). Read with the guarded XML parser
(:mod:`.markup`), not feedparser: the fields are few and fixed.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .base import FailureCode, ItemList, Page, ParseFailed, absolute_url, parse_datetime
from .markup import local_name, parse_xml, text_of

ATOM = "http://www.w3.org/2005/Atom"
YT = "http://www.youtube.com/xml/schemas/2015"
MEDIA = "http://search.yahoo.com/mrss/"
_NS = {"a": ATOM, "yt": YT, "media": MEDIA}
_VIDEO_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")


def parse(body: bytes, url: str, content_type: str | None = None) -> Page:
    root = parse_xml(body, content_type)
    if root.tag != f"{{{ATOM}}}feed":
        raise ParseFailed(
            FailureCode.NOT_A_FEED,
            _("The page is not a YouTube feed (expected an Atom <feed>, found <%(tag)s>)."),
            {"tag": local_name(root)[:40]},
        )
    title = text_of(root.find("a:title", _NS), 600)
    items = ItemList()
    for entry in root.iterfind("a:entry", _NS):
        if items.full:
            break
        items.candidates += 1
        video_id = text_of(entry.find("yt:videoId", _NS), 32).strip()
        link = entry.find("a:link[@rel='alternate']", _NS)
        video_url = absolute_url(link.get("href"), url) if link is not None else None
        if video_url is None and _VIDEO_ID.match(video_id):
            video_url = f"https://www.youtube.com/watch?v={video_id}"
        group = entry.find("media:group", _NS)
        description = views = None
        media: list[str | None] = []
        if group is not None:
            description = group.find("media:description", _NS)
            stats = group.find("media:community/media:statistics", _NS)
            if stats is not None and (stats.get("views") or "").strip().isdigit():
                views = int(stats.get("views").strip())
            for thumb in group.iterfind("media:thumbnail", _NS):
                media.append(absolute_url(thumb.get("url"), url))
        items.add(
            video_url,
            published_at=parse_datetime(text_of(entry.find("a:published", _NS), 64)),
            text=text_of(description),
            media=media,
            views=views,
            title=text_of(entry.find("a:title", _NS), 1000),
        )
    items.require_some(pgettext_lazy("parsed page", "videos"))
    if (
        not items.candidates
        and root.find("yt:channelId", _NS) is None
        and (root.find("yt:playlistId", _NS) is None)
    ):
        raise ParseFailed(
            FailureCode.EMPTY_UNEXPECTEDLY,
            _("The Atom feed has neither videos nor a YouTube channel or playlist id."),
        )
    return items.page(None, title)
