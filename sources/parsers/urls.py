"""Which kind of source a URL is, and which URL to fetch to watch it.

``detect_kind(url)`` answers "telegram", "vk", "youtube" by the platform of the host
(``registry.canon``, the same rules the registry uses for links), "sitemap" for paths ending
in ``sitemap*.xml`` (or ``.xml.gz``), "rss" for ``.rss`` / ``.xml`` / ``.atom`` paths and
paths with a ``feed``, ``rss`` or ``atom`` segment. Anything else needs an explicit kind
("pattern" is never guessed).

``watch_url(kind, url)`` gives the address whose page the parser of ``kind`` reads:

=========  ==========================================  ===================================
kind       accepted source URLs                        fetched URL
=========  ==========================================  ===================================
telegram   t.me/NAME, t.me/s/NAME, NAME.t.me,          https://t.me/s/NAME
           t.me/NAME/123 (the post's channel)
vk         vk.com/NAME, m.vk.com/NAME, vk.com/club1,   https://vk.com/NAME (desktop wall)
           vk.com/public1, vk.com/id1
youtube    youtube.com/channel/UC… (24 characters)     …/feeds/videos.xml?channel_id=UC…
           youtube.com/playlist?list=…, ?v=…&list=…    …/feeds/videos.xml?playlist_id=…
           the feed URL itself                         unchanged
rss        any http(s) URL                             unchanged
sitemap    any http(s) URL                             unchanged
pattern    any http(s) URL                             unchanged
=========  ==========================================  ===================================

YouTube ``@handle``, ``/c/…`` and ``/user/…`` URLs name a channel whose ``UC…`` id only a
fetch of the page reveals, so they are refused with :class:`NotWatchable` asking for the
``/channel/UC…`` address (YouTube shows it under "Share channel → Copy channel ID").
Private Telegram channels and invite links have no public preview and are refused too.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, quote, urlsplit

from django.utils.translation import gettext_lazy as _

from registry import canon

KINDS = ("telegram", "vk", "youtube", "rss", "sitemap", "pattern")

_CHANNEL_ID = re.compile(r"^UC[A-Za-z0-9_-]{22}$")
_PLAYLIST_ID = re.compile(r"^[A-Za-z0-9_-]{2,64}$")
_SITEMAP_PATH = re.compile(r"/[^/]*sitemap[^/]*\.xml(?:\.gz)?$", re.IGNORECASE)
_FEED_PATH = re.compile(
    r"(?:\.(?:rss|atom|xml|rdf)$|/(?:feed|feeds|rss|atom)(?:/|\.[a-z]+)?$|/(?:feed|rss|atom)/)",
    re.IGNORECASE,
)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:(?!\d)")
YOUTUBE_FEED = "https://www.youtube.com/feeds/videos.xml"


class NotWatchable(ValueError):
    """The URL cannot be watched as a source (of this kind); ``str()`` says why, translated."""

    def __init__(self, reason: str, message, params: dict | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.template = message
        self.params = dict(params or {})

    @property
    def message(self) -> str:
        text = str(self.template)
        return text % self.params if self.params else text

    def __str__(self) -> str:
        return self.message

    def __reduce__(self):
        return (type(self), (self.reason, self.template, self.params))


#: registry.canon's reasons for refusing a URL, as the user reads them.
_INVALID_REASONS = {
    "empty": _("the address is empty"),
    "too_long": _("the address is too long"),
    "control_characters": _("the address contains control or invisible characters"),
    "scheme_not_allowed": _("only http:// and https:// addresses can be watched"),
    "no_host": _("the address names no host"),
    "bad_host": _("the host name is not valid"),
    "bad_port": _("the port is not valid"),
}


def _canonical(url: str) -> canon.Canonical:
    try:
        found = canon.canonicalize(url)
    except canon.InvalidURL as exc:
        raise NotWatchable(
            "invalid_url",
            _("This is not a web address that can be watched: %(error)s."),
            {"error": _INVALID_REASONS.get(exc.reason, exc.reason)},
        ) from None
    return found


def _web_url(url: str) -> str:
    """``url`` itself, trimmed, if it is an http(s) address with a host.

    An address pasted without a scheme (``t.me/name``, ``news.example/feed``) gets https://.
    """
    text = (url or "").strip()
    if text and "://" not in text and not _SCHEME.match(text):
        text = "https://" + text
    try:
        parts = urlsplit(text)
        ok = parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
    except ValueError:
        ok = False
    if not ok:
        raise NotWatchable(
            "not_http", _("A source address must start with http:// or https:// and name a host.")
        )
    _canonical(text)  # refuses control characters, bad hosts and ports like the registry
    return text


def detect_kind(url: str, kind: str | None = None) -> str:
    """The kind of source ``url`` is; ``kind`` when the caller names one (checked)."""
    if kind:
        if kind not in KINDS:
            raise NotWatchable(
                "unknown_kind", _("Unknown kind of source: %(kind)s."), {"kind": kind[:40]}
            )
        return kind
    text = _web_url(url)
    platform = _canonical(text).platform
    if platform in (canon.TELEGRAM, canon.VK, canon.YOUTUBE):
        return platform
    path = urlsplit(text).path
    if _SITEMAP_PATH.search(path):
        return "sitemap"
    if _FEED_PATH.search(path):
        return "rss"
    raise NotWatchable(
        "unknown_kind",
        _(
            "Cannot tell what kind of source this address is; choose the kind (an RSS feed, "
            "a sitemap, or a page with a link pattern)."
        ),
    )


def watch_url(kind: str, source_url: str) -> str:
    """The URL to fetch to watch ``source_url`` as a source of ``kind``."""
    detect_kind(source_url, kind)
    text = _web_url(source_url)
    if kind == "telegram":
        return _telegram(text)
    if kind == "vk":
        return _vk(text)
    if kind == "youtube":
        return _youtube(text)
    return text


def _telegram(url: str) -> str:
    found = _canonical(url)
    if found.platform != canon.TELEGRAM:
        raise NotWatchable("wrong_platform", _("This is not a Telegram address (t.me/NAME)."))
    ident = found.platform_id
    if ident.startswith("channel:") and not ident.startswith("channel:c/"):
        return f"https://t.me/s/{ident.removeprefix('channel:')}"
    if ident.startswith("post:") and not ident.startswith("post:c/"):
        return f"https://t.me/s/{ident.removeprefix('post:').split('/', 1)[0]}"
    raise NotWatchable(
        "telegram_private",
        _(
            "Only public Telegram channels can be watched (t.me/NAME); private channels and "
            "invite links have no public preview."
        ),
    )


def _vk(url: str) -> str:
    found = _canonical(url)
    if found.platform != canon.VK:
        raise NotWatchable("wrong_platform", _("This is not a VK address (vk.com/NAME)."))
    kind, _sep, value = found.platform_id.partition(":")
    if kind in ("name", "group", "user") and value:
        return found.url
    raise NotWatchable(
        "vk_not_wall",
        _("Give the address of the VK community or page (vk.com/NAME), not of one post."),
    )


def _youtube(url: str) -> str:
    found = _canonical(url)
    if found.platform != canon.YOUTUBE:
        raise NotWatchable("wrong_platform", _("This is not a YouTube address."))
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    if parts.path.rstrip("/").endswith("/feeds/videos.xml"):
        channel = (query.get("channel_id") or [""])[0]
        playlist = (query.get("playlist_id") or [""])[0]
        if _CHANNEL_ID.match(channel):
            return f"{YOUTUBE_FEED}?channel_id={channel}"
        if _PLAYLIST_ID.match(playlist):
            return f"{YOUTUBE_FEED}?playlist_id={quote(playlist)}"
    kind, _sep, value = found.platform_id.partition(":")
    if kind == "channel" and _CHANNEL_ID.match(value):
        return f"{YOUTUBE_FEED}?channel_id={value}"
    if kind == "playlist" and _PLAYLIST_ID.match(value):
        return f"{YOUTUBE_FEED}?playlist_id={quote(value)}"
    playlist = (query.get("list") or [""])[0]
    if _PLAYLIST_ID.match(playlist):
        return f"{YOUTUBE_FEED}?playlist_id={quote(playlist)}"
    if kind == "channel":
        raise NotWatchable(
            "youtube_handle",
            _(
                "YouTube publishes a feed only by channel id: give the channel's address "
                "in the form youtube.com/channel/UC… (on the channel page: Share channel → "
                "Copy channel ID), not its @name or custom address."
            ),
        )
    raise NotWatchable(
        "youtube_not_channel",
        _("Give the address of a YouTube channel (youtube.com/channel/UC…) or playlist."),
    )
