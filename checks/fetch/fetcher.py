"""Asynchronous link checker: fetch pages safely and record the outcome of each.

Entry points
------------
* ``fetch_many(items, config)`` - async generator of :class:`FetchResult`, one per input
  item, in completion order.  ``items`` yields ``(key, url)`` or ``(key, url, platform)``.
* :class:`Fetcher` - the reusable object behind it (one connection pool, one rate
  limiter), for callers that already run an event loop.

Every failure ends in a :class:`FetchResult` with ``error`` set to a short code (see
``ERROR_CODES``); nothing is raised for network, protocol or policy failures.

Safety limits (all in :class:`FetchConfig`): bounded concurrency, per-host rate limit,
connect/read/write timeouts and a total timeout around the whole fetch (redirects, slow
drip bodies included), a body cap applied to both the bytes on the wire and the decoded
bytes (gzip bombs stop at the cap, decoding is done in bounded steps), a redirect cap with
every hop re-checked by the SSRF guard, TLS verification always on, and a content-type
allow list.  No Django imports: configuration is passed in.

Connection pinning (see :mod:`checks.fetch.ssrf`): the httpcore pool dials through
``GuardedBackend``, which resolves the URL's host, keeps only permitted addresses and
opens the socket to one of them; the Host header, SNI and certificate check use the name.

Proxy limitation: with ``FetchConfig.proxy`` set, the proxy opens the connection to the
target, not us.  The fetcher still resolves every target host (first URL and each hop)
and refuses it unless a permitted address comes back, but the proxy resolves the name
again on its own, so DNS rebinding between our check and the proxy's lookup, or a proxy
with a different view of DNS, is not covered; nor can we stop the proxy reaching its own
internal networks.  Use a proxy that itself refuses private destinations.

Redirect handling: followed manually (301/302/303/307/308, always as GET) up to
``max_redirects``; each hop passes the scheme check, the per-host rate limit and the SSRF
guard again.  A per-fetch cookie jar carries cookies across the hops of one fetch only.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import functools
import logging
import re
import ssl
import time
import zlib
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import certifi
import httpcore
import httpx

from .extractors import detect_platform, extract, telegram_web_preview_url
from .ssrf import (
    DEFAULT_PUBLIC_PORTS,
    GuardedBackend,
    IPNetwork,
    ResolveError,
    Resolver,
    SSRFGuard,
    SSRFRefused,
    parse_allow_networks,
)

logger = logging.getLogger(__name__)

ERROR_CODES = frozenset(
    {
        "bad_url",  # unparseable URL, no host, scheme other than http/https
        "ssrf_refused",  # address/port not allowed (first URL or any redirect hop)
        "dns_error",  # host name does not resolve
        "connect_error",  # TCP connection refused/unreachable
        "tls_error",  # certificate or handshake failure
        "timeout",  # connect/read/write timeout or the total timeout
        "too_many_redirects",
        "body_too_large",  # body (raw or decoded) exceeds max_body_bytes
        "unsupported_content_type",  # completed HTTP response, type not in the allow list
        "decode_error",  # corrupt gzip/deflate or unsupported Content-Encoding
        "http_error",  # completed HTTP response with a non-2xx status
        "protocol_error",  # malformed HTTP from the server
        "network_error",  # connection dropped while reading/writing
        "internal_error",  # a bug on our side; logged with traceback
    }
)

DEFAULT_CONTENT_TYPES = (
    "text/html",
    "text/plain",
    "application/xhtml+xml",
    "application/json",
    "image/*",
)
_REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
_GONE_CODES = frozenset({404, 410})
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_DECODE_STEP = 64 * 1024  # decoded bytes produced per zlib call
_MAX_URL_LENGTH = 8192
_THREAD_PARSE_BYTES = 256 * 1024  # parse bigger pages in a worker thread


# --------------------------------------------------------------------------- config/result


@dataclass(frozen=True)
class FetchConfig:
    """Everything the fetcher needs; the project builds it from settings / env vars."""

    #: Networks that may be contacted although they are not public (any port).  Strings
    #: such as ``"127.0.0.1/32, ::1/128"`` (``CHECKER_ALLOW_NETWORKS``) are parsed.
    allow_networks: tuple[IPNetwork, ...] | str = ()
    #: Ports allowed for public addresses; ``None`` = any port.
    allowed_ports: frozenset[int] | None = DEFAULT_PUBLIC_PORTS
    concurrency: int = 20
    #: Items admitted at once (running + waiting for their host's rate limit + results not
    #: yet consumed).  ``None`` = 4 x concurrency.
    max_pending: int | None = None
    #: Requests per second per host (each redirect hop counts); ``None`` = unlimited.
    per_host_rate: float | None = 1.0
    per_host_burst: int = 3
    #: Paces every request to a host across processes (``async wait(host)``, ``async
    #: aclose()``; the project's is checks.hostrate); it replaces this fetcher's own
    #: per-host limiter, which counts only its own requests.
    shared_limiter: SharedHostLimiter | None = None
    connect_timeout: float = 10.0
    read_timeout: float = 15.0
    write_timeout: float = 10.0
    #: Hard limit for one fetch from its first DNS lookup to the last body byte.
    total_timeout: float = 30.0
    #: Cap on body bytes, applied to the wire bytes and to the decompressed bytes.
    max_body_bytes: int = 5 * 1024 * 1024
    max_redirects: int = 5
    user_agent: str = "Mozilla/5.0 (compatible; KibernadzorChecker/1.0)"
    accept_language: str = "ru-RU,ru;q=0.9,en;q=0.8"
    extra_headers: tuple[tuple[str, str], ...] = ()
    #: ``http://host:port`` or ``https://...`` forward proxy (CONNECT for https targets).
    proxy: str | None = None
    #: Extra CA bundle (PEM path) or a ready SSL context; verification cannot be disabled.
    ca_bundle: str | None = None
    ssl_context: ssl.SSLContext | None = None
    allowed_content_types: tuple[str, ...] = DEFAULT_CONTENT_TYPES
    #: Run the platform extractors on HTML pages.
    extract: bool = True
    #: Keep ``body`` and ``text`` on the result (turn off for large batches).
    keep_body: bool = True
    #: Fetch ``t.me/<channel>/<id>`` as ``t.me/s/<channel>/<id>`` (that page shows views).
    telegram_web_preview: bool = True
    #: When an ``https://`` URL fails before any response (connection refused, TLS
    #: handshake, connect timeout), try ``http://`` once: links are canonicalised to https,
    #: and some sites speak only plain HTTP.  Same guard, rate limit and total timeout.
    http_fallback: bool = True
    #: ``async def resolver(host, port) -> list[str]``; default ``loop.getaddrinfo``.
    resolver: Resolver | None = None
    keepalive_expiry: float = 5.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "allow_networks", parse_allow_networks(self.allow_networks))
        if self.allowed_ports is not None and not isinstance(self.allowed_ports, frozenset):
            object.__setattr__(self, "allowed_ports", frozenset(self.allowed_ports))
        if self.concurrency < 1:
            raise ValueError("concurrency must be >= 1")
        if self.per_host_rate is not None and self.per_host_rate <= 0:
            raise ValueError("per_host_rate must be > 0 or None")
        if self.per_host_burst < 1:
            raise ValueError("per_host_burst must be >= 1")
        if self.max_redirects < 0 or self.max_body_bytes < 1:
            raise ValueError("max_redirects must be >= 0 and max_body_bytes >= 1")
        if self.proxy is not None and not self.proxy.lower().startswith(("http://", "https://")):
            raise ValueError("only http:// and https:// proxies are supported")


@dataclass(slots=True)
class FetchResult:
    """The recorded outcome of one check.  ``error is None`` only for a 2xx response."""

    url: str
    key: Any = None
    final_url: str | None = None
    #: Status of the last response received (a 3xx when a redirect could not be followed).
    status_code: int | None = None
    #: 2xx, allowed content type, body received within the cap.
    ok: bool = False
    #: ``ok`` and the platform page does not say the content was removed.
    available: bool = False
    content_type: str | None = None
    body: bytes | None = None
    text: str | None = None
    encoding: str | None = None
    platform: str | None = None
    title: str | None = None
    description: str | None = None
    views: int | None = None
    excerpt: str | None = None
    #: Platform specific extracted values (author, likes, post_text, reason, ...).
    extra: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    error_detail: str | None = None
    #: Every redirect target, in order (the first URL is ``url``).
    redirects: list[str] = field(default_factory=list)
    #: IP address the final response came from.
    remote_address: str | None = None
    #: Scheme of the request that got an answer ("https", or "http" after the fallback).
    scheme: str | None = None
    #: The https:// attempt failed before any response and http:// was tried.
    http_fallback: bool = False
    duration_ms: int = 0
    started_at: datetime | None = None

    @property
    def gone(self) -> bool:
        """Definitely removed: HTTP 404/410, or a 2xx page saying the content is gone."""
        return self.status_code in _GONE_CODES or (self.ok and not self.available)

    @property
    def transient(self) -> bool:
        """Worth retrying later (timeouts, network trouble, 429, 5xx)."""
        if self.error in ("timeout", "connect_error", "network_error", "protocol_error"):
            return True
        return self.error == "http_error" and (
            self.status_code == 429 or (self.status_code or 0) >= 500
        )


class _Failure(Exception):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


# --------------------------------------------------------------------------- rate limiting


class SharedHostLimiter(Protocol):
    """A per-host rate shared by every fetcher that uses it (several worker processes)."""

    async def wait(self, host: str) -> None: ...

    async def aclose(self) -> None: ...


class HostRateLimiter:
    """Per-host GCRA token bucket: ``rate`` requests/s with bursts of ``burst``.

    ``try_acquire`` takes a token only if one is available now (else returns the wait);
    ``reserve`` always takes one and returns how long to wait before using it.
    """

    def __init__(self, rate: float | None, burst: int = 1, *, clock=time.monotonic) -> None:
        self.interval = 0.0 if rate is None else 1.0 / rate
        self.tolerance = self.interval * (burst - 1)
        self._tat: dict[str, float] = {}
        self._clock = clock

    def _prune(self, now: float) -> None:
        if len(self._tat) > 4096:
            self._tat = {h: t for h, t in self._tat.items() if t > now}

    def peek(self, host: str) -> float:
        if not self.interval:
            return 0.0
        now = self._clock()
        tat = max(self._tat.get(host, now), now)
        return max(0.0, tat - self.tolerance - now)

    def try_acquire(self, host: str) -> float:
        if not self.interval:
            return 0.0
        now = self._clock()
        tat = max(self._tat.get(host, now), now)
        wait = tat - self.tolerance - now
        if wait > 0:
            return wait
        self._prune(now)
        self._tat[host] = tat + self.interval
        return 0.0

    def reserve(self, host: str) -> float:
        if not self.interval:
            return 0.0
        now = self._clock()
        tat = max(self._tat.get(host, now), now)
        self._prune(now)
        self._tat[host] = tat + self.interval
        return max(0.0, tat - self.tolerance - now)


# --------------------------------------------------------------------------- transport


class PinnedTransport(httpx.AsyncHTTPTransport):
    """``httpx.AsyncHTTPTransport`` whose httpcore pools dial through :class:`GuardedBackend`.

    httpx's own transport code (request/response conversion, exception mapping) is reused;
    only the httpcore pool is built here so that a network backend can be passed.  With a
    proxy, the pools are ``httpcore.AsyncHTTPProxy`` on an unguarded backend (the proxy
    address is operator configuration); the fetcher then checks each target host itself.
    Connections are split over :class:`ShardedPool` shards of ``shard_size`` each.
    """

    def __init__(
        self,
        *,
        guard: SSRFGuard,
        ssl_context: ssl.SSLContext,
        max_connections: int,
        keepalive_expiry: float,
        proxy: str | None = None,
        network_backend: httpcore.AsyncNetworkBackend | None = None,
        shard_size: int = 8,
    ) -> None:
        super().__init__(verify=ssl_context, trust_env=False)
        inner = network_backend if network_backend is not None else httpcore.AnyIOBackend()

        def make_pool(size: int) -> httpcore.AsyncConnectionPool:
            common: dict[str, Any] = {
                "ssl_context": ssl_context,
                "max_connections": size,
                "max_keepalive_connections": size,
                "keepalive_expiry": keepalive_expiry,
                "http1": True,
                "http2": False,
            }
            if proxy is None:
                return httpcore.AsyncConnectionPool(
                    **common, retries=0, network_backend=GuardedBackend(guard, inner)
                )
            purl = httpx.URL(proxy)
            auth = None
            if purl.username or purl.password:
                auth = (purl.username.encode(), purl.password.encode())
            return httpcore.AsyncHTTPProxy(
                proxy_url=httpcore.URL(
                    scheme=purl.raw_scheme, host=purl.raw_host, port=purl.port, target=b"/"
                ),
                proxy_auth=auth,
                network_backend=inner,
                **common,
            )

        self._pool = ShardedPool(make_pool, max_connections, shard_size)  # type: ignore[assignment]


class ShardedPool:
    """Several small httpcore pools behind one ``handle_async_request``.

    httpcore 1.0's pool bookkeeping is quadratic in its number of connections (each pass
    walks every connection for every idle one), which dominated CPU time at 50+
    connections.  Splitting the connections over pools of ``shard_size`` keeps each pass
    short.  A request goes to the shard that last served its origin (keep-alive reuse) if
    that shard has a free slot, else to the least busy shard; the shards' capacities add
    up to ``total``, and the fetcher never has more than ``total`` requests open, so a
    request never waits inside a full shard while another has room.
    """

    def __init__(self, make_pool, total: int, shard_size: int = 8) -> None:
        count = max(1, -(-total // max(1, shard_size)))
        self.capacity = -(-total // count)
        self.pools = [make_pool(self.capacity) for _ in range(count)]
        self.busy = [0] * count
        self._affinity: dict[tuple[bytes, bytes, int | None], int] = {}

    def _pick(self, key: tuple[bytes, bytes, int | None]) -> int:
        index = self._affinity.get(key)
        if index is None or self.busy[index] >= self.capacity:
            index = min(range(len(self.pools)), key=self.busy.__getitem__)
            if len(self._affinity) > 10_000:
                self._affinity.clear()
            self._affinity[key] = index
        return index

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        index = self._pick((request.url.scheme, request.url.host, request.url.port))
        self.busy[index] += 1
        try:
            response = await self.pools[index].handle_async_request(request)
        except BaseException:
            self.busy[index] -= 1
            raise
        return httpcore.Response(
            status=response.status,
            headers=response.headers,
            content=_ReleasingStream(response.stream, self, index),
            extensions=response.extensions,
        )

    def _release(self, index: int) -> None:
        self.busy[index] -= 1

    async def __aenter__(self) -> ShardedPool:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        for pool in self.pools:
            await pool.aclose()


class _ReleasingStream:
    """Response stream that frees its shard slot when closed (exactly once)."""

    def __init__(self, stream: Any, pool: ShardedPool, index: int) -> None:
        self._stream = stream
        self._pool = pool
        self._index = index
        self._released = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        try:
            if hasattr(self._stream, "aclose"):
                await self._stream.aclose()
        finally:
            if not self._released:
                self._released = True
                self._pool._release(self._index)


@functools.lru_cache(maxsize=8)
def _verifying_context(cafile: str) -> ssl.SSLContext:
    """One context per CA bundle: loading a bundle costs ~15 ms, and a worker builds a
    Fetcher per batch. Contexts are safe to share between connections and threads."""
    return ssl.create_default_context(cafile=cafile)


def _build_ssl_context(config: FetchConfig) -> ssl.SSLContext:
    if config.ssl_context is not None:
        ctx = config.ssl_context
    else:
        ctx = _verifying_context(config.ca_bundle or certifi.where())
    if ctx.verify_mode != ssl.CERT_REQUIRED or not ctx.check_hostname:
        raise ValueError("TLS verification must stay on (CERT_REQUIRED + check_hostname)")
    return ctx


# --------------------------------------------------------------------------- decoding


class _Decoder:
    """Incremental Content-Encoding decoder that never produces more than one step at once.

    Supports identity, gzip/x-gzip (also concatenated members) and deflate (zlib-wrapped or,
    as some servers send it, raw; told apart by the zlib header's checksum).
    """

    def __init__(self, encoding: str) -> None:
        enc = encoding.strip().lower()
        self.identity = enc in ("", "identity")
        self._gzip = enc in ("gzip", "x-gzip")
        if not (self.identity or self._gzip or enc == "deflate"):
            raise _Failure("decode_error", f"unsupported Content-Encoding {encoding!r}")
        # deflate: hold the first bytes until the zlib header can be recognised
        self._pending: bytes | None = None if self._gzip or self.identity else b""
        self._d = zlib.decompressobj(16 + zlib.MAX_WBITS)

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self.identity:
            if data:
                yield data
            return
        if self._pending is not None:
            data = self._pending + data
            if len(data) < 2:
                self._pending = data
                return
            self._pending = None
            zlib_wrapped = (data[0] & 0x0F) == 8 and ((data[0] << 8) | data[1]) % 31 == 0
            self._d = zlib.decompressobj(zlib.MAX_WBITS if zlib_wrapped else -zlib.MAX_WBITS)
        while True:
            if self._d.eof:
                if not (self._gzip and data.strip(b"\0")):
                    return  # end of stream; trailing padding/garbage is ignored
                self._d = zlib.decompressobj(16 + zlib.MAX_WBITS)  # next gzip member
            try:
                out = self._d.decompress(data, _DECODE_STEP)
            except zlib.error as exc:
                raise _Failure("decode_error", f"corrupt compressed body: {exc}") from None
            if out:
                yield out
            if self._d.eof:
                data = self._d.unused_data
                continue
            data = self._d.unconsumed_tail
            if not data and len(out) < _DECODE_STEP:
                return

    def flush(self) -> bytes:
        if self.identity or self._d.eof:
            return b""
        if self._pending is not None:
            raise _Failure("decode_error", "truncated compressed body")
        try:
            return self._d.flush()
        except zlib.error as exc:
            raise _Failure("decode_error", f"corrupt compressed body: {exc}") from None


_META_CHARSET_RE = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_\-:.]+)""", re.IGNORECASE
)


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().strip("\"'")).name
    except LookupError:
        return None


def decode_text(body: bytes, declared: str | None, mime: str | None) -> tuple[str, str]:
    """Decode ``body``: BOM, declared charset, <meta charset>, UTF-8, then windows-1251."""
    for bom, name in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if body.startswith(bom):
            return body.decode(name, "replace"), name
    name = _codec(declared)
    if name is None and mime in (None, "text/html", "application/xhtml+xml"):
        m = _META_CHARSET_RE.search(body[:4096])
        name = _codec(m.group(1).decode("ascii", "ignore")) if m else None
    if name is not None:
        return body.decode(name, "replace"), name
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        # Unlabelled non-UTF-8 pages on Russian-language sites are nearly always cp1251.
        return body.decode("cp1251", "replace"), "cp1251"


def _parse_content_type(value: str | None) -> tuple[str | None, dict[str, str]]:
    if not value:
        return None, {}
    mime, _, rest = value.partition(";")
    params: dict[str, str] = {}
    for part in rest.split(";"):
        k, _, v = part.partition("=")
        if k.strip():
            params[k.strip().lower()] = v.strip().strip("\"'")
    return mime.strip().lower() or None, params


def content_type_allowed(mime: str | None, allowed: Iterable[str]) -> bool:
    if mime is None:
        return True  # unlabelled: read it (capped) and treat as HTML
    for pattern in allowed:
        if pattern.endswith("/*"):
            if mime.startswith(pattern[:-1]):
                return True
        elif mime == pattern:
            return True
    return False


def _is_textual(mime: str | None) -> bool:
    return (
        mime is None
        or mime.startswith("text/")
        or mime in ("application/json", "application/xhtml+xml")
        or mime.endswith(("+json", "+xml"))
    )


# --------------------------------------------------------------------------- exceptions


def _ssl_in_chain(exc: BaseException) -> BaseException | None:
    seen = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if isinstance(cur, ssl.SSLError | ssl.CertificateError):
            return cur
        cur = cur.__cause__ or cur.__context__
    return None


def _short(exc: BaseException, limit: int = 300) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


def classify_exception(exc: BaseException) -> tuple[str, str]:
    """Map an exception from a fetch to ``(error_code, detail)``."""
    if isinstance(exc, _Failure):
        return exc.code, exc.detail
    if isinstance(exc, SSRFRefused):
        return "ssrf_refused", _short(exc)
    if isinstance(exc, ResolveError):
        return "dns_error", _short(exc)
    if isinstance(exc, httpx.TimeoutException):
        return "timeout", f"{type(exc).__name__}: {_short(exc)}"
    if isinstance(exc, TimeoutError):
        return "timeout", "total timeout exceeded"
    if isinstance(exc, httpx.ConnectError):
        tls = _ssl_in_chain(exc)
        if tls is not None:
            return "tls_error", _short(tls)
        return "connect_error", _short(exc)
    if isinstance(exc, httpx.ReadError | httpx.WriteError | httpx.NetworkError):
        tls = _ssl_in_chain(exc)
        if tls is not None:
            return "tls_error", _short(tls)
        return "network_error", _short(exc)
    if isinstance(exc, httpx.ProtocolError):
        return "protocol_error", _short(exc)
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return "bad_url", _short(exc)
    if isinstance(exc, httpx.DecodingError):
        return "decode_error", _short(exc)
    if isinstance(exc, httpx.HTTPError):
        return "network_error", _short(exc)
    return "internal_error", f"{type(exc).__name__}: {_short(exc)}"


# --------------------------------------------------------------------------- fetcher


def _prepare_url(url: str) -> httpx.URL:
    if not isinstance(url, str) or not url.strip():
        raise _Failure("bad_url", "empty URL")
    url = url.strip()
    if len(url) > _MAX_URL_LENGTH:
        raise _Failure("bad_url", "URL too long")
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError, TypeError) as exc:
        raise _Failure("bad_url", _short(exc)) from None
    return _check_url(parsed)


def _check_url(parsed: httpx.URL) -> httpx.URL:
    if parsed.scheme not in ("http", "https"):
        raise _Failure("bad_url", f"scheme {parsed.scheme!r} is not allowed")
    if not parsed.host:
        raise _Failure("bad_url", "URL has no host")
    if parsed.userinfo or parsed.fragment:
        parsed = parsed.copy_with(username=None, password=None, fragment=None)
    return parsed


class Fetcher:
    """One connection pool, concurrency limit and per-host rate limiter for many fetches.

    Use as ``async with Fetcher(config) as f: result = await f.fetch(url)``.
    ``network_backend`` replaces the socket layer under the SSRF guard (tests use it to
    observe or forbid connections); it is never used to bypass the guard.
    """

    def __init__(
        self,
        config: FetchConfig,
        *,
        network_backend: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self.config = config
        self.guard = SSRFGuard(
            config.allow_networks,
            allowed_ports=config.allowed_ports,
            resolver=config.resolver,
            resolve_timeout=config.connect_timeout,
        )
        self._transport = PinnedTransport(
            guard=self.guard,
            ssl_context=_build_ssl_context(config),
            max_connections=config.concurrency,
            keepalive_expiry=config.keepalive_expiry,
            proxy=config.proxy,
            network_backend=network_backend,
        )
        self._slots = asyncio.Semaphore(config.concurrency)
        self._shared = config.shared_limiter
        local_rate = None if self._shared is not None else config.per_host_rate
        self._limiter = HostRateLimiter(local_rate, config.per_host_burst)
        self._timeouts = {
            "connect": config.connect_timeout,
            "read": config.read_timeout,
            "write": config.write_timeout,
            "pool": config.connect_timeout,
        }
        headers = [
            ("User-Agent", config.user_agent),
            (
                "Accept",
                "text/html,application/xhtml+xml,application/json;q=0.9,text/plain;q=0.8,"
                "image/*;q=0.7,*/*;q=0.1",
            ),
            ("Accept-Language", config.accept_language),
            ("Accept-Encoding", "gzip, deflate"),
        ]
        self._headers = httpx.Headers(headers + list(config.extra_headers))
        self.in_flight = 0
        self.max_in_flight = 0

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._transport.aclose()
        if self._shared is not None:
            await self._shared.aclose()

    # -- slots and rate limit

    async def _acquire_slot(self, host: str) -> None:
        """Wait for this host's rate limit without holding a slot, then take a slot."""
        if self._shared is not None:
            await self._shared.wait(host)
        while True:
            delay = self._limiter.peek(host)
            if delay > 0:
                await asyncio.sleep(delay)
                continue
            await self._slots.acquire()
            delay = self._limiter.try_acquire(host)
            if delay <= 0:
                self.in_flight += 1
                self.max_in_flight = max(self.max_in_flight, self.in_flight)
                return
            self._slots.release()
            await asyncio.sleep(delay)

    async def _pace(self, host: str) -> None:
        """Wait for this host's rate limit (a redirect hop, a fallback: a slot is held)."""
        if self._shared is not None:
            await self._shared.wait(host)
            return
        delay = self._limiter.reserve(host)
        if delay > 0:
            await asyncio.sleep(delay)

    def _release_slot(self) -> None:
        self.in_flight -= 1
        self._slots.release()

    # -- one fetch

    async def fetch(self, url: str, key: Any = None, platform: str | None = None) -> FetchResult:
        """Fetch ``url`` and return its recorded outcome; never raises for fetch failures."""
        result = FetchResult(url=url, key=key, final_url=url, started_at=datetime.now(UTC))
        t0 = time.perf_counter()
        try:
            target = _prepare_url(url)
            if self.config.telegram_web_preview:
                rewritten = telegram_web_preview_url(str(target))
                if rewritten != str(target):
                    target = _prepare_url(rewritten)
                    result.extra["fetched_url"] = rewritten
        except _Failure as exc:
            result.error, result.error_detail = exc.code, exc.detail
            result.duration_ms = int((time.perf_counter() - t0) * 1000)
            return result
        await self._acquire_slot(target.host)
        try:
            async with asyncio.timeout(self.config.total_timeout):
                await self._run_with_fallback(result, target)
        except Exception as exc:  # noqa: BLE001 - every failure becomes a result
            result.error, result.error_detail = classify_exception(exc)
            result.ok = False
            if result.error == "internal_error":
                logger.exception("fetch of %s failed unexpectedly", url)
        finally:
            self._release_slot()
        if result.ok:
            await self._extract(result, platform)
        else:
            result.platform = platform or detect_platform(result.final_url or url)
        if not self.config.keep_body:
            result.body = None
            result.text = None
        result.duration_ms = int((time.perf_counter() - t0) * 1000)
        return result

    async def _run_with_fallback(self, result: FetchResult, url: httpx.URL) -> None:
        """``_run``; if an https URL got no answer at all, once more over plain http.

        The fallback is an ordinary request: the SSRF guard resolves the host again and
        checks the address, the host's rate limit counts it, the total timeout still runs.
        When it gets no answer either, the https failure is the one reported (the canonical
        URL is https), with the fallback's failure in the detail."""
        try:
            await self._run(result, url)
        except Exception as exc:
            if result.status_code is not None:
                result.scheme = url.scheme  # it answered, with an error
            if not self._falls_back(exc, result, url):
                raise
            first_code, first_detail = classify_exception(exc)
        else:
            result.scheme = url.scheme
            return
        result.http_fallback = True
        result.extra["https_error"] = f"{first_code}: {first_detail}"
        fallback = url.copy_with(scheme="http")
        await self._pace(url.host)
        try:
            await self._run(result, fallback)
        except Exception as exc:
            if result.status_code is not None:
                result.scheme = "http"  # http answered, with an error status or bad content
                raise
            code, detail = classify_exception(exc)
            result.final_url = str(url)
            detail = f"{first_detail} (http:// fallback: {code}: {detail})"
            raise _Failure(first_code, detail) from None
        result.scheme = "http"

    def _falls_back(self, exc: Exception, result: FetchResult, url: httpx.URL) -> bool:
        """Whether a failed fetch of ``url`` is one the http fallback is for: an https URL
        that got no response at all because the connection or the TLS handshake failed."""
        if not self.config.http_fallback or url.scheme != "https":
            return False
        if result.status_code is not None or result.redirects:
            return False
        if isinstance(exc, httpx.ConnectTimeout | httpx.ConnectError):
            return True
        return classify_exception(exc)[0] == "tls_error"

    async def _run(self, result: FetchResult, url: httpx.URL) -> None:
        cookies = httpx.Cookies()
        hop = 0
        while True:
            if hop:
                await self._pace(url.host)
            if self.config.proxy is not None:
                # The proxy connects, not us: check the name here (see module docs).
                host = url.raw_host.decode("ascii")
                await self.guard.permitted_addresses(host, url.port or _default_port(url))
            request = httpx.Request(
                "GET", url, headers=self._headers, extensions={"timeout": self._timeouts}
            )
            cookies.set_cookie_header(request)
            response = await self._transport.handle_async_request(request)
            response.request = request
            try:
                result.status_code = response.status_code
                result.final_url = str(url)
                result.remote_address = _peer(response)
                cookies.extract_cookies(response)
                location = response.headers.get("location")
                if response.status_code in _REDIRECT_CODES and location:
                    if hop >= self.config.max_redirects:
                        raise _Failure(
                            "too_many_redirects",
                            f"more than {self.config.max_redirects} redirects",
                        )
                    try:
                        next_url = _check_url(url.join(location.strip()))
                    except (httpx.InvalidURL, ValueError) as exc:
                        raise _Failure("bad_url", f"bad redirect target: {exc}") from None
                    result.redirects.append(str(next_url))
                    result.final_url = str(next_url)
                    url = next_url
                    hop += 1
                    continue
                await self._read_final(response, result)
                return
            finally:
                await response.aclose()

    async def _read_final(self, response: httpx.Response, result: FetchResult) -> None:
        status = response.status_code
        mime, params = _parse_content_type(response.headers.get("content-type"))
        result.content_type = mime
        if not 200 <= status < 300:
            raise _Failure("http_error", f"HTTP {status} {response.reason_phrase}".strip())
        if not content_type_allowed(mime, self.config.allowed_content_types):
            raise _Failure("unsupported_content_type", f"content type {mime!r} not accepted")
        body = await self._read_body(response)
        result.body = body
        if _is_textual(mime):
            result.text, result.encoding = decode_text(body, params.get("charset"), mime)
        result.ok = True

    async def _read_body(self, response: httpx.Response) -> bytes:
        cap = self.config.max_body_bytes
        decoder = _Decoder(response.headers.get("content-encoding", ""))
        length = response.headers.get("content-length", "")
        if decoder.identity and length.isdigit() and int(length) > cap:
            raise _Failure("body_too_large", f"Content-Length {length} exceeds {cap} bytes")
        chunks: list[bytes] = []
        wire = decoded = 0
        async for raw in response.aiter_raw():
            wire += len(raw)
            if wire > cap:
                raise _Failure("body_too_large", f"body exceeds {cap} bytes on the wire")
            for piece in decoder.feed(raw):
                decoded += len(piece)
                if decoded > cap:
                    raise _Failure("body_too_large", f"decoded body exceeds {cap} bytes")
                chunks.append(piece)
        tail = decoder.flush()
        decoded += len(tail)
        if decoded > cap:
            raise _Failure("body_too_large", f"decoded body exceeds {cap} bytes")
        chunks.append(tail)
        return b"".join(chunks)

    async def _extract(self, result: FetchResult, platform: str | None) -> None:
        final = result.final_url or result.url
        name = platform or detect_platform(final)
        if name == "web" and not platform:
            name = detect_platform(result.url)
        result.platform = name
        result.available = result.ok
        if not self.config.extract or result.text is None:
            return
        if result.content_type not in (None, *_HTML_TYPES):
            if result.content_type == "text/plain":
                result.excerpt = " ".join(result.text[:4000].split())[:1000] or None
            return
        try:
            if len(result.text) > _THREAD_PARSE_BYTES:
                data = await asyncio.to_thread(extract, result.text, final, name)
            else:
                data = extract(result.text, final, name)
        except Exception as exc:  # noqa: BLE001 - a parser bug must not lose the fetch
            logger.exception("extraction failed for %s", final)
            result.extra["extract_error"] = f"{type(exc).__name__}: {_short(exc)}"
            return
        result.title = data.title
        result.description = data.description
        result.views = data.views
        result.excerpt = data.excerpt
        result.extra.update(data.fields)
        if data.available is False:
            result.available = False

    # -- many fetches

    async def fetch_many(
        self, items: Iterable[tuple[Any, ...]] | AsyncIterable[tuple[Any, ...]]
    ) -> AsyncIterator[FetchResult]:
        """Fetch every ``(key, url[, platform])`` item; yield results as they complete.

        Input is consumed lazily and at most ``max_pending`` items are admitted at once
        (running, waiting on a host's rate limit, or finished but not yet consumed), so
        memory stays flat for any input size.
        """
        max_pending = self.config.max_pending or 4 * self.config.concurrency
        admitted = asyncio.Semaphore(max(max_pending, self.config.concurrency))
        queue: asyncio.Queue[Any] = asyncio.Queue()
        tasks: set[asyncio.Task[None]] = set()
        done = object()

        async def run_one(key: Any, url: str, platform: str | None) -> None:
            try:
                res = await self.fetch(url, key=key, platform=platform)
            except Exception as exc:  # noqa: BLE001 - fetch() should not raise; be safe
                logger.exception("fetch of %s raised", url)
                res = FetchResult(
                    url=url,
                    key=key,
                    final_url=url,
                    error="internal_error",
                    error_detail=f"{type(exc).__name__}: {_short(exc)}",
                )
            queue.put_nowait(res)

        async def admit(item: tuple[Any, ...]) -> None:
            key, url, platform = _unpack(item)
            await admitted.acquire()
            task = asyncio.create_task(run_one(key, url, platform))
            tasks.add(task)
            task.add_done_callback(tasks.discard)

        async def feed() -> None:
            try:
                if isinstance(items, AsyncIterable):
                    async for item in items:
                        await admit(item)
                else:
                    for item in items:
                        await admit(item)
                while tasks:
                    await asyncio.gather(*list(tasks))
            except Exception as exc:  # noqa: BLE001 - hand the input's error to the consumer
                queue.put_nowait(exc)
                return
            queue.put_nowait(done)

        feeder = asyncio.create_task(feed())
        try:
            while True:
                item = await queue.get()
                if item is done:
                    break
                if isinstance(item, Exception):
                    raise item
                admitted.release()
                yield item
        finally:
            pending = [feeder, *tasks]
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)


def _unpack(item: tuple[Any, ...]) -> tuple[Any, str, str | None]:
    if len(item) == 2:
        return item[0], item[1], None
    if len(item) == 3:
        return item[0], item[1], item[2]
    raise ValueError("fetch_many items must be (key, url) or (key, url, platform)")


def _default_port(url: httpx.URL) -> int:
    return 443 if url.scheme == "https" else 80


def _peer(response: httpx.Response) -> str | None:
    stream = response.extensions.get("network_stream")
    if stream is None:
        return None
    with contextlib.suppress(Exception):
        addr = stream.get_extra_info("server_addr")
        if addr:
            return str(addr[0])
    return None


# --------------------------------------------------------------------------- module API


async def fetch_many(
    urls: Iterable[tuple[Any, ...]] | AsyncIterable[tuple[Any, ...]],
    config: FetchConfig,
    *,
    network_backend: httpcore.AsyncNetworkBackend | None = None,
) -> AsyncIterator[FetchResult]:
    """Async generator: one :class:`FetchResult` per ``(key, url[, platform])``."""
    async with Fetcher(config, network_backend=network_backend) as fetcher:
        async for result in fetcher.fetch_many(urls):
            yield result


__all__ = [
    "ERROR_CODES",
    "FetchConfig",
    "FetchResult",
    "Fetcher",
    "HostRateLimiter",
    "PinnedTransport",
    "classify_exception",
    "content_type_allowed",
    "decode_text",
    "fetch_many",
]
