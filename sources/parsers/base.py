"""What every parser returns, how it fails, and the limits that bound its work.

A parser turns the bytes of one fetched page (a Telegram channel preview, a VK wall, a feed,
a sitemap, any HTML page) into a :class:`Page` of :class:`Item` s. It never fetches anything:
the watch task fetches through the SSRF-safe fetcher (``checks.fetch``) and hands the bytes
over. Everything here is bounded, because the page comes from whoever runs the source:

* at most :data:`MAX_ITEMS` items per page, deduplicated by URL, in page order;
* at most :data:`TEXT_LIMIT` characters of text and :data:`MEDIA_LIMIT` media URLs per item;
* bodies above :data:`MAX_BODY_BYTES` are refused before any parsing;
* only absolute ``http(s)`` URLs become items, media or ``next_url``: relative leftovers,
  ``javascript:``, ``data:`` and every other scheme are dropped, and a ``next_url`` that is
  the page itself (an endless "older posts" loop) is refused.

A page the parser cannot read raises :class:`ParseFailed` with a :class:`FailureCode` and a
translated sentence; a page that is readable but holds nothing returns ``Page(items=())``.
No Django apps are needed: only ``gettext_lazy`` and ``TextChoices``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urldefrag, urljoin, urlsplit

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _

#: Items kept from one page; the rest of a longer page is ignored.
MAX_ITEMS = 500
#: Characters of plain text kept per item.
TEXT_LIMIT = 4000
#: Media URLs kept per item.
MEDIA_LIMIT = 8
#: Characters of a title kept (an item's or a page's).
TITLE_LIMIT = 500
#: Longest URL accepted as an item, media or next page (the registry's own limit is 8 KB).
URL_LIMIT = 2048
#: Bodies larger than this are refused unparsed (the fetcher's cap is lower; this guards
#: callers that pass bytes from elsewhere).
MAX_BODY_BYTES = 16 * 1024 * 1024


class FailureCode(TextChoices):
    """Why a page could not be read; stored on the source, shown to its owners."""

    NOT_A_FEED = "not_a_feed", _("Not the expected kind of page")
    UNREADABLE = "unreadable", _("Unreadable page")
    EMPTY_UNEXPECTEDLY = "empty_unexpectedly", _("Page structure not recognised")
    TOO_LARGE = "too_large", _("Page too large")
    NOT_FOUND = "not_found", _("Channel or page not found")
    NOT_PUBLIC = "not_public", _("Not publicly visible")
    BLOCKED = "blocked", _("Blocked by the site")
    HOSTILE = "hostile", _("Refused as hostile")
    BAD_PATTERN = "bad_pattern", _("Unusable link pattern")


class ParseFailed(Exception):
    """The page could not be read as the source's kind.

    ``code`` is a :class:`FailureCode`; ``str(error)`` is a sentence in the active language
    (translated when it is asked for, so a message kept as an object renders in the reader's
    language); ``detail`` is a short untranslated technical note for logs (may be empty).
    """

    def __init__(self, code: FailureCode, message, params: dict | None = None, detail: str = ""):
        super().__init__(code)
        self.code = FailureCode(code)
        self.template = message
        self.params = dict(params or {})
        self.detail = detail

    @property
    def message(self) -> str:
        text = str(self.template)
        return text % self.params if self.params else text

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"ParseFailed({self.code.value!r}, {self.message!r})"

    def __reduce__(self):
        # Celery and multiprocessing pickle exceptions; rebuild with every field.
        return (type(self), (self.code.value, self.template, self.params, self.detail))


@dataclass(frozen=True)
class Item:
    """One post, video or entry of a source."""

    url: str
    published_at: datetime | None
    text: str
    media: tuple[str, ...]
    views: int | None
    title: str = ""


@dataclass(frozen=True)
class Page:
    """What one fetched page of a source holds."""

    items: tuple[Item, ...]
    next_url: str | None
    title: str = ""


# --------------------------------------------------------------------------- helpers


def check_size(body: bytes) -> None:
    """Refuse a body above :data:`MAX_BODY_BYTES` before any parser sees it."""
    if len(body) > MAX_BODY_BYTES:
        raise ParseFailed(
            FailureCode.TOO_LARGE,
            _("The page is %(size)s MB; pages above %(limit)s MB are not read."),
            {"size": len(body) // (1024 * 1024), "limit": MAX_BODY_BYTES // (1024 * 1024)},
        )


def clean_text(value: str | None, limit: int = TEXT_LIMIT) -> str:
    """Whitespace collapsed to single spaces, at most ``limit`` characters."""
    if not value:
        return ""
    # Split at most a little past the limit: a 10 MB text is not split whole.
    return " ".join(value[: limit * 2 + 64].split())[:limit]


def absolute_url(value: str | None, base: str) -> str | None:
    """``value`` resolved against ``base`` if the result is an http(s) URL with a host.

    ``javascript:``, ``data:``, ``mailto:``, ``tg:`` and anything else that is not a web
    address gives ``None``; so do URLs over :data:`URL_LIMIT` and unparseable ones. The
    fragment is dropped (``#comments`` is the same post).
    """
    if not value:
        return None
    value = value.strip()
    if not value or len(value) > URL_LIMIT:
        return None
    try:
        joined = urldefrag(urljoin(base, value)).url
        parts = urlsplit(joined)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return None
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return None
    if any(ch in joined for ch in "\x00\r\n\t "):
        return None
    return joined


def next_page(value: str | None, page_url: str) -> str | None:
    """The next page's absolute URL, or ``None`` when it is missing, unsafe or this page."""
    url = absolute_url(value, page_url)
    if url is None or _same_page(url, page_url):
        return None
    return url


def _same_page(a: str, b: str) -> bool:
    pa, pb = urlsplit(a), urlsplit(urldefrag(b).url)
    return (pa.hostname or "", pa.path.rstrip("/") or "/", pa.query) == (
        pb.hostname or "",
        pb.path.rstrip("/") or "/",
        pb.query,
    )


def utc_from_timestamp(value) -> datetime | None:
    """A Unix time (seconds, as text or number) as an aware datetime, else ``None``."""
    try:
        seconds = int(str(value).strip())
        return datetime.fromtimestamp(seconds, UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def parse_datetime(value: str | None) -> datetime | None:
    """An ISO 8601 / W3C datetime as an aware datetime (UTC when it names no zone).

    A date without a time is midnight UTC. Anything else gives ``None``.
    """
    if not value:
        return None
    text = value.strip()[:64]
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


class ItemList:
    """Collects items in page order: dedupes by URL, caps count, text and media."""

    def __init__(self) -> None:
        self._items: list[Item] = []
        self._seen: set[str] = set()
        self.candidates = 0  # entries seen on the page, usable or not

    @property
    def full(self) -> bool:
        return len(self._items) >= MAX_ITEMS

    def add(
        self,
        url: str | None,
        *,
        published_at: datetime | None = None,
        text: str | None = "",
        media: Iterable[str | None] = (),
        views: int | None = None,
        title: str | None = "",
    ) -> bool:
        """Add one item if its URL is usable and new; ``False`` when it was dropped."""
        if url is None or url in self._seen or self.full:
            return False
        kept: list[str] = []
        for media_url in media:
            if media_url and media_url not in kept:
                kept.append(media_url)
                if len(kept) >= MEDIA_LIMIT:
                    break
        if views is not None and views < 0:
            views = None
        self._seen.add(url)
        self._items.append(
            Item(
                url=url,
                published_at=published_at,
                text=clean_text(text),
                media=tuple(kept),
                views=views,
                title=clean_text(title, TITLE_LIMIT),
            )
        )
        return True

    def page(self, next_url: str | None, title: str | None = "") -> Page:
        return Page(
            items=tuple(self._items), next_url=next_url, title=clean_text(title, TITLE_LIMIT)
        )

    def require_some(self, what) -> None:
        """Entries were on the page but none gave an item: the structure is not understood."""
        if self.candidates and not self._items:
            raise ParseFailed(
                FailureCode.EMPTY_UNEXPECTEDLY,
                _("The page has %(what)s (%(count)s), but none with a usable web address."),
                {"count": self.candidates, "what": what},
            )
