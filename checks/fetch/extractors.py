"""Platform extractors: title, view count and a text excerpt from a fetched HTML page.

``extract(html, url, platform=None)`` dispatches on the platform name ("youtube", "vk",
"telegram", "x", "instagram", "tiktok", "ok", "rutube", "facebook", "web") or, when that is
not given, on the URL's host (:func:`detect_platform`).  Every platform falls back to the
generic HTML meta data (og:title, twitter:title, <title>, og:description).

The HTML structure is read with lxml; counters embedded in JSON inside scripts are read
with ``json`` where the blob can be isolated and with regular expressions otherwise.
Counts are parsed by :func:`parse_count`, which understands Russian and English forms
("1 234", "1,2 тыс.", "1.2K", "3,4 млн", "12M", "12,345 views").

No Django imports; no network access.
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qs, urlsplit

import lxml.etree
import lxml.html

from registry import canon

PLATFORMS = tuple(p for p in canon.PLATFORMS if p != canon.WEB)
GENERIC = canon.WEB
EXCERPT_CHARS = 1000
_TEXT_SCAN_CHARS = 20000  # visible text searched for a "N views" fallback


@dataclass(slots=True)
class Extracted:
    """What could be read from one page.  ``None`` means "not found", never "zero"."""

    platform: str
    title: str | None = None
    description: str | None = None
    views: int | None = None
    excerpt: str | None = None
    #: ``False`` when the page itself says the content is gone (deleted video, missing
    #: post); ``None`` when the page gives no signal either way.
    available: bool | None = None
    #: platform specific values: author, channel, likes, subscribers, post_id, reason, ...
    fields: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- numbers

_MULTIPLIERS: tuple[tuple[str, int], ...] = (
    ("млрд", 10**9),
    ("млн", 10**6),
    ("тыс", 10**3),
    ("bn", 10**9),
    ("b", 10**9),
    ("m", 10**6),
    ("м", 10**6),
    ("k", 10**3),
    ("к", 10**3),
    ("т", 10**3),
)
_SPACES_RE = re.compile("[\u00a0\u202f\u2009\u2007\u200a\u2002\u2003]")
_NUMBER_RE = re.compile(
    r"(?<![\w.,])(\d{1,3}(?:[ .,']\d{3})+|\d+)(?:[.,](\d+))?\s*"
    r"(млрд|млн|тыс|bn|b|m|м|k|к|т)?(?![a-zа-яё])",
    re.IGNORECASE,
)


def parse_count(text: str | int | None) -> int | None:
    """Parse the first count in ``text``: "1 234", "1,2 тыс.", "1.2K", "3,4 млн", "12M".

    A separator followed by exactly three digits is a thousands separator ("1,234",
    "1 234", "1.234"); with a multiplier suffix a single "," or "." is a decimal mark
    ("1,2 тыс." = 1200, "1.15K" = 1150).  Returns ``None`` if there is no number.
    """
    if text is None:
        return None
    if isinstance(text, int):
        return text if text >= 0 else None
    s = _SPACES_RE.sub(" ", text).strip().lower()
    if not s:
        return None
    for m in _NUMBER_RE.finditer(s):
        whole, frac, suffix = m.group(1), m.group(2), m.group(3)
        digits = re.sub(r"[ .,']", "", whole)
        if not digits:
            continue
        mult = 1
        if suffix:
            for key, value in _MULTIPLIERS:
                if suffix == key:
                    mult = value
                    break
        if suffix and frac is None and re.fullmatch(r"\d{1,3}[.,]\d{3}", whole):
            # "1.234K" / "1,234 тыс": with a multiplier, a lone separator is decimal.
            int_part, frac = re.split(r"[.,]", whole)
            digits = int_part
        try:
            value = Decimal(digits)
            if frac:
                value += Decimal(f"0.{frac}")
        except InvalidOperation:
            continue
        return int(value * mult)
    return None


# --------------------------------------------------------------------------- dispatch


def detect_platform(url: str) -> str:
    """Platform name for ``url`` by host ("youtube", "vk", ..., or "web")."""
    try:
        host = (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:
        return GENERIC
    return canon.platform_of_host(host)


def telegram_post_ref(url: str) -> tuple[str | None, int | None]:
    """``(channel, post_id)`` from t.me URLs: /s/chan/123, /chan/123, /s/chan, /chan."""
    try:
        parts = [p for p in urlsplit(url).path.split("/") if p]
    except ValueError:
        return None, None
    if parts and parts[0] == "s":
        parts = parts[1:]
    if not parts or parts[0] in ("c", "joinchat", "addstickers", "share", "proxy", "iv"):
        return None, None
    channel = parts[0].lstrip("@")
    post_id = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
    return channel, post_id


def telegram_web_preview_url(url: str) -> str:
    """Rewrite ``t.me/<channel>/<id>`` to ``t.me/s/<channel>/<id>``, which shows view counts.

    Other URLs are returned unchanged.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if detect_platform(url) != "telegram":
        return url
    segs = [p for p in parts.path.split("/") if p]
    channel, post_id = telegram_post_ref(url)
    if channel is None or post_id is None or (segs and segs[0] == "s"):
        return url
    return parts._replace(path=f"/s/{channel}/{post_id}", query="", fragment="").geturl()


def extract(html: str | bytes, url: str, platform: str | None = None) -> Extracted:
    """Extract title, views, description, excerpt and platform fields from ``html``."""
    name = (platform or "").strip().lower() or detect_platform(url)
    if name in ("twitter",):
        name = "x"
    if name not in PLATFORMS:
        name = GENERIC
    doc = _parse(html)
    text = html if isinstance(html, str) else html.decode("utf-8", "replace")
    result = Extracted(platform=name)
    if doc is None:
        return result
    metas = _metas(doc)
    _generic(doc, metas, result)
    handler = _HANDLERS.get(name)
    if handler is not None:
        handler(doc, metas, text, url, result)
    want_views = result.views is None and name not in ("telegram", "x", "instagram", "facebook")
    if want_views or result.excerpt is None:
        # one walk over the page serves both the views fallback and the excerpt
        page_text = visible_text(doc, limit=_TEXT_SCAN_CHARS) or ""
        if want_views:
            result.views = _views_from_text(page_text)
        if result.excerpt is None:
            result.excerpt = page_text[:EXCERPT_CHARS].strip() or result.description
    return result


# --------------------------------------------------------------------------- helpers


def _parse(html: str | bytes) -> lxml.html.HtmlElement | None:
    # lxml refuses str input that carries an XML encoding declaration.
    if isinstance(html, str) and html.lstrip().startswith("<?xml"):
        html = re.sub(r"^\s*<\?xml[^>]*\?>", "", html, count=1)
    if not html or not (html.strip() if isinstance(html, str) else html.strip()):
        return None
    try:
        return lxml.html.document_fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return None


def _clean(value: str | None, limit: int = 2000) -> str | None:
    if value is None:
        return None
    value = " ".join(value.split())
    return value[:limit] or None


def _metas(doc) -> dict[str, str]:
    """``{property|name|itemprop: content}`` of the page's <meta> tags, first one wins."""
    metas: dict[str, str] = {}
    for el in doc.iter("meta"):
        content = el.get("content")
        if not content:
            continue
        for attr in ("property", "name", "itemprop"):
            key = el.get(attr)
            if key:
                metas.setdefault(key.strip().lower(), content)
    return metas


def _meta(metas: dict[str, str], *names: str) -> str | None:
    """First non-empty content among ``names`` in the meta dict."""
    for name in names:
        value = _clean(metas.get(name))
        if value:
            return value
    return None


def _title_tag(doc) -> str | None:
    el = doc.find(".//title")
    if el is None:
        return None
    return _clean(el.text_content())


def _generic(doc, metas: dict[str, str], result: Extracted) -> None:
    result.title = _meta(metas, "og:title", "twitter:title") or _title_tag(doc)
    result.description = _meta(metas, "og:description", "twitter:description", "description")
    site = _meta(metas, "og:site_name")
    if site:
        result.fields["site_name"] = site


_SKIP_TAGS = {"script", "style", "noscript", "template", "svg", "head", "iframe", "object"}


def visible_text(doc, limit: int = EXCERPT_CHARS) -> str | None:
    """First ``limit`` characters of the page's visible text, whitespace collapsed."""
    body = doc.find(".//body")
    root = body if body is not None else doc
    return _collect_text(root, limit)


def _collect_text(root, limit: int) -> str | None:
    parts: list[str] = []
    size = 0

    def add(chunk: str | None) -> None:
        nonlocal size
        if chunk:
            words = chunk.split()
            if words:
                joined = " ".join(words)
                parts.append(joined)
                size += len(joined) + 1

    walker = lxml.etree.iterwalk(root, events=("start", "end"))
    for event, el in walker:
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if event == "start":
            if not tag or tag in _SKIP_TAGS:
                walker.skip_subtree()
            else:
                add(el.text)
        elif el is not root:
            add(el.tail)
        if size >= limit:
            break
    text = " ".join(parts)[:limit].strip()
    return text or None


_NUM = r"(?:\d{1,3}(?:[ .,]\d{3})+|\d+)(?:[.,]\d+)?\s?(?:млрд|млн|тыс|k|m|к)?\.?"
_VIEWS_TEXT_RES = (
    # "1 234 просмотра", "12,345 views"
    re.compile(rf"(?<![\d.,])({_NUM})\s*(?:просмотр|views?\b|просм\.)", re.IGNORECASE),
    # "Просмотров: 5 678", "Views: 1.2K"
    re.compile(rf"(?:просмотр\w*|views?)\s*:\s*({_NUM})", re.IGNORECASE),
)


def _views_from_text(page_text: str) -> int | None:
    """Fallback: "1 234 просмотра" / "12,345 views" / "Просмотров: 5 678" in visible text.

    ``page_text`` comes from :func:`visible_text`, whose ``str.split`` already turned
    no-break and thin spaces into plain spaces.
    """
    text = page_text
    for pattern in _VIEWS_TEXT_RES:
        m = pattern.search(text)
        if m:
            return parse_count(m.group(1))
    return None


def _json_after(text: str, marker: str) -> Any:
    """Decode the JSON value that follows ``marker =`` / ``marker:`` in ``text``."""
    idx = text.find(marker)
    while idx != -1:
        start = idx + len(marker)
        m = re.compile(r"\s*[=:]\s*").match(text, start)
        if m:
            pos = m.end()
            if pos < len(text) and text[pos] in "{[":
                try:
                    value, _end = json.JSONDecoder().raw_decode(text, pos)
                    return value
                except ValueError:
                    pass
        idx = text.find(marker, start)
    return None


def _dig(obj: Any, *path: Any) -> Any:
    for key in path:
        if isinstance(obj, dict):
            obj = obj.get(key)
        elif isinstance(obj, list) and isinstance(key, int) and -len(obj) <= key < len(obj):
            obj = obj[key]
        else:
            return None
    return obj


def _find_key(obj: Any, keys: tuple[str, ...], depth: int = 0) -> Any:
    """Depth-first search for the first value under any of ``keys``."""
    if depth > 40:
        return None
    if isinstance(obj, dict):
        for key in keys:
            if key in obj and obj[key] not in (None, ""):
                return obj[key]
        for value in obj.values():
            found = _find_key(value, keys, depth + 1)
            if found is not None:
                return found
    elif isinstance(obj, list):
        for value in obj:
            found = _find_key(value, keys, depth + 1)
            if found is not None:
                return found
    return None


def _count_value(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, float):
        return int(value) if value >= 0 else None
    if isinstance(value, str):
        return parse_count(value)
    if isinstance(value, dict):
        return _count_value(value.get("count"))
    return None


def _regex_count(text: str, *patterns: str) -> int | None:
    for pattern in patterns:
        m = re.search(pattern, text)
        if m:
            value = parse_count(m.group(1))
            if value is not None:
                return value
    return None


def _script_text(doc, xpath: str) -> str | None:
    for el in doc.xpath(xpath):
        if el.text:
            return el.text
    return None


def _classes(el) -> set[str]:
    return set((el.get("class") or "").split())


# --------------------------------------------------------------------------- platforms


def _youtube(doc, metas: dict[str, str], text: str, url: str, result: Extracted) -> None:
    player = _json_after(text, "ytInitialPlayerResponse")
    details = _dig(player, "videoDetails") or {}
    status = _dig(player, "playabilityStatus", "status")
    if status:
        result.fields["playability_status"] = status
        if status in ("ERROR", "UNPLAYABLE", "LOGIN_REQUIRED", "CONTENT_CHECK_REQUIRED"):
            reason = _dig(player, "playabilityStatus", "reason")
            if reason:
                result.fields["reason"] = _clean(str(reason))
        # LOGIN_REQUIRED is age/sign-in gating: the video exists.
        result.available = status not in ("ERROR", "UNPLAYABLE")
    if details.get("title"):
        result.title = _clean(details["title"])
    elif result.title and result.title.endswith(" - YouTube"):
        result.title = _clean(result.title[: -len(" - YouTube")])
    if result.title == "YouTube" or result.title == "":
        result.title = None
    result.views = _count_value(details.get("viewCount"))
    if result.views is None:
        result.views = parse_count(_meta(metas, "interactioncount", "userinteractioncount"))
    if result.views is None:
        result.views = _regex_count(
            text,
            r'"viewCount"\s*:\s*"(\d+)"',
            r'"viewCount"\s*:\s*\{\s*"simpleText"\s*:\s*"([^"]+)"',
        )
    if details.get("shortDescription"):
        result.fields["video_description"] = _clean(details["shortDescription"], 5000)
        result.excerpt = _clean(details["shortDescription"], EXCERPT_CHARS)
    author = details.get("author")
    if not author:
        for el in doc.iterfind(".//*[@itemprop='author']//link[@itemprop='name']"):
            author = el.get("content")
            break
    if author:
        result.fields["author"] = _clean(author)
    if details.get("channelId"):
        result.fields["channel_id"] = details["channelId"]
    video_id = details.get("videoId")
    if not video_id:
        parts = urlsplit(url)
        if parts.hostname and parts.hostname.endswith("youtu.be"):
            video_id = parts.path.strip("/").split("/")[0] or None
        else:
            video_id = (parse_qs(parts.query).get("v") or [None])[0]
    if video_id:
        result.fields["video_id"] = video_id
    if details.get("isLiveContent") is not None:
        result.fields["is_live"] = bool(details.get("isLiveContent"))


_VK_REMOVED = (
    "запись удалена",
    "пост удалён",
    "пост удален",
    "post deleted",
    "this post has been deleted",
    "видеозапись была изъята",
    "видео удалено",
    "video has been removed",
    "this video has been deleted",
    "страница удалена",
    "доступ к материалу ограничен",
)


def _vk(doc, metas: dict[str, str], text: str, url: str, result: Extracted) -> None:
    views: int | None = None
    # Wall posts: <div class="like_views ..." title="15 327 просмотров"><span>15K</span></div>.
    # The title attribute / data-count carry the exact figure, the visible text is rounded,
    # so read exact sources first, then embedded JSON, then the rounded text.
    counters = doc.xpath(
        "//*[contains(concat(' ', normalize-space(@class), ' '), ' like_views ')]"
        " | //*[contains(@class, 'PostBottomAction--views')]"
        " | //*[contains(@class, 'VideoLayerInfo__views')]"
        " | //*[contains(@class, 'mv_views')]"
    )
    for el in counters:
        views = parse_count(el.get("data-count")) or parse_count(el.get("title"))
        if views is not None:
            break
    if views is None:
        views = _regex_count(
            text,
            r'"views"\s*:\s*\{\s*"count"\s*:\s*(\d+)',
            r'"views"\s*:\s*(\d+)',
            r'"views_count"\s*:\s*(\d+)',
        )
    if views is None:
        for el in counters:
            views = parse_count(el.text_content())
            if views is not None:
                break
    result.views = views
    post = doc.xpath(
        "//*[contains(concat(' ', normalize-space(@class), ' '), ' wall_post_text ')]"
        " | //*[contains(@class, 'vkitShowMoreText__text')]"
    )
    if post:
        post_text = _collect_text(post[0], 5000)
        if post_text:
            result.fields["post_text"] = post_text
            result.excerpt = post_text[:EXCERPT_CHARS]
    author = doc.xpath("//*[contains(@class, 'post_author')]//a[contains(@class, 'author')]")
    if author:
        result.fields["author"] = _clean(author[0].text_content())
    likes = doc.xpath("//*[contains(@class, 'like_button_count')]")
    if likes:
        value = parse_count(likes[0].text_content())
        if value is not None:
            result.fields["likes"] = value
    body = (visible_text(doc, limit=3000) or "").lower()
    if any(marker in body for marker in _VK_REMOVED):
        result.available = False
        result.fields["reason"] = next(m for m in _VK_REMOVED if m in body)


def _telegram(doc, metas: dict[str, str], text: str, url: str, result: Extracted) -> None:
    channel, post_id = telegram_post_ref(url)
    if channel:
        result.fields["channel"] = channel
    header = doc.xpath("//*[contains(@class, 'tgme_channel_info_header_title')]")
    if header:
        result.fields["channel_title"] = _clean(header[0].text_content())
    for counter in doc.xpath("//*[contains(@class, 'tgme_channel_info_counter')]"):
        kind = counter.xpath(".//*[contains(@class, 'counter_type')]")
        value = counter.xpath(".//*[contains(@class, 'counter_value')]")
        if kind and value:
            label = (kind[0].text_content() or "").strip().lower()
            number = parse_count(value[0].text_content())
            if label and number is not None:
                result.fields[label.replace(" ", "_")] = number
    messages = doc.xpath("//*[@data-post][contains(@class, 'tgme_widget_message')]")
    target = None
    if post_id is not None and channel:
        wanted = f"{channel}/{post_id}".lower()
        for msg in messages:
            if (msg.get("data-post") or "").lower() == wanted:
                target = msg
                break
        result.fields["post_id"] = post_id
        if messages:
            # A /s/ page lists the neighbourhood of the post: absent means deleted.
            result.available = target is not None
    elif post_id is None:
        result.available = bool(messages) or bool(header) or None
    if target is not None:
        views = target.xpath(".//*[contains(@class, 'tgme_widget_message_views')]")
        if views:
            result.views = parse_count(views[0].text_content())
        body = target.xpath(".//*[contains(@class, 'tgme_widget_message_text')]")
        if body:
            post_text = _collect_text(body[0], 5000)
            if post_text:
                result.fields["post_text"] = post_text
                result.excerpt = post_text[:EXCERPT_CHARS]
        when = target.xpath(".//time[@datetime]")
        if when:
            result.fields["published_at"] = when[0].get("datetime")
        author = target.xpath(".//*[contains(@class, 'tgme_widget_message_owner_name')]")
        if author:
            result.fields["author"] = _clean(author[0].text_content())
    if header and (result.title is None or result.title.startswith("Telegram")):
        result.title = result.fields.get("channel_title")


def _tiktok(doc, metas: dict[str, str], text: str, url: str, result: Extracted) -> None:
    item: Any = None
    status_code: Any = None
    universal = _script_text(doc, "//script[@id='__UNIVERSAL_DATA_FOR_REHYDRATION__']")
    if universal:
        try:
            data = json.loads(universal)
        except ValueError:
            data = None
        detail = _dig(data, "__DEFAULT_SCOPE__", "webapp.video-detail")
        item = _dig(detail, "itemInfo", "itemStruct")
        status_code = _dig(detail, "statusCode")
    if item is None:
        sigi = _script_text(doc, "//script[@id='SIGI_STATE']")
        if sigi:
            try:
                data = json.loads(sigi)
            except ValueError:
                data = None
            module = _dig(data, "ItemModule")
            if isinstance(module, dict) and module:
                item = next(iter(module.values()))
    if isinstance(item, dict):
        stats = item.get("stats") or item.get("statsV2") or {}
        result.views = _count_value(stats.get("playCount"))
        for key, name in (
            ("diggCount", "likes"),
            ("commentCount", "comments"),
            ("shareCount", "shares"),
        ):
            value = _count_value(stats.get(key))
            if value is not None:
                result.fields[name] = value
        desc = _clean(item.get("desc"))
        if desc:
            result.fields["post_text"] = desc
            result.excerpt = desc[:EXCERPT_CHARS]
            if not result.title or result.title.lower().startswith("tiktok"):
                result.title = desc[:300]
        author = item.get("author")
        if isinstance(author, dict):
            author = author.get("uniqueId") or author.get("nickname")
        if author:
            result.fields["author"] = str(author)
        if item.get("id"):
            result.fields["video_id"] = str(item["id"])
        result.available = True
    if status_code not in (None, 0):
        result.fields["status_code"] = status_code
        result.available = False
    if result.views is None:
        result.views = _regex_count(text, r'"playCount"\s*:\s*"?(\d+)')


def _rutube(doc, metas: dict[str, str], text: str, url: str, result: Extracted) -> None:
    result.views = _regex_count(text, r'"hits"\s*:\s*(\d+)', r'"views"\s*:\s*(\d+)')
    if result.title and " — смотреть видео онлайн" in result.title:
        result.title = result.title.split(" — смотреть видео онлайн", 1)[0].strip() or None
    author = _regex_count(text, r'"author"\s*:\s*\{[^{}]*"id"\s*:\s*(\d+)')
    if author is not None:
        result.fields["author_id"] = author
    m = re.search(r'"author"\s*:\s*\{[^{}]*"name"\s*:\s*"((?:[^"\\]|\\.)*)"', text)
    if m:
        with contextlib.suppress(ValueError):
            result.fields["author"] = json.loads(f'"{m.group(1)}"')
    if re.search(r'"is_deleted"\s*:\s*true', text) or re.search(r'"is_hidden"\s*:\s*true', text):
        result.available = False


_OK_VIEW_KEYS = ("viewsCount", "viewCount", "views", "totalViews", "movieViews")


def _ok(doc, metas: dict[str, str], text: str, url: str, result: Extracted) -> None:
    views: int | None = None
    for el in doc.xpath("//*[@data-module][@data-options]"):
        try:
            options = json.loads(el.get("data-options") or "")
        except ValueError:
            continue
        metadata = _dig(options, "flashvars", "metadata")
        if isinstance(metadata, str):
            with contextlib.suppress(ValueError):
                options = {"options": options, "metadata": json.loads(metadata)}
        views = _count_value(_find_key(options, _OK_VIEW_KEYS))
        if views is not None:
            title = _find_key(options, ("title",))
            if isinstance(title, str) and not result.title:
                result.title = _clean(title)
            break
    if views is None:
        for el in doc.xpath("//*[contains(@class, 'vp-layer-info_views')]"):
            views = parse_count(el.text_content())
            if views is not None:
                break
    result.views = views


def _instagram(doc, metas: dict[str, str], text: str, url: str, result: Extracted) -> None:
    # og:description: "1,234 likes, 56 comments - user on March 1, 2024: "caption""
    desc = result.description or ""
    m = re.search(r"([\d\s.,]+[KkMm]?)\s+likes?", desc)
    if m:
        result.fields["likes"] = parse_count(m.group(1))
    m = re.search(r"([\d\s.,]+[KkMm]?)\s+comments?", desc)
    if m:
        result.fields["comments"] = parse_count(m.group(1))


_HANDLERS = {
    "youtube": _youtube,
    "vk": _vk,
    "telegram": _telegram,
    "tiktok": _tiktok,
    "rutube": _rutube,
    "ok": _ok,
    "instagram": _instagram,
}
