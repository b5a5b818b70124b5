"""SSRF guard decisions, tested as pure functions (no sockets, no DNS)."""

from __future__ import annotations

import asyncio
import ipaddress
import socket

import pytest
from hypothesis import given
from hypothesis import strategies as st

from checks.fetch.ssrf import (
    DEFAULT_PUBLIC_PORTS,
    GuardedBackend,
    ResolveError,
    SSRFGuard,
    SSRFRefused,
    check_address,
    forbidden_reason,
    parse_allow_networks,
)

ALLOW = parse_allow_networks("127.0.0.1/32")


@pytest.mark.parametrize(
    ("ip", "reason"),
    [
        ("127.0.0.2", "loopback"),
        ("127.255.255.254", "loopback"),
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link_local"),
        ("100.64.0.1", "shared"),
        ("100.127.255.254", "shared"),
        ("0.0.0.0", "unspecified"),  # noqa: S104 - an address under test, not a bind
        ("0.1.2.3", "unspecified"),
        ("224.0.0.251", "multicast"),
        ("239.255.255.250", "multicast"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "reserved"),
        ("192.0.0.8", "reserved"),
        ("192.0.2.10", "reserved"),
        ("198.18.0.1", "reserved"),
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fe80::1", "link_local"),
        ("fe80::1%eth0", "link_local"),
        ("fc00::1", "private"),
        ("fd12:3456::1", "private"),
        ("fec0::1", "site_local"),
        ("ff02::1", "multicast"),
        ("2001:db8::1", "reserved"),
        ("2001::1", "teredo"),
        ("::ffff:127.0.0.2", "loopback"),
        ("::ffff:169.254.169.254", "link_local"),
        ("::ffff:10.1.1.1", "private"),
        ("::a9fe:a9fe", "ipv4_compatible:link_local"),
        ("64:ff9b::a9fe:a9fe", "embedded_ipv4:link_local"),
        ("64:ff9b::0a00:0001", "embedded_ipv4:private"),
        ("2002:a9fe:a9fe::1", "embedded_ipv4:link_local"),
        ("2002:7f00:1::1", "embedded_ipv4:loopback"),
    ],
)
def test_non_public_addresses_are_refused(ip, reason):
    decision = check_address(ip, ALLOW)
    assert not decision.allowed
    assert decision.reason == reason
    assert forbidden_reason(ip) == reason


@pytest.mark.parametrize(
    "ip", ["8.8.8.8", "1.1.1.1", "93.184.216.34", "2606:4700::1111", "::ffff:8.8.8.8"]
)
def test_public_addresses_are_allowed_on_default_ports(ip):
    for port in sorted(DEFAULT_PUBLIC_PORTS):
        assert check_address(ip, (), port=port).allowed
    assert check_address(ip, ()).reason == "allowed"


@pytest.mark.parametrize("port", [22, 25, 6379, 5432, 11211, 8000])
def test_public_addresses_refused_on_other_ports(port):
    decision = check_address("8.8.8.8", (), port=port)
    assert not decision.allowed and decision.reason == "port"
    assert check_address("8.8.8.8", (), port=port, allowed_ports=None).allowed


def test_allow_list_overrides_and_allows_any_port():
    assert check_address("127.0.0.1", ALLOW, port=6379).reason == "allow_list"
    assert check_address("::ffff:127.0.0.1", ALLOW).allowed  # mapped form of an allowed IP
    assert not check_address("127.0.0.2", ALLOW).allowed
    assert not check_address("::1", ALLOW).allowed
    nets = parse_allow_networks("10.20.0.0/16, ::1/128")
    assert check_address("10.20.3.4", nets, port=9200).allowed
    assert not check_address("10.21.3.4", nets).allowed
    assert check_address("::1", nets).allowed


def test_parse_allow_networks():
    assert parse_allow_networks(None) == ()
    assert parse_allow_networks("") == ()
    nets = parse_allow_networks(" 127.0.0.1/32,10.0.0.0/8 ::1 ")
    assert [str(n) for n in nets] == ["127.0.0.1/32", "10.0.0.0/8", "::1/128"]
    assert parse_allow_networks(["192.168.1.7/24"])[0] == ipaddress.ip_network("192.168.1.0/24")
    with pytest.raises(ValueError):
        parse_allow_networks("not-a-network")


@given(st.ip_addresses(v=4, network="10.0.0.0/8"))
def test_any_10_8_address_refused(ip):
    assert not check_address(ip, ALLOW).allowed
    assert not check_address(f"::ffff:{ip}", ALLOW).allowed


@given(st.ip_addresses(v=4, network="169.254.0.0/16"))
def test_any_link_local_refused_even_if_mapped_or_nat64(ip):
    assert not check_address(ip, ALLOW).allowed
    mapped = ipaddress.IPv6Address((0xFFFF << 32) | int(ip))
    nat64 = ipaddress.IPv6Address((0x0064FF9B << 96) | int(ip))
    assert not check_address(mapped, ALLOW).allowed
    assert not check_address(nat64, ALLOW).allowed


@given(st.ip_addresses())
def test_decision_is_total_and_consistent(ip):
    decision = check_address(ip, ())
    assert decision.allowed == (forbidden_reason(ip) is None)
    if decision.allowed:
        addr = decision.address
        assert not (addr.is_private or addr.is_loopback or addr.is_link_local)
        assert not (addr.is_multicast or addr.is_unspecified)
        # NAT64 (64:ff9b::/96) sits in ::/8 "reserved"; it is judged by its embedded IPv4.
        nat64 = addr.version == 6 and addr in ipaddress.ip_network("64:ff9b::/96")
        assert nat64 or not addr.is_reserved


@given(st.ip_addresses(v=4, network="127.0.0.0/8"))
def test_only_listed_loopback_allowed(ip):
    assert check_address(ip, ALLOW).allowed == (str(ip) == "127.0.0.1")


# --------------------------------------------------------------------------- guard (fake DNS)


def _resolver(table):
    calls = []

    async def resolve(host, port):
        calls.append((host, port))
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "unknown")
        return table[host]

    resolve.calls = calls
    return resolve


def test_guard_filters_and_refuses():
    resolver = _resolver(
        {"mixed.test": ["10.0.0.1", "127.0.0.1"], "meta.test": ["169.254.169.254"], "none.test": []}
    )
    guard = SSRFGuard(ALLOW, resolver=resolver)

    async def main():
        assert await guard.permitted_addresses("mixed.test", 80) == ["127.0.0.1"]
        with pytest.raises(SSRFRefused) as exc:
            await guard.permitted_addresses("meta.test", 80)
        assert "169.254.169.254 (link_local)" in str(exc.value)
        with pytest.raises(ResolveError):
            await guard.permitted_addresses("unknown.test", 80)
        with pytest.raises(ResolveError):
            await guard.permitted_addresses("none.test", 80)
        # IP literals never reach the resolver
        assert await guard.permitted_addresses("127.0.0.1", 8080) == ["127.0.0.1"]
        assert await guard.permitted_addresses("[::ffff:127.0.0.1]", 1) == ["127.0.0.1"]

    asyncio.run(main())
    hosts = [h for h, _ in resolver.calls]
    assert hosts == ["mixed.test", "meta.test", "unknown.test", "none.test"]


def test_guard_resolver_timeout():
    async def slow(host, port):
        await asyncio.sleep(5)
        return ["127.0.0.1"]

    guard = SSRFGuard(ALLOW, resolver=slow, resolve_timeout=0.05)

    async def main():
        with pytest.raises(ResolveError, match="timed out"):
            await guard.permitted_addresses("slow.test", 80)

    asyncio.run(main())


class _ExplodingBackend:
    """Stands in for the socket layer: any call means the guard let something through."""

    def __init__(self):
        self.calls = []

    async def connect_tcp(self, host, port, **kwargs):
        self.calls.append((host, port))
        raise AssertionError(f"connect_tcp reached for {host}:{port}")


@pytest.mark.parametrize(
    ("host", "port"),
    [
        ("169.254.169.254", 80),
        ("metadata.test", 80),
        ("10.0.0.5", 443),
        ("127.0.0.2", 80),
        ("::1", 80),
        ("8.8.8.8", 22),  # public, but not an allowed port
    ],
)
def test_backend_refuses_before_connect(host, port):
    inner = _ExplodingBackend()
    resolver = _resolver({"metadata.test": ["169.254.169.254"]})
    backend = GuardedBackend(SSRFGuard(ALLOW, resolver=resolver), inner)

    async def main():
        with pytest.raises(SSRFRefused):
            await backend.connect_tcp(host, port, timeout=1)

    asyncio.run(main())
    assert inner.calls == []


def test_backend_connects_to_checked_ip_not_name():
    class Recorder:
        def __init__(self):
            self.calls = []

        async def connect_tcp(self, host, port, **kwargs):
            self.calls.append((host, port))
            return "stream"

    inner = Recorder()
    resolver = _resolver({"example.test": ["127.0.0.1"]})
    backend = GuardedBackend(SSRFGuard(ALLOW, resolver=resolver), inner)
    stream = asyncio.run(backend.connect_tcp("example.test", 8080))
    assert stream.get_extra_info("pinned_address") == "127.0.0.1"
    assert inner.calls == [("127.0.0.1", 8080)]


def test_backend_refuses_unix_sockets():
    backend = GuardedBackend(SSRFGuard(ALLOW), _ExplodingBackend())
    with pytest.raises(SSRFRefused):
        asyncio.run(backend.connect_unix_socket("/var/run/docker.sock"))
