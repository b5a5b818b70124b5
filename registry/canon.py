"""Canonical identity of a link: one registry entry per piece of content.

The registry must never hold the same post, video or account twice just because people
paste it in different shapes (``youtu.be/ID`` and ``youtube.com/watch?v=ID&si=…``), and must
never merge two different pieces of content.  :func:`canonicalize` turns any pasted link into
a :class:`Canonical`: a canonical URL, the platform it belongs to, the platform's own id of
the object, the host, its registrable domain, and a fixed-length key for the database.

What is generic and what is ours
--------------------------------
Generic URL work leans on well-kept libraries: IDNA/UTS-46 host mapping (``idna``, so
``пример.рф`` and ``ПРИМЕР.ҚАЗ`` become their A-labels), the Public Suffix List via
``tldextract`` using its bundled snapshot (never the network), ``ipaddress`` for IP literals.
Written by hand is only what is specific to this registry:

* undoing defanged input (``hxxps://example[.]com``) in the scheme and host;
* the RFC 3986 normalizations a registry needs (lowercase scheme and host, default port
  dropped, percent-encoding normalized, dot-segments resolved, empty path ``/``), plus
  ``http`` ≡ ``https`` (the canonical URL always says ``https``), ``www.`` / ``m.`` /
  ``mobile.`` hosts merged with the bare host, userinfo dropped;
* tracking parameters removed (only the ones that are tracking everywhere; platform-specific
  ones such as ``si`` or ``t`` only on their platform), the rest sorted, fragments dropped
  (except hash-bang / hash-route fragments such as ``#!…`` and ``#/…`` that *are* the page);
* platform rules (``_SITES``) that reduce a post, video or account to one identity.

Canonical forms per platform (``platform_id`` is always ``kind:value``)
-----------------------------------------------------------------------
=========  =====================================================  ==============================
platform   canonical URL                                          platform_id
=========  =====================================================  ==============================
youtube    https://www.youtube.com/watch?v=ID                     video:ID
           https://www.youtube.com/@handle (lowercased)           channel:@handle
           https://www.youtube.com/channel/UC…                    channel:UC…
           https://www.youtube.com/c/name, /user/name             channel:c/name, channel:user/…
           https://www.youtube.com/playlist?list=ID               playlist:ID
           https://www.youtube.com/post/ID                        post:ID
           https://www.youtube.com/clip/ID                        clip:ID
           https://music.youtube.com/browse/MPRE…                 album:MPRE…
vk         https://vk.com/wall-1_2 (also photo, video, clip, …)   wall:-1_2, video:-1_2, …
           https://vk.com/wall-1_2?reply=3 (a comment)            wall:-1_2/comment:3
           https://vk.com/id1, https://vk.com/club1               user:1, group:1
           https://vk.com/durov (screen name, lowercased)         name:durov
telegram   https://t.me/channel/123 (name lowercased)             post:channel/123
           https://t.me/channel/123?comment=4                     post:channel/123/comment:4
           https://t.me/channel                                   channel:channel
           https://t.me/c/1234/56 (private channel post)          post:c/1234/56
           https://t.me/+HASH (invite, case-sensitive)            invite:HASH
x          https://x.com/i/status/ID                              status:ID
           https://x.com/name (lowercased)                        user:name
instagram  https://www.instagram.com/p/CODE/ (CODE keeps case)    post:CODE
           https://www.instagram.com/stories/name/ID/             story:ID
           https://www.instagram.com/stories/highlights/ID/       highlight:ID
           https://www.instagram.com/name/ (lowercased)           user:name
tiktok     https://www.tiktok.com/@/video/ID                      video:ID
           https://www.tiktok.com/@name (lowercased)              user:name
ok         https://ok.ru/video/ID                                 video:ID
           https://ok.ru/group/G/topic/T                          topic:G/T
           https://ok.ru/group/G, https://ok.ru/profile/P         group:G, profile:P
rutube     https://rutube.ru/video/HEX/                           video:HEX
           https://rutube.ru/video/private/HEX/?p=KEY             video:HEX
           https://rutube.ru/play/embed/NUMBER (old players)      embed:NUMBER
           https://rutube.ru/channel/N/, https://rutube.ru/plst/N/  channel:N, playlist:N
facebook   https://www.facebook.com/watch/?v=ID                   video:ID
           https://www.facebook.com/permalink.php?story_fbid=X&id=Y  post:Y/X
           https://www.facebook.com/name/posts/ID                 post:name/ID
           https://www.facebook.com/photo.php?fbid=X              photo:X
           https://www.facebook.com/profile.php?id=N              profile:N
web        the normalized URL                                     "" (empty)
=========  =====================================================  ==============================

The forms each platform accepts for these (embeds, players, other hosts, old routes) are
listed in the README's registry section; ``tests/registry/test_canon.py`` holds every one.
Wrappers that carry the object's own address (YouTube's ``attribution_link?u=``, Facebook's
``plugins/video.php?href=``) are read through: the object is what they show.

Short links that only the platform can resolve (``vm.tiktok.com``, ``vt.tiktok.com``,
``tiktok.com/t/…``, ``fb.watch``, ``fb.me``, ``facebook.com/share/…``, ``instagram.com/share/…``,
``vk.cc``, ``t.co``) keep their own normalized URL, get their platform, and an empty
``platform_id``: their codes are not the object's id, canon never fetches, and a later check
resolves them.  Any other page of a platform (a search page, a hashtag) is normalized like a
generic URL on the platform's canonical host and also has an empty ``platform_id``.

When these rules learn a new form, links stored under the older rules keep their old key:
``manage.py check_canon`` lists them (registry.selectors.canon_drift).

This module has no Django imports.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import quote, unquote, unquote_to_bytes

import idna
import tldextract

__all__ = [
    "FACEBOOK",
    "HOSTS",
    "INSTAGRAM",
    "INVALID_REASONS",
    "MAX_URL_BYTES",
    "OK",
    "PLATFORMS",
    "RUTUBE",
    "TELEGRAM",
    "TIKTOK",
    "VK",
    "WEB",
    "X",
    "YOUTUBE",
    "Canonical",
    "InvalidURL",
    "canonicalize",
    "platform_of_host",
]

YOUTUBE = "youtube"
VK = "vk"
TELEGRAM = "telegram"
X = "x"
INSTAGRAM = "instagram"
TIKTOK = "tiktok"
OK = "ok"
RUTUBE = "rutube"
FACEBOOK = "facebook"
WEB = "web"
PLATFORMS = (YOUTUBE, VK, TELEGRAM, X, INSTAGRAM, TIKTOK, OK, RUTUBE, FACEBOOK, WEB)

#: Longest link accepted, in UTF-8 bytes (after trimming surrounding whitespace).
MAX_URL_BYTES = 8192

#: Every ``InvalidURL.reason`` this module raises.
INVALID_REASONS = (
    "empty",
    "too_long",
    "control_characters",
    "scheme_not_allowed",
    "no_host",
    "bad_host",
    "bad_port",
)


class InvalidURL(ValueError):
    """The text is not a web link the registry can hold.

    ``reason`` is a short machine code from :data:`INVALID_REASONS` (for API clients and
    import reports); ``str(error)`` is a human sentence in English; ``params`` are the values
    that sentence names (size, scheme, host, port), so that the web layer can say it in the
    reader's language (registry.answers.invalid_url_message).
    """

    def __init__(self, reason: str, message: str, **params) -> None:
        super().__init__(message)
        self.reason = reason
        self.params = params


@dataclass(frozen=True, slots=True)
class Canonical:
    """The identity of one piece of content.

    Two links denote the same content exactly when their ``key`` (equivalently ``url``) is
    equal.  ``host`` is the ASCII (A-label) form; ``host_unicode`` is for display.
    """

    url: str
    platform: str
    platform_id: str
    host: str
    registrable_domain: str
    key: str

    @property
    def host_unicode(self) -> str:
        """The host as people read it (``пример.рф``), for display only."""
        return _host_to_unicode(self.host)


def canonicalize(url: str) -> Canonical:
    """Return the canonical identity of a pasted link, or raise :class:`InvalidURL`.

    Idempotent: ``canonicalize(canonicalize(u).url) == canonicalize(u)``.
    """
    text = _clean_input(url)
    scheme, rest = _split_scheme(_refang_scheme(text))
    authority, path, query, fragment = _split_rest(rest)
    host_info, port = _parse_authority(authority, scheme)
    host = host_info.host

    path = _remove_dot_segments(_PATH_ESCAPES.sub(_fix_escape, path)) if path else "/"
    pieces = _query_pieces(query)

    if host.endswith(".t.me") and host.count(".") == 2:
        # username.t.me is the same as t.me/username.
        path = "/" + host[: -len(".t.me")] + (path if path != "/" else "")
        host = "t.me"

    site = _SITES.get(host)
    if site is None and host.endswith(_ALIASED_PARENTS):
        host, site = _aliased_site(host)
    if site is None:
        address = _address(
            host_info.netloc + port, path, _kept_query(pieces), _kept_fragment(fragment)
        )
        return _canonical(host, host_info.registrable, address, WEB, "")
    return _canonicalize_on_site(site, host, port, path, pieces, fragment)


# --------------------------------------------------------------------------------------
# Input cleaning: what copy-paste adds around a link, and what must never be in one.
# --------------------------------------------------------------------------------------

_INVISIBLE_EDGES = "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff"
# Brackets and quotes that copy-paste puts around a link, by opening character.
_WRAPPERS = {
    "<": ">",
    '"': '"',
    "'": "'",
    "`": "`",
    "«": "»",
    "“": "”",
    "”": "”",
    "„": "“",
    "‘": "’",
    "‚": "‘",
}
_FORBIDDEN = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def _clean_input(url: str) -> str:
    """Trim what copy-paste adds, and refuse text that cannot be a safe web link.

    Bidirectional overrides can make a link display as something else than it is, and
    control characters never occur in a real address, so both are refused outright rather
    than silently removed.
    """
    if not isinstance(url, str):
        raise TypeError(f"canonicalize() needs a str, not {type(url).__name__}")
    text = _unwrap(url)
    if not text:
        raise InvalidURL("empty", "The link is empty.")
    if len(text) > MAX_URL_BYTES // 4:
        size = len(text.encode("utf-8", "surrogatepass"))
        if size > MAX_URL_BYTES:
            raise InvalidURL(
                "too_long",
                f"The link is {size} bytes long; the limit is {MAX_URL_BYTES} bytes.",
                size=size,
                limit=MAX_URL_BYTES,
            )
    if _FORBIDDEN.search(text):
        raise InvalidURL(
            "control_characters",
            "The link contains control or bidirectional-override characters, "
            "which are never part of a real web address.",
        )
    return text


def _unwrap(text: str) -> str:
    """Strip whitespace, invisible marks, and matching <angle brackets> or quotes around a link.

    Only matched pairs are removed: a lone trailing ``>`` or ``'`` may belong to the link.
    """
    while True:
        before = text
        text = text.strip().strip(_INVISIBLE_EDGES)
        if len(text) >= 2 and _WRAPPERS.get(text[0]) == text[-1]:
            text = text[1:-1]
        if text == before:
            return text


# hxxp, hXXps, h**p, h__p, plain http; with ":", "[:]", "[://]" or a forgotten colon.
_DEFANGED_SCHEME = re.compile(
    r"h(?:tt|xx|\*\*|__)p(s?)\s*(?:\[:\]|\(:\)|\{:\}|:)?\s*(?:\[:?//\]|\(:?//\)|//)",
    re.IGNORECASE,
)
_DEFANGED_DOT = re.compile(r"\s*(?:[\[({]\s*(?:\.|dot)\s*[\])}])\s*", re.IGNORECASE)
_DEFANGED_COLON = re.compile(r"[\[({]:[\])}]")


def _refang_scheme(text: str) -> str:
    """Undo defanged schemes (``hxxps[:]//``) so threat-intel style input is accepted."""
    if text.startswith(("https://", "http://")) or text[:1] not in "hH":
        return text
    match = _DEFANGED_SCHEME.match(text)
    if match is None:
        return text
    return f"http{match[1].lower()}://{text[match.end() :]}"


def _refang_host(authority: str) -> str:
    """Undo ``example[.]com`` / ``example(dot)com`` / ``host[:]8080`` in the authority only.

    Paths are never rewritten: ``[.]`` in a path is data, and touching it could merge
    distinct pages.
    """
    if "[" in authority or "(" in authority or "{" in authority:
        authority = _DEFANGED_DOT.sub(".", authority)
        authority = _DEFANGED_COLON.sub(":", authority)
    return authority


# --------------------------------------------------------------------------------------
# Splitting: scheme, authority, path, query, fragment.
# --------------------------------------------------------------------------------------

_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
_PORT_THEN_PATH = re.compile(r"\d+(?:[/?#\\]|$)")
_AUTHORITY_END = re.compile(r"[/?#\\]")
_WEB_SCHEMES = {"http": 80, "https": 443}


def _split_scheme(text: str) -> tuple[str, str]:
    """Return ``(scheme, rest after "//")``; a bare ``example.com/path`` counts as https.

    ``localhost:8080`` and ``example.com:8080`` look like a scheme followed by a colon, so a
    "scheme" that contains a dot or is followed by a port number is read as a host.
    """
    match = _SCHEME.match(text)
    if match is not None:
        scheme = match[1].lower()
        rest = text[match.end() :]
        if scheme in _WEB_SCHEMES:
            return scheme, rest.lstrip("/\\")
        if rest.startswith("//") or ("." not in scheme and not _PORT_THEN_PATH.match(rest)):
            raise InvalidURL(
                "scheme_not_allowed",
                f"Only web links (http or https) can be registered, not {scheme[:20]!r} links.",
                scheme=scheme[:20],
            )
    return "https", text.lstrip("/\\")


def _split_rest(rest: str) -> tuple[str, str, str, str]:
    """Split ``authority/path?query#fragment``; backslashes before the query act as "/"."""
    end = _AUTHORITY_END.search(rest)
    if end is None:
        return rest, "", "", ""
    authority, tail = rest[: end.start()], rest[end.start() :]
    tail, _, fragment = tail.partition("#")
    path, _, query = tail.partition("?")
    if "\\" in path:
        path = path.replace("\\", "/")
    return authority, path, query, fragment


def _parse_authority(authority: str, scheme: str) -> tuple[_Host, str]:
    """Return the host and the ``":port"`` suffix ("" for a default port); drop userinfo."""
    host_port = _refang_host(authority.rpartition("@")[2])
    if host_port.startswith("["):
        end = host_port.find("]")
        if end < 0:
            raise _bad_host(host_port)
        raw_host, after = host_port[: end + 1], host_port[end + 1 :]
        if after and not after.startswith(":"):
            raise _bad_host(host_port)
        port = after[1:]
    else:
        raw_host, _, port = host_port.partition(":")
    if not raw_host:
        raise InvalidURL("no_host", "The link has no host name.")
    return _host_info(raw_host), _port_suffix(port, scheme)


def _port_suffix(port: str, scheme: str) -> str:
    """Validate the port; the default one disappears.

    Both 80-on-http and 443 are dropped: the canonical scheme is https, so keeping an
    explicit 443 would make the result change when canonicalized again.
    """
    if not port:
        return ""
    if not (port.isascii() and port.isdigit()) or not 0 < int(port) <= 65535:
        raise InvalidURL("bad_port", f"{port[:20]!r} is not a valid port number.", port=port[:20])
    number = int(port)
    if number in (_WEB_SCHEMES[scheme], 443):
        return ""
    return f":{number}"


# --------------------------------------------------------------------------------------
# Hosts: IDNA, IP literals, registrable domain, www./m. — all cached per host.
# --------------------------------------------------------------------------------------


class _Host(NamedTuple):
    host: str  # canonical host: A-label, lowercase, www./m./mobile. removed
    registrable: str  # registrable domain per the Public Suffix List
    netloc: str  # host as written in a URL ([brackets] around IPv6)


_EXTRACT = tldextract.TLDExtract(
    suffix_list_urls=(),  # the bundled snapshot only: never the network
    cache_dir=None,
    fallback_to_snapshot=True,
    # Private suffixes too, so that user.blogspot.com or user.github.io is its own site
    # rather than blogspot.com or github.io as a whole.
    include_psl_private_domains=True,
)
_DOMAIN = re.compile(r"(?:[a-z0-9_-]{1,63}\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?")
_MERGED_PREFIXES = ("www.", "m.", "mobile.")
_HEX = re.compile(r"[0-9a-f]*")
_OCT = re.compile(r"[0-7]*")
_DEC = re.compile(r"[0-9]+")


def _bad_host(host: str) -> InvalidURL:
    return InvalidURL(
        "bad_host", f"{host[:100]!r} is not a valid host name or IP address.", host=host[:100]
    )


@lru_cache(maxsize=65536)
def _host_info(raw: str) -> _Host:
    """Canonical host for what was written between ``//`` and the path."""
    if raw.startswith("["):
        return _ipv6_host(raw)
    host = unquote(raw) if "%" in raw else raw
    if not host.isascii():
        try:
            host = idna.encode(host, uts46=True, transitional=False).decode("ascii")
        except (idna.IDNAError, UnicodeError, ValueError) as error:
            raise _bad_host(raw) from error
    host = host.lower().rstrip(".")
    ipv4 = _ipv4(host, raw)
    if ipv4 is not None:
        return _Host(ipv4, ipv4, ipv4)
    if len(host) > 253 or not _DOMAIN.fullmatch(host):
        raise _bad_host(raw)
    registrable = _registrable(host)
    host = _strip_merged_prefixes(host, registrable)
    return _Host(host, registrable, host)


def _ipv6_host(raw: str) -> _Host:
    inner = raw[1:-1]
    if "%" in inner:  # zone ids mean nothing outside one machine
        raise _bad_host(raw)
    try:
        address = ipaddress.IPv6Address(inner).compressed
    except ValueError as error:
        raise _bad_host(raw) from error
    return _Host(address, address, f"[{address}]")


def _ipv4(host: str, raw: str) -> str | None:
    """Parse an IPv4 host the way browsers do (``0x7f.1`` is 127.0.0.1), else None.

    A host whose last label is a number is an IPv4 address or invalid (WHATWG URL
    standard), so obfuscated forms cannot sneak past as distinct "domains".
    """
    parts = host.split(".")
    last = parts[-1]
    if not (_DEC.fullmatch(last) or (last[:2] == "0x" and _HEX.fullmatch(last[2:]))):
        return None
    if len(parts) > 4:
        raise _bad_host(raw)
    numbers = [_ipv4_number(part, raw) for part in parts]
    if any(number > 255 for number in numbers[:-1]) or numbers[-1] >= 256 ** (5 - len(numbers)):
        raise _bad_host(raw)
    value = numbers[-1]
    for index, number in enumerate(numbers[:-1]):
        value += number * 256 ** (3 - index)
    return str(ipaddress.IPv4Address(value))


def _ipv4_number(part: str, raw: str) -> int:
    if part[:2] == "0x":
        digits, base, pattern = part[2:], 16, _HEX
    elif len(part) > 1 and part[0] == "0":
        digits, base, pattern = part[1:], 8, _OCT
    else:
        digits, base, pattern = part, 10, _DEC
    if not pattern.fullmatch(digits):
        raise _bad_host(raw)
    return int(digits, base) if digits else 0


@lru_cache(maxsize=65536)
def _registrable(host: str) -> str:
    """Registrable domain (eTLD+1) from the bundled Public Suffix List."""
    result = _EXTRACT.extract_str(host)
    if result.top_domain_under_public_suffix:
        return result.top_domain_under_public_suffix
    if result.suffix:  # the host is itself a public suffix, e.g. github.io
        return host
    # Unknown TLD: the PSL's default rule "*" makes the last label the suffix.
    return ".".join(host.rsplit(".", 2)[-2:])


def _strip_merged_prefixes(host: str, registrable: str) -> str:
    """``www.``, ``m.`` and ``mobile.`` serve the same content as the bare host.

    Only while something at least as long as the registrable domain remains: ``m.me`` and
    ``www.github.io`` are sites of their own.
    """
    while True:
        for prefix in _MERGED_PREFIXES:
            if host.startswith(prefix) and len(host) - len(prefix) >= len(registrable):
                host = host[len(prefix) :]
                break
        else:
            return host


@lru_cache(maxsize=4096)
def _host_to_unicode(host: str) -> str:
    try:
        return idna.decode(host)
    except (idna.IDNAError, UnicodeError, ValueError):
        return host


# --------------------------------------------------------------------------------------
# Path, query and fragment normalization (RFC 3986 section 6.2.2).
# --------------------------------------------------------------------------------------

_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# An escape, or a character that must be escaped (everything but unreserved, sub-delims,
# ":" "@" "/" and, in the query and fragment, "?").
_PATH_ESCAPES = re.compile(r"%[0-9A-Fa-f]{2}|[^A-Za-z0-9\-._~!$&'()*+,;=:@/]")
_QUERY_ESCAPES = re.compile(r"%[0-9A-Fa-f]{2}|[^A-Za-z0-9\-._~!$&'()*+,;=:@/?]")
_SEGMENT_SAFE = "!$&'()*+,;=:@"


def _fix_escape(match: re.Match[str]) -> str:
    """Decode escaped unreserved characters, uppercase other escapes, escape the rest.

    A lone ``%`` becomes ``%25`` and non-ASCII text becomes UTF-8 escapes, so an IRI and
    its URI form are the same link.
    """
    token = match[0]
    if len(token) == 3:
        char = chr(int(token[1:], 16))
        return char if char in _UNRESERVED else token.upper()
    return "".join(f"%{byte:02X}" for byte in token.encode("utf-8"))


def _remove_dot_segments(path: str) -> str:
    """Resolve ``.`` and ``..`` (RFC 3986 5.2.4); ``%2E`` was already decoded to ``.``."""
    if "/." not in path:
        return path
    segments = path.split("/")[1:]
    output: list[str] = []
    for segment in segments:
        if segment == "..":
            if output:
                output.pop()
        elif segment != ".":
            output.append(segment)
    if segments[-1] in (".", ".."):
        output.append("")
    return "/" + "/".join(output)


def _query_pieces(query: str) -> list[str]:
    """Normalized ``key=value`` pieces, empty ones (``a=1&&b=2``, a bare ``?``) dropped."""
    if not query:
        return []
    return [piece for piece in _QUERY_ESCAPES.sub(_fix_escape, query).split("&") if piece]


# Parameters that only ever track a click, on any site.
_TRACKING = frozenset(
    {
        "_hsenc", "_hsmi", "_openstat", "dclid", "fbclid", "gbraid", "gclid", "gclsrc",
        "igshid", "li_fat_id", "mc_cid", "mc_eid", "mkt_tok", "msclkid", "oly_anon_id",
        "oly_enc_id", "pk_campaign", "pk_content", "pk_kwd", "pk_medium", "pk_source",
        "rb_clickid", "srsltid", "ttclid", "twclid", "vero_id", "wbraid", "yclid", "ysclid",
    }
)  # fmt: skip
_TRACKING_PREFIXES = ("utm_",)


def _kept_query(
    pieces: list[str],
    drop: frozenset[str] = frozenset(),
    drop_prefixes: tuple[str, ...] = (),
) -> str:
    """Remove tracking parameters and sort the rest, so parameter order does not matter."""
    kept = []
    for piece in pieces:
        key = piece.partition("=")[0].lower()
        if (
            key in _TRACKING
            or key.startswith(_TRACKING_PREFIXES)
            or key in drop
            or (drop_prefixes and key.startswith(drop_prefixes))
        ):
            continue
        kept.append(piece)
    kept.sort()
    return "&".join(kept)


def _kept_fragment(fragment: str) -> str:
    """Fragments are dropped, except hash-bang and hash-route ones (``#!…``, ``#/…``).

    Single-page sites (old mega.nz links, hash routers) keep the whole identity of the page
    in such fragments; dropping them would merge every page of the site into one.
    """
    if fragment[:1] not in ("!", "/") or fragment in ("!", "/", "!/"):
        return ""
    return "#" + _QUERY_ESCAPES.sub(_fix_escape, fragment)


def _canonical(
    host: str, registrable: str, address: str, platform: str, platform_id: str
) -> Canonical:
    """Assemble the result; ``address`` is everything after ``https://``."""
    url = "https://" + address
    return Canonical(
        url=url,
        platform=platform,
        platform_id=platform_id,
        host=host,
        registrable_domain=registrable,
        key=hashlib.sha256(url.encode("utf-8")).hexdigest(),
    )


def _address(netloc: str, path: str, query: str, fragment: str = "") -> str:
    return f"{netloc}{path}?{query}{fragment}" if query else f"{netloc}{path}{fragment}"


# --------------------------------------------------------------------------------------
# Platform rules.
#
# A site is a group of hosts with one canonical host and a table of rules.  Each rule is a
# path pattern (matched against the whole normalized path) and a handler that gets the match
# and the query parameters and returns ``(canonical path and query, platform_id)``, or None
# to let the next rule try.  A path no rule claims is an ordinary page of the platform.
# --------------------------------------------------------------------------------------

_Found = tuple[str, str] | None
_Handler = Callable[[re.Match[str], Mapping[str, str]], _Found]
_Rule = tuple[re.Pattern[str], _Handler]


@dataclass(frozen=True, slots=True)
class _Site:
    platform: str
    hosts: tuple[str, ...]  # after www./m./mobile. were removed
    rules: tuple[_Rule, ...]
    object_host: str | None  # host of canonical object URLs; None keeps the link's host
    page_host: str | None = None  # host of other pages; None keeps the link's host
    drop_params: frozenset[str] = frozenset()  # tracking only on this platform
    drop_prefixes: tuple[str, ...] = ()
    # Where an old hash-bang route (``#!/path?query``) replaces the path: "" never, "/" only
    # on the root page (Twitter), "*" on any page (Facebook's old in-page navigation).
    hash_bang: str = ""


def _rules(*pairs: tuple[str, _Handler]) -> tuple[_Rule, ...]:
    return tuple((re.compile(pattern), handler) for pattern, handler in pairs)


def _query_dict(pieces: list[str]) -> dict[str, str]:
    """First value of every parameter (keys are case-sensitive, as the platforms read them)."""
    values: dict[str, str] = {}
    for piece in pieces:
        key, _, value = piece.partition("=")
        values.setdefault(key, value)
    return values


def _lower_segment(segment: str) -> str:
    """Lowercase a path segment, including escaped non-ASCII text (``%D0%90`` → ``%D0%B0``)."""
    if "%" not in segment:
        return segment.lower()
    # Byte-exact round trip: escapes that are not UTF-8 stay as they were.
    text = unquote_to_bytes(segment).decode("utf-8", "surrogateescape")
    return quote(text.lower().encode("utf-8", "surrogateescape"), safe=_SEGMENT_SAFE)


def _canonicalize_on_site(
    site: _Site, host: str, port: str, path: str, pieces: list[str], fragment: str
) -> Canonical:
    """Apply the first platform rule that recognizes the path, else normalize as a page."""
    if (
        site.hash_bang
        and fragment.startswith("!/")
        and (site.hash_bang == "*" or path == "/")
        and len(fragment) > 2
    ):
        # Old links keep the real page in a hash-bang: twitter.com/#!/user/status/ID, and
        # facebook.com/NAME#!/photo.php?v=ID (the video, whatever page it was opened over).
        path, _, query = fragment[1:].partition("?")
        path = _remove_dot_segments(_PATH_ESCAPES.sub(_fix_escape, path))
        pieces = _query_pieces(query)
    params = _query_dict(pieces)
    for pattern, handler in site.rules:
        match = pattern.fullmatch(path)
        if match is not None:
            found = handler(match, params)
            if found is not None:
                target, platform_id = found
                object_host = site.object_host or host
                if target.startswith("//"):  # an object that lives on a host of its own
                    object_host, slash, rest = target[2:].partition("/")
                    target = slash + rest
                return _canonical(
                    object_host,
                    _registrable(object_host),
                    object_host + target,
                    site.platform,
                    platform_id,
                )
    page_host = site.page_host or host
    query = _kept_query(pieces, site.drop_params, site.drop_prefixes)
    return _canonical(
        page_host,
        _registrable(page_host),
        _address(page_host + port, path, query),
        site.platform,
        "",
    )


def _wrapped_object(url: str, platform: str, prefix: str) -> _Found:
    """The object a wrapper link carries (an old share link, an embed plugin's ``href``), if
    it is an object of ``platform`` whose canonical URL is ``prefix`` + a path; else None."""
    try:
        found = canonicalize(url)
    except InvalidURL:
        return None
    if not (found.platform == platform and found.platform_id):
        return None
    if not found.url.startswith(prefix + "/"):
        return None
    return found.url[len(prefix) :], found.platform_id


def _short_link(trailing_slash: bool) -> tuple[str, _Handler]:
    """A short link only the platform can resolve: kept as is (query dropped), no id."""
    slash = "/" if trailing_slash else ""
    return r"/([A-Za-z0-9_-]+)/?", lambda m, q: (f"/{m[1]}{slash}", "")


# YouTube -------------------------------------------------------------------------------

_YT_VIDEO_ID = re.compile(r"[A-Za-z0-9_-]{11}")
_YT_TOKEN = re.compile(r"[A-Za-z0-9_-]+")


def _youtube_video(video_id: str) -> _Found:
    if not _YT_VIDEO_ID.fullmatch(video_id) or video_id == "videoseries":
        return None
    return f"/watch?v={video_id}", f"video:{video_id}"


def _youtube_channel(channel: str, params: Mapping[str, str]) -> _Found:
    """A channel (``@handle``, ``channel/UC…``, ``c/name``, ``user/name``), or the community
    post (``?lb=``) opened on top of the channel page."""
    post = params.get("lb", "")
    if _YT_TOKEN.fullmatch(post):
        return f"/post/{post}", f"post:{post}"
    return f"/{channel}", f"channel:{channel.removeprefix('channel/')}"


def _youtube_list(match: re.Match[str], params: Mapping[str, str]) -> _Found:
    playlist = params.get("list", "")
    if not _YT_TOKEN.fullmatch(playlist):
        return None
    return f"/playlist?list={playlist}", f"playlist:{playlist}"


def _youtube_attribution(match: re.Match[str], params: Mapping[str, str]) -> _Found:
    """``/attribution_link?u=/watch%3Fv%3DID…``: an old share link, the page is in ``u``."""
    inner = unquote(params.get("u", ""))
    if not inner.startswith("/") or inner.startswith(("//", "/attribution_link")):
        return None
    return _wrapped_object("https://www.youtube.com" + inner, YOUTUBE, "https://www.youtube.com")


_YT_MUSIC = "//music.youtube.com"
_YT_CHANNEL_ID = re.compile(r"UC[A-Za-z0-9_-]{22}")


def _youtube_browse(match: re.Match[str], params: Mapping[str, str]) -> _Found:
    """YouTube Music's browse pages: ``VL`` + a playlist id is the playlist, ``UC…`` the
    artist's channel; an album (``MPRE…``) keeps its own browse page, since only YouTube knows
    which playlist it is."""
    browse = match[1]
    if browse.startswith("VL") and len(browse) > 2:
        return _youtube_list(match, {"list": browse[2:]})
    if _YT_CHANNEL_ID.fullmatch(browse):
        return f"/channel/{browse}", f"channel:{browse}"
    if browse.startswith("MPRE"):
        return f"{_YT_MUSIC}/browse/{browse}", f"album:{browse}"
    return None


_YOUTUBE_RULES = _rules(
    (r"/(?:watch|watch_popup)/?", lambda m, q: _youtube_video(q.get("v", ""))),
    # Old embed code writes its options after "&" with no "?": /v/ID&hl=ru&fs=1.
    (
        r"/(?:shorts|embed|live|v|e|watch)/([A-Za-z0-9_-]{11})(?:[/&;].*)?",
        lambda m, q: _youtube_video(m[1]),
    ),
    (r"/post/([A-Za-z0-9_-]+)/?", lambda m, q: (f"/post/{m[1]}", f"post:{m[1]}")),
    (r"/playlist/?", _youtube_list),
    # Channel ids are case-sensitive; handles and legacy names are not.
    (
        r"/channel/(UC[A-Za-z0-9_-]{22})(?:/.*)?",
        lambda m, q: _youtube_channel(f"channel/{m[1]}", q),
    ),
    (r"/(@[^/]+)(?:/.*)?", lambda m, q: _youtube_channel(_lower_segment(m[1]), q)),
    (
        r"/(c|user)/([^/]+)(?:/.*)?",
        lambda m, q: _youtube_channel(f"{m[1]}/{_lower_segment(m[2])}", q),
    ),
    # Rarer forms last.  "videoseries" is eleven letters long, but it is the embedded player
    # of a playlist, not a video (_youtube_video refuses it, so these rules get their turn).
    (r"/embed/videoseries/?", _youtube_list),
    (r"/embed/?", lambda m, q: _youtube_list(m, q) if q.get("listType") == "playlist" else None),
    # A clip is a piece of a video with an id of its own: neither the video nor another clip.
    (r"/clip/([A-Za-z0-9_-]{10,})/?", lambda m, q: (f"/clip/{m[1]}", f"clip:{m[1]}")),
    (r"/attribution_link/?", _youtube_attribution),
)
_YOUTUBE_MUSIC_RULES = _YOUTUBE_RULES + _rules((r"/browse/([A-Za-z0-9_-]+)/?", _youtube_browse))
_YOUTU_BE_RULES = _rules((r"/([A-Za-z0-9_-]{11})(?:/|[&;].*)?", lambda m, q: _youtube_video(m[1])))
_YOUTUBE_DROP = frozenset(
    {
        "si",
        "feature",
        "pp",
        "ab_channel",
        "app",
        "persist_app",
        "embeds_referring_euri",
        "embeds_referring_origin",
        "source_ve_path",
    }
)

# VK ------------------------------------------------------------------------------------

_VK_KINDS = "wall|photo|video|clip|audio|topic|album|doc|market|product|note|poll|story|podcast"
_VK_OBJECT = rf"({_VK_KINDS})(-?\d+_\d+)"
_VK_OBJECT_PREFIX = re.compile(_VK_OBJECT)
_VK_RESERVED = frozenset(
    {
        "about", "ads", "al_feed", "albums", "apps", "audio", "audios", "blog", "bookmarks",
        "bugs", "clips", "dev", "docs", "edit", "fave", "feed", "friends", "games", "gifts",
        "groups", "im", "jobs", "join", "legal", "login", "mail", "market", "music",
        "notifications", "photos", "podcasts", "press", "privacy", "restore", "search",
        "services", "settings", "stats", "stickers", "support", "terms", "video", "videos",
    }
)  # fmt: skip
_DIGITS = re.compile(r"-?[0-9]+")


def _vk_object(kind: str, ids: str, params: Mapping[str, str]) -> _Found:
    """``wall-1_2``; a comment (``?reply=3``) on a wall post is content of its own."""
    reply = params.get("reply", "") if kind == "wall" else ""
    if reply.isdigit():
        return f"/{kind}{ids}?reply={reply}", f"{kind}:{ids}/comment:{reply}"
    return f"/{kind}{ids}", f"{kind}:{ids}"


def _vk_overlay(match: re.Match[str], params: Mapping[str, str]) -> _Found:
    """``?w=wall-1_2`` / ``?z=photo-1_2/album…`` opens an object over any page: that is it."""
    for key in ("w", "z"):
        found = _VK_OBJECT_PREFIX.match(params.get(key, ""))
        if found is not None:
            return _vk_object(found[1], found[2], params)
    return None


def _vk_embed(match: re.Match[str], params: Mapping[str, str]) -> _Found:
    owner, item = params.get("oid", ""), params.get("id", "")
    if not (_DIGITS.fullmatch(owner) and item.isdigit()):
        return None
    return _vk_object("video", f"{owner}_{item}", {})


def _vk_account(kind: str, number: str) -> _Found:
    """``id1`` is a user; ``club1``, ``public1`` and ``event1`` are the same community."""
    if kind == "id":
        return f"/id{number}", f"user:{number}"
    return f"/club{number}", f"group:{number}"


def _vk_screen_name(match: re.Match[str], params: Mapping[str, str]) -> _Found:
    name = match[1].lower()
    if name in _VK_RESERVED or name.endswith(".php") or not any(c.isalpha() for c in name):
        return None
    return f"/{name}", f"name:{name}"


_VK_OBJECT_RULES = _rules(
    (r"/.*", _vk_overlay),
    (rf"/{_VK_OBJECT}/?", lambda m, q: _vk_object(m[1], m[2], q)),
    (r"/video_ext\.php", _vk_embed),
)
_VK_RULES = _VK_OBJECT_RULES + _rules(
    (r"/(id|club|public|event)(\d+)/?", lambda m, q: _vk_account(m[1], m[2])),
    (r"/wall-(\d+)/?", lambda m, q: _vk_account("club", m[1])),
    (r"/wall(\d+)/?", lambda m, q: _vk_account("id", m[1])),
    (r"/([A-Za-z0-9_.]{2,32})/?", _vk_screen_name),
)

# Telegram ------------------------------------------------------------------------------

_TG_RESERVED = frozenset(
    {
        "addemoji", "addlist", "addstickers", "addtheme", "boost", "confirmphone", "contact",
        "giftcode", "invoice", "joinchat", "login", "proxy", "setlanguage", "share", "socks",
    }
)  # fmt: skip


def _telegram_target(channel: str, post: str, params: Mapping[str, str]) -> _Found:
    """A channel, a post in it (``/123``, or ``/topic/123`` in forums), or a comment."""
    if not post:
        return f"/{channel}", f"channel:{channel}"
    target = channel + post
    comment = params.get("comment", "")
    if comment.isdigit():
        return f"/{target}?comment={comment}", f"post:{target}/comment:{comment}"
    return f"/{target}", f"post:{target}"


def _telegram_public(match: re.Match[str], params: Mapping[str, str]) -> _Found:
    name = match[1].lower()  # usernames are case-insensitive
    if name in _TG_RESERVED:
        return None
    return _telegram_target(name, match[2], params)


_TELEGRAM_RULES = _rules(
    # Invite links: t.me/joinchat/HASH is t.me/+HASH; the hash is case-sensitive.
    (r"/(?:joinchat/|\+|%2B)([A-Za-z0-9_-]+)/?", lambda m, q: (f"/+{m[1]}", f"invite:{m[1]}")),
    (r"/c/(\d+)((?:/\d+){0,2})/?", lambda m, q: _telegram_target(f"c/{m[1]}", m[2], q)),
    (r"/(?:s/)?([A-Za-z][A-Za-z0-9_]{3,31})((?:/\d+){0,2})/?", _telegram_public),
)

# X / Twitter ---------------------------------------------------------------------------

_X_RESERVED = frozenset(
    {
        "about", "account", "compose", "download", "explore", "hashtag", "help", "home", "i",
        "intent", "jobs", "login", "logout", "messages", "notifications", "privacy", "rules",
        "search", "settings", "share", "signup", "tos",
    }
)  # fmt: skip
_X_TABS = "with_replies|media|likes|highlights|articles|followers|following|verified_followers"


def _x_account(match: re.Match[str], params: Mapping[str, str]) -> _Found:
    name = match[1].lower()
    if name in _X_RESERVED:
        return None
    return f"/{name}", f"user:{name}"


_X_RULES = _rules(
    # The status id alone identifies a post, whatever user name is in front of it.
    (
        r"/(?:i/web|i|[A-Za-z0-9_]{1,20})/status(?:es)?/(\d{1,20})(?:/.*)?",
        lambda m, q: (f"/i/status/{m[1]}", f"status:{m[1]}"),
    ),
    # The old video player of a post is keyed by the post's own id.
    (r"/i/videos/tweet/(\d{1,20})/?", lambda m, q: (f"/i/status/{m[1]}", f"status:{m[1]}")),
    (r"/i/user/(\d{1,20})/?", lambda m, q: (f"/i/user/{m[1]}", f"user_id:{m[1]}")),
    (rf"/([A-Za-z0-9_]{{1,15}})(?:/(?:{_X_TABS}))?/?", _x_account),
)
_X_DROP = frozenset({"s", "t", "ref_src", "ref_url"})


def _x_embed(match: re.Match[str], params: Mapping[str, str]) -> _Found:
    """``platform.twitter.com/embed/Tweet.html?id=ID``: the embedded post."""
    status = params.get("id", "")
    if not (status.isdigit() and len(status) <= 20):
        return None
    return f"/i/status/{status}", f"status:{status}"


_X_EMBED_RULES = _rules((r"/embed/(?:Tweet|index)\.html", _x_embed))

# Instagram -----------------------------------------------------------------------------

_IG_RESERVED = frozenset(
    {
        "about", "accounts", "api", "challenge", "create", "developer", "direct", "directory",
        "emails", "explore", "graphql", "legal", "lite", "oauth", "p", "privacy", "reel",
        "reels", "session", "static", "stories", "terms", "topics", "tv", "web",
    }
)  # fmt: skip


def _instagram_post(match: re.Match[str], params: Mapping[str, str]) -> _Found:
    code = match[1]  # shortcodes are case-sensitive
    if code.lower() == "audio":  # /reels/audio/ID is a sound page, not a reel
        return None
    return f"/p/{code}/", f"post:{code}"


def _instagram_account(match: re.Match[str], params: Mapping[str, str]) -> _Found:
    name = match[1].lower()
    if name in _IG_RESERVED:
        return None
    return f"/{name}/", f"user:{name}"


_INSTAGRAM_RULES = _rules(
    # Share links (/share/reel/CODE/) carry a share code, not the post's shortcode: only
    # Instagram can resolve them, so they stay links of their own.
    (
        r"/share/((?:p/|reel/|v/)?[A-Za-z0-9_-]+)/?",
        lambda m, q: (f"/share/{m[1]}/", ""),
    ),
    # Posts, reels and IGTV share one shortcode space, and /p/CODE/ opens all of them.
    (r"/(?:[A-Za-z0-9._]{1,30}/)?(?:p|reel|reels|tv)/([A-Za-z0-9_-]{5,})(?:/.*)?", _instagram_post),
    # A highlight is a collection of stories with an id of its own, not a story.
    (
        r"/stories/highlights/(\d+)/?",
        lambda m, q: (f"/stories/highlights/{m[1]}/", f"highlight:{m[1]}"),
    ),
    (
        r"/stories/([A-Za-z0-9._]{1,30})/(\d+)/?",
        lambda m, q: (f"/stories/{m[1].lower()}/{m[2]}/", f"story:{m[2]}"),
    ),
    (
        r"/([A-Za-z0-9._]{1,30})(?:/(?:reels|tagged|saved|guides|feed|channel))?/?",
        _instagram_account,
    ),
)
_INSTAGRAM_DROP = frozenset({"igsh", "igshid", "img_index", "hl"})

# TikTok --------------------------------------------------------------------------------


def _tiktok_video(video_id: str) -> _Found:
    return f"/@/video/{video_id}", f"video:{video_id}"


_TIKTOK_VIDEO_RULES = _rules(
    (r"/@[^/]*/(?:video|photo)/(\d{6,20})(?:/.*)?", lambda m, q: _tiktok_video(m[1])),
    (
        r"/(?:embed(?:/v2)?|video|v|player/v1|share/video)/(\d{6,20})(?:\.html)?/?",
        lambda m, q: _tiktok_video(m[1]),
    ),
)
_TIKTOK_RULES = _TIKTOK_VIDEO_RULES + _rules(
    (r"/t/([A-Za-z0-9]+)/?", lambda m, q: (f"/t/{m[1]}/", "")),
    (r"/@([A-Za-z0-9_.]{1,24})/?", lambda m, q: (f"/@{m[1].lower()}", f"user:{m[1].lower()}")),
)
_TIKTOK_DROP = frozenset(
    {
        "_r", "_t", "checksum", "embed_source", "enter_from", "is_copy_url", "is_from_webapp",
        "lang", "language", "preview_pb", "refer", "referer_url", "sec_uid", "sender_device",
        "sender_web_id", "share_app_id", "share_item_id", "share_link_id", "social_sharing",
        "source", "timestamp", "tt_from", "u_code", "user_id", "web_id",
    }
)  # fmt: skip

# OK.ru ---------------------------------------------------------------------------------


def _ok_video(video_id: str) -> _Found:
    if not video_id.isdigit():
        return None
    return f"/video/{video_id}", f"video:{video_id}"


def _ok_movie_layer(match: re.Match[str], params: Mapping[str, str]) -> _Found:
    """``/dk?st.cmd=movieLayer&st.mvId=ID``: the old video layer opened over any page."""
    if params.get("st.cmd") != "movieLayer":
        return None
    return _ok_video(params.get("st.mvId", ""))


_OK_RULES = _rules(
    # The page, the embedded player, the live page and the player's own address are one
    # video; the player writes the id with a "-0" suffix, which is not part of the id.
    (
        r"/(?:video|videoembed|live|web-api/video/moviePlayer)/(\d+)(?:-0)?/?",
        lambda m, q: _ok_video(m[1]),
    ),
    (r"/dk/?", _ok_movie_layer),
    (
        r"/group/(\d+)/topic/(\d+)/?",
        lambda m, q: (f"/group/{m[1]}/topic/{m[2]}", f"topic:{m[1]}/{m[2]}"),
    ),
    (
        r"/profile/(\d+)/statuses/(\d+)/?",
        lambda m, q: (f"/profile/{m[1]}/statuses/{m[2]}", f"status:{m[1]}/{m[2]}"),
    ),
    (r"/group/(\d+)(?:/[a-z]+)?/?", lambda m, q: (f"/group/{m[1]}", f"group:{m[1]}")),
    (r"/profile/(\d+)(?:/[a-z]+)?/?", lambda m, q: (f"/profile/{m[1]}", f"profile:{m[1]}")),
)

# Rutube --------------------------------------------------------------------------------


_RUTUBE_PRIVATE = ("/video/private/", "/live/video/private/")
_RUTUBE_PLAYERS = ("/embed/", "/play/embed/")


def _rutube_video(match: re.Match[str], params: Mapping[str, str]) -> _Found:
    """A video by its 32-hex id.  A private video is only reachable with its access key
    ``p``, so the key stays; the embedded player of a private video carries the key too."""
    video_id, path = match[1].lower(), match[0]
    private = path.startswith(_RUTUBE_PRIVATE)
    key = params.get("p", "") if private or path.startswith(_RUTUBE_PLAYERS) else ""
    if private or key:
        suffix = f"?p={key}" if key else ""
        return f"/video/private/{video_id}/{suffix}", f"video:{video_id}"
    return f"/video/{video_id}/", f"video:{video_id}"


_RUTUBE_RULES = _rules(
    # The page, a short, a live stream's page and both embedded players are one video.
    (r"/(?:video|shorts|live/video)/([0-9A-Fa-f]{32})(?:/.*)?", _rutube_video),
    (r"/(?:play/)?embed/([0-9A-Fa-f]{32})/?", _rutube_video),
    (r"/(?:live/)?video/private/([0-9A-Fa-f]{32})/?", _rutube_video),
    # Old players name a video by a number only Rutube can map to its hex id: a form of its own.
    (
        r"/(?:play/embed|embed|video/embed)/(\d+)/?",
        lambda m, q: (f"/play/embed/{m[1]}", f"embed:{m[1]}"),
    ),
    (r"/channel/(\d+)(?:/.*)?", lambda m, q: (f"/channel/{m[1]}/", f"channel:{m[1]}")),
    (r"/plst/(\d+)/?", lambda m, q: (f"/plst/{m[1]}/", f"playlist:{m[1]}")),
)

# Facebook ------------------------------------------------------------------------------

_FB_RESERVED = frozenset(
    {
        "about", "ads", "bookmarks", "business", "careers", "checkpoint", "dialog", "events",
        "friends", "fundraisers", "gaming", "groups", "hashtag", "help", "home", "legal",
        "live", "login", "marketplace", "media", "messages", "notifications", "pages",
        "people", "photo", "places", "plugins", "policies", "privacy", "public", "recover",
        "reel", "reels", "reg", "saved", "search", "settings", "share", "sharer", "signup",
        "stories", "watch",
    }
)  # fmt: skip
_FB_GROUP_PAGES = frozenset({"create", "discover", "feed", "joins"})
_FB_TABS = "about|photos|videos|posts|reels|friends|followers|community|events|reviews|mentions"
_FB_NAME = r"([A-Za-z0-9.\-]{2,80})"
_FB_POST_ID = re.compile(r"[A-Za-z0-9]+")


def _facebook_video(video_id: str) -> _Found:
    if not video_id.isdigit():
        return None
    return f"/watch/?v={video_id}", f"video:{video_id}"


def _facebook_photo(photo_id: str) -> _Found:
    if not photo_id.isdigit():
        return None
    return f"/photo.php?fbid={photo_id}", f"photo:{photo_id}"


def _facebook_permalink(match: re.Match[str], params: Mapping[str, str]) -> _Found:
    story, owner = params.get("story_fbid", ""), params.get("id", "")
    if not (_FB_POST_ID.fullmatch(story) and owner.isdigit()):
        return None
    return f"/permalink.php?story_fbid={story}&id={owner}", f"post:{owner}/{story}"


def _facebook_profile(match: re.Match[str], params: Mapping[str, str]) -> _Found:
    number = params.get("id", "")
    if not number.isdigit():
        return None
    return f"/profile.php?id={number}", f"profile:{number}"


def _facebook_group(match: re.Match[str], params: Mapping[str, str]) -> _Found:
    group = _lower_segment(match[1])
    if group in _FB_GROUP_PAGES:
        return None
    if match.lastindex == 2:
        return f"/groups/{group}/posts/{match[2]}/", f"group_post:{group}/{match[2]}"
    return f"/groups/{group}/", f"group:{group}"


def _facebook_user_post(match: re.Match[str], params: Mapping[str, str]) -> _Found:
    name = match[1].lower()
    if name in _FB_RESERVED:
        return None
    return f"/{name}/posts/{match[2]}", f"post:{name}/{match[2]}"


def _facebook_account(match: re.Match[str], params: Mapping[str, str]) -> _Found:
    name = match[1].lower()
    if name in _FB_RESERVED or name.endswith(".php"):
        return None
    return f"/{name}", f"user:{name}"


def _facebook_photo_page(match: re.Match[str], params: Mapping[str, str]) -> _Found:
    """``photo.php?fbid=ID`` is a photo; the old ``photo.php?v=ID`` was a video's page."""
    if "fbid" in params:
        return _facebook_photo(params["fbid"])
    return _facebook_video(params.get("v", ""))


def _facebook_plugin(match: re.Match[str], params: Mapping[str, str]) -> _Found:
    """The embedded player or post (``/plugins/video.php?href=…``) shows what ``href`` names."""
    href = unquote(params.get("href", ""))
    if not href or "/plugins/" in href:
        return None
    return _wrapped_object(href, FACEBOOK, "https://www.facebook.com")


_FACEBOOK_RULES = _rules(
    (
        r"/(?:watch/?|watch/live/?|video\.php|video/video\.php)",
        lambda m, q: _facebook_video(q.get("v", "")),
    ),
    (r"/(?:[^/]+/)?videos/(?:[^/]+/)?(\d+)/?", lambda m, q: _facebook_video(m[1])),
    # Old embedded players: /video/embed?video_id=ID and the Flash player /v/ID.
    (r"/video/embed/?", lambda m, q: _facebook_video(q.get("video_id", ""))),
    (r"/v/(\d+)/?", lambda m, q: _facebook_video(m[1])),
    (r"/reel/(\d+)/?", lambda m, q: _facebook_video(m[1])),
    (r"/(?:permalink|story)\.php", _facebook_permalink),
    (r"/photo(?:\.php|/)?", _facebook_photo_page),
    (r"/plugins/(?:video|post)\.php", _facebook_plugin),
    (r"/[^/]+/photos/(?:[^/]+/)?(\d+)/?", lambda m, q: _facebook_photo(m[1])),
    (r"/groups/([^/]+)/(?:posts|permalink)/(\d+)/?", _facebook_group),
    (r"/groups/([^/]+)/?", _facebook_group),
    (r"/profile\.php", _facebook_profile),
    # /people/Some-Name/ID/ is the profile with that number, whatever name is shown.
    (
        r"/people/[^/]+/(\d+)/?",
        lambda m, q: (f"/profile.php?id={m[1]}", f"profile:{m[1]}"),
    ),
    # Share links (/share/p/CODE/, /share/v/CODE/) only Facebook can resolve.
    (r"/share/((?:[a-z]/)?[A-Za-z0-9]+)/?", lambda m, q: (f"/share/{m[1]}/", "")),
    (rf"/{_FB_NAME}/posts/([A-Za-z0-9]+)/?", _facebook_user_post),
    (rf"/(?:pg/)?{_FB_NAME}(?:/(?:{_FB_TABS}))?/?", _facebook_account),  # /pg/NAME: old pages
)
_FACEBOOK_DROP = frozenset(
    {
        "_rdc", "_rdr", "acontext", "eav", "fref", "hc_ref", "mibextid", "notif_id", "notif_t",
        "paipv", "rdid", "ref", "sfnsn",
    }
)  # fmt: skip

# The table of sites --------------------------------------------------------------------

_SHORT_WITH_SLASH = _rules(_short_link(trailing_slash=True))
_SHORT_WITHOUT_SLASH = _rules(_short_link(trailing_slash=False))

# The platforms' own onion services serve the very same pages.
_FACEBOOK_ONION = "facebookwkhpilnemxj7asaniu7vnjjbiltxjqhye3mhbshg7kx5tfyd.onion"
_X_ONION = "twitter3e4tixl4xyajtrzo62zg5vztmjuricljdp2c5kshju4avyoid.onion"

_SITE_LIST = (
    _Site(
        YOUTUBE,
        hosts=("youtube.com",),
        rules=_YOUTUBE_RULES,
        object_host="www.youtube.com",
        page_host="www.youtube.com",
        drop_params=_YOUTUBE_DROP,
    ),
    _Site(
        YOUTUBE,  # the same videos, channels and playlists: embeds, YouTube Kids, old hosts
        hosts=(
            "youtube-nocookie.com",
            "youtube.googleapis.com",
            "youtubekids.com",
            "gaming.youtube.com",
        ),
        rules=_YOUTUBE_RULES,
        object_host="www.youtube.com",
        drop_params=_YOUTUBE_DROP,
    ),
    _Site(
        YOUTUBE,
        hosts=("music.youtube.com",),
        rules=_YOUTUBE_MUSIC_RULES,
        object_host="www.youtube.com",
        drop_params=_YOUTUBE_DROP,
    ),
    _Site(
        YOUTUBE,
        hosts=("youtu.be",),
        rules=_YOUTU_BE_RULES,
        object_host="www.youtube.com",
        drop_params=_YOUTUBE_DROP,
    ),
    _Site(
        VK,
        hosts=("vk.com", "vk.ru", "new.vk.com", "vkontakte.ru"),
        rules=_VK_RULES,
        object_host="vk.com",
        page_host="vk.com",
        drop_params=frozenset({"_smt"}),
    ),
    _Site(VK, hosts=("vkvideo.ru",), rules=_VK_OBJECT_RULES, object_host="vk.com"),
    _Site(VK, hosts=("vk.cc",), rules=_SHORT_WITHOUT_SLASH, object_host=None),
    _Site(
        TELEGRAM,
        hosts=("t.me", "telegram.me", "telegram.dog"),
        rules=_TELEGRAM_RULES,
        object_host="t.me",
        page_host="t.me",
    ),
    _Site(
        X,
        hosts=("x.com", "twitter.com", _X_ONION),
        rules=_X_RULES,
        object_host="x.com",
        page_host="x.com",
        drop_params=_X_DROP,
        hash_bang="/",
    ),
    _Site(
        X,  # embed-fixing mirrors that show the very same posts
        hosts=(
            "fxtwitter.com",
            "vxtwitter.com",
            "fixupx.com",
            "fixvx.com",
            "nitter.net",
            "xcancel.com",
        ),
        rules=_X_RULES,
        object_host="x.com",
        drop_params=_X_DROP,
    ),
    _Site(X, hosts=("platform.twitter.com",), rules=_X_EMBED_RULES, object_host="x.com"),
    _Site(X, hosts=("t.co",), rules=_SHORT_WITHOUT_SLASH, object_host=None),
    _Site(
        INSTAGRAM,
        hosts=("instagram.com", "instagr.am"),
        rules=_INSTAGRAM_RULES,
        object_host="www.instagram.com",
        page_host="www.instagram.com",
        drop_params=_INSTAGRAM_DROP,
    ),
    _Site(
        INSTAGRAM,  # an embed-fixing mirror that shows the very same posts
        hosts=("ddinstagram.com",),
        rules=_INSTAGRAM_RULES,
        object_host="www.instagram.com",
        drop_params=_INSTAGRAM_DROP,
    ),
    _Site(
        TIKTOK,
        hosts=("tiktok.com",),
        rules=_TIKTOK_RULES,
        object_host="www.tiktok.com",
        page_host="www.tiktok.com",
        drop_params=_TIKTOK_DROP,
    ),
    _Site(
        TIKTOK,  # TikTok's own share host: tiktokv.com/share/video/ID
        hosts=("tiktokv.com",),
        rules=_TIKTOK_VIDEO_RULES,
        object_host="www.tiktok.com",
        drop_params=_TIKTOK_DROP,
    ),
    # vm./vt. short codes are not video ids: only a fetch learns which video they open.
    _Site(
        TIKTOK, hosts=("vm.tiktok.com", "vt.tiktok.com"), rules=_SHORT_WITH_SLASH, object_host=None
    ),
    _Site(
        OK,
        hosts=("ok.ru", "odnoklassniki.ru"),
        rules=_OK_RULES,
        object_host="ok.ru",
        page_host="ok.ru",
        drop_params=frozenset({"fromtime", "st._aid"}),  # a start time; where a click came from
    ),
    _Site(
        RUTUBE,
        hosts=("rutube.ru",),
        rules=_RUTUBE_RULES,
        object_host="rutube.ru",
        page_host="rutube.ru",
    ),
    _Site(
        FACEBOOK,
        hosts=(
            "facebook.com",
            "fb.com",
            "mbasic.facebook.com",
            "web.facebook.com",
            "touch.facebook.com",
            "free.facebook.com",
            "d.facebook.com",
            _FACEBOOK_ONION,
        ),
        rules=_FACEBOOK_RULES,
        object_host="www.facebook.com",
        page_host="www.facebook.com",
        drop_params=_FACEBOOK_DROP,
        drop_prefixes=("__",),  # __cft__[0], __tn__, __xts__: Facebook's click tracking
        hash_bang="*",
    ),
    _Site(FACEBOOK, hosts=("fb.watch",), rules=_SHORT_WITH_SLASH, object_host=None),
    _Site(FACEBOOK, hosts=("fb.me",), rules=_SHORT_WITHOUT_SLASH, object_host=None),
)
_SITES: dict[str, _Site] = {host: site for site in _SITE_LIST for host in site.hosts}

# Facebook serves every page on its locale hosts too (es-la., ru-ru., pt-br.: any xx-xx.).
_ALIASED_PARENTS = (".facebook.com",)
_LOCALE_LABEL = re.compile(r"[a-z]{2}-[a-z]{2}")


@lru_cache(maxsize=1024)
def _aliased_site(host: str) -> tuple[str, _Site | None]:
    """The site of a locale host (``es-la.facebook.com`` is ``facebook.com``), else none."""
    label, _, parent = host.partition(".")
    if _LOCALE_LABEL.fullmatch(label):
        parent = _strip_merged_prefixes(parent, _registrable(parent))
        site = _SITES.get(parent)
        if site is not None:
            return parent, site
    return host, None


# The host table: hostname → platform. Canonicalization looks hosts up exactly (after
# www./m./mobile. are merged); platform_of_host also accepts any subdomain of a listed host.
# vk.me (VK's messenger) has no canonical form of its own, so its links stay generic web
# links, but a page fetched from it is still read as VK's.
HOSTS: dict[str, str] = {host: site.platform for site in _SITE_LIST for host in site.hosts} | {
    "vk.me": VK
}


def platform_of_host(host: str) -> str:
    """The platform ``host`` or one of its parent domains belongs to, else ``WEB``."""
    host = host.lower().rstrip(".")
    while host:
        platform = HOSTS.get(host)
        if platform is not None:
            return platform
        host = host.partition(".")[2]
    return WEB
