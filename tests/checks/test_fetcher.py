"""Fetcher against friendly and hostile servers on 127.0.0.1.

Allow list in every test: 127.0.0.1/32.  127.0.0.2 stands for "an internal host": a server
listens there and must never see a connection.  Outside addresses (169.254.169.254,
10.0.0.5) appear only as redirect targets or fake DNS answers; the guard must refuse them
before any socket is opened, and ``LoopbackOnlyBackend`` would refuse (and fail the test)
if it ever were asked to connect to them.
"""

from __future__ import annotations

import asyncio
import gzip
import ssl
import time
import tracemalloc
import zlib

import pytest

from checks.fetch.fetcher import (
    ERROR_CODES,
    FetchConfig,
    Fetcher,
    FetchResult,
    HostRateLimiter,
    decode_text,
    fetch_many,
)

from .conftest import (
    SAMPLES,
    endless_body,
    fetch_all,
    free_port,
    gzip_bomb,
    redirect,
    send,
    slow_drip,
    stall_after_headers,
)

ALLOW = "127.0.0.1/32"


def make_config(resolver, **overrides) -> FetchConfig:
    values = {
        "allow_networks": ALLOW,
        "resolver": resolver,
        "per_host_rate": None,
        "concurrency": 4,
        "connect_timeout": 2.0,
        "read_timeout": 2.0,
        "total_timeout": 5.0,
        "max_body_bytes": 1_000_000,
        "max_redirects": 3,
    }
    values.update(overrides)
    return FetchConfig(**values)


def fetch(url: str, config: FetchConfig, backend, platform: str | None = None) -> FetchResult:
    async def main() -> FetchResult:
        async with Fetcher(config, network_backend=backend) as fetcher:
            return await fetcher.fetch(url, key="k", platform=platform)

    return asyncio.run(main())


def page(title: str = "Hello", body: str = "<p>Hi</p>") -> bytes:
    return f"<html><head><title>{title}</title></head><body>{body}</body></html>".encode()


# --------------------------------------------------------------------------- success


def test_plain_page(http_server, backend, resolver):
    http_server.routes["/ok"] = lambda r: send(r, 200, page("Plain", "<p>1 234 просмотра</p>"))
    res = fetch(http_server.url("/ok"), make_config(resolver), backend)
    assert res.error is None, res.error_detail
    assert res.ok and res.available and not res.gone
    assert res.status_code == 200
    assert res.content_type == "text/html"
    assert res.title == "Plain" and res.views == 1234
    assert res.text and "Plain" in res.text
    assert res.key == "k" and res.final_url == res.url and res.redirects == []
    assert res.remote_address == "127.0.0.1"
    assert res.platform == "web"
    assert res.duration_ms >= 0 and res.started_at is not None
    assert backend.connects == [("127.0.0.1", http_server.port)]
    headers = http_server.hits["/ok"][-1]["headers"]
    assert "KibernadzorChecker" in headers["User-Agent"]
    assert headers["Accept-Encoding"] == "gzip, deflate"


def test_custom_user_agent(http_server, backend, resolver):
    http_server.routes["/ua"] = lambda r: send(r, 200, page())
    cfg = make_config(resolver, user_agent="TestAgent/1.0", extra_headers=(("X-Test", "1"),))
    assert fetch(http_server.url("/ua"), cfg, backend).ok
    headers = http_server.hits["/ua"][-1]["headers"]
    assert headers["User-Agent"] == "TestAgent/1.0" and headers["X-Test"] == "1"


@pytest.mark.parametrize("encoding", ["gzip", "deflate-zlib", "deflate-raw"])
def test_compressed_page(http_server, backend, resolver, encoding):
    raw = page("Сжатая страница", "<p>текст</p>" * 200)
    if encoding == "gzip":
        data, header = gzip.compress(raw), "gzip"
    elif encoding == "deflate-zlib":
        data, header = zlib.compress(raw), "deflate"
    else:
        comp = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
        data, header = comp.compress(raw) + comp.flush(), "deflate"
    path = f"/compressed-{encoding}"
    http_server.routes[path] = lambda r: send(r, 200, data, headers={"Content-Encoding": header})
    res = fetch(http_server.url(path), make_config(resolver), backend)
    assert res.ok, res.error_detail
    assert res.body == raw and res.title == "Сжатая страница"


def test_corrupt_gzip_is_decode_error(http_server, backend, resolver):
    bad = b"\x1f\x8b\x08\x00" + b"garbage" * 50
    http_server.routes["/badgz"] = lambda r: send(r, 200, bad, headers={"Content-Encoding": "gzip"})
    res = fetch(http_server.url("/badgz"), make_config(resolver), backend)
    assert res.error == "decode_error" and res.status_code == 200 and not res.ok


def test_unknown_content_encoding(http_server, backend, resolver):
    http_server.routes["/br"] = lambda r: send(r, 200, b"xx", headers={"Content-Encoding": "br"})
    res = fetch(http_server.url("/br"), make_config(resolver), backend)
    assert res.error == "decode_error"


def test_cp1251_page_without_charset_header(http_server, backend, resolver):
    raw = (SAMPLES / "generic_cp1251.html").read_bytes()
    http_server.routes["/cp1251"] = lambda r: send(r, 200, raw, content_type="text/html")
    res = fetch(http_server.url("/cp1251"), make_config(resolver), backend)
    assert res.ok
    assert res.encoding == "cp1251"
    assert res.title == "Тема: пример обсуждения"
    assert "буквой ё" in res.excerpt


def test_image_is_accepted_without_text(http_server, backend, resolver):
    png = b"\x89PNG\r\n\x1a\n" + bytes(100)
    http_server.routes["/img"] = lambda r: send(r, 200, png, content_type="image/png")
    res = fetch(http_server.url("/img"), make_config(resolver), backend)
    assert res.ok and res.content_type == "image/png"
    assert res.body == png and res.text is None and res.title is None


def test_json_is_accepted(http_server, backend, resolver):
    http_server.routes["/json"] = lambda r: send(r, 200, b'{"a": 1}', "application/json")
    res = fetch(http_server.url("/json"), make_config(resolver), backend)
    assert res.ok and res.text == '{"a": 1}' and res.title is None


def test_keep_body_false_drops_body(http_server, backend, resolver):
    http_server.routes["/nobody"] = lambda r: send(r, 200, page("Kept title"))
    res = fetch(http_server.url("/nobody"), make_config(resolver, keep_body=False), backend)
    assert res.ok and res.body is None and res.text is None and res.title == "Kept title"


def test_redirect_chain_is_followed_and_recorded(http_server, backend, resolver):
    http_server.routes["/r1"] = lambda r: redirect(r, "/r2", 301)
    http_server.routes["/r2"] = lambda r: redirect(r, http_server.url("/r3", host="example.test"))
    http_server.routes["/r3"] = lambda r: send(r, 200, page("Final"))
    res = fetch(http_server.url("/r1"), make_config(resolver), backend)
    assert res.ok, res.error_detail
    assert res.redirects == [http_server.url("/r2"), http_server.url("/r3", host="example.test")]
    assert res.final_url == http_server.url("/r3", host="example.test")
    assert res.title == "Final"
    # Host header carries the name although the socket went to the checked IP.
    assert http_server.hits["/r3"][-1]["headers"]["Host"] == f"example.test:{http_server.port}"
    assert {h for h, _ in backend.connects} == {"127.0.0.1"}


def test_cookies_survive_redirects_within_one_fetch(http_server, backend, resolver):
    def set_cookie(r):
        r.send_response(302)
        r.send_header("Location", "/needcookie")
        r.send_header("Set-Cookie", "seen=1; Path=/")
        r.send_header("Content-Length", "0")
        r.end_headers()

    def need_cookie(r):
        ok = "seen=1" in (r.headers.get("Cookie") or "")
        send(r, 200 if ok else 403, page("cookie ok" if ok else "no cookie"))

    http_server.routes["/setcookie"] = set_cookie
    http_server.routes["/needcookie"] = need_cookie
    res = fetch(http_server.url("/setcookie"), make_config(resolver), backend)
    assert res.ok and res.title == "cookie ok"


def test_mixed_dns_answer_connects_only_to_permitted_address(http_server, backend, resolver):
    http_server.routes["/mixed"] = lambda r: send(r, 200, page("Mixed"))
    res = fetch(http_server.url("/mixed", host="mixed.test"), make_config(resolver), backend)
    assert res.ok, res.error_detail
    assert backend.connects == [("127.0.0.1", http_server.port)]  # 10.0.0.5 was dropped


# --------------------------------------------------------------------------- HTTP outcomes


def test_404_is_gone_not_available(http_server, backend, resolver):
    res = fetch(http_server.url("/does-not-exist"), make_config(resolver), backend)
    assert res.status_code == 404 and res.error == "http_error"
    assert not res.ok and not res.available and res.gone and not res.transient


def test_410_and_503(http_server, backend, resolver):
    http_server.routes["/410"] = lambda r: send(r, 410, b"gone")
    http_server.routes["/503"] = lambda r: send(r, 503, b"busy")
    gone = fetch(http_server.url("/410"), make_config(resolver), backend)
    busy = fetch(http_server.url("/503"), make_config(resolver), backend)
    assert gone.gone and gone.status_code == 410
    assert busy.error == "http_error" and busy.transient and not busy.gone


def test_unsupported_content_type_is_completed_outcome(http_server, backend, resolver):
    http_server.routes["/bin"] = lambda r: send(r, 200, bytes(5000), "application/octet-stream")
    res = fetch(http_server.url("/bin"), make_config(resolver), backend)
    assert res.error == "unsupported_content_type"
    assert res.status_code == 200 and res.content_type == "application/octet-stream"
    assert not res.ok and res.body is None


def test_platform_removed_page_is_ok_but_not_available(http_server, backend, resolver):
    raw = (SAMPLES / "youtube_unavailable.html").read_bytes()
    http_server.routes["/yt-gone"] = lambda r: send(r, 200, raw)
    res = fetch(http_server.url("/yt-gone"), make_config(resolver), backend, platform="youtube")
    assert res.ok and not res.available and res.gone
    assert res.extra["playability_status"] == "ERROR"


# --------------------------------------------------------------------------- hostile servers


def test_slow_drip_hits_total_timeout(http_server, backend, resolver):
    http_server.routes["/drip"] = slow_drip
    cfg = make_config(resolver, read_timeout=3.0, total_timeout=1.5)
    t0 = time.monotonic()
    res = fetch(http_server.url("/drip"), cfg, backend)
    elapsed = time.monotonic() - t0
    assert res.error == "timeout", res.error_detail
    assert res.status_code == 200 and not res.ok
    assert elapsed < 3.0


def test_stalled_body_hits_read_timeout(http_server, backend, resolver):
    http_server.routes["/stall"] = stall_after_headers
    cfg = make_config(resolver, read_timeout=0.5, total_timeout=4.0)
    t0 = time.monotonic()
    res = fetch(http_server.url("/stall"), cfg, backend)
    assert res.error == "timeout" and "ReadTimeout" in res.error_detail
    assert time.monotonic() - t0 < 2.0


def test_endless_body_is_capped(http_server, backend, resolver):
    http_server.routes["/endless"] = endless_body
    t0 = time.monotonic()
    res = fetch(http_server.url("/endless"), make_config(resolver, max_body_bytes=300_000), backend)
    assert res.error == "body_too_large" and res.body is None
    assert time.monotonic() - t0 < 3.0


def test_declared_oversize_body_refused_before_reading(http_server, backend, resolver):
    def big(r):
        r.send_response(200)
        r.send_header("Content-Type", "text/html")
        r.send_header("Content-Length", str(10**9))
        r.end_headers()
        r.wfile.write(b"<html>")
        r.close_connection = True

    http_server.routes["/declared-big"] = big
    res = fetch(http_server.url("/declared-big"), make_config(resolver), backend)
    assert res.error == "body_too_large" and "Content-Length" in res.error_detail


def test_gzip_bomb_is_stopped_at_decoded_cap(http_server, backend, resolver):
    http_server.routes["/bomb"] = gzip_bomb
    cfg = make_config(resolver, max_body_bytes=2_000_000)
    tracemalloc.start()
    try:
        t0 = time.monotonic()
        res = fetch(http_server.url("/bomb"), cfg, backend)
        elapsed = time.monotonic() - t0
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert res.error == "body_too_large" and "decoded" in res.error_detail
    assert res.status_code == 200
    assert elapsed < 3.0
    assert peak < 20_000_000, f"peak Python allocation {peak} bytes"


def test_redirect_loop(http_server, backend, resolver):
    http_server.routes["/loop"] = lambda r: redirect(r, "/loop")
    res = fetch(http_server.url("/loop"), make_config(resolver, max_redirects=4), backend)
    assert res.error == "too_many_redirects"
    assert len(res.redirects) == 4 and res.status_code == 302
    assert len(http_server.hits["/loop"]) >= 5


def test_redirect_to_127_0_0_2_refused_without_connecting(
    http_server, forbidden_server, backend, resolver
):
    forbidden_server.routes["/secret"] = lambda r: send(r, 200, page("SECRET"))
    target = forbidden_server.url("/secret")
    http_server.routes["/to-internal"] = lambda r: redirect(r, target)
    before = forbidden_server.connections
    res = fetch(http_server.url("/to-internal"), make_config(resolver), backend)
    assert res.error == "ssrf_refused", res.error_detail
    assert "127.0.0.2" in res.error_detail and "loopback" in res.error_detail
    assert res.redirects == [target] and res.status_code == 302
    assert forbidden_server.connections == before == 0
    assert all(host == "127.0.0.1" for host, _ in backend.connects)


def test_redirect_to_internal_name_refused(http_server, forbidden_server, backend, resolver):
    target = forbidden_server.url("/secret", host="internal.test")
    http_server.routes["/to-internal-name"] = lambda r: redirect(r, target)
    res = fetch(http_server.url("/to-internal-name"), make_config(resolver), backend)
    assert res.error == "ssrf_refused"
    assert "internal.test" in resolver.calls
    assert forbidden_server.connections == 0


@pytest.mark.parametrize(
    "location",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:169.254.169.254]/latest/meta-data/",
        "http://metadata.test/latest/meta-data/",  # fake DNS answer: 169.254.169.254
        "http://private.test:8080/admin",  # fake DNS answer: 10.0.0.5
        "http://[fd00::1]/",
        "http://0.0.0.0:80/",
    ],
)
def test_redirect_to_non_public_refused_before_connect(http_server, backend, resolver, location):
    path = f"/to-meta-{abs(hash(location))}"
    http_server.routes[path] = lambda r: redirect(r, location)
    res = fetch(http_server.url(path), make_config(resolver), backend)
    assert res.error == "ssrf_refused", (res.error, res.error_detail)
    # The only socket ever opened is the one to the first server.
    assert backend.connects == [("127.0.0.1", http_server.port)]
    assert backend.violations == []


def test_direct_fetch_of_forbidden_address_never_connects(forbidden_server, backend, resolver):
    res = fetch(forbidden_server.url("/secret"), make_config(resolver), backend)
    assert res.error == "ssrf_refused" and res.status_code is None
    assert backend.connects == [] and forbidden_server.connections == 0


def test_empty_allow_list_refuses_loopback(http_server, backend, resolver):
    res = fetch(http_server.url("/ok"), make_config(resolver, allow_networks=()), backend)
    assert res.error == "ssrf_refused" and backend.connects == []


@pytest.mark.parametrize(
    "url",
    ["ftp://127.0.0.1/x", "file:///etc/passwd", "javascript:alert(1)", "http://", "not a url", ""],
)
def test_bad_urls(backend, resolver, url):
    res = fetch(url, make_config(resolver), backend)
    assert res.error == "bad_url" and backend.connects == []


def test_redirect_to_other_scheme_refused(http_server, backend, resolver):
    http_server.routes["/to-file"] = lambda r: redirect(r, "file:///etc/passwd")
    res = fetch(http_server.url("/to-file"), make_config(resolver), backend)
    assert res.error == "bad_url" and "scheme" in res.error_detail


def test_connect_error(backend, resolver):
    res = fetch(f"http://127.0.0.1:{free_port()}/", make_config(resolver), backend)
    assert res.error == "connect_error" and res.transient


def test_dns_error(backend, resolver):
    res = fetch("http://unknown-host.test/", make_config(resolver), backend)
    assert res.error == "dns_error" and backend.connects == []


# --------------------------------------------------------------------------- TLS


def test_tls_untrusted_certificate(tls_server, backend, resolver):
    tls_server.routes["/tls"] = lambda r: send(r, 200, page("TLS"))
    res = fetch(tls_server.url("/tls"), make_config(resolver), backend)  # system CAs only
    assert res.error == "tls_error", res.error_detail
    assert "certificate" in res.error_detail.lower()


def test_tls_pinned_ip_verifies_host_name(tls_server, ca, backend, resolver):
    tls_server.routes["/tls"] = lambda r: send(r, 200, page("TLS ok"))
    ctx = ssl.create_default_context()
    ca.configure_trust(ctx)
    url = tls_server.url("/tls", host="example.test")
    res = fetch(url, make_config(resolver, ssl_context=ctx), backend)
    assert res.ok, res.error_detail
    assert res.title == "TLS ok"
    assert backend.connects == [("127.0.0.1", tls_server.port)]  # socket to the checked IP
    assert "example.test" in tls_server.sni  # SNI is the name
    assert tls_server.hits["/tls"][-1]["headers"]["Host"] == f"example.test:{tls_server.port}"


def test_tls_certificate_for_other_name(tls_other_name_server, ca, backend, resolver):
    ctx = ssl.create_default_context()
    ca.configure_trust(ctx)
    url = tls_other_name_server.url("/x", host="example.test")
    res = fetch(url, make_config(resolver, ssl_context=ctx), backend)
    assert res.error == "tls_error" and "example.test" in res.error_detail


def test_tls_verification_cannot_be_disabled(resolver):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with pytest.raises(ValueError):
        Fetcher(make_config(resolver, ssl_context=ctx))


# --------------------------------------------------------------------------- proxy


def test_proxy_forwards_and_still_checks_target(http_server, backend, resolver):
    http_server.routes["/via-proxy"] = lambda r: send(r, 200, page("Proxied"))
    cfg = make_config(resolver, proxy=http_server.url(""))
    res = fetch(http_server.url("/via-proxy"), cfg, backend)
    assert res.ok and res.title == "Proxied"
    assert http_server.url("/via-proxy") in http_server.proxy_targets

    seen = len(http_server.proxy_targets)
    refused = fetch("http://metadata.test/latest/meta-data/", cfg, backend)
    assert refused.error == "ssrf_refused"
    assert len(http_server.proxy_targets) == seen  # the proxy was never asked


# --------------------------------------------------------------------------- concurrency/rate


def _sleepy(delay: float):
    def handler(r):
        time.sleep(delay)
        send(r, 200, page("slow"))

    return handler


def test_bounded_concurrency(http_server, backend, resolver):
    state = {"active": 0, "max": 0}

    def counting(r):
        with http_server.lock:
            state["active"] += 1
            state["max"] = max(state["max"], state["active"])
        try:
            time.sleep(0.2)
            send(r, 200, page("c"))
        finally:
            with http_server.lock:
                state["active"] -= 1

    http_server.routes["/conc"] = counting
    cfg = make_config(resolver, concurrency=3)
    items = [(i, http_server.url(f"/conc?i={i}")) for i in range(9)]

    async def main():
        async with Fetcher(cfg, network_backend=backend) as fetcher:
            results = [r async for r in fetcher.fetch_many(items)]
            return results, fetcher.max_in_flight

    t0 = time.monotonic()
    results, max_in_flight = asyncio.run(main())
    elapsed = time.monotonic() - t0
    assert sorted(r.key for r in results) == list(range(9))
    assert all(r.ok for r in results)
    assert max_in_flight == 3 and state["max"] == 3
    assert elapsed >= 0.55  # 3 waves of 0.2 s


def test_sharded_pool_runs_a_full_wave_on_one_host(http_server, backend, resolver):
    """12 slots over 2 pool shards of 6: all 12 requests to one host run at once."""
    state = {"active": 0, "max": 0}

    def counting(r):
        with http_server.lock:
            state["active"] += 1
            state["max"] = max(state["max"], state["active"])
        try:
            time.sleep(0.3)
            send(r, 200, page("w"))
        finally:
            with http_server.lock:
                state["active"] -= 1

    http_server.routes["/wave"] = counting
    cfg = make_config(resolver, concurrency=12)
    items = [(i, http_server.url(f"/wave?i={i}")) for i in range(12)]

    async def main():
        async with Fetcher(cfg, network_backend=backend) as fetcher:
            assert len(fetcher._transport._pool.pools) == 2
            results = [r async for r in fetcher.fetch_many(items)]
            assert fetcher._transport._pool.busy == [0, 0]  # every slot handed back
            return results

    results = asyncio.run(main())
    assert all(r.ok for r in results)
    assert state["max"] == 12  # one wave: no request queued behind a full shard


def test_per_host_rate_limit(http_server, backend, resolver):
    for name in ("/rate-a", "/rate-b"):
        http_server.routes[name] = lambda r: send(r, 200, page("r"))
    cfg = make_config(resolver, per_host_rate=10.0, per_host_burst=1, concurrency=8)
    items = [(f"a{i}", http_server.url("/rate-a", host="a.test")) for i in range(5)]
    items += [(f"b{i}", http_server.url("/rate-b", host="b.test")) for i in range(5)]
    t0 = time.monotonic()
    results = fetch_all(items, cfg, backend)
    elapsed = time.monotonic() - t0
    assert all(r.ok for r in results)
    times = {}
    for name in ("/rate-a", "/rate-b"):
        times[name] = [h["t"] for h in http_server.hits[name][-5:]]
        # 10/s per host: the k-th request to a host cannot reach it before k tenths of a
        # second have passed (a loaded machine only delays requests, so this cannot flake the
        # way a minimum gap between two arrivals does).
        since_start = [t - t0 for t in times[name]]
        assert all(t >= k * 0.1 * 0.95 for k, t in enumerate(since_start)), since_start
    assert elapsed >= 0.35
    # hosts are limited independently: b.test is served while a.test is still waiting
    assert times["/rate-b"][0] < times["/rate-a"][-1]
    assert times["/rate-a"][0] < times["/rate-b"][-1]


def test_rate_limiter_unit():
    now = [0.0]
    lim = HostRateLimiter(2.0, burst=2, clock=lambda: now[0])
    assert lim.try_acquire("h") == 0 and lim.try_acquire("h") == 0  # burst of 2
    assert lim.try_acquire("h") == pytest.approx(0.5)
    assert lim.try_acquire("other") == 0
    now[0] = 0.5
    assert lim.try_acquire("h") == 0
    assert lim.reserve("h") == pytest.approx(0.5)  # reservation always succeeds
    assert HostRateLimiter(None).try_acquire("h") == 0


def test_fetch_many_mixed_batch_records_every_item(http_server, backend, resolver):
    http_server.routes["/m-ok"] = lambda r: send(r, 200, page("ok"))
    http_server.routes["/m-drip"] = slow_drip
    items = iter(
        [
            ("ok", http_server.url("/m-ok")),
            ("404", http_server.url("/m-missing")),
            ("bad", "gopher://x/"),
            ("meta", "http://169.254.169.254/"),
            ("drip", http_server.url("/m-drip"), "web"),
        ]
    )
    cfg = make_config(resolver, total_timeout=1.0)

    async def main():
        return [r async for r in fetch_many(items, cfg, network_backend=backend)]

    results = {r.key: r for r in asyncio.run(main())}
    assert set(results) == {"ok", "404", "bad", "meta", "drip"}
    assert results["ok"].ok
    assert results["404"].error == "http_error"
    assert results["bad"].error == "bad_url"
    assert results["meta"].error == "ssrf_refused"
    assert results["drip"].error == "timeout"
    assert all(r.error in (None, *ERROR_CODES) for r in results.values())


def test_fetch_many_consumer_can_stop_early(http_server, backend, resolver):
    http_server.routes["/early"] = _sleepy(0.05)
    items = ((i, http_server.url(f"/early?i={i}")) for i in range(1000))
    cfg = make_config(resolver, concurrency=2, max_pending=4)

    async def main():
        got = []
        async with Fetcher(cfg, network_backend=backend) as fetcher:
            gen = fetcher.fetch_many(items)
            async for r in gen:
                got.append(r)
                if len(got) == 3:
                    break
            await gen.aclose()
        return got

    got = asyncio.run(asyncio.wait_for(main(), 5))
    assert len(got) == 3
    assert len(http_server.hits["/early"]) < 20  # input consumed lazily, not all 1000


def test_decode_text_fallbacks():
    assert decode_text("привет".encode("cp1251"), None, "text/plain") == ("привет", "cp1251")
    assert decode_text("привет".encode(), None, "text/plain") == ("привет", "utf-8")
    assert decode_text("привет".encode("koi8-r"), "koi8-r", "text/html")[0] == "привет"
    assert decode_text(b"\xef\xbb\xbfabc", "latin-1", None) == ("abc", "utf-8-sig")


@pytest.mark.parametrize("chunk", [1, 7, 1000, 10**6])
def test_decoder_bounded_steps_any_chunking(chunk):
    from checks.fetch.fetcher import _DECODE_STEP, _Decoder

    raw = b"".join(b"line %d of a long page\n" % i for i in range(40000))  # ~1 MB
    members = gzip.compress(raw[:500_000]) + gzip.compress(raw[500_000:])  # two gzip members
    comp = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    raw_deflate = comp.compress(raw) + comp.flush()
    for data, encoding in (
        (members, "gzip"),
        (zlib.compress(raw), "deflate"),
        (raw_deflate, "deflate"),
        (raw, "identity"),
    ):
        decoder = _Decoder(encoding)
        out = []
        for i in range(0, len(data), chunk):
            for piece in decoder.feed(data[i : i + chunk]):
                assert encoding == "identity" or len(piece) <= _DECODE_STEP
                out.append(piece)
        out.append(decoder.flush())
        assert b"".join(out) == raw, encoding
