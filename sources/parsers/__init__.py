"""Parsers of watched sources: the bytes of one fetched page in, a :class:`Page` out.

``parse(kind, body, url, content_type=…, pattern=…)`` dispatches on the source kind
(:data:`KINDS`); ``urls.watch_url`` / ``urls.detect_kind`` say what to fetch for a source.
Pure and Django-free apart from translations: no models, no network. See base.py for the
limits and the failures, docs/design.md ("Watched sources: parsers") for the choices.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from . import feeds, sitemap, telegram, vk, youtube
from . import pattern as pattern_parser
from .base import (
    MAX_BODY_BYTES,
    MAX_ITEMS,
    MEDIA_LIMIT,
    TEXT_LIMIT,
    FailureCode,
    Item,
    Page,
    ParseFailed,
)
from .pattern import CompiledPattern, compile_pattern
from .urls import KINDS, NotWatchable, detect_kind, watch_url

#: Content types a watch must let the fetcher accept (its default list has no XML).
FETCH_CONTENT_TYPES = (
    "text/html",
    "application/xhtml+xml",
    "application/xml",
    "text/xml",
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/gzip",
    "application/x-gzip",
    "text/plain",
)

_PARSERS = {
    "telegram": telegram.parse,
    "vk": vk.parse,
    "youtube": youtube.parse,
    "rss": feeds.parse,
    "sitemap": sitemap.parse,
}


def parse(
    kind: str,
    body: bytes,
    url: str,
    *,
    content_type: str | None = None,
    pattern: str | CompiledPattern | None = None,
) -> Page:
    """The items of one fetched page of a source of ``kind``.

    ``url`` is the page's final URL (after redirects): relative links resolve against it
    and a next page equal to it is refused. ``pattern`` is required for "pattern" sources.
    Raises :class:`ParseFailed` for a page that cannot be read; ``ValueError`` for an
    unknown kind (a programming error, not a page's fault).
    """
    if isinstance(body, str):
        body = body.encode("utf-8")
    if kind == "pattern":
        return pattern_parser.parse(body, url, content_type, pattern=pattern)
    try:
        parser = _PARSERS[kind]
    except KeyError:
        raise ValueError(f"unknown source kind {kind!r}; expected one of {KINDS}") from None
    try:
        return parser(body, url, content_type)
    except RecursionError:
        raise ParseFailed(
            FailureCode.HOSTILE, _("The page nests its elements too deeply to be read.")
        ) from None


def parse_fetched(kind: str, result, *, pattern: str | CompiledPattern | None = None) -> Page:
    """``parse`` on what ``checks.fetch`` returned for a source (a ``FetchResult``).

    Uses the body as fetched (already un-gzipped by the fetcher), the final URL after
    redirects, and the content type with the charset the fetcher settled on (the header's,
    else the page's meta, else UTF-8 or windows-1251). The caller checks ``result.ok``
    first: a failed fetch has no page to parse.
    """
    if result.body is None:
        raise ValueError("parse_fetched needs a fetch result with its body (keep_body=True)")
    content_type = result.content_type or ""
    if result.encoding:
        content_type = f"{content_type}; charset={result.encoding}"
    return parse(
        kind,
        result.body,
        result.final_url or result.url,
        content_type=content_type or None,
        pattern=pattern,
    )


__all__ = [
    "FETCH_CONTENT_TYPES",
    "KINDS",
    "MAX_BODY_BYTES",
    "MAX_ITEMS",
    "MEDIA_LIMIT",
    "TEXT_LIMIT",
    "CompiledPattern",
    "FailureCode",
    "Item",
    "NotWatchable",
    "Page",
    "ParseFailed",
    "compile_pattern",
    "detect_kind",
    "parse",
    "parse_fetched",
    "watch_url",
]
