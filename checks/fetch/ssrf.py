"""SSRF guard: decide which addresses a checker may connect to, and pin connections to them.

Model
-----
* Every host name the fetcher is about to connect to (the first URL and every redirect
  target) is resolved with ``getaddrinfo`` (``loop.getaddrinfo``, i.e. off the event loop).
* Every resolved address is classified by :func:`check_address`.  Loopback, private,
  link-local, multicast, reserved, unspecified, shared (100.64/10), documentation ranges
  and the IPv6 forms that embed such an IPv4 address (IPv4-mapped, IPv4-compatible,
  NAT64, 6to4, Teredo) are refused unless the address lies in ``allow_networks``.
* Public addresses may only be reached on ``allowed_ports`` (80, 443, 8080, 8443 by
  default); addresses inside ``allow_networks`` may use any port.
* The connection is made to the very address that was checked (:class:`GuardedBackend`),
  never to the name again, so a DNS answer that changes between check and connect
  (DNS rebinding) cannot steer the socket elsewhere.  The HTTP ``Host`` header, TLS SNI and
  certificate verification still use the host name, because httpcore passes the URL's
  host to ``start_tls`` and builds the request line/headers from the URL, while only
  ``connect_tcp`` goes through this backend.

A name that resolves to several addresses is reduced to the permitted ones; if none is
permitted the connection is refused.  Filtering (rather than refusing the whole name) is
safe only because the socket is pinned to a checked address.

This module has no Django imports; configuration comes in as plain values.
"""

from __future__ import annotations

import asyncio
import ipaddress
import select
import socket
import ssl
import typing
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

import httpcore

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

#: Ports a *public* address may be contacted on when nothing else is configured.
DEFAULT_PUBLIC_PORTS: frozenset[int] = frozenset({80, 443, 8080, 8443})
ALLOWED_SCHEMES: frozenset[str] = frozenset({"http", "https"})

#: ``async def resolver(host, port) -> list[str]`` returning IP address strings.
Resolver = Callable[[str, int], Awaitable[list[str]]]

# Ranges that ``ipaddress`` (3.12.1) reports as global but that a checker has no business
# contacting, or that we want a specific reason for.
_SHARED = ipaddress.ip_network("100.64.0.0/10")
_EXTRA_V4: tuple[tuple[ipaddress.IPv4Network, str], ...] = tuple(
    (ipaddress.ip_network(net), reason)
    for net, reason in (
        ("0.0.0.0/8", "unspecified"),
        ("192.0.0.0/24", "reserved"),  # IETF protocol assignments
        ("192.0.2.0/24", "reserved"),  # TEST-NET-1
        ("198.51.100.0/24", "reserved"),  # TEST-NET-2
        ("203.0.113.0/24", "reserved"),  # TEST-NET-3
        ("192.88.99.0/24", "reserved"),  # deprecated 6to4 relay anycast
        ("198.18.0.0/15", "reserved"),  # benchmarking
        ("240.0.0.0/4", "reserved"),
        ("255.255.255.255/32", "reserved"),  # broadcast
    )
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # well-known prefix: IPv4 in the low 32 bits
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")  # RFC 8215 local use: refused
_TEREDO = ipaddress.ip_network("2001::/32")
_IPV4_COMPAT = ipaddress.ip_network("::/96")
_EXTRA_V6: tuple[tuple[ipaddress.IPv6Network, str], ...] = tuple(
    (ipaddress.ip_network(net), reason)
    for net, reason in (
        ("fec0::/10", "site_local"),
        ("100::/64", "reserved"),  # discard-only
        ("2001:db8::/32", "reserved"),  # documentation
        ("3fff::/20", "reserved"),  # documentation (RFC 9637)
        ("5f00::/16", "reserved"),  # SRv6 SIDs
    )
)


class FetchGuardError(Exception):
    """Base class for refusals raised before a connection is attempted."""


class SSRFRefused(FetchGuardError):
    """The target (scheme, address or port) is not allowed; nothing was connected."""

    def __init__(self, message: str, *, host: str | None = None, addresses=()):
        super().__init__(message)
        self.host = host
        self.addresses = tuple(addresses)


class ResolveError(FetchGuardError):
    """The host name could not be resolved (NXDOMAIN, no address, resolver failure)."""

    def __init__(self, message: str, *, host: str | None = None):
        super().__init__(message)
        self.host = host


@dataclass(frozen=True, slots=True)
class AddressDecision:
    allowed: bool
    reason: str  # "allowed", "allow_list", or the refusal category ("private", "port", ...)
    address: IPAddress

    def __bool__(self) -> bool:
        return self.allowed


# --------------------------------------------------------------------------- pure functions


def parse_allow_networks(
    value: str | Iterable[str | IPNetwork] | None,
) -> tuple[IPNetwork, ...]:
    """Parse ``CHECKER_ALLOW_NETWORKS`` style input: ``"127.0.0.1/32, ::1/128"``.

    Accepts a comma/whitespace separated string or an iterable of CIDR strings or network
    objects; a bare address means a single-host network.  Raises ``ValueError`` on a
    malformed entry.
    """
    if value is None:
        return ()
    items = value.replace(",", " ").split() if isinstance(value, str) else list(value)
    nets: list[IPNetwork] = []
    for item in items:
        if isinstance(item, ipaddress.IPv4Network | ipaddress.IPv6Network):
            nets.append(item)
        elif item.strip():
            nets.append(ipaddress.ip_network(item.strip(), strict=False))
    return tuple(nets)


def normalize_address(ip: str | IPAddress) -> IPAddress:
    """Parse ``ip`` and unwrap an IPv4-mapped IPv6 address (``::ffff:a.b.c.d``) to IPv4."""
    if isinstance(ip, str):
        ip = ipaddress.ip_address(ip.strip("[]"))
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip.scope_id:
            ip = ipaddress.IPv6Address(ip.compressed.split("%", 1)[0])
    return ip


def forbidden_reason(ip: str | IPAddress) -> str | None:
    """Return why ``ip`` is not a public unicast address, or ``None`` if it is one.

    Ignores any allow list: this is the raw classification.
    """
    addr = normalize_address(ip)
    if isinstance(addr, ipaddress.IPv4Address):
        return _v4_reason(addr)
    return _v6_reason(addr)


def _v4_reason(addr: ipaddress.IPv4Address) -> str | None:
    if addr.is_unspecified:
        return "unspecified"
    if addr.is_loopback:
        return "loopback"
    if addr.is_link_local:
        return "link_local"
    if addr.is_multicast:
        return "multicast"
    if addr in _SHARED:
        return "shared"
    for net, reason in _EXTRA_V4:
        if addr in net:
            return reason
    if addr.is_private:
        return "private"
    if addr.is_reserved:
        return "reserved"
    if not addr.is_global:
        return "non_global"
    return None


def _v6_reason(addr: ipaddress.IPv6Address) -> str | None:
    if addr.is_unspecified:
        return "unspecified"
    if addr.is_loopback:
        return "loopback"
    if addr.is_link_local:
        return "link_local"
    if addr.is_multicast:
        return "multicast"
    if addr.is_site_local:
        return "site_local"
    # IPv6 forms that carry an IPv4 address: judge the embedded address.
    embedded: ipaddress.IPv4Address | None = None
    if addr in _IPV4_COMPAT:
        embedded = ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF)
        inner = _v4_reason(embedded)
        return f"ipv4_compatible:{inner or 'public'}"  # deprecated form: always refused
    if addr in _NAT64_LOCAL:
        return "nat64_local"
    if addr in _NAT64:
        embedded = ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF)
    elif addr.sixtofour is not None:
        embedded = addr.sixtofour
    elif addr in _TEREDO:
        return "teredo"
    if embedded is not None:
        inner = _v4_reason(embedded)
        if inner is not None:
            return f"embedded_ipv4:{inner}"
        return None
    for net, reason in _EXTRA_V6:
        if addr in net:
            return reason
    if addr.is_private:
        return "private"
    if addr.is_reserved:
        return "reserved"
    if not addr.is_global:
        return "non_global"
    return None


def in_networks(ip: str | IPAddress, networks: Iterable[IPNetwork]) -> bool:
    addr = normalize_address(ip)
    return any(addr.version == net.version and addr in net for net in networks)


def check_address(
    ip: str | IPAddress,
    allow_networks: Iterable[IPNetwork] = (),
    *,
    port: int | None = None,
    allowed_ports: Iterable[int] | None = DEFAULT_PUBLIC_PORTS,
) -> AddressDecision:
    """Pure decision: may a checker connect to ``ip`` (on ``port``)?

    * An address inside ``allow_networks`` is allowed on any port (reason ``"allow_list"``).
    * Otherwise a non-public address is refused with its category as the reason.
    * A public address is allowed when ``port`` is ``None``, ``allowed_ports`` is ``None``
      (any port), or ``port`` is in ``allowed_ports``; else refused with reason ``"port"``.
    """
    try:
        addr = normalize_address(ip)
    except ValueError:
        raise ValueError(f"not an IP address: {ip!r}") from None
    if in_networks(addr, allow_networks):
        return AddressDecision(True, "allow_list", addr)
    reason = forbidden_reason(addr)
    if reason is not None:
        return AddressDecision(False, reason, addr)
    if port is not None and allowed_ports is not None and port not in allowed_ports:
        return AddressDecision(False, "port", addr)
    return AddressDecision(True, "allowed", addr)


def ip_literal(host: str) -> IPAddress | None:
    """Return the address if ``host`` is an IP literal (``[v6]`` brackets allowed)."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


# --------------------------------------------------------------------------- resolution


async def system_resolver(host: str, port: int) -> list[str]:
    """Resolve with the system resolver via ``loop.getaddrinfo`` (runs in a thread)."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    seen: dict[str, None] = {}
    for _family, _type, _proto, _canon, sockaddr in infos:
        seen.setdefault(str(sockaddr[0]), None)
    return list(seen)


class SSRFGuard:
    """Resolve host names and keep only the addresses a checker may connect to."""

    def __init__(
        self,
        allow_networks: Iterable[IPNetwork] = (),
        *,
        allowed_ports: Iterable[int] | None = DEFAULT_PUBLIC_PORTS,
        resolver: Resolver | None = None,
        resolve_timeout: float | None = 10.0,
        max_addresses: int = 4,
    ) -> None:
        self.allow_networks = tuple(allow_networks)
        self.allowed_ports = None if allowed_ports is None else frozenset(allowed_ports)
        self.resolver: Resolver = resolver or system_resolver
        self.resolve_timeout = resolve_timeout
        self.max_addresses = max_addresses

    def decide(self, ip: str | IPAddress, port: int | None = None) -> AddressDecision:
        return check_address(ip, self.allow_networks, port=port, allowed_ports=self.allowed_ports)

    async def resolve(self, host: str, port: int, timeout: float | None = None) -> list[str]:
        literal = ip_literal(host)
        if literal is not None:
            return [str(literal)]
        timeout = self.resolve_timeout if timeout is None else timeout
        try:
            async with asyncio.timeout(timeout):
                addrs = await self.resolver(host, port)
        except TimeoutError:
            raise ResolveError(f"resolving {host!r} timed out", host=host) from None
        except (OSError, UnicodeError) as exc:  # socket.gaierror is an OSError
            raise ResolveError(f"cannot resolve {host!r}: {exc}", host=host) from exc
        if not addrs:
            raise ResolveError(f"{host!r} has no address", host=host)
        return list(addrs)

    async def permitted_addresses(
        self, host: str, port: int, timeout: float | None = None
    ) -> list[str]:
        """Resolve ``host`` and return the permitted addresses (connect to these only).

        Raises :class:`SSRFRefused` if no resolved address is permitted and
        :class:`ResolveError` if the name does not resolve.
        """
        addrs = await self.resolve(host, port, timeout)
        permitted: list[str] = []
        refusals: list[str] = []
        for raw in addrs:
            try:
                decision = self.decide(raw, port)
            except ValueError:
                refusals.append(f"{raw} (unparseable)")
                continue
            if decision.allowed:
                permitted.append(str(decision.address))
            else:
                refusals.append(f"{decision.address} ({decision.reason})")
        if not permitted:
            raise SSRFRefused(
                f"refused {host}:{port} -> " + ", ".join(refusals),
                host=host,
                addresses=addrs,
            )
        return permitted[: self.max_addresses]


# --------------------------------------------------------------------------- httpcore backend


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore network backend that connects only to addresses the guard permits.

    ``connect_tcp`` receives the URL's host name from httpcore, resolves and checks it, and
    opens the socket to the checked IP.  TLS (``start_tls`` on the returned stream) is
    still called by httpcore with ``server_hostname`` = the URL host, so SNI and
    certificate verification are for the name, not the IP.  Unix sockets are refused.
    """

    def __init__(self, guard: SSRFGuard, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self.guard = guard
        self.inner = inner if inner is not None else httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self.guard.permitted_addresses(host, port, timeout)
        last_exc: Exception | None = None
        for address in addresses:
            try:
                stream = await self.inner.connect_tcp(
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
                return PinnedStream(stream, address)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_exc = exc
        assert last_exc is not None
        raise last_exc

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise SSRFRefused("unix sockets are not allowed")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


def _socket_readable(sock: socket.socket | None) -> bool:
    """Whether ``recv`` would return at once (data or EOF); a gone socket counts as readable."""
    fd = None if sock is None else sock.fileno()
    if fd is None or fd < 0:
        return True
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(0))


class PinnedStream(httpcore.AsyncNetworkStream):
    """The stream to a checked address; remembers that address and its raw socket.

    Delegates everything to the backend's stream.  It exists (a) to expose
    ``get_extra_info("pinned_address")`` and (b) because httpcore asks every pooled idle
    connection ``get_extra_info("is_readable")`` on each pool pass; answering that from the
    cached raw socket avoids anyio's per-call attribute lookups, which dominated the
    profile of large batches.
    """

    def __init__(self, inner: httpcore.AsyncNetworkStream, address: str) -> None:
        self._inner = inner
        self.address = address
        self._sock: socket.socket | None = None
        self._sock_known = False

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        tls = await self._inner.start_tls(ssl_context, server_hostname, timeout)
        return PinnedStream(tls, self.address)

    def get_extra_info(self, info: str) -> typing.Any:
        if info == "pinned_address":
            return self.address
        if info == "is_readable":
            if not self._sock_known:
                self._sock = self._inner.get_extra_info("socket")
                self._sock_known = True
            if self._sock is None:
                return self._inner.get_extra_info("is_readable")
            return _socket_readable(self._sock)
        return self._inner.get_extra_info(info)
